package interchange

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"chartroom/exam"
)

func TestAikenSample(t *testing.T) {
	data := readTestdata(t, "sample-aiken.txt")
	r := Parse(Aiken, data)
	checkResult(t, r, data)
	if len(r.Errors) > 0 || len(r.Unsupported) > 0 {
		t.Fatalf("errors %+v, unsupported %+v", r.Errors, r.Unsupported)
	}
	wants := []struct {
		line int
		stem string
		opts []string
		key  string
	}{
		{1, "Which agency publishes the ICD-10-PCS code set each fiscal year?",
			[]string{"Centers for Medicare & Medicaid Services", "World Health Organization", "American Medical Association", "National Center for Health Statistics"}, "A"},
		{8, "A coder finds a discharge summary signed 45 days after discharge.\nWhich record deficiency is this?",
			[]string{"Delinquent record", "Incomplete record with no deficiency", "Amended record"}, "A"},
		{15, "The master patient index links a patient to:",
			[]string{"the patient's unique identifier and encounters", "the physician's billing number only", "the hospital's tax identification number", "the state license of the attending physician", "the payer's claim control number"}, "A"},
	}
	if len(r.Items) != len(wants) {
		t.Fatalf("got %d items, want %d", len(r.Items), len(wants))
	}
	for i, w := range wants {
		it := r.Items[i]
		q := it.Question
		var opts []string
		for _, o := range q.Options {
			opts = append(opts, o.Text)
			if o.Rationale != "" {
				t.Errorf("item %d: Aiken has no feedback, got rationale %q", i, o.Rationale)
			}
		}
		if it.Line != w.line || q.Type != exam.TypeSingle || q.Stem != w.stem || !reflect.DeepEqual(opts, w.opts) || !reflect.DeepEqual(q.Key, []string{w.key}) {
			t.Errorf("item %d: got line %d %s %q %q key %v", i, it.Line, q.Type, q.Stem, opts, q.Key)
		}
		wantWarnings(t, it, "Aiken files have no feedback: add a rationale for each option")
	}
}

func TestAikenErrors(t *testing.T) {
	cases := []struct {
		file  string
		line  int
		msg   string
		items int
	}{
		{"errors/aiken-answer-not-option.txt", 13, "ANSWER E is not one of the options (A-D)", 2},
		{"errors/aiken-no-answer.txt", 14, "question has no ANSWER line (the file ends after option C on line 17)", 2},
		{"errors/aiken-out-of-order.txt", 11, "expected option C, found option D", 2},
		{"errors/aiken-answer-before-options.txt", 9, "ANSWER line comes before any options", 2},
		{"errors/aiken-two-letters.txt", 13, `ANSWER must be one option letter such as "B", found "A, B"`, 2},
		{"errors/aiken-missing-answer-line.txt", 8, "question has no ANSWER line: after option C on line 11, line 12 has text", 3},
		{"errors/aiken-seven-options.txt", 15, "a question has at most 6 options (A to F); found option G", 2},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			data := readTestdata(t, c.file)
			r := Parse(Aiken, data)
			checkResult(t, r, data)
			if len(r.Errors) != 1 {
				t.Fatalf("want exactly one error, got %+v", r.Errors)
			}
			if e := r.Errors[0]; e.Line != c.line || !strings.Contains(e.Msg, c.msg) {
				t.Errorf("got line %d: %s\nwant line %d: ...%s...", e.Line, e.Msg, c.line, c.msg)
			}
			if len(r.Items) != c.items {
				t.Errorf("got %d items, want %d", len(r.Items), c.items)
			}
		})
	}
}

func TestAikenDetails(t *testing.T) {
	for _, c := range []struct{ name, src, err string }{
		{"option before any question", "A. text\nB. more\nANSWER: A\n", "line 1: option A has no question text before it"},
		{"roman numerals in the stem", "Which statements are true?\nI. First\nII. Second\nA. I only\nB. II only\nANSWER: A\n", "line 2: this line reads as option I, but the options must start at A"},
		{"empty option", "Q?\nA. one\nB.\nANSWER: A\n", "line 3: option B has no text"},
		{"one option", "Q?\nA. one\nANSWER: A\n", "line 1: a multiple-choice question needs at least 2 answers (has 1)"},
		{"empty answer", "Q?\nA. one\nB. two\nANSWER:\n", "line 4: the ANSWER line gives no letter"},
		{"banned option", "Q?\nA. one\nB. None of the above\nANSWER: A\n", `line 3: option B: do not use "none of the above" options`},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := Parse(Aiken, []byte(c.src))
			checkResult(t, r, []byte(c.src))
			if len(r.Errors) != 1 {
				t.Fatalf("errors %+v", r.Errors)
			}
			got := fmt.Sprintf("line %d: %s", r.Errors[0].Line, r.Errors[0].Msg)
			if !strings.HasPrefix(got, c.err) {
				t.Errorf("got  %s\nwant %s...", got, c.err)
			}
		})
	}
	// Blank lines inside the question text are paragraph breaks; answer
	// letters may be lower case or carry their punctuation.
	r := Parse(Aiken, []byte("First paragraph.\n\nSecond paragraph?\nA) yes\n\nB) no\nANSWER: b)\n"))
	if len(r.Items) != 1 || r.Items[0].Question.Stem != "First paragraph.\n\nSecond paragraph?" || r.Items[0].Question.Key[0] != "B" {
		t.Fatalf("%+v", r)
	}
}
