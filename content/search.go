package content

import (
	"html/template"
	"math"
	"sort"
	"strings"
	"unicode"
)

// Index is an in-process full-text index over lessons and glossary terms.
// The content is embedded and never changes while the binary runs, so the
// index is built once at start-up (a few milliseconds) and read without locks.
type Index struct {
	docs     []searchDoc
	postings map[string][]posting
	avgLen   [2]float64
}

type searchDoc struct {
	Kind   string // "lesson" or "term"
	Title  string
	URL    string
	Where  string // module title for lessons; "Glossary" for terms
	Text   string
	words  []string   // the body's words as written, for snippets
	toks   [][]string // each word's search tokens, computed once
	titleW []string
	titleT [][]string
	length [2]int // tokens in title, body
	// titleTok is the title's tokens; tokWord maps each body token
	// position to the word it is in (nil if the two tokenisations ever
	// disagree, and snippets then match words by their tokens).
	titleTok []string
	tokWord  []int32
}

type posting struct {
	doc   int
	field int // 0 title, 1 body
	pos   []int
}

// Hit is one search result.
type Hit struct {
	Kind    string
	Title   string
	Marked  template.HTML // the title with the query's words marked
	URL     string
	Where   string
	Snippet template.HTML
	Score   float64
}

var fieldWeight = [2]float64{3.0, 1.0}

func buildIndex(lib *Library) *Index {
	ix := &Index{postings: map[string][]posting{}}
	for _, m := range lib.Modules {
		for _, l := range m.Lessons {
			text := l.Text
			if len(l.Objectives) > 0 {
				text = strings.Join(l.Objectives, ". ") + ". " + text
			}
			ix.add(searchDoc{Kind: "lesson", Title: l.Title, URL: l.URL(), Where: m.Title, Text: text})
		}
	}
	for _, t := range lib.Glossary {
		ix.add(searchDoc{Kind: "term", Title: t.Term, URL: "/glossary#" + t.Slug, Where: "Glossary", Text: t.Definition})
	}
	var sum [2]float64
	for _, d := range ix.docs {
		sum[0] += float64(d.length[0])
		sum[1] += float64(d.length[1])
	}
	if n := float64(len(ix.docs)); n > 0 {
		ix.avgLen = [2]float64{sum[0] / n, sum[1] / n}
	}
	return ix
}

func (ix *Index) add(d searchDoc) {
	id := len(ix.docs)
	d.words = strings.Fields(d.Text)
	d.toks = make([][]string, len(d.words))
	for i, w := range d.words {
		d.toks[i] = tokenize(w)
	}
	d.titleW = strings.Fields(d.Title)
	d.titleT = make([][]string, len(d.titleW))
	for i, w := range d.titleW {
		d.titleT[i] = tokenize(w)
	}
	d.titleTok = tokenize(d.Title)
	for f, text := range []string{d.Title, d.Text} {
		toks := tokenize(text)
		d.length[f] = len(toks)
		if f == 1 {
			d.tokWord = wordOfToken(toks, d.toks)
		}
		pos := map[string][]int{}
		for i, t := range toks {
			pos[t] = append(pos[t], i)
		}
		for t, p := range pos {
			ix.postings[t] = append(ix.postings[t], posting{doc: id, field: f, pos: p})
		}
	}
	ix.docs = append(ix.docs, d)
}

// wordOfToken maps each of a body's tokens to the index of the word it
// came from, or returns nil if the per-word tokens are not the body's.
func wordOfToken(toks []string, perWord [][]string) []int32 {
	out := make([]int32, 0, len(toks))
	for i, ts := range perWord {
		for _, t := range ts {
			if len(out) >= len(toks) || toks[len(out)] != t {
				return nil
			}
			out = append(out, int32(i))
		}
	}
	if len(out) != len(toks) {
		return nil
	}
	return out
}

// tokenize lowercases, splits on anything but letters and digits (keeping
// dotted codes such as E11.65 together as e1165) and folds plurals.
func tokenize(s string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, stem(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			cur = append(cur, unicode.ToLower(r))
		case r == '.' && len(cur) > 0 && i+1 < len(rs) && unicode.IsDigit(rs[i-1]) && (unicode.IsDigit(rs[i+1]) || unicode.IsLetter(rs[i+1])):
			// inside a code like E11.65 or a number like 3.5: keep joined
		default:
			flush()
		}
	}
	flush()
	return out
}

// stem folds the commonest English plural endings so that "rates" finds
// "rate". It is deliberately light: HIM vocabulary is full of terms
// (diagnosis, status, census) that a heavier stemmer would mangle.
func stem(w string) string {
	n := len(w)
	switch {
	case n > 4 && strings.HasSuffix(w, "ies"):
		return w[:n-3] + "y"
	case n > 4 && strings.HasSuffix(w, "ses") && !strings.HasSuffix(w, "uses"):
		return w[:n-2] + "is" // diagnoses -> diagnosis, analyses -> analysis
	case n > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		return w[:n-1]
	}
	return w
}

