// Package codes parses the CMS code-set files (ICD-10-CM and ICD-10-PCS
// order files, the ICD-10-CM addenda) and normalises and displays codes.
// It has no HTTP and no SQL.
package codes

import (
	"strings"
)

// Code systems.
const (
	ICD10CM  = "icd10cm"
	ICD10PCS = "icd10pcs"
	HCPCS    = "hcpcs"
)

// SystemTitle names a system for people.
func SystemTitle(system string) string {
	switch system {
	case ICD10CM:
		return "ICD-10-CM"
	case ICD10PCS:
		return "ICD-10-PCS"
	case HCPCS:
		return "HCPCS Level II"
	}
	return system
}

// Normalize turns what a person typed ("e11.65 ", "E 11 65") into the
// stored form: upper case, no dots, no spaces.
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '.' || r == ' ' || r == '\t' || r == '\u00a0':
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Display formats a stored code for reading: ICD-10-CM codes take a dot
// after the third character; PCS and HCPCS codes never do.
func Display(system, code string) string {
	code = Normalize(code)
	if system == ICD10CM && len(code) > 3 {
		return code[:3] + "." + code[3:]
	}
	return code
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// WellFormed reports whether s (in any typed form) has the shape of a code
// of the system. It says nothing about whether the code exists.
func WellFormed(system, s string) bool {
	c := Normalize(s)
	switch system {
	case ICD10CM:
		// A letter, then two characters of which at least one is a digit
		// (E11, C4A, and since FY2026 QA0), then up to four more.
		if len(c) < 3 || len(c) > 7 || !isUpper(c[0]) || !(isDigit(c[1]) || isDigit(c[2])) {
			return false
		}
		for i := 1; i < len(c); i++ {
			if !isDigit(c[i]) && !isUpper(c[i]) {
				return false
			}
		}
		return true
	case ICD10PCS:
		if len(c) != 7 {
			return false
		}
		for i := 0; i < len(c); i++ {
			if !pcsChar(c[i]) {
				return false
			}
		}
		return true
	case HCPCS:
		if len(c) != 5 || !isUpper(c[0]) {
			return false
		}
		for i := 1; i < 5; i++ {
			if !isDigit(c[i]) {
				return false
			}
		}
		return true
	}
	return false
}

// pcsChar: ICD-10-PCS uses digits and letters except I and O.
func pcsChar(c byte) bool {
	return isDigit(c) || (isUpper(c) && c != 'I' && c != 'O')
}

// Parents returns the header codes above a CM code, shortest first
// (E1165 -> E11, E116). For PCS the parents are the 3- and 4-character
// tables (0DTJ4ZZ -> 0DT, 0DTJ) as the order file lists them.
func Parents(system, code string) []string {
	code = Normalize(code)
	var out []string
	for n := 3; n < len(code); n++ {
		out = append(out, code[:n])
	}
	return out
}
