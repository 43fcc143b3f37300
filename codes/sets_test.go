package codes

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"chartroom/internal/shareddata"
)

var (
	loadMu sync.Mutex
	loaded = map[string][]Entry{}
)

func load(t testing.TB, file, system string) []Entry {
	t.Helper()
	path := shareddata.SharedFile(t, "data/"+file)
	loadMu.Lock()
	defer loadMu.Unlock()
	if es, ok := loaded[file]; ok {
		return es
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var es []Entry
	if _, err := ParseOrderFile(f, system, func(e Entry) error { es = append(es, e); return nil }); err != nil {
		t.Fatal(err)
	}
	loaded[file] = es
	return es
}

// The diff of the FY2025 and FY2026 order files is exactly what CMS's
// addenda file lists.
func TestDiffMatchesAddenda(t *testing.T) {
	old := load(t, "icd10cm_order_2025.txt", ICD10CM)
	cur := load(t, "icd10cm_order_2026.txt", ICD10CM)
	f, err := os.Open(shareddata.SharedFile(t, "data/icd10cm_order_addenda_2026.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want, err := ParseAddenda(f)
	if err != nil {
		t.Fatal(err)
	}
	got := Diff(old, cur)
	key := func(c Change) string { return fmt.Sprintf("%s %s %v %s", c.Kind, c.Code, c.Billable, c.Long) }
	set := func(cs []Change) []string {
		var out []string
		for _, c := range cs {
			out = append(out, key(c))
		}
		sort.Strings(out)
		return out
	}
	counts := map[string]int{}
	for _, c := range got {
		counts[c.Kind]++
	}
	t.Logf("diff: %v", counts)
	g, w := set(got), set(want)
	if strings.Join(g, "\n") != strings.Join(w, "\n") {
		gm := map[string]bool{}
		for _, x := range g {
			gm[x] = true
		}
		wm := map[string]bool{}
		for _, x := range w {
			wm[x] = true
		}
		for _, x := range w {
			if !gm[x] {
				t.Errorf("in the addenda, not in the diff: %s", x)
			}
		}
		for _, x := range g {
			if !wm[x] {
				t.Errorf("in the diff, not in the addenda: %s", x)
			}
		}
	}
	// The addenda's own summary: 487 additions, 28 deletions, 38 revisions
	// (counting codes; the Add/Delete lines also list headers).
	billable := map[string]int{}
	for _, c := range want {
		if c.Billable {
			billable[c.Kind]++
		}
	}
	if billable[Added] != 487 || billable[Deleted] != 28 || billable[Revised] != 38 {
		t.Errorf("addenda code counts %v, want 487 additions, 28 deletions, 38 revisions", billable)
	}
}

func TestHCPCSWorkbook(t *testing.T) {
	f, err := os.Open(shareddata.SharedFile(t, "data/HCPC2025_OCT_ANWEB.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	es, err := ParseHCPCS(f)
	if err != nil {
		t.Fatal(err)
	}
	mods, codes, active := 0, 0, 0
	for _, e := range es {
		if strings.HasPrefix(e.Code, "D") && len(e.Code) == 5 {
			t.Fatalf("a D code (CDT) was imported: %s", e.Code)
		}
		if e.Extra == "modifier" {
			mods++
			continue
		}
		codes++
		if e.Billable {
			active++
		}
	}
	if mods != 383 || codes != 8463 {
		t.Errorf("%d codes and %d modifiers, want 8463 and 383", codes, mods)
	}
	ix := NewIndex(HCPCS, es)
	if e, ok := ix.Lookup("j1100"); !ok || !strings.Contains(e.Long, "dexamethasone") {
		t.Errorf("J1100: %+v", e)
	}
	t.Logf("%d active codes", active)
}

// The CMS workbook carries no D codes today, so a synthetic workbook
// (written with the same xlsx library) checks that D0000-D9999 (CDT, the
// ADA's) are dropped and everything else is kept.
func TestHCPCSDropsDCodes(t *testing.T) {
	wb := excelize.NewFile()
	defer wb.Close()
	sheet := wb.GetSheetName(0)
	rows := [][]any{
		{"HCPC", "SEQNUM", "RECID", "LONG DESCRIPTION", "SHORT DESCRIPTION", "TERM DT"},
		{"A0021", "0010", "3", "Ambulance service, outside state per mile, transport", "Outside state ambulance serv", ""},
		{"D0120", "0010", "3", "Periodic oral evaluation - established patient", "Periodic oral evaluation", ""},
		{"d1110", "0010", "3", "Prophylaxis - adult", "Prophylaxis - adult", ""},
		{"E0100", "0010", "3", "Cane, includes canes of all materials, adjustable or fixed, with tip", "Cane adj/fixed with tip", ""},
		{"E0100", "0020", "4", "continuation of the long description", "", ""},
		{"G0008", "0010", "3", "Administration of influenza virus vaccine", "Admin influenza virus vac", "20240101"},
		{"LT", "0010", "7", "Left side (used to identify procedures performed on the left side of the body)", "Left side", ""},
		{"D9999", "0010", "3", "Unspecified adjunctive procedure, by report", "Adjunctive procedure", ""},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := wb.SetSheetRow(sheet, cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := wb.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	f, err := ReadFile("HCPC2026_JAN_ANWEB.xlsx", bytes.NewReader(buf.Bytes()), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if f.System != HCPCS || f.Year != 2026 {
		t.Errorf("detected %s %d", f.System, f.Year)
	}
	var got []string
	for _, e := range f.Entries {
		got = append(got, fmt.Sprintf("%d %s %v %s", e.Order, e.Code, e.Billable, e.Extra))
	}
	want := []string{"1 A0021 true ", "2 E0100 true ", "3 G0008 false terminated 20240101", "4 LT false modifier"}
	if !slices.Equal(got, want) {
		t.Errorf("entries\n got %q\nwant %q", got, want)
	}
	for _, e := range f.Entries {
		if strings.HasPrefix(e.Code, "D") {
			t.Errorf("a D code (CDT) was imported: %+v", e)
		}
	}
}

func TestIndexOnFY2026(t *testing.T) {
	ix := NewIndex(ICD10CM, load(t, "icd10cm_order_2026.txt", ICD10CM))
	if ix.Len() != 98186 {
		t.Fatalf("%d entries", ix.Len())
	}
	e, ok := ix.Lookup("e11.65")
	if !ok || !e.Billable || !strings.Contains(e.Long, "hyperglycemia") {
		t.Fatalf("E11.65: %+v", e)
	}
	if ps := ix.Parents("E1165"); len(ps) != 2 || ps[0].Code != "E11" || ps[1].Code != "E116" {
		t.Fatalf("parents %+v", ps)
	}
	for _, ch := range ix.Children("E116") {
		if len(ch.Code) != 5 {
			t.Fatalf("child %s of E116 is not one level down", ch.Code)
		}
	}
	// Prefix search with or without the dot.
	for _, q := range []string{"E11.6", "e116", "E11 6"} {
		r := ix.Search(q, 5)
		if len(r) == 0 || r[0].Code != "E116" {
			t.Errorf("%q: %+v", q, r)
		}
	}
	// Word search: every word must match, and the best match comes first.
	r := ix.Search("type 2 diabetes hyperglycemia", 5)
	if len(r) == 0 || r[0].Code != "E1165" {
		t.Errorf("word search: %+v", r)
	}
	r = ix.Search("fract neck femur", 10)
	if len(r) == 0 {
		t.Fatal("prefix word search found nothing")
	}
	for _, x := range r {
		l := strings.ToLower(x.Long)
		if !strings.Contains(l, "fracture") || !strings.Contains(l, "femur") {
			t.Errorf("%s %q does not match every word", x.Code, x.Long)
		}
	}
	if r := ix.Search("zzzqqq", 5); len(r) != 0 {
		t.Error("nonsense matched")
	}
}

// naiveSearch is the word search done the slow, obvious way (every
// candidate collected, then fully sorted), to check the fast path against.
type naiveSearch struct {
	es     []Entry
	ntok   []int
	post   map[string][]int32 // token -> entries (code order)
	tokens []string
}

func newNaiveSearch(es []Entry) *naiveSearch {
	n := &naiveSearch{es: append([]Entry(nil), es...), post: map[string][]int32{}}
	sort.Slice(n.es, func(i, j int) bool { return n.es[i].Code < n.es[j].Code })
	n.ntok = make([]int, len(n.es))
	for i, e := range n.es {
		seen := map[string]bool{}
		for _, w := range words(e.Long + " " + e.Short) {
			if !seen[w] {
				seen[w] = true
				n.post[w] = append(n.post[w], int32(i))
			}
		}
		n.ntok[i] = len(seen)
	}
	for t := range n.post {
		n.tokens = append(n.tokens, t)
	}
	sort.Strings(n.tokens)
	return n
}

func (n *naiveSearch) search(q string, limit int) []string {
	toks := words(q)
	var cand map[int32]bool
	for i, t := range toks {
		match := map[int32]bool{}
		if l, ok := n.post[t]; ok && i < len(toks)-1 {
			for _, d := range l {
				match[d] = true
			}
		} else {
			for _, tok := range n.tokens {
				if strings.HasPrefix(tok, t) {
					for _, d := range n.post[tok] {
						match[d] = true
					}
				}
			}
		}
		if cand != nil {
			for d := range cand {
				if !match[d] {
					delete(cand, d)
				}
			}
		} else {
			cand = match
		}
	}
	var ds []int32
	for d := range cand {
		ds = append(ds, d)
	}
	sort.Slice(ds, func(a, b int) bool {
		x, y := ds[a], ds[b]
		return rankBefore(n.es[x], n.es[y], n.ntok[x], n.ntok[y])
	})
	var out []string
	for _, d := range ds[:min(limit, len(ds))] {
		out = append(out, n.es[d].Code)
	}
	return out
}

// The fast word search returns exactly what collecting every match and
// sorting them all would, for common words, typed prefixes and phrases.
func TestSearchMatchesExhaustiveRanking(t *testing.T) {
	es := load(t, "icd10cm_order_2026.txt", ICD10CM)
	ix := NewIndex(ICD10CM, es)
	ref := newNaiveSearch(es)
	qs := benchQueries(ix)
	checked := 0
	for i, q := range qs {
		if looksLikeCode(q) || i > 60 && i%8 != 0 { // every hand-picked query, a sample of the rest
			continue
		}
		checked++
		var got []string
		for _, e := range ix.Search(q, 20) {
			got = append(got, e.Code)
		}
		if want := ref.search(q, 20); !slices.Equal(got, want) {
			t.Errorf("%q:\n got %v\nwant %v", q, got, want)
		}
	}
	if checked < 100 {
		t.Fatalf("only %d queries checked", checked)
	}
	// Common words find a full page, best (billable, short title) first.
	for _, q := range []string{"of", "unspecified", "left", "initial encounter"} {
		r := ix.Search(q, 50)
		if len(r) != 50 {
			t.Fatalf("%q: %d results", q, len(r))
		}
		if !r[0].Billable {
			t.Errorf("%q: a header ranks first: %+v", q, r[0])
		}
	}
}

// benchQueries is a fixed, varied set of about 1,000 lookups: the common
// words that match tens of thousands of titles ("of", "unspecified",
// "left", "initial encounter"), code prefixes with and without the dot,
// words being typed, and multiword phrases drawn from real titles.
func benchQueries(ix *Index) []string {
	qs := []string{
		"of", "unspecified", "left", "right", "initial encounter", "subsequent encounter", "sequela",
		"with", "without", "and", "due to", "other", "other specified", "unspecified side",
		"a", "s", "e", "un", "unsp", "init", "enc", "fract", "fracture", "fracture of femur",
		"displaced fracture of left femur", "fract neck femur", "type 2 diabetes hyperglycemia",
		"diabetes", "pneumonia", "sepsis due", "open wound", "hypertensive heart kidney",
		"chronic kidney disease stage 4", "acute myocardial infarction", "burn of left hand",
		"poisoning by", "pregnancy", "newborn", "left initial encounter", "unspecified of left",
		"E11", "E11.6", "E116", "E11.65", "e1165", "S72", "S72.0", "S720", "S72.001A", "I10",
		"J18.9", "Z79.4", "M", "R", "T", "A41", "O", "C50.9", "F32", "s72.00", "T40.2X1A",
	}
	rng := rand.New(rand.NewPCG(2026, 1))
	entry := func() Entry { return ix.entries[rng.IntN(len(ix.entries))] }
	titleWords := func() []string {
		for {
			if w := strings.Fields(strings.Trim(entry().Long, ".")); len(w) > 0 {
				return w
			}
		}
	}
	typing := func(w string) string { // the last word, often half typed
		if len(w) > 3 && rng.IntN(2) == 0 {
			return w[:2+rng.IntN(len(w)-2)]
		}
		return w
	}
	for len(qs) < 1000 {
		switch rng.IntN(3) {
		case 0: // a code prefix, dotted half the time
			c := entry().Code
			c = c[:1+rng.IntN(len(c))]
			if len(c) > 3 && rng.IntN(2) == 0 {
				c = c[:3] + "." + c[3:]
			}
			qs = append(qs, c)
		case 1: // one word
			w := titleWords()
			qs = append(qs, typing(strings.ToLower(w[rng.IntN(len(w))])))
		default: // two to four consecutive words of a title
			w := titleWords()
			n := min(len(w), 2+rng.IntN(3))
			at := rng.IntN(len(w) - n + 1)
			p := append([]string(nil), w[at:at+n]...)
			p[n-1] = typing(p[n-1])
			qs = append(qs, strings.ToLower(strings.Join(p, " ")))
		}
	}
	return qs
}

// reportPercentiles reports the median and 99th percentile of the timed
// calls; the mean alone hides the slow common-word queries.
func reportPercentiles(b *testing.B, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	slices.Sort(ds)
	at := func(p int) float64 { return float64(ds[min(len(ds)-1, len(ds)*p/100)]) / 1e6 }
	b.ReportMetric(at(50), "p50-ms")
	b.ReportMetric(at(99), "p99-ms")
}

// BenchmarkCodeSearch measures lookups on the full FY2026 ICD-10-CM set
// over benchQueries (each query in turn), reporting p50 and p99 latency.
// The target is p99 < 10 ms (issue 7); use -benchtime so that every query
// runs at least once (-benchtime=3s is plenty).
func BenchmarkCodeSearch(b *testing.B) {
	ix := NewIndex(ICD10CM, load(b, "icd10cm_order_2026.txt", ICD10CM))
	qs := benchQueries(ix)
	ds := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		ix.Search(qs[i%len(qs)], 50)
		ds = append(ds, time.Since(t0))
	}
	b.StopTimer()
	reportPercentiles(b, ds)
}
