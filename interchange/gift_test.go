package interchange

import (
	"reflect"
	"strings"
	"testing"

	"chartroom/codes"
	"chartroom/exam"
)

func TestGIFTSample(t *testing.T) {
	data := readTestdata(t, "sample.gift")
	r := Parse(GIFT, data)
	checkResult(t, r, data)
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %+v", r.Errors)
	}
	wantUnsupported := []Problem{
		{34, "essay question (not imported)"},
		{37, "numerical question (not imported)"},
		{76, "matching question (not imported)"},
		{83, "short-answer question that is not a code (not imported)"},
		{92, "missing-word question (answers inside the text; not imported)"},
	}
	if !reflect.DeepEqual(r.Unsupported, wantUnsupported) {
		t.Errorf("unsupported:\n got %+v\nwant %+v", r.Unsupported, wantUnsupported)
	}

	type want struct {
		line   int
		name   string
		typ    exam.QType
		key    []string
		nopts  int
		sel    int
		system string
	}
	wants := []want{
		{7, "Legal health record", exam.TypeSingle, []string{"A"}, 4, 0, ""},
		{15, "Data quality characteristics", exam.TypeMultiple, []string{"A", "B"}, 4, 2, ""},
		{24, "Abbreviation lists", exam.TypeSingle, []string{"A"}, 2, 0, ""},
		{27, "Diabetes code", exam.TypeCode, []string{"E11.65", "E1165"}, 0, 0, codes.ICD10CM},
		{40, "Escapes: special characters", exam.TypeSingle, []string{"A"}, 4, 0, ""},
		{48, "Multi-line block", exam.TypeSingle, []string{"B"}, 3, 0, ""},
		{59, "Amendment request", exam.TypeSingle, []string{"A"}, 4, 0, ""},
		{67, "Weighted components", exam.TypeMultiple, []string{"A", "B", "C"}, 5, 3, ""},
		{86, "Appendectomy PCS", exam.TypeCode, []string{"0DTJ4ZZ"}, 0, 0, codes.ICD10PCS},
	}
	if len(r.Items) != len(wants) {
		t.Fatalf("got %d items, want %d: %+v", len(r.Items), len(wants), r.Items)
	}
	for i, w := range wants {
		it := r.Items[i]
		q := it.Question
		if it.Line != w.line || it.Name != w.name || q.Type != w.typ || !reflect.DeepEqual(q.Key, w.key) ||
			len(q.Options) != w.nopts || q.Select != w.sel || q.System != w.system {
			t.Errorf("item %d: got line %d %q %s key %v, %d options, select %d, system %q; want %+v",
				i, it.Line, it.Name, q.Type, q.Key, len(q.Options), q.Select, q.System, w)
		}
		if q.ID != "" {
			t.Errorf("item %d: id %q set without Chartroom metadata", i, q.ID)
		}
	}

	legal := r.Items[0].Question
	if legal.Stem != "Which document defines the **legal health record** for release-of-information purposes at a hospital?" {
		t.Errorf("markdown stem: %q", legal.Stem)
	}
	if legal.Options[1].Rationale != "Practice acts license clinicians; they do not list record content." {
		t.Errorf("option feedback: %q", legal.Options[1].Rationale)
	}
	wantWarnings(t, r.Items[0])

	multi := r.Items[1].Question
	if multi.Rationale != "Timing-related qualities are timeliness and currency." {
		t.Errorf("general feedback: %q", multi.Rationale)
	}
	wantWarnings(t, r.Items[1]) // 50/50 with negative wrong answers: simple weights

	tf := r.Items[2].Question
	if tf.Options[0].Text != "True" || tf.Options[1].Text != "False" ||
		tf.Options[0].Rationale != "Right: a controlled list limits ambiguous abbreviations." ||
		tf.Options[1].Rationale != "Wrong: approved lists exist precisely to prevent misreading." {
		t.Errorf("true/false: %+v", tf.Options)
	}

	code := r.Items[3].Question
	if code.Rationale != "Type 2 diabetes with hyperglycemia is E11.65 (Index: Diabetes, type 2, with hyperglycemia)." {
		t.Errorf("code rationale: %q", code.Rationale)
	}
	wantWarnings(t, r.Items[3])

	esc := r.Items[4].Question
	if esc.Stem != "In a claim file, which field separator uses the characters { and } with a # sign = 1 and a tilde ~?" {
		t.Errorf("escaped stem: %q", esc.Stem)
	}
	wantTexts := []string{"Segment terminator ~", "Element separator =", "Subelement : separator", `Backslash \ escape`}
	for i, o := range esc.Options {
		if o.Text != wantTexts[i] {
			t.Errorf("escaped option %d: %q, want %q", i, o.Text, wantTexts[i])
		}
	}
	if esc.Options[0].Rationale != "The tilde ~ ends each segment in the X12 837." {
		t.Errorf("escaped feedback: %q", esc.Options[0].Rationale)
	}

	block := r.Items[5].Question
	if block.Stem != "Which of these is a primary purpose of the health record?" ||
		block.Options[1].Text != "Documenting patient care for continuity" ||
		block.Options[1].Rationale != "The record supports continuity of care among providers." {
		t.Errorf("multi-line block: %+v", block)
	}

	wantWarnings(t, r.Items[6], "option C has no feedback (rationale)")
	wantWarnings(t, r.Items[7], "the file gives different credit to the right answers (A 40%, B 30%, C 30%); Chartroom scores multiple-response questions all or nothing: a student must choose exactly A, B and C")
	wantWarnings(t, r.Items[8],
		`answers without full credit were left out ("0DTJ0ZZ" 50%); Chartroom accepts only full-credit codes`,
		`no general feedback: the feedback of answer "0DTJ4ZZ" became the rationale`,
		"feedback on the other answers was not kept (a code-entry question has one rationale)")
	if r.Items[8].Question.Rationale != "Root operation Resection, body part Appendix, approach 4." {
		t.Errorf("PCS rationale: %q", r.Items[8].Question.Rationale)
	}
}

