package interchange

import (
	"strings"
	"testing"

	"chartroom/codes"
	"chartroom/exam"
)

// roundTripQuestions covers every type and the characters each format
// treats specially.
func roundTripQuestions() []exam.Question {
	return []exam.Question{
		{
			ID: "roi-psychotherapy-01", Type: exam.TypeSingle, Domain: exam.DomainAccess, Topic: "right-of-access",
			Level: exam.LevelApplication, Difficulty: 2,
			Stem: "A patient asks for **all** of her records.\n\n" +
				"Special characters: { braces } ~ tilde = equals # hash : colon \\ backslash, and `code {x}`.\n" +
				"A literal \\n is not a newline; ]]> ends CDATA; <b>tags</b> & entities &amp; stay as typed.\n\n" +
				"- a list item\n- another :: with colons\n\n// not a comment\n$CATEGORY: not a category\n\n[html] not a format tag\n\nWhich statement is correct?",
			Options: []exam.Option{
				{Text: "The notes may be withheld; the medication list may not", Rationale: "45 CFR 164.524(a)(1)(i) excludes psychotherapy notes.\n\nSecond paragraph of the rationale with # and ~."},
				{Text: "[plain] Both must be released", Rationale: "[markdown] The notes are excluded."},
				{Text: "%50% of the record is enough", Rationale: "%100% wrong: there is no percentage rule."},
				{Text: "Only with a court order -> never", Rationale: "=A court order is not required."},
			},
			Key:        []string{"A"},
			Rationale:  "Psychotherapy notes are defined in 164.501.\n\n> A quoted line.",
			References: []string{"45 CFR 164.524(a)(1)(i)", "45 CFR 164.501 \"psychotherapy notes\""},
			Tags:       []string{"privacy", "unit 3: access"},
		},
		{
			ID: "dq-timeliness-02", Type: exam.TypeMultiple, Domain: exam.DomainData, Topic: "data-quality",
			Level: exam.LevelRecall, Difficulty: 1,
			Stem: "Which TWO characteristics concern **when** data are recorded?\n\nSelect TWO.",
			Options: []exam.Option{
				{Text: "Timeliness", Rationale: "Entered when the event happens."},
				{Text: "Granularity", Rationale: "Level of detail."},
				{Text: "Currency", Rationale: "Up to date."},
				{Text: "Precision", Rationale: ""},
			},
			Key: []string{"A", "C"}, Select: 2,
			References: []string{"AHIMA Data Quality Management Model"},
		},
		{
			ID: "mn-components-03", Type: exam.TypeMultiple, Domain: exam.DomainCompliance, Topic: "minimum-necessary",
			Level: exam.LevelAnalysis, Difficulty: 3,
			Stem: "Select THREE parts of a minimum necessary policy.",
			Options: []exam.Option{
				{Text: "Role-based access", Rationale: "r1"}, {Text: "Routine disclosure protocols", Rationale: "r2"},
				{Text: "Whole-record release", Rationale: "r3"}, {Text: "Review of non-routine requests", Rationale: "r4"},
				{Text: "Verbal approval", Rationale: "r5"}, {Text: "Criteria for requests it makes", Rationale: "r6"},
			},
			Key: []string{"A", "B", "D"}, Select: 3,
			References: []string{"45 CFR 164.514(d)"},
		},
		{
			ID: "cm-dm-hyperglycemia-04", Type: exam.TypeCode, System: codes.ICD10CM, Domain: exam.DomainRevenue,
			Topic: "diabetes", Level: exam.LevelApplication, Difficulty: 2,
			Stem:       "Type 2 diabetes with hyperglycemia.\n\nEnter the ICD-10-CM code.",
			Key:        []string{"E11.65", "E1165"},
			Rationale:  "Index: Diabetes, type 2, with hyperglycemia E11.65.",
			References: []string{"ICD-10-CM Official Guidelines FY2026, Section I.C.4.a"},
		},
		{
			// 7 characters that are well formed in both systems: the
			// metadata keeps the system.
			ID: "pcs-imaging-05", Type: exam.TypeCode, System: codes.ICD10PCS, Domain: exam.DomainRevenue,
			Topic: "pcs-imaging", Level: exam.LevelRecall, Difficulty: 1,
			Stem:      "Plain radiography of the chest, no contrast. Enter the code.",
			Key:       []string{"BW03ZZZ"},
			Rationale: "Section B, body system W, root type 0 (plain radiography).",
		},
		{
			ID: "case-er-visit-06", SetID: "case-er-visit", SetTitle: "ED visit, 3 questions",
			SetCase: "**Case.** A 54-year-old presents to the ED with chest pain {onset 2 h}.\n\n| vital | value |\n|---|---|\n| BP | 150/90 |",
			Type:    exam.TypeSingle, Domain: exam.DomainRevenue, Topic: "ed-coding", Level: exam.LevelAnalysis, Difficulty: 3,
			Stem: "Based on the case, which is sequenced first?",
			Options: []exam.Option{
				{Text: "Chest pain", Rationale: "A symptom is first when no cause is found."},
				{Text: "Hypertension", Rationale: "Secondary."},
				{Text: "Anxiety", Rationale: "Not documented."},
			},
			Key:  []string{"A"},
			Tags: []string{"chartroom:looks-like-metadata", " spaced "},
		},
		{
			// A bare draft: no id, no classification.
			Type: exam.TypeSingle, Stem: "True or false: an MPI entry is permanent.",
			Options: []exam.Option{{Text: "True", Rationale: "Entries are merged, never deleted."}, {Text: "False"}},
			Key:     []string{"A"},
		},
	}
}

