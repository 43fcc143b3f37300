package exam

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"chartroom/codes"
)

// CaseKey is the answer to a coding case.
type CaseKey struct {
	Year int
	// Setting is the case's setting: "inpatient", "outpatient", "office"
	// or "emergency". It decides which guideline governs additional codes
	// (Section III for inpatients, Section IV for outpatient services).
	Setting       string
	Diagnoses     []string          // principal (inpatient) or first-listed diagnosis first
	Procedures    []string          // ICD-10-PCS, inpatient only
	AlsoPrincipal []string          // key codes that may equally be sequenced first (Section II.C)
	Why           map[string]string // normalised code -> why it is coded (with the guideline section)
}

// CodeInfo says what a code set knows of a code.
type CodeInfo struct {
	Exists   bool
	Billable bool
	Title    string
}

// Lookup answers for one code of a system in the case's fiscal year. When
// no code set is loaded it returns ok=false and existence is not judged.
type Lookup func(system, code string) (info CodeInfo, ok bool)

// Feedback kinds.
const (
	CodeCorrect = "correct"
	CodeMissing = "missing"
	CodeExtra   = "extra"
	CodeHeader  = "header"
	CodeInvalid = "invalid"
)

// CodeFeedback explains one code of a graded case.
type CodeFeedback struct {
	System  string
	Code    string // as displayed
	Kind    string
	Title   string
	Message string
	Points  float64
}

// CaseResult is a graded coding case.
type CaseResult struct {
	Diagnoses   []CodeFeedback
	Procedures  []CodeFeedback
	PrincipalOK bool
	Principal   string // the key's principal, displayed
	Sequencing  string // explanation when the principal was wrong
	Points      float64
	Max         float64
	Percent     float64
	Notes       []string // duplicates ignored, codes not checked, …
}

// Scoring: one point per key code found; one point for the principal or
// first-listed diagnosis sequenced first; half a point off for each extra,
// invalid or header code (a coder is expected not to over-code). The total
// never goes below zero.
const extraPenalty = 0.5

// GradeCase grades what the student entered against the key.
func GradeCase(key CaseKey, dx, pcs []string, look Lookup) CaseResult {
	var r CaseResult
	dxIn, dupDx := cleanCodes(dx)
	pcsIn, dupPcs := cleanCodes(pcs)
	for _, d := range append(dupDx, dupPcs...) {
		r.Notes = append(r.Notes, fmt.Sprintf("%s was entered more than once; it counts once.", d))
	}
	r.Diagnoses = gradeList(codes.ICD10CM, key, key.Diagnoses, dxIn, look, &r.Notes)
	r.Procedures = gradeList(codes.ICD10PCS, key, key.Procedures, pcsIn, look, &r.Notes)
	r.Max = float64(len(key.Diagnoses) + 1 + len(key.Procedures))

	if len(key.Diagnoses) > 0 {
		want := codes.Normalize(key.Diagnoses[0])
		r.Principal = codes.Display(codes.ICD10CM, want)
		first := ""
		if len(dxIn) > 0 {
			first = dxIn[0]
		}
		ok := first == want
		for _, alt := range key.AlsoPrincipal {
			ok = ok || first == codes.Normalize(alt)
		}
		r.PrincipalOK = ok
		switch {
		case ok:
			r.Points++
		case first == "":
			r.Sequencing = "No diagnosis was entered."
		case slices.Contains(dxIn, want):
			r.Sequencing = fmt.Sprintf("%s is right but belongs first: %s", r.Principal, key.Why[want])
		default:
			r.Sequencing = fmt.Sprintf("The principal or first-listed diagnosis is %s, not %s: %s", r.Principal, codes.Display(codes.ICD10CM, first), key.Why[want])
		}
	}
	for _, f := range append(r.Diagnoses, r.Procedures...) {
		r.Points += f.Points
	}
	r.Points = math.Max(0, r.Points)
	if r.Max > 0 {
		r.Percent = 100 * r.Points / r.Max
	}
	return r
}

// cleanCodes normalises entered codes, drops blanks and repeats.
func cleanCodes(in []string) (out, dups []string) {
	seen := map[string]bool{}
	for _, s := range in {
		for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == '\r' }) {
			c := codes.Normalize(part)
			if c == "" {
				continue
			}
			if seen[c] {
				dups = append(dups, c)
				continue
			}
			seen[c] = true
			out = append(out, c)
		}
	}
	return out, dups
}