// Search returns up to limit hits for the query, best first. Words are
// combined with OR and ranked by BM25 over title and body, with a bonus when
// the query's words appear together as a phrase.
func (ix *Index) Search(query string, limit int) []Hit {
	terms := tokenize(query)
	if len(terms) == 0 || ix == nil {
		return nil
	}
	const k1, b = 1.2, 0.75
	n := float64(len(ix.docs))
	// The distinct terms, and each query word's index among them.
	var uniqTerms []string
	termIdx := map[string]int{}
	phrase := make([]int, len(terms))
	for i, t := range terms {
		k, ok := termIdx[t]
		if !ok {
			k = len(uniqTerms)
			termIdx[t] = k
			uniqTerms = append(uniqTerms, t)
		}
		phrase[i] = k
	}
	uniq := len(uniqTerms)
	// Per document, by index (a few hundred documents: slices, not maps).
	scores := make([]float64, len(ix.docs))
	matched := make([]int, len(ix.docs))       // distinct terms found
	lastTerm := make([]int, len(ix.docs))      // 1 + the last term counted
	positions := make([][][]int, len(ix.docs)) // body positions per term
	for k, t := range uniqTerms {
		ps := ix.postings[t]
		df := 0
		for i, p := range ps { // a document's postings of a term are adjacent
			if i == 0 || ps[i-1].doc != p.doc {
				df++
			}
		}
		idf := math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5))
		for _, p := range ps {
			d := ix.docs[p.doc]
			tf := float64(len(p.pos))
			norm := tf * (k1 + 1) / (tf + k1*(1-b+b*float64(d.length[p.field])/math.Max(ix.avgLen[p.field], 1)))
			scores[p.doc] += fieldWeight[p.field] * idf * norm
			if lastTerm[p.doc] != k+1 {
				lastTerm[p.doc] = k + 1
				matched[p.doc]++
			}
			if p.field == 1 {
				if positions[p.doc] == nil {
					positions[p.doc] = make([][]int, uniq)
				}
				positions[p.doc][k] = p.pos
			}
		}
	}
	var ids []int
	for doc, s := range scores {
		if matched[doc] == 0 {
			continue
		}
		// every query word present: a strong signal for multi-word queries
		if uniq > 1 && matched[doc] == uniq {
			s *= 1.5
		}
		if uniq > 1 && hasPhrase(phrase, positions[doc]) {
			s *= 2
		}
		if uniq > 1 && tokensEqual(ix.docs[doc].titleTok, terms) {
			s *= 2 // the glossary entry or lesson named exactly like the query
		}
		scores[doc] = s
		ids = append(ids, doc)
	}
	sort.Slice(ids, func(i, j int) bool {
		if scores[ids[i]] != scores[ids[j]] {
			return scores[ids[i]] > scores[ids[j]]
		}
		return ids[i] < ids[j]
	})
	if len(ids) > limit {
		ids = ids[:limit]
	}
	termSet := make(map[string]bool, uniq)
	for _, t := range uniqTerms {
		termSet[t] = true
	}
	hits := make([]Hit, 0, len(ids))
	for _, id := range ids {
		d := ix.docs[id]
		var body []bool
		if d.tokWord != nil {
			body = make([]bool, len(d.words))
			for _, pos := range positions[id] {
				for _, p := range pos {
					body[d.tokWord[p]] = true
				}
			}
		} else {
			body = markWords(d.toks, termSet)
		}
		hits = append(hits, Hit{Kind: d.Kind, Title: d.Title, URL: d.URL, Where: d.Where, Score: scores[id],
			Marked: snippet(d.titleW, markWords(d.titleT, termSet)), Snippet: snippet(d.words, body)})
	}
	return hits
}

func tokensEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// hasPhrase reports whether the query's words (as indexes into pos, the
// body positions of each distinct term) occur consecutively in the body.
func hasPhrase(terms []int, pos [][]int) bool {
	if pos == nil {
		return false
	}
	for _, start := range pos[terms[0]] {
		ok := true
		for i := 1; i < len(terms); i++ {
			ps := pos[terms[i]] // ascending
			if k := sort.SearchInts(ps, start+i); k == len(ps) || ps[k] != start+i {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// markWords marks the words one of whose tokens is a query term.
func markWords(toks [][]string, terms map[string]bool) []bool {
	hit := make([]bool, len(toks))
	for i := range toks {
		for _, t := range toks[i] {
			if terms[t] {
				hit[i] = true
			}
		}
	}
	return hit
}

// snippet picks the 30-word window with the most marked words and marks
// them. Every word is HTML-escaped; only the <mark> tags are ours.
func snippet(words []string, hit []bool) template.HTML {
	const width = 30
	if len(words) == 0 {
		return ""
	}
	best, bestCount, count := 0, -1, 0
	for i := range words {
		if hit[i] {
			count++
		}
		if i >= width && hit[i-width] {
			count--
		}
		if count > bestCount {
			bestCount, best = count, max(0, i-width+1)
		}
	}
	end := min(len(words), best+width)
	var b strings.Builder
	if best > 0 {
		b.WriteString("… ")
	}
	for i := best; i < end; i++ {
		if i > best {
			b.WriteByte(' ')
		}
		w := template.HTMLEscapeString(words[i])
		if hit[i] {
			b.WriteString("<mark>" + w + "</mark>")
		} else {
			b.WriteString(w)
		}
	}
	if end < len(words) {
		b.WriteString(" …")
	}
	return template.HTML(b.String())
}