func TestRoundTrip(t *testing.T) {
	for _, f := range []Format{GIFT, MoodleXML} {
		t.Run(string(f), func(t *testing.T) {
			qs := roundTripQuestions()
			data, err := Write(f, qs)
			if err != nil {
				t.Fatal(err)
			}
			r := Parse(f, data)
			checkResult(t, r, data)
			if len(r.Errors) > 0 || len(r.Unsupported) > 0 {
				t.Fatalf("errors %+v unsupported %+v\n%s", r.Errors, r.Unsupported, data)
			}
			sameQuestions(t, questionsOf(r), qs)
			for _, it := range r.Items {
				for _, w := range it.Warnings {
					// The only expected warnings are missing feedback and
					// rationale.
					if !strings.Contains(w, "has no feedback") && !strings.HasPrefix(w, "no general feedback") {
						t.Errorf("item at line %d: unexpected warning %q", it.Line, w)
					}
				}
			}
			if t.Failed() {
				t.Logf("file:\n%s", data)
			}
			// Written twice, the file is the same.
			again, err := Write(f, questionsOf(r))
			if err != nil || string(again) != string(data) {
				t.Errorf("second write differs (err %v)", err)
			}
		})
	}
}

func TestAikenRoundTrip(t *testing.T) {
	qs := []exam.Question{
		{Type: exam.TypeSingle, Stem: "First paragraph.\n\nWhich agency publishes ICD-10-PCS?",
			Options: []exam.Option{{Text: "CMS"}, {Text: "WHO"}, {Text: "AMA"}}, Key: []string{"A"}},
		{Type: exam.TypeSingle, Stem: "Which is a secondary source?",
			Options: []exam.Option{{Text: "Registry"}, {Text: "H&P"}}, Key: []string{"A"}},
	}
	data, err := Write(Aiken, qs)
	if err != nil {
		t.Fatal(err)
	}
	r := Parse(Aiken, data)
	checkResult(t, r, data)
	sameQuestions(t, questionsOf(r), qs)
}

func TestWriteRefuses(t *testing.T) {
	all := roundTripQuestions()
	for _, c := range []struct {
		f    Format
		q    exam.Question
		want string
	}{
		{Aiken, all[1], "question 1 (dq-timeliness-02) is a multiple-response question; Aiken holds only single-answer multiple-choice questions"},
		{Aiken, all[3], "question 1 (cm-dm-hyperglycemia-04) is a code-entry question"},
		{Aiken, exam.Question{Type: exam.TypeSingle, Stem: "Q?\nA. looks like an option", Options: []exam.Option{{Text: "x"}, {Text: "y"}}, Key: []string{"A"}},
			`question 1 ("Q? A. looks like an option"): the question text line "A. looks like an option" would be read as an option in Aiken`},
		{GIFT, exam.Question{ID: "x-1", Type: "essay"}, `question 1 (x-1) has type "essay", which cannot be written`},
		{MoodleXML, exam.Question{ID: "x-1"}, `question 1 (x-1) has type "", which cannot be written`},
		{"csv", all[0], `unknown file format "csv"`},
	} {
		_, err := Write(c.f, []exam.Question{c.q})
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: got %v\nwant %s...", c.f, err, c.want)
		}
	}
}
