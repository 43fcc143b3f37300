package exam

import (
	"strings"
	"testing"
)

// fakeSet is a tiny stand-in code table for grading rules; the real FY2026
// files are used by the content and handler tests.
func fakeSet(system, code string) (CodeInfo, bool) {
	known := map[string]CodeInfo{
		"A419": {true, true, "Sepsis, unspecified organism"}, "J189": {true, true, "Pneumonia, unspecified organism"},
		"J13": {true, true, "Pneumonia due to Streptococcus pneumoniae"}, "E11": {true, false, "Type 2 diabetes mellitus"},
		"E1165": {true, true, "Type 2 diabetes mellitus with hyperglycemia"}, "E119": {true, true, "Type 2 diabetes mellitus without complications"},
		"I10": {true, true, "Essential (primary) hypertension"}, "R6520": {true, true, "Severe sepsis without septic shock"},
		"0DTJ4ZZ": {true, true, "Resection of Appendix, Percutaneous Endoscopic Approach"},
		"0DTJ0ZZ": {true, true, "Resection of Appendix, Open Approach"}, "R509": {true, true, "Fever, unspecified"},
		"R0602": {true, true, "Shortness of breath"}, "R0600": {true, true, "Dyspnea, unspecified"}, "Z87891": {true, true, "Personal history of nicotine dependence"},
	}
	i, ok := known[code]
	if !ok {
		return CodeInfo{}, true
	}
	return i, true
}

var sepsisKey = CaseKey{Year: 2026, Setting: "inpatient", Diagnoses: []string{"A41.9", "J13", "E11.65"}, Procedures: []string{"0DTJ4ZZ"},
	Why: map[string]string{"A419": "Sepsis POA is principal (I.C.1.d.4)", "J13": "the localized infection", "E1165": "with hyperglycemia", "0DTJ4ZZ": "resection"}}

func TestGradeCasePerfect(t *testing.T) {
	r := GradeCase(sepsisKey, []string{"a41.9", "J13", "E11.65"}, []string{"0DTJ4ZZ"}, fakeSet)
	if r.Points != r.Max || r.Max != 5 || !r.PrincipalOK || r.Percent != 100 {
		t.Fatalf("%+v", r)
	}
}

func TestGradeCasePartialAndSequencing(t *testing.T) {
	// Right codes, wrong order, one missing, one extra.
	r := GradeCase(sepsisKey, []string{"J13", "A41.9", "I10"}, nil, fakeSet)
	if r.PrincipalOK {
		t.Fatal("mis-sequenced principal accepted")
	}
	if !strings.Contains(r.Sequencing, "belongs first") {
		t.Errorf("sequencing message %q", r.Sequencing)
	}
	// 2 found (+2), I10 extra (-0.5), principal wrong (0): 1.5 of 5.
	if r.Points != 1.5 {
		t.Fatalf("points %v, want 1.5", r.Points)
	}
	kinds := map[string]string{}
	for _, f := range append(r.Diagnoses, r.Procedures...) {
		kinds[f.Code] = f.Kind
	}
	if kinds["E11.65"] != CodeMissing || kinds["I10"] != CodeExtra || kinds["0DTJ4ZZ"] != CodeMissing {
		t.Fatalf("kinds %v", kinds)
	}
	// The extra code's feedback names the guideline, like the rest.
	if f := feedbackFor(r, "I10"); !strings.Contains(f.Message, "Section III") {
		t.Errorf("extra-code feedback names no guideline section: %q", f.Message)
	}
}

func feedbackFor(r CaseResult, code string) CodeFeedback {
	for _, f := range append(r.Diagnoses, r.Procedures...) {
		if f.Code == code {
			return f
		}
	}
	return CodeFeedback{}
}

