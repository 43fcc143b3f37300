package content

import (
	"strings"
	"testing"
)

// The queries students type most should find the lesson or term that
// teaches them near the top.
func TestSearchRelevance(t *testing.T) {
	lib := mustLoad(t)
	for q, want := range map[string][]string{
		"minimum necessary":   {"/glossary#minimum-necessary", "/learn/law-and-ethics/privacy-rule"},
		"principal diagnosis": {"/glossary#principal-diagnosis", "/learn/icd10cm-foundations/principal-and-additional-diagnoses"},
		"case mix index":      {"/glossary#case-mix-index", "/learn/revenue-cycle/ipps-and-ms-drgs"},
		"bed occupancy rate":  {"/glossary#bed-occupancy", "/learn/data-analytics/census-and-occupancy"},
		"E11.65":              {"/learn/icd10cm-"},
	} {
		hits := lib.Search().Search(q, 5)
		if len(hits) == 0 {
			t.Errorf("%q: no results", q)
			continue
		}
		for _, w := range want {
			found := false
			for _, h := range hits {
				if strings.HasPrefix(h.URL, w) {
					found = true
				}
			}
			if !found {
				var got []string
				for _, h := range hits {
					got = append(got, h.URL)
				}
				t.Errorf("%q: want %s in the top 5, got %v", q, w, got)
			}
		}
		if !strings.Contains(string(hits[0].Snippet)+string(hits[0].Marked), "<mark>") {
			t.Errorf("%q: the top snippet has no highlight: %s", q, hits[0].Snippet)
		}
	}
	if hits := lib.Search().Search("   ", 5); hits != nil {
		t.Error("blank query returned results")
	}
	if hits := lib.Search().Search("<script>alert(1)</script>", 5); len(hits) > 0 && strings.Contains(string(hits[0].Snippet), "<script>") {
		t.Error("query markup reached a snippet unescaped")
	}
}

// BenchmarkSearch measures typical queries over the whole curriculum.
func BenchmarkSearch(b *testing.B) {
	lib, err := Load(Files)
	if err != nil {
		b.Fatal(err)
	}
	qs := []string{"minimum necessary", "principal diagnosis", "case mix index", "sepsis", "right of access timeline", "bed occupancy rate leap year", "E11.65", "false claims act qui tam"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		lib.Search().Search(qs[i%len(qs)], 30)
	}
}
