package content

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
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

// benchQueries is a fixed, varied set of about 1,000 searches: the
// commonest words ("the", "of", "health"), HIM phrases, codes, glossary
// terms, and one to four consecutive words from lesson and glossary text.
func benchQueries(ix *Index) []string {
	qs := []string{
		"the", "of", "and", "a", "to", "health", "information", "record", "code", "patient", "the patient",
		"minimum necessary", "principal diagnosis", "case mix index", "sepsis", "right of access timeline",
		"bed occupancy rate leap year", "E11.65", "false claims act qui tam", "hipaa privacy rule",
		"breach notification", "ms-drg relative weight", "average length of stay", "release of information",
		"chargemaster", "42 cfr part 2", "root operation", "excludes1", "7th character", "z79.4",
		"the health record of the patient", "what is the difference between a subpoena and a court order",
	}
	rng := rand.New(rand.NewPCG(2026, 4))
	for len(qs) < 1000 {
		d := ix.docs[rng.IntN(len(ix.docs))]
		switch {
		case rng.IntN(4) == 0:
			qs = append(qs, strings.ToLower(d.Title))
		case len(d.words) > 0:
			n := min(len(d.words), 1+rng.IntN(4))
			at := rng.IntN(len(d.words) - n + 1)
			qs = append(qs, strings.ToLower(strings.Join(d.words[at:at+n], " ")))
		}
	}
	return qs
}

// BenchmarkSearch measures benchQueries over the whole curriculum
// (lessons and glossary), each query in turn, and reports p50 and p99
// latency; the target is p99 < 20 ms (issue 4). Use -benchtime so that
// every query runs at least once (-benchtime=3s is plenty).
func BenchmarkSearch(b *testing.B) {
	lib, err := Load(Files)
	if err != nil {
		b.Fatal(err)
	}
	ix := lib.Search()
	qs := benchQueries(ix)
	ds := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		ix.Search(qs[i%len(qs)], 30)
		ds = append(ds, time.Since(t0))
	}
	b.StopTimer()
	if len(ds) > 0 {
		slices.Sort(ds)
		at := func(p int) float64 { return float64(ds[min(len(ds)-1, len(ds)*p/100)]) / 1e6 }
		b.ReportMetric(at(50), "p50-ms")
		b.ReportMetric(at(99), "p99-ms")
	}
}