// TestGIFTDetails covers rules the sample file does not show.
func TestGIFTDetails(t *testing.T) {
	parse := func(t *testing.T, src string) Item {
		t.Helper()
		r := Parse(GIFT, []byte(src))
		checkResult(t, r, []byte(src))
		if len(r.Errors) > 0 || len(r.Items) != 1 {
			t.Fatalf("got %d items, errors %+v, unsupported %+v", len(r.Items), r.Errors, r.Unsupported)
		}
		return r.Items[0]
	}
	t.Run("two equals signs make a multiple-response question", func(t *testing.T) {
		it := parse(t, "Which two are identifiers?{=MRN =SSN ~Room ~Diet}")
		q := it.Question
		if q.Type != exam.TypeMultiple || q.Select != 2 || !reflect.DeepEqual(q.Key, []string{"A", "B"}) {
			t.Fatalf("%+v", q)
		}
		if !strings.HasSuffix(q.Stem, "(Select TWO.)") && !strings.Contains(strings.ToUpper(q.Stem), "TWO") {
			t.Errorf("stem does not say how many: %q", q.Stem)
		}
	})
	t.Run("no text and several right answers is an error", func(t *testing.T) {
		r := Parse(GIFT, []byte("{=MRN =SSN ~Room ~Diet}"))
		if len(r.Items) != 0 || len(r.Errors) != 1 || r.Errors[0].Msg != "the question has no text" {
			t.Errorf("%+v", r)
		}
	})
	t.Run("stem that does not say how many gets a note", func(t *testing.T) {
		it := parse(t, "Pick the identifiers.{=MRN =SSN ~Room ~Diet}")
		if it.Question.Stem != "Pick the identifiers.\n\n(Select TWO.)" {
			t.Errorf("stem %q", it.Question.Stem)
		}
		if len(it.Warnings) == 0 || !strings.Contains(it.Warnings[0], `added "(Select TWO.)"`) {
			t.Errorf("warnings %q", it.Warnings)
		}
	})
	t.Run("one = with partial credit elsewhere stays single", func(t *testing.T) {
		it := parse(t, "Q?{=A#a ~%50%B#b ~C#c}")
		if it.Question.Type != exam.TypeSingle || !reflect.DeepEqual(it.Question.Key, []string{"A"}) {
			t.Fatalf("%+v", it.Question)
		}
		wantWarnings(t, it, "the file gives partial credit (B 50%); Chartroom scores right or wrong, so only the answers marked = count as right")
	})
	t.Run("single right answer with 100% weight", func(t *testing.T) {
		it := parse(t, "Q?{~%100%Yes#y ~No#n}")
		if it.Question.Type != exam.TypeSingle || it.Question.Key[0] != "A" || len(it.Warnings) != 0 {
			t.Fatalf("%+v %q", it.Question, it.Warnings)
		}
	})
	t.Run("false with feedback", func(t *testing.T) {
		it := parse(t, "Coders may query leadingly.{FALSE#No: queries must not lead.#Yes: leading queries are not allowed.####AHIMA query practice brief.}")
		q := it.Question
		if q.Key[0] != "B" || q.Options[0].Rationale != "No: queries must not lead." ||
			q.Options[1].Rationale != "Yes: leading queries are not allowed." || q.Rationale != "AHIMA query practice brief." {
			t.Fatalf("%+v", q)
		}
	})
	t.Run("true without feedback warns per option", func(t *testing.T) {
		it := parse(t, "A query may be written.{T}")
		wantWarnings(t, it, "option A (True) has no feedback (rationale)", "option B (False) has no feedback (rationale)")
	})
	t.Run("html format becomes text", func(t *testing.T) {
		it := parse(t, "[html]<p>Which form is <b>required</b> &amp; signed?</p>{=Authorization ~Notice}")
		if it.Question.Stem != "Which form is required & signed?" {
			t.Errorf("stem %q", it.Question.Stem)
		}
	})
	t.Run("images anywhere are reported", func(t *testing.T) {
		it := parse(t, "[html]<p>Which film?</p>{=<img src\\=\"a.png\"> Chest film#x ~Abdomen film#y}")
		if it.Question.Options[0].Text != "Chest film" {
			t.Errorf("option %q", it.Question.Options[0].Text)
		}
		wantWarnings(t, it, "the question had images, which were not imported")
	})
	t.Run("newline escape", func(t *testing.T) {
		it := parse(t, `Line one\nline two{=a#x ~b#y}`)
		if it.Question.Stem != "Line one\nline two" {
			t.Errorf("stem %q", it.Question.Stem)
		}
	})
	t.Run("category line directly above a question", func(t *testing.T) {
		it := parse(t, "$CATEGORY: tests\nQ?{=a#x ~b#y}")
		if it.Line != 2 {
			t.Errorf("line %d", it.Line)
		}
	})
	t.Run("code system from the stem when codes fit both", func(t *testing.T) {
		it := parse(t, "Enter the ICD-10-PCS code.{=BW03ZZZ####Plain radiography.}")
		if it.Question.System != codes.ICD10PCS || len(it.Warnings) != 0 {
			t.Errorf("%s %q", it.Question.System, it.Warnings)
		}
		it = parse(t, "Enter the code.{=BW03ZZZ####x}")
		if it.Question.System != codes.ICD10CM || len(it.Warnings) != 1 {
			t.Errorf("%s %q", it.Question.System, it.Warnings)
		}
	})
	t.Run("metadata", func(t *testing.T) {
		src := "// chartroom: {\"id\":\"him-lhr-01\",\"domain\":\"data\",\"topic\":\"legal-health-record\",\"level\":\"recall\",\"difficulty\":2,\"references\":[\"AHIMA LHR toolkit\"],\"tags\":[\"unit-2\"]}\n" +
			"Q?{=a#x ~b#y}"
		q := parse(t, src).Question
		if q.ID != "him-lhr-01" || q.Domain != exam.DomainData || q.Topic != "legal-health-record" || q.Level != "recall" ||
			q.Difficulty != 2 || !reflect.DeepEqual(q.References, []string{"AHIMA LHR toolkit"}) || !reflect.DeepEqual(q.Tags, []string{"unit-2"}) {
			t.Errorf("%+v", q)
		}
	})
	t.Run("metadata in a comment block of its own", func(t *testing.T) {
		q := parse(t, "// chartroom: {\"id\":\"abc-1\"}\n\nQ?{=a#x ~b#y}").Question
		if q.ID != "abc-1" {
			t.Errorf("id %q", q.ID)
		}
	})
	t.Run("unreadable metadata is a warning", func(t *testing.T) {
		it := parse(t, "// chartroom: {\"id\":\n::T::Q?{=a#x ~b#y}")
		if it.Question.ID != "" || len(it.Warnings) != 1 || !strings.HasPrefix(it.Warnings[0], "line 1: the Chartroom metadata is not valid JSON") {
			t.Errorf("%q %q", it.Question.ID, it.Warnings)
		}
	})
	t.Run("invalid id in metadata is dropped", func(t *testing.T) {
		it := parse(t, "// chartroom: {\"id\":\"Bad ID\"}\nQ?{=a#x ~b#y}")
		if it.Question.ID != "" || len(it.Warnings) != 1 {
			t.Errorf("%q %q", it.Question.ID, it.Warnings)
		}
	})
	t.Run("CRLF line ends", func(t *testing.T) {
		r := Parse(GIFT, []byte("// c\r\n::A::Q?{\r\n=a#x\r\n~b#y\r\n}\r\n\r\n::B::R?{T}\r\n"))
		if len(r.Items) != 2 || r.Items[1].Line != 7 || len(r.Errors) > 0 {
			t.Fatalf("%+v", r)
		}
	})
}

