package codes

import (
	"math"
	"sort"
	"strings"
	"unicode"
)

// Index is an in-memory lookup over one code set (one system, one year):
// exact code, code prefix, parents and children, and word search over the
// titles. Built once per imported set; read without locks.
type Index struct {
	System  string
	entries []Entry          // sorted by code
	byCode  map[string]int32 // code -> entry
	post    map[string][]int32
	tokens  []string // sorted keys of post, for prefix matches
	nTok    []uint16 // tokens per entry
}

// NewIndex builds the index (entries in any order).
func NewIndex(system string, entries []Entry) *Index {
	es := append([]Entry(nil), entries...)
	sort.Slice(es, func(i, j int) bool { return es[i].Code < es[j].Code })
	ix := &Index{System: system, entries: es, byCode: make(map[string]int32, len(es)), post: map[string][]int32{}, nTok: make([]uint16, len(es))}
	for i, e := range es {
		ix.byCode[e.Code] = int32(i)
		seen := map[string]bool{}
		for _, t := range words(e.Long + " " + e.Short) {
			if !seen[t] {
				seen[t] = true
				ix.post[t] = append(ix.post[t], int32(i))
			}
		}
		ix.nTok[i] = uint16(min(len(seen), math.MaxUint16))
	}
	ix.tokens = make([]string, 0, len(ix.post))
	for t := range ix.post {
		ix.tokens = append(ix.tokens, t)
	}
	sort.Strings(ix.tokens)
	return ix
}

// Len is the number of entries.
func (ix *Index) Len() int { return len(ix.entries) }

// Lookup finds a code (any typed form).
func (ix *Index) Lookup(code string) (Entry, bool) {
	i, ok := ix.byCode[Normalize(code)]
	if !ok {
		return Entry{}, false
	}
	return ix.entries[i], true
}

// Parents returns the header rows above a code, outermost first.
func (ix *Index) Parents(code string) []Entry {
	var out []Entry
	for _, p := range Parents(ix.System, code) {
		if e, ok := ix.Lookup(p); ok {
			out = append(out, e)
		}
	}
	return out
}

// Children returns the codes one level below code: the next-longest codes
// that start with it and have no closer parent in between.
func (ix *Index) Children(code string) []Entry {
	c := Normalize(code)
	var out []Entry
	start := sort.Search(len(ix.entries), func(i int) bool { return ix.entries[i].Code > c })
	for i := start; i < len(ix.entries) && strings.HasPrefix(ix.entries[i].Code, c); i++ {
		e := ix.entries[i]
		direct := true
		for n := len(c) + 1; n < len(e.Code); n++ {
			if _, ok := ix.byCode[e.Code[:n]]; ok {
				direct = false
				break
			}
		}
		if direct {
			out = append(out, e)
		}
	}
	return out
}

// words splits a title into lowercase search tokens.
func words(s string) []string {
	f := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for i, w := range f {
		f[i] = stemWord(w)
	}
	return f
}

// stemWord folds common plurals ("fractures" -> "fracture").
func stemWord(w string) string {
	n := len(w)
	switch {
	case n > 4 && strings.HasSuffix(w, "ies"):
		return w[:n-3] + "y"
	case n > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		return w[:n-1]
	}
	return w
}

// looksLikeCode reports whether a query is a code or code prefix.
func looksLikeCode(q string) bool {
	c := Normalize(q)
	if c == "" || len(c) > 7 || strings.ContainsAny(q, ",;") {
		return false
	}
	hasDigit := false
	for i := 0; i < len(c); i++ {
		ch := c[i]
		if !(ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9') {
			return false
		}
		hasDigit = hasDigit || ch >= '0' && ch <= '9'
	}
	return hasDigit || len(c) == 1
}

// Search finds codes by prefix ("e11.6", "E116") or by words in the titles
// ("diabetes kidney", "fract femur"): every word must match, the last one
// (and any that is not a whole word) as a prefix. Results are ranked by how rare the matched words are, then
// billable codes before headers, then shorter titles.
func (ix *Index) Search(q string, limit int) []Entry {
	q = strings.TrimSpace(q)
	if q == "" || limit <= 0 {
		return nil
	}
	if looksLikeCode(q) {
		if out := ix.prefix(Normalize(q), limit); len(out) > 0 {
			return out
		}
	}
	toks := words(q)
	if len(toks) == 0 {
		return nil
	}
	var lists [][]int32
	var idf []float64
	n := float64(len(ix.entries))
	for i, t := range toks {
		// A whole word matches exactly; the word being typed (the last)
		// and words that are not whole words ("fract") match as prefixes.
		l := ix.post[t]
		if i == len(toks)-1 || len(l) == 0 {
			l = ix.prefixPostings(t)
		}
		if len(l) == 0 {
			return nil
		}
		lists = append(lists, l)
		idf = append(idf, math.Log(1+n/float64(len(l))))
	}
	// Intersect, smallest list first.
	order := make([]int, len(lists))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return len(lists[order[a]]) < len(lists[order[b]]) })
	cand := lists[order[0]]
	for _, k := range order[1:] {
		cand = intersect(cand, lists[k])
		if len(cand) == 0 {
			return nil
		}
	}
	base := 0.0
	for _, v := range idf {
		base += v
	}
	type scored struct {
		i int32
		s float64
	}
	res := make([]scored, len(cand))
	for k, i := range cand {
		s := base / math.Sqrt(float64(max(ix.nTok[i], 1)))
		if ix.entries[i].Billable {
			s *= 1.25
		}
		res[k] = scored{i, s}
	}
	sort.Slice(res, func(a, b int) bool {
		if res[a].s != res[b].s {
			return res[a].s > res[b].s
		}
		return ix.entries[res[a].i].Code < ix.entries[res[b].i].Code
	})
	out := make([]Entry, 0, min(limit, len(res)))
	for _, r := range res[:min(limit, len(res))] {
		out = append(out, ix.entries[r.i])
	}
	return out
}

func (ix *Index) prefix(p string, limit int) []Entry {
	start := sort.Search(len(ix.entries), func(i int) bool { return ix.entries[i].Code >= p })
	var out []Entry
	for i := start; i < len(ix.entries) && len(out) < limit && strings.HasPrefix(ix.entries[i].Code, p); i++ {
		out = append(out, ix.entries[i])
	}
	return out
}

// prefixPostings unions the postings of every token starting with t.
func (ix *Index) prefixPostings(t string) []int32 {
	start := sort.SearchStrings(ix.tokens, t)
	var lists [][]int32
	total := 0
	for i := start; i < len(ix.tokens) && strings.HasPrefix(ix.tokens[i], t); i++ {
		l := ix.post[ix.tokens[i]]
		lists = append(lists, l)
		total += len(l)
	}
	if len(lists) == 1 {
		return lists[0]
	}
	seen := make(map[int32]bool, total)
	out := make([]int32, 0, total)
	for _, l := range lists {
		for _, i := range l {
			if !seen[i] {
				seen[i] = true
				out = append(out, i)
			}
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a] < out[b] })
	return out
}

func intersect(a, b []int32) []int32 {
	out := make([]int32, 0, min(len(a), len(b)))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			out = append(out, a[i])
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return out
}
