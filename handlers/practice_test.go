package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"chartroom/exam"
	"chartroom/markup"
	"chartroom/models"
)

// start begins a practice attempt and returns its id.
func start(t *testing.T, c *client, form url.Values) int64 {
	t.Helper()
	c.get("/practice")
	r := c.post("/practice/start", form)
	expectRedirect(t, r, "/attempts/")
	id, err := strconv.ParseInt(strings.TrimPrefix(r.Header.Get("Location"), "/attempts/"), 10, 64)
	if err != nil {
		t.Fatalf("location %q", r.Header.Get("Location"))
	}
	return id
}

// itemOf returns the attempt item and its question version.
func itemOf(t *testing.T, e *env, attemptID int64, n int) (*models.AttemptItem, *exam.Question) {
	t.Helper()
	it, err := e.db.Item(ctxT(), attemptID, n)
	if err != nil {
		t.Fatal(err)
	}
	q, err := e.db.Version(ctxT(), it.VersionID)
	if err != nil {
		t.Fatal(err)
	}
	return it, q
}

// keyShown returns the displayed answer values that are correct.
func keyShown(it *models.AttemptItem, q *exam.Question) []string {
	if q.Type == exam.TypeCode {
		return []string{q.Key[0]}
	}
	var out []string
	for _, k := range q.Key {
		out = append(out, exam.ShownAs(it.OptionOrder, k))
	}
	return out
}

func wrongShown(it *models.AttemptItem, q *exam.Question) []string {
	if q.Type == exam.TypeCode {
		return []string{"Z00.00"}
	}
	for i := 0; i < len(q.Options); i++ {
		l := exam.Letter(i)
		if !q.IsKey(l) {
			return []string{exam.ShownAs(it.OptionOrder, l)}
		}
	}
	return nil
}

// leaks reports key or rationale text of q found in the page.
func leaks(body string, q *exam.Question) []string {
	var out []string
	check := func(what, s string) {
		plain := markup.PlainText(s)
		if len(plain) > 40 && strings.Contains(stripTags(body), plain[:40]) {
			out = append(out, what)
		}
	}
	for i, o := range q.Options {
		check("rationale of option "+exam.Letter(i), o.Rationale)
	}
	check("rationale", q.Rationale)
	if q.Type == exam.TypeCode {
		for _, k := range q.Key {
			if strings.Contains(body, ">"+k+"<") {
				out = append(out, "accepted code "+k)
			}
		}
	}
	if strings.Contains(body, "is-key") || strings.Contains(body, "Correct answer") {
		out = append(out, "key marker")
	}
	return out
}

var tagRE = regexp.MustCompile(`<[^>]+>`)

func stripTags(s string) string {
	return strings.Join(strings.Fields(tagRE.ReplaceAllString(s, " ")), " ")
}

