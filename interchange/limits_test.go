package interchange

import (
	"strings"
	"testing"
	"time"
)

// TestLimits feeds each format hostile inputs and checks that Parse stops
// early with a plain error and stays fast. The inputs are 4 MB, which
// reaches every cap; the work is linear in the input (19 MB inputs take
// under a second each).
func TestLimits(t *testing.T) {
	const n = 4 << 20
	rep := func(s string) []byte { return []byte(strings.Repeat(s, n/len(s))) }
	tags := "[html]" + strings.Repeat("<a", 5000) + "{=a ~b}\n\n"
	answers := "q{" + strings.Repeat("~", 90000) + "}\n\n"
	cases := []struct {
		name   string
		f      Format
		data   []byte
		items  int
		unsup  int
		errors int
		first  string // the first error, "line N: message" prefix
	}{
		{"file over 20 MB", GIFT, make([]byte, 21<<20), 0, 0, 1, "line 0: the file is 21.0 MB; files over 20 MB are not accepted"},
		{"not UTF-8", Aiken, []byte("Q?\nA. caf\xe9\nB. tea\nANSWER: A\n"), 0, 0, 1, "line 2: the file is not UTF-8 text (byte 0xE9"},
		{"unknown format", "csv", []byte("x"), 0, 0, 1, `line 0: unknown file format "csv"`},
		{"GIFT question over 100 KB", GIFT, rep("{"), 0, 0, 1, "line 1: question is longer than 100 KB (is a blank line missing between two questions?)"},
		{"GIFT too many questions", GIFT, rep("a{=b ~c}\n\n"), 10000, 0, 1, "line 20001: the file has more than 10000 questions; split it into smaller files"},
		{"GIFT too many errors", GIFT, rep("{\n\n"), 0, 0, 101, "line 1: the answer block opened with { is not closed before the blank line on line 2"},
		{"GIFT too many essays", GIFT, rep("q{}\n\n"), 0, 10000, 1, "line 20001: the file has more than 10000 questions"},
		{"GIFT thousands of answers", GIFT, rep(answers), 0, 0, n / len(answers), "line 1: the answer block has more than 1000 answers"},
		{"GIFT blank lines", GIFT, rep("\n"), 0, 0, 0, ""},
		{"GIFT comments", GIFT, rep("// x\n\n"), 0, 0, 0, ""},
		{"GIFT unclosed tags", GIFT, rep(tags), n / len(tags), 0, 0, ""},
		{"GIFT unclosed script", GIFT, rep("[html]" + strings.Repeat("<script>", 5000) + "{=a ~b}\n\n"), 0, 0, 101, "line 1: the question has no text"},
		{"Aiken question over 100 KB", Aiken, rep("x\n"), 0, 0, 41, "line 1: question is longer than 100 KB (is an ANSWER line missing?)"},
		{"Aiken too many questions", Aiken, rep("Q\nA. a\nB. b\nANSWER: A\n"), 10000, 0, 1, "line 40001: the file has more than 10000 questions"},
		{"Aiken options only", Aiken, rep("A. x\n"), 0, 0, 1, "line 1: option A has no question text before it"},
		{"XML many elements", MoodleXML, []byte("<quiz><question type=\"multichoice\">" + strings.Repeat("<answer/>", n/9) + "</question></quiz>"), 0, 0, 1, "line 1: question is too large"},
		{"XML long tag", MoodleXML, []byte("<quiz><question type=\"multichoice\"><answer " + strings.Repeat(`a="" `, n/5) + "/></question></quiz>"), 0, 0, 1, "line 1: an XML tag is longer than 64 KB"},
		{"XML deep nesting", MoodleXML, []byte("<quiz>" + strings.Repeat("<a>", n/3)), 0, 0, 1, "line 1: the XML elements are nested too deeply"},
		{"XML question over 100 KB", MoodleXML, []byte("<quiz><question type=\"essay\"><questiontext><text>" + strings.Repeat("x", n) + "</text></questiontext></question></quiz>"), 0, 0, 1, "line 1: question is too large"},
		{"XML too many questions", MoodleXML, []byte("<quiz>" + strings.Repeat(`<question type="essay"/>`, n/24) + "</quiz>"), 0, 10000, 1, "line 1: the file has more than 10000 questions"},
		{"XML many siblings", MoodleXML, []byte("<quiz>" + strings.Repeat("<x/>", n/4) + "</quiz>"), 0, 0, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			r := Parse(c.f, c.data)
			if d := time.Since(start); d > 30*time.Second { // generous: -race is slow
				t.Errorf("took %v", d)
			}
			if len(r.Items) != c.items || len(r.Unsupported) != c.unsup || len(r.Errors) != c.errors {
				t.Errorf("got %d items, %d unsupported, %d errors; want %d, %d, %d", len(r.Items), len(r.Unsupported), len(r.Errors), c.items, c.unsup, c.errors)
			}
			if c.first != "" && (len(r.Errors) == 0 || !strings.HasPrefix(fmtProblem(r.Errors[0]), c.first)) {
				t.Errorf("first error %+v, want %q...", r.Errors, c.first)
			}
			if c.errors > 100 && r.Errors[len(r.Errors)-1].Msg != "more than 100 errors; stopped reading here" {
				t.Errorf("last error %+v", r.Errors[len(r.Errors)-1])
			}
		})
	}
}

func TestHTMLToText(t *testing.T) {
	for _, c := range []struct {
		in, want string
		images   int
	}{
		{"<p>One</p><p>Two &amp; three</p>", "One\n\nTwo & three", 0},
		{"Line<br>break<br/>again", "Line\nbreak\nagain", 0},
		{"<ul><li>a</li><li>b</li></ul>after", "- a\n- b\n\nafter", 0},
		{"  lots   of\n\n  space  ", "lots of space", 0},
		{"<script>alert(1)</script><style>p{}</style>text", "text", 0},
		{"a <!-- hidden --> b", "a b", 0},
		{"x < y and y > z", "x < y and y > z", 0},
		{"<img src=a.png alt=x>Chart", "Chart", 1},
		{"<pre>  keep\n    this</pre>", "keep\nthis", 0},
		{"&lt;b&gt;literal&lt;/b&gt; &nbsp;&#x41;&#66;", "<b>literal</b> \u00a0AB", 0},
		{"<table><tr><td>a</td><td>b</td></tr></table>", "a b", 0},
		{"unclosed <b", "unclosed <b", 0},
		{"<!-- unclosed comment", "", 0},
		{"<SCRIPT>x</sCrIpT>ok", "ok", 0},
	} {
		got, images := htmlToText(c.in)
		if got != c.want || images != c.images {
			t.Errorf("htmlToText(%q) = %q, %d images; want %q, %d", c.in, got, images, c.want, c.images)
		}
	}
}