// An extra code's feedback cites the guideline that leaves it out: a sign
// or symptom integral to a confirmed diagnosis (I.B.5), otherwise the
// setting's rule for additional diagnoses (III inpatient, IV.J outpatient).
func TestGradeCaseExtraCodeGuidelines(t *testing.T) {
	office := CaseKey{Year: 2026, Setting: "office", Diagnoses: []string{"J13"}, Why: map[string]string{"J13": "pneumococcal pneumonia"}}
	withSymptom := CaseKey{Year: 2026, Setting: "office", Diagnoses: []string{"J13", "R06.02"}, Why: map[string]string{"J13": "pneumonia", "R0602": "not integral here"}}
	symptomOnly := CaseKey{Year: 2026, Setting: "emergency", Diagnoses: []string{"R06.02"}, Why: map[string]string{"R0602": "no diagnosis established (I.B.4)"}}
	for _, tc := range []struct {
		name    string
		key     CaseKey
		dx, pcs []string
		code    string
		want    []string
	}{
		{"symptom of a confirmed diagnosis, inpatient", sepsisKey, []string{"A41.9", "J13", "E11.65", "R50.9"}, nil, "R50.9", []string{"Section I.B.5", "A41.9"}},
		{"symptom of a confirmed diagnosis, office", office, []string{"J13", "R50.9"}, nil, "R50.9", []string{"Section I.B.5", "J13"}},
		{"other condition, inpatient", sepsisKey, []string{"A41.9", "J13", "E11.65", "I10"}, nil, "I10", []string{"Section III"}},
		{"other condition, office", office, []string{"J13", "I10"}, nil, "I10", []string{"Section IV.J"}},
		{"other condition, emergency", symptomOnly, []string{"R06.02", "Z87.891"}, nil, "Z87.891", []string{"Section IV.J"}},
		{"a second symptom when no diagnosis is confirmed", symptomOnly, []string{"R06.02", "R50.9"}, nil, "R50.9", []string{"Section IV.J"}},
		{"a near miss of a keyed symptom code", withSymptom, []string{"J13", "R06.02", "R06.00"}, nil, "R06.00", []string{"Section IV.J", "Compare R06.02"}},
		{"extra procedure", sepsisKey, []string{"A41.9"}, []string{"0DTJ4ZZ", "0DTJ0ZZ"}, "0DTJ0ZZ", []string{"UHDDS"}},
	} {
		r := GradeCase(tc.key, tc.dx, tc.pcs, fakeSet)
		f := feedbackFor(r, tc.code)
		if f.Kind != CodeExtra || f.Points != -extraPenalty {
			t.Errorf("%s: %s graded %+v", tc.name, tc.code, f)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(f.Message, w) {
				t.Errorf("%s: feedback %q does not mention %q", tc.name, f.Message, w)
			}
		}
		if strings.Contains(f.Message, "Section I.B.5") != (tc.want[0] == "Section I.B.5") {
			t.Errorf("%s: feedback %q cites I.B.5 wrongly", tc.name, f.Message)
		}
	}
}

func TestGradeCaseHeaderAndInvalidCodes(t *testing.T) {
	r := GradeCase(sepsisKey, []string{"A41.9", "J13", "E11", "Q99.999", "E11.9"}, nil, fakeSet)
	var header, invalid, close CodeFeedback
	for _, f := range r.Diagnoses {
		switch f.Code {
		case "E11":
			header = f
		case "Q99.999":
			invalid = f
		case "E11.9":
			close = f
		}
	}
	if header.Kind != CodeHeader || !strings.Contains(header.Message, "not a billable code") || !strings.Contains(header.Message, "E11.65") {
		t.Errorf("header feedback %+v", header)
	}
	if invalid.Kind != CodeInvalid {
		t.Errorf("invalid feedback %+v", invalid)
	}
	if close.Kind != CodeExtra || !strings.Contains(close.Message, "Compare E11.65") || !strings.Contains(close.Message, "Section III") {
		t.Errorf("near-miss feedback %+v", close)
	}
	// Points never go below zero.
	if r := GradeCase(sepsisKey, []string{"I10", "Q99.999", "E11"}, nil, fakeSet); r.Points != 0 {
		t.Errorf("negative total not floored: %v", r.Points)
	}
}

func TestGradeCaseAlsoPrincipalAndDuplicates(t *testing.T) {
	k := sepsisKey
	k.AlsoPrincipal = []string{"J13"}
	r := GradeCase(k, []string{"J13, A41.9", "J13", "E11.65"}, []string{"0DTJ4ZZ"}, fakeSet)
	if !r.PrincipalOK || r.Points != r.Max {
		t.Fatalf("an equally valid principal (II.C) was not accepted: %+v", r)
	}
	if len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "more than once") {
		t.Errorf("notes %v", r.Notes)
	}
}