func TestTimedPracticeFlow(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		c, u := e.loggedIn(models.RoleStudent, "s@example.edu")
		id := start(t, c, url.Values{"mode": {"timed"}, "count": {"5"}, "domain": {"access"}})
		at, _ := e.db.OwnAttempt(ctxT(), u.ID, id)
		if at.Items != 5 || at.Deadline == nil || at.Deadline.Sub(at.StartedAt) != 5*exam.SecondsPerItem*time.Second {
			t.Fatalf("attempt %+v", at)
		}
		for n := 1; n <= 5; n++ {
			r := c.get(fmt.Sprintf("/attempts/%d?item=%d", id, n))
			expect(t, r, 200, fmt.Sprintf("Question %d of 5", n), `name="answer"`, `name="csrf_token"`)
			it, q := itemOf(t, e, id, n)
			if q.Domain != exam.DomainAccess {
				t.Fatalf("item %d from domain %s", n, q.Domain)
			}
			// Nothing in the page gives the answer away before submission.
			if l := leaks(r.body, q); len(l) > 0 {
				t.Fatalf("item %d page leaks: %v", n, l)
			}
			ans := keyShown(it, q)
			if n%2 == 0 {
				ans = wrongShown(it, q)
			}
			form := url.Values{"answer": ans, "seq": {"1"}, "go": {"next"}}
			if n == 3 {
				form.Set("flag", "1")
			}
			r = c.post(fmt.Sprintf("/attempts/%d/items/%d", id, n), form)
			if n < 5 {
				expectRedirect(t, r, fmt.Sprintf("/attempts/%d?item=%d", id, n+1))
			} else {
				expectRedirect(t, r, fmt.Sprintf("/attempts/%d/review", id))
			}
		}
		r := c.get(fmt.Sprintf("/attempts/%d/review", id))
		expect(t, r, 200, "5 of 5 answered", "1 flagged", "Submit my answers")
		// Submitting without the confirm step goes back to the check.
		expectRedirect(t, c.post(fmt.Sprintf("/attempts/%d/submit", id), nil), fmt.Sprintf("/attempts/%d/review", id))
		expectRedirect(t, c.post(fmt.Sprintf("/attempts/%d/submit", id), url.Values{"confirm": {"1"}}), fmt.Sprintf("/attempts/%d/result", id))
		// Submitting twice is one submission.
		expectRedirect(t, c.post(fmt.Sprintf("/attempts/%d/submit", id), url.Values{"confirm": {"1"}}), fmt.Sprintf("/attempts/%d/result", id))
		at, _ = e.db.OwnAttempt(ctxT(), u.ID, id)
		if at.Status != models.AttemptSubmitted || at.Correct == nil || *at.Correct != 3 {
			t.Fatalf("after submit: %s correct=%v", at.Status, at.Correct)
		}
		expect(t, c.get(fmt.Sprintf("/attempts/%d/result", id)), 200, "3 / 5", "Access, Disclosure, Privacy")
		rev := c.get(fmt.Sprintf("/attempts/%d/review", id))
		expect(t, rev, 200, "correct answer", "Reference:")
		expect(t, c.get(fmt.Sprintf("/attempts/%d/review?show=flagged", id)), 200, "Question 3")
		// Answers cannot change after submission.
		r = c.post(fmt.Sprintf("/attempts/%d/items/1", id), url.Values{"answer": {"A"}})
		expectRedirect(t, r, fmt.Sprintf("/attempts/%d/result", id))
		// Missed questions are scheduled for review.
		if n := count(t, e.db, "review_cards", "user_id = ?", u.ID); n != 2 {
			t.Fatalf("%d review cards, want 2", n)
		}
		expect(t, c.get("/review"), 200, "Missed questions")
		expect(t, c.get("/practice/history"), 200, "<svg", "The numbers behind the chart")
	})
}

func TestTutorRevealsAndLocks(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		c, _ := e.loggedIn(models.RoleStudent, "s@example.edu")
		id := start(t, c, url.Values{"mode": {"tutor"}, "count": {"3"}})
		it, q := itemOf(t, e, id, 1)
		page := c.get(fmt.Sprintf("/attempts/%d?item=1", id))
		expect(t, page, 200, "Check answer")
		if l := leaks(page.body, q); len(l) > 0 {
			t.Fatalf("unanswered tutor item leaks: %v", l)
		}
		// Checking with no answer explains and reveals nothing.
		expectRedirect(t, c.post(fmt.Sprintf("/attempts/%d/items/1", id), url.Values{"go": {"check"}}), fmt.Sprintf("/attempts/%d?item=1", id))
		if l := leaks(c.get(fmt.Sprintf("/attempts/%d?item=1", id)).body, q); len(l) > 0 {
			t.Fatalf("empty check leaked %v", l)
		}
		r := c.post(fmt.Sprintf("/attempts/%d/items/1", id), url.Values{"answer": wrongShown(it, q), "go": {"check"}})
		expectRedirect(t, r, fmt.Sprintf("/attempts/%d?item=1", id))
		page = c.get(fmt.Sprintf("/attempts/%d?item=1", id))
		expect(t, page, 200, "Not quite", "Reference:")
		if q.Type != exam.TypeCode {
			expect(t, page, 200, "is-key", markup.PlainText(q.Options[0].Rationale)[:20])
		}
		// Locked: a new answer is not stored.
		c.post(fmt.Sprintf("/attempts/%d/items/1", id), url.Values{"answer": keyShown(it, q), "go": {"next"}})
		after, _ := itemOf(t, e, id, 1)
		if !after.Revealed || after.Correct == nil || *after.Correct {
			t.Fatalf("item after reveal: revealed=%v correct=%v answer=%q", after.Revealed, after.Correct, after.Answer)
		}
		// The next item still hides its key.
		_, q2 := itemOf(t, e, id, 2)
		if l := leaks(c.get(fmt.Sprintf("/attempts/%d?item=2", id)).body, q2); len(l) > 0 {
			t.Fatalf("item 2 leaks %v", l)
		}
	})
}

