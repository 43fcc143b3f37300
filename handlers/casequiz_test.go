package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"chartroom/exam"
	"chartroom/models"
)

// Coding cases double as code-entry items: mocks and ordinary practice
// never draw them, a custom set on the coding-case topic does, and an
// instructor can put one in a fixed quiz.
func TestCodingCasesAsCodeEntryItems(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		all, err := e.db.Candidates(ctxT(), 0, models.DrawFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range all {
			if c.Topic == exam.TopicCodingCase {
				t.Fatalf("an ordinary draw may pick the case item %s", c.ID)
			}
		}
		cases, err := e.db.Candidates(ctxT(), 0, models.DrawFilter{Topics: []string{exam.TopicCodingCase}})
		if err != nil {
			t.Fatal(err)
		}
		if len(cases) != len(e.app.lib.Cases) {
			t.Fatalf("%d case items drawable by topic, want %d", len(cases), len(e.app.lib.Cases))
		}

		// A student's custom set on the topic: the note is on the page, no key.
		c, _ := e.loggedIn(models.RoleStudent, "s@example.edu")
		id := start(t, c, url.Values{"mode": {"custom"}, "count": {"2"}, "topic": {exam.TopicCodingCase}})
		it, q := itemOf(t, e, id, 1)
		if q.Topic != exam.TopicCodingCase || !strings.HasPrefix(q.ID, "case-") {
			t.Fatalf("drew %s (%s)", q.ID, q.Topic)
		}
		page := c.get(fmt.Sprintf("/attempts/%d?item=1", id))
		expect(t, page, 200, "Enter the ICD-10-CM code for the", `name="answer"`)
		cc := e.app.lib.Case(strings.TrimPrefix(q.ID, "case-"))
		if cc == nil {
			t.Fatalf("no case behind %s", q.ID)
		}
		if strings.Contains(page.body, cc.Diagnoses[0].Why[:30]) {
			t.Fatal("the rationale is on the page before the item is due")
		}
		// Typed without the dot and in lower case, the principal is right.
		typed := strings.ToLower(strings.ReplaceAll(keyShown(it, q)[0], ".", ""))
		r := c.post(fmt.Sprintf("/attempts/%d/items/1", id), url.Values{"answer": {typed}, "seq": {"1"}, "go": {"next"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %d", r.StatusCode)
		}
		c.post(fmt.Sprintf("/attempts/%d/items/2", id), url.Values{"answer": {"Z00.00"}, "seq": {"1"}, "go": {"next"}})
		expectRedirect(t, c.post(fmt.Sprintf("/attempts/%d/submit", id), url.Values{"confirm": {"1"}}), fmt.Sprintf("/attempts/%d/result", id))
		items, _ := e.db.Items(ctxT(), id)
		if items[0].Correct == nil || !*items[0].Correct || items[1].Correct == nil || *items[1].Correct {
			t.Fatalf("grading: %+v %+v", items[0].Correct, items[1].Correct)
		}
		expect(t, c.get(fmt.Sprintf("/attempts/%d/review", id)), 200, cc.Diagnoses[0].Code)

		// An instructor's fixed quiz with a case item, taken by a student.
		inst, _ := e.loggedIn(models.RoleInstructor, "i@example.edu")
		s2, _ := e.loggedIn(models.RoleStudent, "s2@example.edu")
		cohort := cohortWith(t, e, inst, "Coding lab", s2)
		quiz := newQuiz(t, inst, quizForm("title", "Case quiz", "review_policy", "immediately"))
		qid := "case-" + e.app.lib.Cases[0].ID
		expectRedirect(t, inst.post(fmt.Sprintf("/teach/quizzes/%d/questions", quiz), url.Values{"op": {"add"}, "add": {qid}}), fmt.Sprintf("/teach/quizzes/%d", quiz))
		now := e.clock.Now()
		as := assign(t, e, inst, quiz, cohort, now.Add(-time.Minute), now.Add(24*time.Hour))
		at := startQuiz(t, s2, as)
		_, q2 := itemOf(t, e, at, 1)
		if q2.ID != qid {
			t.Fatalf("quiz item %s, want %s", q2.ID, qid)
		}
		expect(t, s2.get(fmt.Sprintf("/attempts/%d?item=1", at)), 200, "Enter the ICD-10-CM code for the")
	})
}

// A shuffled quiz never splits a scenario set: its items stay together and
// in order, whatever the shuffle puts around them.
func TestShuffledQuizKeepsScenarioSetsTogether(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		inst, _ := e.loggedIn(models.RoleInstructor, "i@example.edu")
		var students []*client
		for i := 0; i < 6; i++ {
			s, _ := e.loggedIn(models.RoleStudent, fmt.Sprintf("s%d@example.edu", i))
			students = append(students, s)
		}
		cohort := cohortWith(t, e, inst, "Sets", students...)
		quiz := newQuiz(t, inst, quizForm("title", "Shuffled with a set", "shuffle", "1"))
		_, members := builtinSet(t, e)
		singles := builtinIDs(t, e, 6)
		add := append(append(singles[:3:3], members...), singles[3:]...)
		expectRedirect(t, inst.post(fmt.Sprintf("/teach/quizzes/%d/questions", quiz), url.Values{"op": {"add"}, "add": add}), fmt.Sprintf("/teach/quizzes/%d", quiz))
		now := e.clock.Now()
		as := assign(t, e, inst, quiz, cohort, now.Add(-time.Minute), now.Add(24*time.Hour))
		want := strings.Join(members, " ")
		firsts := map[string]bool{}
		for _, s := range students {
			at := startQuiz(t, s, as)
			items, err := e.db.Items(ctxT(), at)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, it := range items {
				ids = append(ids, it.QuestionID)
			}
			if got := strings.Join(ids, " "); !strings.Contains(got, want) {
				t.Fatalf("the set %s was split: %s", want, got)
			}
			firsts[ids[0]] = true
		}
		if len(firsts) < 2 {
			t.Fatalf("six students all started with %v: not shuffled", firsts)
		}
	})
}
