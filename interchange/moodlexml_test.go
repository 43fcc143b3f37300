package interchange

import (
	"reflect"
	"strings"
	"testing"

	"chartroom/codes"
	"chartroom/exam"
)

func TestMoodleXMLSample(t *testing.T) {
	data := readTestdata(t, "sample-moodle.xml")
	r := Parse(MoodleXML, data)
	checkResult(t, r, data)
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %+v", r.Errors)
	}
	// The category is skipped silently; essay and matching are listed.
	wantUnsupported := []Problem{{118, "essay question (not imported)"}, {138, "matching question (not imported)"}}
	if !reflect.DeepEqual(r.Unsupported, wantUnsupported) {
		t.Errorf("unsupported:\n got %+v\nwant %+v", r.Unsupported, wantUnsupported)
	}
	if len(r.Items) != 4 {
		t.Fatalf("got %d items, want 4", len(r.Items))
	}

	mc := r.Items[0]
	if mc.Line != 15 || mc.Name != "Psychotherapy notes" || mc.Question.Type != exam.TypeSingle || !reflect.DeepEqual(mc.Question.Key, []string{"A"}) {
		t.Errorf("multichoice: %+v", mc)
	}
	// HTML: tags stripped, paragraphs kept, entities decoded.
	if mc.Question.Stem != "A patient asks for a copy of her psychotherapy notes & her medication list.\n\nWhich statement is correct?" {
		t.Errorf("html stem: %q", mc.Question.Stem)
	}
	if mc.Question.Rationale != "Psychotherapy notes are excluded from the right of access (45\u00a0CFR\u00a0164.524(a)(1)(i))." {
		t.Errorf("general feedback: %q", mc.Question.Rationale)
	}
	if got := mc.Question.Options[3].Text; got != "Only the physician may decide what to release <at any time>." {
		t.Errorf("escaped html in an answer: %q", got)
	}
	if mc.Question.Options[0].Rationale != "Right: medication lists are part of the designated record set." {
		t.Errorf("answer feedback: %q", mc.Question.Options[0].Rationale)
	}
	if !reflect.DeepEqual(mc.Question.Tags, []string{"privacy"}) || mc.Question.ID != "" {
		t.Errorf("tags %q id %q", mc.Question.Tags, mc.Question.ID)
	}
	wantWarnings(t, mc, "option C has no feedback (rationale)")

	tf := r.Items[1]
	if tf.Line != 65 || tf.Question.Type != exam.TypeSingle || !reflect.DeepEqual(tf.Question.Key, []string{"B"}) ||
		tf.Question.Options[0].Text != "True" || tf.Question.Options[1].Text != "False" ||
		tf.Question.Options[1].Rationale != "Correct: 45 CFR 164.502(b)(2)(i) excepts treatment disclosures." {
		t.Errorf("truefalse: %+v", tf)
	}
	wantWarnings(t, tf)

	code := r.Items[2]
	if code.Line != 94 || code.Question.Type != exam.TypeCode || code.Question.System != codes.ICD10CM ||
		!reflect.DeepEqual(code.Question.Key, []string{"I10"}) || code.Question.Rationale != "Essential (primary) hypertension is I10." {
		t.Errorf("shortanswer: %+v", code)
	}
	// Markdown is kept as it is.
	if code.Question.Stem != "The physician documents *essential hypertension*. Enter the ICD-10-CM code." {
		t.Errorf("markdown stem: %q", code.Question.Stem)
	}
	wantWarnings(t, code)

	multi := r.Items[3]
	if multi.Line != 168 || multi.Question.Type != exam.TypeMultiple || multi.Question.Select != 2 || !reflect.DeepEqual(multi.Question.Key, []string{"A", "B"}) {
		t.Errorf("multiple: %+v", multi)
	}
	if multi.Question.Stem != "Which TWO factors are part of the breach risk assessment?\n\n- Consider 45 CFR 164.402.\n- Ignore vendor contracts." {
		t.Errorf("html list: %q", multi.Question.Stem)
	}
	wantWarnings(t, multi)
}

