package codes

import (
	"container/heap"
	"slices"
	"sort"
	"strings"
	"unicode"
)

// Index is an in-memory lookup over one code set (one system, one year):
// exact code, code prefix, parents and children, and word search over the
// titles. Built once per imported set; read without locks.
//
// Word search ranks by a static per-code rank (see rankBefore), so the
// index numbers documents in rank order: every posting list is then sorted
// best first, and a search walks the rarest query word's postings in that
// order, checks the other words against a per-document list of token ids,
// and stops as soon as it has a page. Common words ("of", "left",
// "unspecified") cost no more than rare ones.
type Index struct {
	System  string
	entries []Entry // sorted by code
	byCode  map[string]int32

	tokens  []string         // every title token, sorted (a prefix is a contiguous run)
	tokenID map[string]int32 // token -> index in tokens
	post    [][]int32        // token id -> documents (rank numbers), ascending
	cum     []int            // cum[t] = total postings of tokens before t
	fwdOff  []int32          // document d's token ids are fwd[fwdOff[d]:fwdOff[d+1]]
	fwd     []int32          // sorted token ids per document
	byRank  []int32          // document (rank number) -> entry
}

// rankBefore is the static rank of word-search results: billable codes
// before headers, then fewer title tokens (a shorter, more general title),
// then code order. It is 1.25/sqrt(tokens) for billable codes and
// 1/sqrt(tokens) for headers, compared exactly in integers (squared:
// 25/16 over tokens).
func rankBefore(a, b Entry, na, nb int) bool {
	wa, wb := 16, 16
	if a.Billable {
		wa = 25
	}
	if b.Billable {
		wb = 25
	}
	if l, r := wa*max(nb, 1), wb*max(na, 1); l != r {
		return l > r
	}
	return a.Code < b.Code
}

// NewIndex builds the index (entries in any order).
func NewIndex(system string, entries []Entry) *Index {
	es := append([]Entry(nil), entries...)
	sort.Slice(es, func(i, j int) bool { return es[i].Code < es[j].Code })
	ix := &Index{System: system, entries: es, byCode: make(map[string]int32, len(es))}
	// Each entry's distinct tokens, with provisional ids.
	prov := map[string]int32{}
	var names []string
	toks := make([][]int32, len(es))
	for i, e := range es {
		ix.byCode[e.Code] = int32(i)
		var ts []int32
		for _, w := range words(e.Long + " " + e.Short) {
			id, ok := prov[w]
			if !ok {
				id = int32(len(names))
				prov[w] = id
				names = append(names, w)
			}
			if !slices.Contains(ts, id) {
				ts = append(ts, id)
			}
		}
		toks[i] = ts
	}
	// Documents in rank order.
	ix.byRank = make([]int32, len(es))
	for i := range ix.byRank {
		ix.byRank[i] = int32(i)
	}
	sort.Slice(ix.byRank, func(a, b int) bool {
		x, y := ix.byRank[a], ix.byRank[b]
		return rankBefore(es[x], es[y], len(toks[x]), len(toks[y]))
	})
	// Token ids in sorted order, so that a prefix is a range of ids.
	order := make([]int32, len(names))
	for i := range order {
		order[i] = int32(i)
	}
	sort.Slice(order, func(a, b int) bool { return names[order[a]] < names[order[b]] })
	remap := make([]int32, len(names))
	ix.tokens = make([]string, len(names))
	ix.tokenID = make(map[string]int32, len(names))
	for newID, old := range order {
		remap[old] = int32(newID)
		ix.tokens[newID] = names[old]
		ix.tokenID[names[old]] = int32(newID)
	}
	ix.post = make([][]int32, len(names))
	ix.fwdOff = make([]int32, len(es)+1)
	total := 0
	for _, ts := range toks {
		total += len(ts)
	}
	ix.fwd = make([]int32, 0, total)
	for d, e := range ix.byRank {
		start := len(ix.fwd)
		for _, old := range toks[e] {
			t := remap[old]
			ix.post[t] = append(ix.post[t], int32(d))
			ix.fwd = append(ix.fwd, t)
		}
		slices.Sort(ix.fwd[start:])
		ix.fwdOff[d+1] = int32(len(ix.fwd))
	}
	ix.cum = make([]int, len(names)+1)
	for t, l := range ix.post {
		ix.cum[t+1] = ix.cum[t] + len(l)
	}
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
// (and any that is not a whole word) as a prefix. Results are in the static
// rank order (rankBefore): billable codes before headers, then shorter
// titles, then code order.
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
	// Each word is a range of token ids: a whole word its own id; the word
	// being typed (the last) and words that are not whole words ("fract")
	// every token they begin.
	type span struct{ lo, hi int32 }
	spans := make([]span, 0, len(toks))
	for i, t := range toks {
		if id, ok := ix.tokenID[t]; ok && i < len(toks)-1 {
			spans = append(spans, span{id, id + 1})
			continue
		}
		lo, hi := ix.tokenRange(t)
		if lo == hi {
			return nil
		}
		spans = append(spans, span{lo, hi})
	}
	// The rarest word drives; the others are checked rarest first, so a
	// document that fails fails early.
	size := func(s span) int { return ix.cum[s.hi] - ix.cum[s.lo] }
	slices.SortFunc(spans, func(a, b span) int { return size(a) - size(b) })
	drive, rest := spans[0], spans[1:]
	out := make([]Entry, 0, min(limit, size(drive)))
	ix.walk(drive.lo, drive.hi, func(d int32) bool {
		toks := ix.fwd[ix.fwdOff[d]:ix.fwdOff[d+1]]
		for _, s := range rest {
			if !hasTokenIn(toks, s.lo, s.hi) {
				return true
			}
		}
		out = append(out, ix.entries[ix.byRank[d]])
		return len(out) < limit
	})
	return out
}