func gradeList(system string, key CaseKey, keyCodes, entered []string, look Lookup, notes *[]string) []CodeFeedback {
	year, why := key.Year, key.Why
	var out []CodeFeedback
	want := map[string]bool{}
	for _, k := range keyCodes {
		want[codes.Normalize(k)] = true
	}
	found := map[string]bool{}
	var unchecked []string
	for _, c := range entered {
		d := codes.Display(system, c)
		f := CodeFeedback{System: system, Code: d}
		info, ok := look(system, c)
		if !ok && codes.WellFormed(system, c) {
			unchecked = append(unchecked, d)
		}
		switch {
		case !codes.WellFormed(system, c):
			f.Kind, f.Points = CodeInvalid, -extraPenalty
			f.Message = fmt.Sprintf("%s is not shaped like an %s code.", d, codes.SystemTitle(system))
		case ok && !info.Exists:
			f.Kind, f.Points = CodeInvalid, -extraPenalty
			f.Message = fmt.Sprintf("%s is not an %s FY%d code.", d, codes.SystemTitle(system), year)
		case ok && !info.Billable:
			f.Kind, f.Points, f.Title = CodeHeader, -extraPenalty, info.Title
			f.Message = fmt.Sprintf("%s is a category or subcategory (%s), not a billable code: add the characters that complete it.", d, info.Title)
			if k := keyBelow(keyCodes, c); k != "" && !found[k] {
				f.Message += fmt.Sprintf(" The record supports %s.", codes.Display(system, k))
			}
		case want[c]:
			f.Kind, f.Points, f.Title = CodeCorrect, 1, info.Title
			f.Message = why[c]
			found[c] = true
		default:
			f.Kind, f.Points, f.Title = CodeExtra, -extraPenalty, info.Title
			f.Message = fmt.Sprintf("%s is not supported by the record as coded. %s", d, extraReason(system, key, c))
			if k := keySameCategory(keyCodes, c); k != "" {
				f.Message += fmt.Sprintf(" Compare %s: %s", codes.Display(system, k), why[codes.Normalize(k)])
			}
		}
		out = append(out, f)
	}
	for _, k := range keyCodes {
		c := codes.Normalize(k)
		if !found[c] {
			out = append(out, CodeFeedback{System: system, Code: codes.Display(system, c), Kind: CodeMissing, Message: why[c]})
		}
	}
	if len(unchecked) > 0 {
		*notes = append(*notes, fmt.Sprintf("The full %s FY%d release is not loaded here, so %s could not be checked for existence; ask an administrator to import it.",
			codes.SystemTitle(system), year, strings.Join(unchecked, ", ")))
	}
	return out
}

// extraReason is the guideline behind leaving out a code the key does not
// have: a sign or symptom integral to a diagnosis the record confirms
// (Section I.B.5); otherwise the rule for additional diagnoses of the
// setting (Section III for inpatients, Section IV.J for outpatient
// services); for a procedure, the UHDDS definition of what is reported.
func extraReason(system string, key CaseKey, code string) string {
	if system == codes.ICD10PCS {
		return "Report the procedures the record documents as performed; the UHDDS asks for significant procedures (surgical in nature, carrying a procedural or anesthetic risk, or needing specialized training)."
	}
	// A symptom code next to a confirmed (non-R) diagnosis; not a near miss
	// of a symptom code the key itself has.
	if strings.HasPrefix(code, "R") && keySameCategory(key.Diagnoses, code) == "" {
		for _, k := range key.Diagnoses {
			if c := codes.Normalize(k); !strings.HasPrefix(c, "R") {
				return fmt.Sprintf("Signs and symptoms routinely associated with a confirmed diagnosis, here %s, are not coded in addition to it (Section I.B.5, conditions that are an integral part of a disease process).",
					codes.Display(codes.ICD10CM, c))
			}
		}
	}
	switch {
	case key.Setting == "inpatient", key.Setting == "" && len(key.Procedures) > 0: // only inpatient cases take PCS codes
		return inpatientExtra
	case key.Setting == "outpatient", key.Setting == "office", key.Setting == "emergency":
		return outpatientExtra
	}
	return "Report another diagnosis only when it affects care: for inpatients, Section III (Reporting Additional Diagnoses); for outpatient services, Section IV.J (code all documented conditions that coexist)."
}

const (
	inpatientExtra  = "An additional diagnosis is reported only when the record shows it affected care: clinical evaluation, treatment, diagnostic procedures, a longer stay, or more nursing care or monitoring (Section III, Reporting Additional Diagnoses)."
	outpatientExtra = "Code the conditions documented as coexisting at the visit that require or affect care, treatment or management, and not those previously treated that no longer exist (Section IV.J, code all documented conditions that coexist)."
)

// keyBelow finds a key code under a header the student entered.
func keyBelow(keyCodes []string, header string) string {
	for _, k := range keyCodes {
		if c := codes.Normalize(k); strings.HasPrefix(c, header) && c != header {
			return c
		}
	}
	return ""
}

// keySameCategory finds a key code in the same category as an extra code.
func keySameCategory(keyCodes []string, c string) string {
	for _, k := range keyCodes {
		if codes.Category(k) == codes.Category(c) && codes.Normalize(k) != c {
			return k
		}
	}
	return ""
}
