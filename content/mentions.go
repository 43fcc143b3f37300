package content

import (
	"fmt"
	"io/fs"
	"regexp"
	"strings"

	"chartroom/codes"
	"chartroom/exam"
)

// Mention is an ICD-10 code written somewhere in the content.
type Mention struct {
	File   string
	Line   int
	System string
	Code   string // as written
}

var (
	// ICD-10-CM as written in prose: E11.65, I10, C4A, A00-B99, and the
	// FY2026 chapter-5 category QA0 (dotted beyond 3 characters). Tokens
	// such as HL7 are not codes: only "A" occurs as a second-place letter.
	cmInText = regexp.MustCompile(`\b[A-Z](?:[0-9][0-9A-Z]|A[0-9])(?:\.[0-9A-Z]{1,4})?\b`)
	// ICD-10-PCS: 7 characters, section character first, no I or O, letters and digits both.
	pcsInText = regexp.MustCompile(`\b[0-9BCDFGHX][0-9A-HJ-NP-Z]{6}\b`)
	hasDigit  = regexp.MustCompile(`[0-9]`)
	hasLetter = regexp.MustCompile(`[A-Z]`)
)

// ScanCodes finds every ICD-10-CM and ICD-10-PCS code mentioned in the
// files of fsys. CM codes are recognised in their dotted form (E11.65) or as
// 3-character categories (I10); PCS codes as 7-character tokens holding both
// letters and digits.
func ScanCodes(fsys fs.FS) ([]Mention, error) {
	var out []Mention
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".md") || strings.HasSuffix(path, ".yaml")) {
			return err
		}
		if strings.HasPrefix(path, "codesets/") {
			return nil // official code data, checked entry by entry against the CMS files
		}
		data, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		for n, line := range strings.Split(string(data), "\n") {
			for _, m := range cmInText.FindAllString(line, -1) {
				out = append(out, Mention{path, n + 1, codes.ICD10CM, m})
			}
			for _, m := range pcsInText.FindAllString(line, -1) {
				if hasDigit.MatchString(m) && hasLetter.MatchString(m) {
					out = append(out, Mention{path, n + 1, codes.ICD10PCS, m})
				}
			}
		}
		return nil
	})
	return out, err
}

// BillableProblems lists every code a student is expected to enter
// (code-entry keys, coding-case keys) that is not billable in its fiscal
// year. set returns code -> billable for a system and year, or nil when that
// year is not available.
func BillableProblems(lib *Library, set func(system string, year int) map[string]bool) []string {
	var out []string
	check := func(where, system string, year int, code string) {
		s := set(system, year)
		if s == nil {
			out = append(out, fmt.Sprintf("%s: no %s code set for FY%d to check %s against", where, codes.SystemTitle(system), year, code))
			return
		}
		billable, ok := s[codes.Normalize(code)]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s: %s does not exist in %s FY%d", where, code, codes.SystemTitle(system), year))
		case !billable:
			out = append(out, fmt.Sprintf("%s: %s is a header, not a billable %s FY%d code", where, code, codes.SystemTitle(system), year))
		}
	}
	for _, q := range lib.Questions {
		if q.Type == exam.TypeCode {
			for _, k := range q.Key {
				check("question "+q.ID, q.System, 2026, k)
			}
		}
	}
	for _, c := range lib.Cases {
		for _, d := range c.Diagnoses {
			check(c.File+": case "+c.ID, codes.ICD10CM, c.FiscalYear, d.Code)
		}
		for _, p := range c.Procedures {
			check(c.File+": case "+c.ID, codes.ICD10PCS, c.FiscalYear, p.Code)
		}
	}
	return out
}