func TestMoodleXMLErrors(t *testing.T) {
	cases := []struct {
		file  string
		line  int
		msg   string
		items int
	}{
		{"errors/xml-bad-fraction.xml", 14, `answer fraction "ten" is not a number`, 2},
		{"errors/xml-single-two-right.xml", 9, "A and B each have fraction 100", 2},
		{"errors/xml-truefalse-words.xml", 9, `a true/false question needs exactly one answer "true" and one "false"`, 2},
		{"errors/xml-malformed.xml", 13, "the XML is malformed: element <answer> closed by </answers>", 1},
		{"errors/xml-no-type.xml", 9, "the <question> element has no type attribute", 2},
		{"errors/xml-bad-entity.xml", 11, "the XML is malformed: invalid character entity &bogus;", 1},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			data := readTestdata(t, c.file)
			r := Parse(MoodleXML, data)
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

func TestMoodleXMLDetails(t *testing.T) {
	q := func(typ, inner string) string {
		return `<?xml version="1.0"?><quiz><question type="` + typ + `"><name><text>n</text></name>` + inner + `</question></quiz>`
	}
	for _, c := range []struct{ name, src, want string }{
		{"not a quiz", `<?xml version="1.0"?><questions/>`, "line 1: the file starts with <questions>, not <quiz>"},
		{"empty", ``, "line 0: no <quiz> element found"},
		{"truncated", `<quiz><question type="essay">`, "line 1: the XML is malformed: unexpected EOF"},
		{"other encoding", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><quiz>caf\u00e9</quiz>", `line 1: the file declares the "ISO-8859-1" encoding; save it as UTF-8`},
		{"deep nesting", `<quiz><question type="essay">` + strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100) + `</question></quiz>`, "line 1: the XML elements are nested too deeply"},
		{"duplicate option on its own line", "<quiz>\n<question type=\"multichoice\"><questiontext><text>Q?</text></questiontext>\n<answer fraction=\"100\"><text>MRN</text></answer>\n<answer fraction=\"0\"><text> mrn </text></answer>\n</question></quiz>", "line 4: option B has the same text as another option"},
		{"no right answer", q("multichoice", `<questiontext><text>Q?</text></questiontext><answer fraction="0"><text>a</text></answer><answer fraction="0"><text>b</text></answer>`), "line 1: no answer is fully right (fraction 100)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := Parse(MoodleXML, []byte(c.src))
			if len(r.Errors) != 1 {
				t.Fatalf("errors %+v", r.Errors)
			}
			if got := fmtProblem(r.Errors[0]); !strings.HasPrefix(got, c.want) {
				t.Errorf("got  %s\nwant %s...", got, c.want)
			}
		})
	}
	t.Run("unsupported types are named", func(t *testing.T) {
		src := `<quiz><question type="numerical"/><question type="ddwtos"/><question type="cloze"/><question type="shortanswer"><questiontext><text>Capital?</text></questiontext><answer fraction="100"><text>Paris</text></answer></question><question type="mystery"/></quiz>`
		r := Parse(MoodleXML, []byte(src))
		var got []string
		for _, p := range r.Unsupported {
			got = append(got, p.Msg)
		}
		want := []string{"numerical question (not imported)", "drag-and-drop into text (ddwtos) question (not imported)",
			"embedded answers (cloze) question (not imported)", "short-answer question that is not a code (not imported)", `"mystery" question (not imported)`}
		if !reflect.DeepEqual(got, want) || len(r.Errors) > 0 || len(r.Items) > 0 {
			t.Errorf("got %q, errors %+v", got, r.Errors)
		}
	})
	t.Run("single false with one right answer", func(t *testing.T) {
		r := Parse(MoodleXML, []byte(q("multichoice", `<questiontext><text>Q?</text></questiontext><single>false</single><answer fraction="100"><text>a</text><feedback><text>x</text></feedback></answer><answer fraction="0"><text>b</text><feedback><text>y</text></feedback></answer>`)))
		if len(r.Items) != 1 || r.Items[0].Question.Type != exam.TypeSingle {
			t.Fatalf("%+v", r)
		}
		wantWarnings(t, r.Items[0], "the file lets students choose several answers but only option A is right; imported as a single-answer question")
	})
	t.Run("images are reported", func(t *testing.T) {
		r := Parse(MoodleXML, []byte(q("truefalse", `<questiontext format="html"><text><![CDATA[<p>Chart <img src="@@PLUGINFILE@@/a.png"></p>]]></text><file name="a.png" encoding="base64">iVBORw0KGgo=</file></questiontext><answer fraction="100"><text>true</text><feedback><text>x</text></feedback></answer><answer fraction="0"><text>false</text><feedback><text>y</text></feedback></answer>`)))
		if len(r.Items) != 1 || r.Items[0].Question.Stem != "Chart" {
			t.Fatalf("%+v", r)
		}
		wantWarnings(t, r.Items[0], "the question had images, which were not imported")
	})
	t.Run("chartroom tag cut short by Moodle", func(t *testing.T) {
		r := Parse(MoodleXML, []byte(q("truefalse", `<questiontext><text>Q?</text></questiontext><idnumber>roi-basics-01</idnumber><answer fraction="100"><text>true</text><feedback><text>x</text></feedback></answer><answer fraction="0"><text>false</text><feedback><text>y</text></feedback></answer><tags><tag><text>chartroom:{"domain":"access","topic":"release-of-inf</text></tag></tags>`)))
		if len(r.Items) != 1 || r.Items[0].Question.ID != "roi-basics-01" || r.Items[0].Question.Domain != "" || len(r.Items[0].Warnings) != 1 {
			t.Fatalf("%+v", r.Items)
		}
	})
	t.Run("idnumber without Chartroom metadata is not an id", func(t *testing.T) {
		r := Parse(MoodleXML, []byte(q("truefalse", `<questiontext><text>Q?</text></questiontext><idnumber>q-17</idnumber><answer fraction="100"><text>true</text><feedback><text>x</text></feedback></answer><answer fraction="0"><text>false</text><feedback><text>y</text></feedback></answer>`)))
		if len(r.Items) != 1 || r.Items[0].Question.ID != "" {
			t.Fatalf("%+v", r.Items)
		}
	})
}
