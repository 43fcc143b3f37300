package codes

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

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

// BenchmarkCodeSearch measures lookups on the full FY2026 ICD-10-CM set.
func BenchmarkCodeSearch(b *testing.B) {
	ix := NewIndex(ICD10CM, load(b, "icd10cm_order_2026.txt", ICD10CM))
	qs := []string{"E11.6", "diabetes", "fracture of femur", "pneumonia", "sepsis due", "S72", "hypertensive heart kidney", "open wound"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ix.Search(qs[i%len(qs)], 50)
	}
}