func TestAutosaveJSONIsIdempotent(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		c, _ := e.loggedIn(models.RoleStudent, "s@example.edu")
		id := start(t, c, url.Values{"mode": {"timed"}, "count": {"3"}})
		c.get(fmt.Sprintf("/attempts/%d", id))
		it, q := itemOf(t, e, id, 2)
		autosave := func(ans []string, seq int) map[string]any {
			form := url.Values{"answer": ans, "seq": {strconv.Itoa(seq)}, "csrf_token": {""}}
			req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/attempts/%d/items/2", e.srv.URL, id), strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-CSRF-Token", c.csrf)
			req.Header.Set("Accept", "application/json")
			r := c.do(req)
			expect(t, r, 200)
			var out map[string]any
			json.Unmarshal([]byte(r.body), &out)
			return out
		}
		if out := autosave(wrongShown(it, q), 5); out["applied"] != true {
			t.Fatalf("first autosave %v", out)
		}
		if out := autosave(keyShown(it, q), 7); out["applied"] != true {
			t.Fatalf("second autosave %v", out)
		}
		// A delayed retry of seq 5 arrives last: acknowledged, not applied.
		if out := autosave(wrongShown(it, q), 5); out["applied"] != false || out["seq"] != float64(7) {
			t.Fatalf("stale autosave %v", out)
		}
		got, _ := itemOf(t, e, id, 2)
		if !exam.Correct(q, exam.Answer(got.Answer)) {
			t.Fatalf("stored answer %q is not the newest (key)", got.Answer)
		}
		// Without the CSRF header the autosave is refused.
		form := url.Values{"answer": {"A"}, "seq": {"9"}}
		req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/attempts/%d/items/2", e.srv.URL, id), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		expect(t, c.do(req), http.StatusForbidden)
	})
}

func TestResumeAfterLogoutKeepsAnswersAndItem(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		c, _ := e.loggedIn(models.RoleStudent, "s@example.edu")
		id := start(t, c, url.Values{"mode": {"timed"}, "count": {"4"}})
		it, q := itemOf(t, e, id, 1)
		c.get(fmt.Sprintf("/attempts/%d", id))
		c.post(fmt.Sprintf("/attempts/%d/items/1", id), url.Values{"answer": keyShown(it, q), "go": {"3"}})
		c.post("/logout", nil)
		e.clock.Advance(2 * time.Minute)
		c2 := e.client().login("s@example.edu", testPassword)
		r := c2.get(fmt.Sprintf("/attempts/%d", id))
		expect(t, r, 200, "Question 3 of 4")
		r = c2.get(fmt.Sprintf("/attempts/%d?item=1", id))
		if !strings.Contains(r.body, "checked") && !strings.Contains(r.body, `value="`+q.Key[0]) {
			t.Fatal("the saved answer is not shown on return")
		}
		// The time left is the stored deadline, not a fresh clock.
		at, _ := e.db.AttemptByID(ctxT(), id)
		wantLeft := int(at.Deadline.Sub(e.clock.Now()).Seconds())
		if !strings.Contains(r.body, fmt.Sprintf(`data-remaining="%d"`, wantLeft)) {
			t.Fatalf("remaining time not %d s", wantLeft)
		}
	})
}

