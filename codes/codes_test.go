package codes

import (
	"os"
	"strings"
	"testing"

	"chartroom/internal/shareddata"
)

func TestNormalizeAndDisplay(t *testing.T) {
	for _, tc := range []struct{ system, in, norm, disp string }{
		{ICD10CM, "e11.65", "E1165", "E11.65"},
		{ICD10CM, " E 11.65 ", "E1165", "E11.65"},
		{ICD10CM, "I10", "I10", "I10"},
		{ICD10CM, "s72.001a", "S72001A", "S72.001A"},
		{ICD10CM, "qa0.0101", "QA00101", "QA0.0101"},
		{ICD10PCS, "0dtj4zz", "0DTJ4ZZ", "0DTJ4ZZ"},
		{ICD10PCS, "0DT.J4ZZ", "0DTJ4ZZ", "0DTJ4ZZ"},
	} {
		if got := Normalize(tc.in); got != tc.norm {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.norm)
		}
		if got := Display(tc.system, tc.in); got != tc.disp {
			t.Errorf("Display(%s, %q) = %q, want %q", tc.system, tc.in, got, tc.disp)
		}
	}
}

func TestWellFormed(t *testing.T) {
	good := map[string][]string{
		ICD10CM:  {"A00", "E11.65", "C4A.0", "QA0.0101", "S72.001A", "Z3A.39", "U07.1"},
		ICD10PCS: {"0DTJ4ZZ", "5A1955Z", "B2111ZZ"},
		HCPCS:    {"G0438", "J1100"},
	}
	bad := map[string][]string{
		ICD10CM:  {"", "E1", "11.65", "EE", "ABC", "E11.65000", "E11-65"},
		ICD10PCS: {"0DTJ4Z", "0DTJ4ZZZ", "0DTI4ZZ", "0DTO4ZZ"},
		HCPCS:    {"G043", "00438"},
	}
	for sys, list := range good {
		for _, c := range list {
			if !WellFormed(sys, c) {
				t.Errorf("WellFormed(%s, %q) = false, want true", sys, c)
			}
		}
	}
	for sys, list := range bad {
		for _, c := range list {
			if WellFormed(sys, c) {
				t.Errorf("WellFormed(%s, %q) = true, want false", sys, c)
			}
		}
	}
}

// The real FY2026 files parse completely, with the published counts.
func TestParseOrderFilesFY2026(t *testing.T) {
	for _, tc := range []struct {
		file, system    string
		lines, billable int
	}{
		{"data/icd10cm_order_2026.txt", ICD10CM, 98186, 74719},
		{"data/icd10cm_order_2025.txt", ICD10CM, 97584, 74260},
		{"data/icd10pcs_order_2026.txt", ICD10PCS, 80029, -1},
	} {
		path := shareddata.SharedFile(t, tc.file)
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		billable := 0
		n, err := ParseOrderFile(f, tc.system, func(e Entry) error {
			if e.Billable {
				billable++
			}
			return nil
		})
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if n != tc.lines {
			t.Errorf("%s: %d lines, want %d", tc.file, n, tc.lines)
		}
		if tc.billable >= 0 && billable != tc.billable {
			t.Errorf("%s: %d billable, want %d", tc.file, billable, tc.billable)
		}
	}
}

func TestParseOrderFileRejectsBadLines(t *testing.T) {
	good := "00001 A00     0 Cholera                                                      Cholera\r\n" +
		"00002 A000    1 Cholera due to Vibrio cholerae 01, biovar cholerae           Cholera due to Vibrio cholerae 01, biovar cholerae\r\n"
	if n, err := ParseOrderFile(strings.NewReader(good), ICD10CM, func(Entry) error { return nil }); err != nil || n != 2 {
		t.Fatalf("good file: n=%d err=%v", n, err)
	}
	for name, tc := range map[string]struct {
		text string
		line int
	}{
		"billable flag": {good + "00003 A001    X Cholera due to Vibrio cholerae 01, biovar eltor              Cholera eltor\r\n", 3},
		"out of order":  {good + "00005 A001    1 Cholera due to Vibrio cholerae 01, biovar eltor              Cholera eltor\r\n", 3},
		"short line":    {"00001 A00     0 Cholera\r\n", 1},
		"bad code":      {"00001 1AB     0 Cholera                                                      Cholera\r\n", 1},
		"empty line":    {good + "\r\n", 3},
	} {
		var seen int
		_, err := ParseOrderFile(strings.NewReader(tc.text), ICD10CM, func(Entry) error { seen++; return nil })
		le, ok := err.(*LineError)
		if !ok {
			t.Errorf("%s: want a LineError, got %v", name, err)
			continue
		}
		if le.Line != tc.line {
			t.Errorf("%s: error on line %d, want %d (%v)", name, le.Line, tc.line, le)
		}
	}
}

func TestDetectFile(t *testing.T) {
	for name, want := range map[string]struct {
		sys  string
		year int
		ok   bool
	}{
		"icd10cm_order_2026.txt":         {ICD10CM, 2026, true},
		"/x/y/icd10pcs_order_2026.txt":   {ICD10PCS, 2026, true},
		"ICD10CM_ORDER_2025.TXT":         {ICD10CM, 2025, true},
		"icd10cm_order_addenda_2026.txt": {"", 0, false},
		"codes.txt":                      {"", 0, false},
	} {
		sys, y, ok := DetectFile(name)
		if sys != want.sys || y != want.year || ok != want.ok {
			t.Errorf("DetectFile(%q) = %s %d %v", name, sys, y, ok)
		}
	}
}
