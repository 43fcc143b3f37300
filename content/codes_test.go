package content

import (
	"os"
	"strings"
	"sync"
	"testing"

	"chartroom/codes"
	"chartroom/internal/shareddata"
)

var (
	codeSetsMu   sync.Mutex
	codeSetCache = map[string]map[string]bool{}
)

// loadCodeSet parses an official order file from ../shared/data into
// code -> billable (skipping the test when the file is absent).
func loadCodeSet(t *testing.T, file, system string) map[string]bool {
	t.Helper()
	path := shareddata.SharedFile(t, "data/"+file)
	codeSetsMu.Lock()
	defer codeSetsMu.Unlock()
	if cs, ok := codeSetCache[file]; ok {
		return cs
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cs := map[string]bool{}
	if _, err := codes.ParseOrderFile(f, system, func(e codes.Entry) error { cs[e.Code] = e.Billable; return nil }); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	codeSetCache[file] = cs
	return cs
}

// TestEveryICD10CodeInContentExists checks every ICD-10-CM and ICD-10-PCS
// code written anywhere under content/ against the FY2026 files.
func TestEveryICD10CodeInContentExists(t *testing.T) {
	sets := map[string]map[string]bool{
		codes.ICD10CM:  loadCodeSet(t, "icd10cm_order_2026.txt", codes.ICD10CM),
		codes.ICD10PCS: loadCodeSet(t, "icd10pcs_order_2026.txt", codes.ICD10PCS),
	}
	ms, err := ScanCodes(Files)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if _, ok := sets[m.System][codes.Normalize(m.Code)]; !ok {
			t.Errorf("%s:%d: %s %s is not in the FY2026 code set", m.File, m.Line, codes.SystemTitle(m.System), m.Code)
		}
	}
	t.Logf("checked %d code mentions", len(ms))
	if len(ms) < 100 {
		t.Fatalf("only %d code mentions found in content: the scanner or the content is broken", len(ms))
	}
}

// TestKeysAreBillable checks that every code a student is expected to enter
// (code-entry question keys, coding-case keys) is billable in its year.
func TestKeysAreBillable(t *testing.T) {
	lib := mustLoad(t)
	sets := map[string]map[string]bool{
		codes.ICD10CM:  loadCodeSet(t, "icd10cm_order_2026.txt", codes.ICD10CM),
		codes.ICD10PCS: loadCodeSet(t, "icd10pcs_order_2026.txt", codes.ICD10PCS),
	}
	for _, p := range BillableProblems(lib, func(system string, year int) map[string]bool {
		if year != 2026 {
			return nil
		}
		return sets[system]
	}) {
		t.Error(p)
	}
}

// The shipped subsets are exactly the official entries, and cover every
// code the content mentions or expects a student to enter.
func TestCodeSubsetsMatchTheOfficialFiles(t *testing.T) {
	lib := mustLoad(t)
	files := map[string]string{codes.ICD10CM: "icd10cm_order_2026.txt", codes.ICD10PCS: "icd10pcs_order_2026.txt"}
	if len(lib.CodeSets) != 2 {
		t.Fatalf("%d code subsets, want ICD-10-CM and ICD-10-PCS", len(lib.CodeSets))
	}
	ms, _ := ScanCodes(Files)
	for _, cs := range lib.CodeSets {
		path := shareddata.SharedFile(t, "data/"+files[cs.System])
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		official := map[string]codes.Entry{}
		codes.ParseOrderFile(f, cs.System, func(e codes.Entry) error { official[e.Code] = e; return nil })
		f.Close()
		have := map[string]bool{}
		for _, e := range cs.Entries {
			o, ok := official[e.Code]
			if !ok || o.Billable != e.Billable || o.Short != e.Short || o.Long != e.Long {
				t.Errorf("%s subset: %s differs from the official file", cs.System, e.Code)
			}
			have[e.Code] = true
		}
		for _, m := range ms {
			if m.System == cs.System && !strings.HasPrefix(m.File, "codesets/") && !have[codes.Normalize(m.Code)] {
				t.Errorf("%s:%d: %s is used but not in the shipped subset (run go run ./cmd/contentcheck -write-subset)", m.File, m.Line, m.Code)
			}
		}
	}
}