func TestDeadlineFinalisesOnAccessAndRefusesLateSaves(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		c, u := e.loggedIn(models.RoleStudent, "s@example.edu")
		id := start(t, c, url.Values{"mode": {"timed"}, "count": {"2"}})
		c.get(fmt.Sprintf("/attempts/%d", id))
		e.clock.Advance(2*exam.SecondsPerItem*time.Second + 30*time.Second) // within the grace period
		it, q := itemOf(t, e, id, 1)
		expectRedirect(t, c.post(fmt.Sprintf("/attempts/%d/items/1", id), url.Values{"answer": keyShown(it, q), "go": {"next"}}), fmt.Sprintf("/attempts/%d?item=2", id))
		e.clock.Advance(time.Minute) // past deadline + grace
		r := c.post(fmt.Sprintf("/attempts/%d/items/2", id), url.Values{"answer": {"A"}, "go": {"next"}})
		expectRedirect(t, r, fmt.Sprintf("/attempts/%d/result", id))
		at, _ := e.db.OwnAttempt(ctxT(), u.ID, id)
		if at.Status != models.AttemptExpired || *at.Correct != 1 {
			t.Fatalf("status %s correct %v", at.Status, at.Correct)
		}
		it2, _ := itemOf(t, e, id, 2)
		if it2.Answer != "" {
			t.Fatal("a save after deadline + grace was stored")
		}
		expect(t, c.get(fmt.Sprintf("/attempts/%d/result", id)), 200, "Time ran out")
	})
}

func TestStudentsCannotSeeEachOthersAttempts(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		alice, _ := e.loggedIn(models.RoleStudent, "alice@example.edu")
		bob, _ := e.loggedIn(models.RoleStudent, "bob@example.edu")
		id := start(t, alice, url.Values{"mode": {"timed"}, "count": {"2"}})
		for _, p := range []string{"", "?item=1", "/review", "/result"} {
			expect(t, bob.get(fmt.Sprintf("/attempts/%d%s", id, p)), http.StatusNotFound)
		}
		bob.get("/practice")
		expect(t, bob.post(fmt.Sprintf("/attempts/%d/items/1", id), url.Values{"answer": {"A"}}), http.StatusNotFound)
		expect(t, bob.post(fmt.Sprintf("/attempts/%d/submit", id), url.Values{"confirm": {"1"}}), http.StatusNotFound)
		inst, _ := e.loggedIn(models.RoleInstructor, "i@example.edu")
		expect(t, inst.get(fmt.Sprintf("/attempts/%d", id)), http.StatusForbidden)
	})
}

func TestMockDrawsTheBlueprint(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		c, u := e.loggedIn(models.RoleStudent, "s@example.edu")
		id := start(t, c, url.Values{"mode": {"mock"}})
		at, _ := e.db.OwnAttempt(ctxT(), u.ID, id)
		if at.Items != 150 || at.ScoredItems != 130 || at.Deadline.Sub(at.StartedAt) != 210*time.Minute {
			t.Fatalf("mock: %d items, %d scored, %v", at.Items, at.ScoredItems, at.Deadline.Sub(at.StartedAt))
		}
		items, _ := e.db.Items(ctxT(), id)
		per := map[exam.Domain]int{}
		seen := map[string]bool{}
		for _, it := range items {
			if seen[it.QuestionID] {
				t.Fatalf("%s twice", it.QuestionID)
			}
			seen[it.QuestionID] = true
			q, _ := e.db.Version(ctxT(), it.VersionID)
			per[q.Domain]++
		}
		bp := e.app.lib.Blueprint
		for _, d := range exam.Domains {
			lo, hi := bp.Range(d, 150)
			if per[d] < lo || per[d] > hi {
				t.Errorf("%s: %d items outside %d-%d", d, per[d], lo, hi)
			}
		}
		// The page never says which items are unscored.
		r := c.get(fmt.Sprintf("/attempts/%d", id))
		if strings.Contains(strings.ToLower(r.body), "unscored item") || strings.Contains(r.body, "pretest item") {
			t.Fatal("item page reveals pretest status")
		}
	})
}

func TestKnowledgeCheckUsesLessonQuestions(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		c, _ := e.loggedIn(models.RoleStudent, "s@example.edu")
		l := e.app.lib.Modules[0].Lessons[0]
		id := start(t, c, url.Values{"mode": {"tutor"}, "lesson": {l.Key()}})
		items, _ := e.db.Items(ctxT(), id)
		if len(items) != len(l.Check) {
			t.Fatalf("%d items, lesson lists %d", len(items), len(l.Check))
		}
		for _, it := range items {
			found := false
			for _, q := range l.Check {
				found = found || q == it.QuestionID
			}
			if !found {
				t.Fatalf("%s is not in the lesson's knowledge check", it.QuestionID)
			}
		}
	})
}