// TestGIFTErrors: each file has one bad question; the error names its line.
func TestGIFTErrors(t *testing.T) {
	cases := []struct {
		file string
		line int
		msg  string
	}{
		{"errors/gift-unclosed.gift", 9, "the answer block opened with { is not closed before the blank line on line 12"},
		{"errors/gift-stray-brace.gift", 9, "} has no matching {"},
		{"errors/gift-no-right-answer.gift", 9, "no answer is marked right"},
		{"errors/gift-second-brace.gift", 11, "a second { inside the answer block opened on line 9"},
		{"errors/gift-bad-weight.gift", 11, "answer weight 150% is not between -100% and 100%"},
		{"errors/gift-title.gift", 9, "the title starts with :: but has no closing ::"},
		{"errors/gift-seven-options.gift", 9, "a question can have at most 6 options, A to F (has 7)"},
		{"errors/gift-duplicate-option.gift", 12, "option C has the same text as another option"},
		{"errors/gift-banned-option.gift", 13, `option D: do not use "all of the above" options`},
		{"errors/gift-text-before-answers.gift", 10, `text "Choose one:" before the first answer`},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			data := readTestdata(t, c.file)
			r := Parse(GIFT, data)
			checkResult(t, r, data)
			if len(r.Errors) != 1 {
				t.Fatalf("want exactly one error, got %+v", r.Errors)
			}
			if e := r.Errors[0]; e.Line != c.line || !strings.Contains(e.Msg, c.msg) {
				t.Errorf("got line %d: %s\nwant line %d: ...%s...", e.Line, e.Msg, c.line, c.msg)
			}
			if len(r.Items) != 2 {
				t.Errorf("the good questions around the bad one: got %d items, want 2", len(r.Items))
			}
		})
	}
}
