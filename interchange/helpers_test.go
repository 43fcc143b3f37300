package interchange

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"chartroom/exam"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// draftProblems is what ValidateDraft says about an imported question. A
// question without Chartroom metadata has no id yet (the importer gives
// one), so an empty id is filled in first.
func draftProblems(q exam.Question) []exam.FieldError {
	if q.ID == "" {
		q.ID = placeholderID
	}
	return q.ValidateDraft()
}

// checkResult fails on any Item that does not pass ValidateDraft and on
// any problem without a message or with a line outside the file.
func checkResult(t testing.TB, r Result, data []byte) {
	t.Helper()
	// Lines end with LF, CRLF or a lone CR (as editors show them).
	lines := strings.Count(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n") + strings.Count(strings.ReplaceAll(string(data), "\r\n", "\n"), "\r") + 1
	for _, it := range r.Items {
		if errs := draftProblems(it.Question); len(errs) > 0 {
			t.Fatalf("item at line %d does not pass ValidateDraft: %v\n%#v", it.Line, errs, it.Question)
		}
		if it.Line < 1 || it.Line > lines {
			t.Fatalf("item line %d outside the file (%d lines)", it.Line, lines)
		}
	}
	for _, list := range [][]Problem{r.Unsupported, r.Errors} {
		for _, p := range list {
			if p.Msg == "" || p.Line < 0 || p.Line > lines {
				t.Fatalf("bad problem %+v (file has %d lines)", p, lines)
			}
		}
	}
}

func questionsOf(r Result) []exam.Question {
	var qs []exam.Question
	for _, it := range r.Items {
		qs = append(qs, it.Question)
	}
	return qs
}

// normalized trims the white space around every text field and treats
// empty and nil slices alike, for comparing questions across a round trip.
func normalized(q exam.Question) exam.Question {
	tr := strings.TrimSpace
	q.ID, q.SetID, q.SetCase, q.SetTitle = tr(q.ID), tr(q.SetID), tr(q.SetCase), tr(q.SetTitle)
	q.Topic, q.Level, q.Stem, q.Rationale, q.System = tr(q.Topic), tr(q.Level), tr(q.Stem), tr(q.Rationale), tr(q.System)
	q.Domain = exam.Domain(tr(string(q.Domain)))
	list := func(in []string) []string {
		var out []string
		for _, s := range in {
			out = append(out, tr(s))
		}
		return out
	}
	q.Key, q.References, q.Tags = list(q.Key), list(q.References), list(q.Tags)
	var opts []exam.Option
	for _, o := range q.Options {
		opts = append(opts, exam.Option{Text: tr(o.Text), Rationale: tr(o.Rationale)})
	}
	q.Options = opts
	return q
}

func sameQuestions(t testing.TB, got, want []exam.Question) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d questions, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := normalized(got[i]), normalized(want[i])
		if !reflect.DeepEqual(g, w) {
			t.Errorf("question %d (%s) changed:\n got %#v\nwant %#v", i+1, want[i].ID, g, w)
		}
	}
}

// problemAt finds the problem reported on a line.
func problemAt(ps []Problem, line int) (Problem, bool) {
	i := slices.IndexFunc(ps, func(p Problem) bool { return p.Line == line })
	if i < 0 {
		return Problem{}, false
	}
	return ps[i], true
}

func wantWarnings(t *testing.T, it Item, want ...string) {
	t.Helper()
	if !reflect.DeepEqual(it.Warnings, want) && !(len(it.Warnings) == 0 && len(want) == 0) {
		t.Errorf("item at line %d: warnings\n got %q\nwant %q", it.Line, it.Warnings, want)
	}
}

func fmtProblem(p Problem) string { return fmt.Sprintf("line %d: %s", p.Line, p.Msg) }
