package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"chartroom/models"
)

// Every GET route renders for the role it is for: a new route that this
// table does not know fails the test, so no page goes untried. Pages are
// also checked for template slips (a printed pointer, "<no value>").
func TestEveryPageRendersForItsRole(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		pe := newPracticum(t, e)
		admin, _ := e.loggedIn(models.RoleAdmin, "a@example.edu")
		inst := pe.instructor
		var iu, su models.User
		e.db.R.Where("email = ?", "i@example.edu").First(&iu)
		e.db.R.Where("email = ?", "s@example.edu").First(&su)

		// One of everything: a log, a coding attempt, a question, a quiz
		// assigned to the cohort with a finished attempt, item analysis.
		pe.student.get(fmt.Sprintf("/practicum/%d", pe.p.ID))
		expectRedirect(t, pe.student.post(fmt.Sprintf("/practicum/%d/logs", pe.p.ID), url.Values{"day": {pe.day(-1)}, "hours": {"4"}, "setting": {"onsite"}, "activities": {"Chart analysis"}}), "/practicum/")
		var logID int64
		e.db.R.Table("hour_logs").Select("MAX(id)").Scan(&logID)
		cc := e.app.lib.Cases[0]
		r := pe.student.post("/coding/cases/"+cc.ID, url.Values{"dx": {"E11.65"}})
		expectRedirect(t, r, "/coding/attempts/")
		codingAttempt := r.Header.Get("Location")
		qid := newQuestion(t, inst, accessQuestion("Which deadline applies to a request for access under the Privacy Rule?", "ready"))
		bset, _ := builtinSet(t, e)
		quiz := newQuiz(t, inst, quizForm("review_policy", "immediately"))
		inst.post(fmt.Sprintf("/teach/quizzes/%d/questions", quiz), url.Values{"op": {"add"}, "add": {qid}})
		as := assign(t, e, inst, quiz, pe.cohort.ID, e.clock.Now().Add(-time.Minute), e.clock.Now().Add(time.Hour))
		at := startQuiz(t, pe.student, as)
		answerAll(t, e, pe.student, at, func(int) bool { return true })
		if _, err := e.app.RecomputeStats(ctxT()); err != nil {
			t.Fatal(err)
		}
		job, err := e.db.StartImportJob(ctxT(), models.Actor{ID: 1}, "icd10cm", "order.txt")
		if err != nil {
			t.Fatal(err)
		}
		practice := start(t, pe.student, url.Values{"mode": {"tutor"}, "count": {"3"}})
		m := e.app.lib.Modules[0]
		p, s, v := fmt.Sprint(pe.p.ID), fmt.Sprint(at), fmt.Sprint(as)

		anon := e.client()
		pages := map[string][]struct {
			c    *client
			path string
		}{
			"/":                                  {{anon, "/"}},
			"/login":                             {{anon, "/login"}},
			"/register":                          {{anon, "/register"}},
			"/setup":                             {{anon, "/setup"}},
			"/reset/:token":                      {{anon, "/reset/not-a-token"}},
			"/healthz":                           {{anon, "/healthz"}},
			"/static/*file":                      {{anon, "/static/app.css"}},
			"/favicon.ico":                       {{anon, "/favicon.ico"}},
			"/dashboard":                         {{pe.student, "/dashboard"}, {inst, "/dashboard"}, {pe.supervisor, "/dashboard"}, {admin, "/dashboard"}},
			"/account":                           {{pe.student, "/account"}, {inst, "/account"}},
			"/learn":                             {{pe.student, "/learn"}, {pe.supervisor, "/learn"}},
			"/learn/:module":                     {{pe.student, "/learn/" + m.Slug}},
			"/learn/:module/:lesson":             {{pe.student, "/learn/" + m.Slug + "/" + m.Lessons[0].Slug}},
			"/glossary":                          {{pe.student, "/glossary"}},
			"/search":                            {{pe.student, "/search?q=consent"}},
			"/codes":                             {{pe.student, "/codes?q=diabetes"}, {inst, "/codes"}},
			"/codes/changes":                     {{inst, "/codes/changes"}},
			"/codes/:system/:code":               {{pe.student, "/codes/icd10cm/E11.65"}},
			"/practice":                          {{pe.student, "/practice"}},
			"/practice/history":                  {{pe.student, "/practice/history"}},
			"/review":                            {{pe.student, "/review"}},
			"/attempts/:id":                      {{pe.student, "/attempts/" + s}, {pe.student, fmt.Sprintf("/attempts/%d", practice)}},
			"/attempts/:id/review":               {{pe.student, "/attempts/" + s + "/review"}},
			"/attempts/:id/result":               {{pe.student, "/attempts/" + s + "/result"}},
			"/quizzes/:id":                       {{pe.student, "/quizzes/" + v}},
			"/coding":                            {{pe.student, "/coding"}},
			"/coding/progress":                   {{pe.student, "/coding/progress"}},
			"/coding/cases/:id":                  {{pe.student, "/coding/cases/" + cc.ID}},
			"/coding/attempts/:id":               {{pe.student, codingAttempt}},
			"/practicum":                         {{pe.student, "/practicum"}},
			"/practicum/:id":                     {{pe.student, "/practicum/" + p}},
			"/practicum/:id/logs/:log":           {{pe.student, fmt.Sprintf("/practicum/%s/logs/%d", p, logID)}},
			"/practicum/:id/evaluations/:kind":   {{pe.student, "/practicum/" + p + "/evaluations/site"}},
			"/practicum/:id/record":              {{pe.student, "/practicum/" + p + "/record"}},
			"/practicum/:id/record.pdf":          {{pe.student, "/practicum/" + p + "/record.pdf"}},
			"/practicum/:id/hours.csv":           {{pe.student, "/practicum/" + p + "/hours.csv"}},
			"/supervise":                         {{pe.supervisor, "/supervise"}},
			"/supervise/queue":                   {{pe.supervisor, "/supervise/queue"}},
			"/supervise/:id":                     {{pe.supervisor, "/supervise/" + p}},
			"/supervise/:id/evaluations/:kind":   {{pe.supervisor, "/supervise/" + p + "/evaluations/midterm"}},
			"/supervise/:id/record":              {{pe.supervisor, "/supervise/" + p + "/record"}},
			"/supervise/:id/record.pdf":          {{pe.supervisor, "/supervise/" + p + "/record.pdf"}},
			"/supervise/:id/hours.csv":           {{pe.supervisor, "/supervise/" + p + "/hours.csv"}},
			"/teach":                             {{inst, "/teach"}, {admin, "/teach"}},
			"/teach/cohorts/:id":                 {{inst, fmt.Sprintf("/teach/cohorts/%d", pe.cohort.ID)}},
			"/teach/cohorts/:id/progress":        {{inst, fmt.Sprintf("/teach/cohorts/%d/progress", pe.cohort.ID)}},
			"/teach/cohorts/:id/practicum":       {{inst, fmt.Sprintf("/teach/cohorts/%d/practicum", pe.cohort.ID)}},
			"/teach/cohorts/:id/hours.csv":       {{inst, fmt.Sprintf("/teach/cohorts/%d/hours.csv", pe.cohort.ID)}},
			"/teach/cohorts/:id/gradebook":       {{inst, fmt.Sprintf("/teach/cohorts/%d/gradebook", pe.cohort.ID)}, {admin, fmt.Sprintf("/teach/cohorts/%d/gradebook", pe.cohort.ID)}},
			"/teach/cohorts/:id/gradebook.csv":   {{inst, fmt.Sprintf("/teach/cohorts/%d/gradebook.csv", pe.cohort.ID)}},
			"/teach/cohorts/:id/accommodations":  {{inst, fmt.Sprintf("/teach/cohorts/%d/accommodations", pe.cohort.ID)}},
			"/teach/placements/new":              {{inst, "/teach/placements/new"}},
			"/teach/placements/:id":              {{inst, "/teach/placements/" + p}},
			"/teach/placements/:id/record":       {{inst, "/teach/placements/" + p + "/record"}},
			"/teach/placements/:id/record.pdf":   {{inst, "/teach/placements/" + p + "/record.pdf"}},
			"/teach/placements/:id/hours.csv":    {{inst, "/teach/placements/" + p + "/hours.csv"}},
			"/teach/sites":                       {{inst, "/teach/sites"}},
			"/teach/questions":                   {{inst, "/teach/questions"}, {admin, "/teach/questions?author=mine"}},
			"/teach/questions/new":               {{inst, "/teach/questions/new"}, {inst, "/teach/questions/new?type=code"}},
			"/teach/questions/import":            {{inst, "/teach/questions/import"}},
			"/teach/questions/export":            {{inst, "/teach/questions/export?format=gift&author=mine"}},
			"/teach/questions/:id":               {{inst, "/teach/questions/" + qid}, {inst, "/teach/questions/" + e.app.lib.Questions[0].ID}, {admin, "/teach/questions/" + qid}},
			"/teach/questions/:id/history":       {{inst, "/teach/questions/" + qid + "/history"}},
			"/teach/sets/new":                    {{inst, "/teach/sets/new"}},
			"/teach/sets/:id":                    {{inst, "/teach/sets/" + bset}},
			"/teach/questions/:id/stats":         {{inst, "/teach/questions/" + qid + "/stats"}, {admin, "/teach/questions/" + qid + "/stats"}},
			"/teach/quizzes":                     {{inst, "/teach/quizzes"}},
			"/teach/quizzes/:id":                 {{inst, fmt.Sprintf("/teach/quizzes/%d?q=privacy", quiz)}, {admin, fmt.Sprintf("/teach/quizzes/%d", quiz)}},
			"/teach/quizzes/:id/export":          {{inst, fmt.Sprintf("/teach/quizzes/%d/export?format=moodlexml", quiz)}},
			"/teach/quizzes/:id/stats":           {{inst, fmt.Sprintf("/teach/quizzes/%d/stats", quiz)}},
			"/teach/quizzes/:id/regrade":         {{inst, fmt.Sprintf("/teach/quizzes/%d/regrade?question=%s", quiz, qid)}},
			"/teach/assignments/:id":             {{inst, "/teach/assignments/" + v}},
			"/teach/assignments/:id/results.csv": {{inst, "/teach/assignments/" + v + "/results.csv"}},
			"/teach/attempts/:id":                {{inst, "/teach/attempts/" + s}},
			"/admin":                             {{admin, "/admin"}},
			"/admin/users":                       {{admin, "/admin/users"}},
			"/admin/users/new":                   {{admin, "/admin/users/new"}},
			"/admin/users/:id":                   {{admin, fmt.Sprintf("/admin/users/%d", su.ID)}},
			"/admin/audit":                       {{admin, "/admin/audit"}},
			"/admin/audit.csv":                   {{admin, "/admin/audit.csv"}},
			"/admin/codes":                       {{admin, "/admin/codes"}},
			"/admin/codes/jobs/:id":              {{admin, fmt.Sprintf("/admin/codes/jobs/%d", job.ID)}},
			"/admin/settings":                    {{admin, "/admin/settings"}},
			"/admin/blueprint":                   {{admin, "/admin/blueprint"}},
		}
		// Pages that answer with something other than 200 on purpose.
		status := map[string]int{"/setup": http.StatusNotFound, "/reset/not-a-token": http.StatusNotFound,
			"/attempts/" + s: http.StatusSeeOther, "/practicum": http.StatusSeeOther, "/favicon.ico": http.StatusMovedPermanently}
		for _, rt := range e.app.engine.Routes() {
			if rt.Method != http.MethodGet {
				continue
			}
			cases, ok := pages[rt.Path]
			if !ok {
				t.Errorf("GET %s has no entry in this test: add one", rt.Path)
				continue
			}
			for _, pc := range cases {
				r := pc.c.get(pc.path)
				want := http.StatusOK
				if s, ok := status[pc.path]; ok {
					want = s
				}
				if r.StatusCode != want {
					t.Errorf("GET %s: %d, want %d\n%.400s", pc.path, r.StatusCode, want, r.body)
					continue
				}
				for _, slip := range []string{"%!", "<no value>", "0xc0"} {
					if strings.Contains(r.body, slip) {
						i := strings.Index(r.body, slip)
						t.Errorf("GET %s: template slip %q near %q", pc.path, slip, r.body[max(0, i-80):min(len(r.body), i+40)])
					}
				}
			}
		}
	})
}