// tokenRange is the range of token ids that start with t.
func (ix *Index) tokenRange(t string) (lo, hi int32) {
	l := sort.SearchStrings(ix.tokens, t)
	h := l
	for h < len(ix.tokens) && strings.HasPrefix(ix.tokens[h], t) {
		h++
	}
	return int32(l), int32(h)
}

// hasTokenIn reports whether a document's sorted token ids include one in
// [lo, hi).
func hasTokenIn(toks []int32, lo, hi int32) bool {
	for _, t := range toks { // about ten tokens a title: a scan beats a search
		if t >= lo {
			return t < hi
		}
	}
	return false
}

// walk calls fn with every document that has a token in [lo, hi), in rank
// order and once each, until fn returns false. One token is its posting
// list; several are merged with a heap, which stops as early as fn does.
func (ix *Index) walk(lo, hi int32, fn func(d int32) bool) {
	if hi-lo == 1 {
		for _, d := range ix.post[lo] {
			if !fn(d) {
				return
			}
		}
		return
	}
	h := make(postHeap, 0, hi-lo)
	for t := lo; t < hi; t++ {
		if l := ix.post[t]; len(l) > 0 {
			h = append(h, l)
		}
	}
	heap.Init(&h)
	last := int32(-1)
	for len(h) > 0 {
		d := h[0][0]
		if h[0] = h[0][1:]; len(h[0]) == 0 {
			heap.Pop(&h)
		} else {
			heap.Fix(&h, 0)
		}
		if d == last {
			continue
		}
		last = d
		if !fn(d) {
			return
		}
	}
}

// postHeap orders non-empty posting lists by their next document.
type postHeap [][]int32

func (h postHeap) Len() int           { return len(h) }
func (h postHeap) Less(i, j int) bool { return h[i][0] < h[j][0] }
func (h postHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *postHeap) Push(x any)        { *h = append(*h, x.([]int32)) }
func (h *postHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func (ix *Index) prefix(p string, limit int) []Entry {
	start := sort.Search(len(ix.entries), func(i int) bool { return ix.entries[i].Code >= p })
	var out []Entry
	for i := start; i < len(ix.entries) && len(out) < limit && strings.HasPrefix(ix.entries[i].Code, p); i++ {
		out = append(out, ix.entries[i])
	}
	return out
}
