package handlers

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"chartroom/models"
)

// Every module and lesson page renders for every role that can read them.
func TestEveryLessonRenders(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	student, _ := e.loggedIn(models.RoleStudent, "s@example.edu")
	sup, _ := e.loggedIn(models.RoleSupervisor, "v@example.edu")
	for _, m := range e.app.lib.Modules {
		expect(t, student.get("/learn/"+m.Slug), 200, m.Title)
		for _, l := range m.Lessons {
			r := student.get(l.URL())
			expect(t, r, 200, l.Title, "Key terms", "References", "Check your understanding")
			if strings.Contains(r.body, "[!TIP]") || strings.Contains(r.body, "[!LAW]") || strings.Contains(r.body, "[!TRAP]") {
				t.Errorf("%s: an unrendered callout marker", l.URL())
			}
			// Each key term links to its glossary anchor with the term itself as the text.
			for _, name := range l.Terms {
				term := e.app.lib.TermByName(name)
				if term == nil {
					continue
				}
				want := `<a href="/glossary#` + term.Slug + `">` + template.HTMLEscapeString(term.Term) + `</a>`
				if !strings.Contains(r.body, want) {
					t.Errorf("%s: key term %q is not linked as %s", l.URL(), name, want)
				}
			}
		}
	}
	l := e.app.lib.Modules[1].Lessons[0]
	expect(t, sup.get(l.URL()), 200, l.Title)
	expect(t, student.get("/learn/no-such-module"), http.StatusNotFound)
	expect(t, student.get("/learn/health-record/no-such-lesson"), http.StatusNotFound)
	expect(t, student.get("/glossary"), 200, `id="master-patient-index-mpi"`)
}

func TestProgressAndResume(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		c, u := e.loggedIn(models.RoleStudent, "s@example.edu")
		first := e.app.lib.Modules[0].Lessons[0]
		second := first.Next
		expect(t, c.get("/dashboard"), 200, first.Title) // next lesson: the first
		c.get(second.URL())
		expect(t, c.get("/dashboard"), 200, second.Title) // resume where they left off
		r := c.post(second.URL()+"/complete", url.Values{"done": {"1"}, "next": {"1"}})
		expectRedirect(t, r, second.Next.URL())
		prog, _ := e.db.Progress(ctxT(), u.ID)
		if prog[second.Key()].CompletedAt == nil {
			t.Fatal("completion not stored")
		}
		expect(t, c.get("/learn/"+first.Module.Slug), 200, "1 of "+itoa(int64(len(first.Module.Lessons)))+" complete")
		expect(t, c.get("/learn"), 200, "1 of ")
		// Undo.
		c.post(second.URL()+"/complete", url.Values{"done": {"0"}})
		prog, _ = e.db.Progress(ctxT(), u.ID)
		if prog[second.Key()].CompletedAt != nil {
			t.Fatal("completion not undone")
		}
		// Only students keep progress.
		inst, _ := e.loggedIn(models.RoleInstructor, "i@example.edu")
		expect(t, inst.get(first.URL()), 200)
		expect(t, inst.post(first.URL()+"/complete", url.Values{"done": {"1"}}), http.StatusForbidden)
	})
}

func TestSearchPage(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	c, _ := e.loggedIn(models.RoleStudent, "s@example.edu")
	r := c.get("/search?q=minimum+necessary")
	expect(t, r, 200, "<mark>", "/learn/law-and-ethics/privacy-rule")
	r = c.get("/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
	expect(t, r, 200)
	if strings.Contains(r.body, "<script>alert") {
		t.Fatal("search echoed markup unescaped")
	}
}

func TestCohortLessonCompletion(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		inst, _ := e.loggedIn(models.RoleInstructor, "i@example.edu")
		loc := inst.post("/teach/cohorts", url.Values{"name": {"HIT 101"}, "required_hours": {"90"}}).Header.Get("Location")
		var co models.Cohort
		e.db.R.First(&co)
		s, _ := e.loggedIn(models.RoleStudent, "s@example.edu")
		s.get("/account")
		s.post("/account/join", url.Values{"join_code": {co.JoinCode}})
		l := e.app.lib.Modules[2].Lessons[1]
		s.post(l.URL()+"/complete", url.Values{"done": {"1"}})
		r := inst.get(loc + "/progress?module=" + l.Module.Slug)
		expect(t, r, 200, "s Tester", "1 / ", l.Title, "badge-ok")
		other, _ := e.loggedIn(models.RoleInstructor, "other@example.edu")
		expect(t, other.get(loc+"/progress"), http.StatusNotFound)
	})
}
