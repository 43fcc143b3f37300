package interchange

import (
	"path/filepath"
	"testing"
)

// fuzzParse checks, for any input: Parse does not panic; every Item passes
// ValidateDraft and every problem has a message and a line inside the file;
// the Items written back in the same format parse again, without errors,
// into the same questions.
func fuzzParse(f *testing.F, format Format, seeds []string, globs ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	for _, g := range globs {
		files, err := filepath.Glob(filepath.Join("testdata", g))
		if err != nil || len(files) == 0 {
			f.Fatalf("no seed files for %s", g)
		}
		for _, name := range files {
			rel, _ := filepath.Rel("testdata", name)
			f.Add(readTestdata(f, rel))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := Parse(format, data)
		checkResult(t, r, data)
		if len(r.Items) == 0 {
			return
		}
		out, err := Write(format, questionsOf(r))
		if err != nil {
			t.Fatalf("Write of parsed items: %v", err)
		}
		r2 := Parse(format, out)
		if len(r2.Items) != len(r.Items) || len(r2.Errors) > 0 || len(r2.Unsupported) > 0 {
			t.Fatalf("written again: %d items, want %d; errors %+v; unsupported %+v\nfile:\n%s", len(r2.Items), len(r.Items), r2.Errors, r2.Unsupported, out)
		}
		sameQuestions(t, questionsOf(r2), questionsOf(r))
	})
}

func FuzzParseGIFT(f *testing.F) {
	fuzzParse(f, GIFT, []string{
		"Q?{=a ~b}",
		"::t::[html]<p>Q</p>{=<b>a</b>#x ~b#y ####g}",
		"Q?{~%50%a ~%50%b ~c ~d}",
		"Q{T#a#b}",
		"Code?{=E11.65 =%50%E11.9#partial}",
		"// chartroom: {\"id\":\"ab-1\",\"system\":\"icd10pcs\"}\nQ?{=BW03ZZZ}",
		"$CATEGORY: x\n\nQ\\{?{=a\\~ ~b\\#}",
		"::a\\:b::[markdown]Q\\n\\\\n{\n\t=%100%a#[html]<b>f</b>\n\t~[plain]b\n\t####[markdown]g\n}\n\nQ{=a->b =c->d}\n\nQ{#1:2}\n\nQ{=x} more {=y}",
	}, "sample.gift", "errors/gift-*.gift")
}

func FuzzParseAiken(f *testing.F) {
	fuzzParse(f, Aiken, []string{
		"Q?\nA. a\nB. b\nANSWER: A\n",
		"Q?\r\n\r\nmore\r\nA) a\r\nB) b\r\nanswer: b.\r\n",
	}, "sample-aiken.txt", "errors/aiken-*.txt")
}

func FuzzParseMoodleXML(f *testing.F) {
	fuzzParse(f, MoodleXML, []string{
		`<quiz><question type="truefalse"><questiontext><text>Q</text></questiontext><answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer></question></quiz>`,
		`<quiz><question type="shortanswer"><questiontext format="html"><text>&lt;p&gt;Code&lt;/p&gt;</text></questiontext><answer fraction="100"><text>I10</text></answer><tags><tag><text>chartroom:{"id":"ab-1"}</text></tag></tags><idnumber>ab-1</idnumber></question></quiz>`,
		`<quiz><question type="multichoice"><name><text>n</text></name><questiontext format="markdown"><text><![CDATA[Pick *two* {x}]]></text></questiontext><single>false</single><answer fraction="50" format="html"><text><![CDATA[<p>a</p>]]></text><feedback format="html"><text>f</text></feedback></answer><answer fraction="50"><text>b</text></answer><answer fraction="-100"><text>c</text></answer><answer fraction="0"><text>d</text></answer></question></quiz>`,
		`<quiz><question type="shortanswer"><questiontext><text>PCS</text></questiontext><generalfeedback><text>g</text></generalfeedback><answer fraction="100"><text>BW03ZZZ</text><feedback><text>f</text></feedback></answer><answer fraction="50"><text>0DTJ0ZZ</text></answer><tags><tag><text>chartroom:{"system":"icd10pcs","domain":"revenue","tags":["a"]}</text></tag><tag><text>b</text></tag></tags></question></quiz>`,
		`<quiz><question type="category"><category><text>$course$/x</text></category></question><question type="truefalse"><questiontext format="plain_text"><text>Q &amp; &nbsp;A</text></questiontext><answer fraction="0"><text>TRUE</text><feedback><text>w</text></feedback></answer><answer fraction="100"><text>false</text></answer></question><question type="essay"/></quiz>`,
	}, "sample-moodle.xml", "errors/xml-*.xml")
}
