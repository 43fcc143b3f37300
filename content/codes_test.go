package content

import (
	"os"
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
