package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"chartroom/exam"
	"chartroom/internal/testutil"
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
		expect(t, c.get(fmt.Sprintf("/attempts/%d/result", id)), 200, "Time is up")
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
		scored := map[exam.Domain]int{}
		seen := map[string]bool{}
		for _, it := range items {
			if seen[it.QuestionID] {
				t.Fatalf("%s twice", it.QuestionID)
			}
			seen[it.QuestionID] = true
			q, _ := e.db.Version(ctxT(), it.VersionID)
			per[q.Domain]++
			if it.Scored {
				scored[q.Domain]++
			}
		}
		bp := e.app.lib.Blueprint
		for _, d := range exam.Domains {
			lo, hi := bp.Range(d, 150)
			if per[d] < lo || per[d] > hi {
				t.Errorf("%s: %d items outside %d-%d", d, per[d], lo, hi)
			}
			// The scored items follow the blueprint too (the domain report
			// and the estimate are made of them).
			lo, hi = bp.Range(d, 130)
			if scored[d] < lo || scored[d] > hi {
				t.Errorf("%s: %d scored items outside %d-%d of 130", d, scored[d], lo, hi)
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

// mockWith starts a full mock, answers the first `answers` items wrong, and
// submits it; it returns the attempt id.
func mockWith(t *testing.T, e *env, c *client, answers int) int64 {
	t.Helper()
	id := start(t, c, url.Values{"mode": {"mock"}})
	c.get(fmt.Sprintf("/attempts/%d", id))
	for n := 1; n <= answers; n++ {
		it, q := itemOf(t, e, id, n)
		expectRedirect(t, c.post(fmt.Sprintf("/attempts/%d/items/%d", id, n), url.Values{"answer": wrongShown(it, q), "go": {"next"}}), "/attempts/")
	}
	expectRedirect(t, c.post(fmt.Sprintf("/attempts/%d/submit", id), url.Values{"confirm": {"1"}}), fmt.Sprintf("/attempts/%d/result", id))
	return id
}

// The pass likelihood needs two finished mocks with answers; a likelihood
// that rounds to 0% is still shown, and a mock abandoned without a single
// answer (submitted or expired) is not counted.
func TestPassLikelihoodNeedsTwoAnsweredMocks(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		c, _ := e.loggedIn(models.RoleStudent, "s@example.edu")
		result := func(id int64) string {
			r := c.get(fmt.Sprintf("/attempts/%d/result", id))
			expect(t, r, 200, "Estimated scaled score")
			return stripTags(r.body)
		}
		need := func(body string, mocks int) {
			t.Helper()
			want := fmt.Sprintf("A pass likelihood appears once you have finished 2 full mocks with at least one answer (you have %d)", mocks)
			if !strings.Contains(body, want) {
				t.Fatalf("want %q in:\n%.3000s", want, body)
			}
			if strings.Contains(body, "chance of reaching 300") {
				t.Fatal("a pass likelihood with too few mocks")
			}
		}
		// 0: a mock submitted blank does not count.
		need(result(mockWith(t, e, c, 0)), 0)
		// 1 answered mock.
		need(result(mockWith(t, e, c, 1)), 1)
		// A mock that ran out of time with no answer does not count either.
		blank := start(t, c, url.Values{"mode": {"mock"}})
		e.clock.Advance(211 * time.Minute)
		c = e.client().login("s@example.edu", testPassword) // the idle session ended meanwhile
		body := result(blank)
		if !strings.Contains(body, "Time is up") {
			t.Fatal("the expired mock does not say time is up")
		}
		need(body, 1)
		// 2 answered mocks, both nearly all wrong: the likelihood rounds to
		// 0% and is shown, not mistaken for "not enough mocks".
		body = result(mockWith(t, e, c, 2))
		if !strings.Contains(body, "Across your 2 finished full mocks, the estimated chance of reaching 300 is less than 1%") {
			t.Fatalf("no likelihood after 2 answered mocks:\n%.3000s", body)
		}
		if strings.Contains(body, "appears once") {
			t.Fatal("the page says the likelihood needs more mocks")
		}
	})
}

// Time used stops at the deadline, whether the sweeper, the next page view
// or the exam page at zero finalises the attempt.
func TestExpiredTimeUsedStopsAtDeadline(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		c, u := e.loggedIn(models.RoleStudent, "s@example.edu")
		limit := 2 * exam.SecondsPerItem * time.Second
		for _, how := range []string{"sweeper", "access", "at zero"} {
			id := start(t, c, url.Values{"mode": {"timed"}, "count": {"2"}})
			c.get(fmt.Sprintf("/attempts/%d", id))
			switch how {
			case "sweeper":
				e.clock.Advance(limit + 10*time.Minute)
				if n, err := e.db.SweepExpired(ctxT(), e.clock.Now()); err != nil || n != 1 {
					t.Fatalf("sweep: %d %v", n, err)
				}
			case "access":
				e.clock.Advance(limit + 10*time.Minute)
			case "at zero":
				// Within the grace period: the result page the exam page
				// opens at zero finalises the attempt at once.
				e.clock.Advance(limit + 5*time.Second)
			}
			r := c.get(fmt.Sprintf("/attempts/%d/result", id))
			expect(t, r, 200, "Time is up", "<dt>Time used</dt><dd>2 min 48 s</dd>")
			at, _ := e.db.OwnAttempt(ctxT(), u.ID, id)
			if at.Status != models.AttemptExpired || at.FinishedAt == nil || !at.FinishedAt.Equal(*at.Deadline) {
				t.Fatalf("%s: status %s, finished %v, deadline %v", how, at.Status, at.FinishedAt, at.Deadline)
			}
		}
		// A submission keeps its own time.
		id := start(t, c, url.Values{"mode": {"timed"}, "count": {"2"}})
		e.clock.Advance(time.Minute)
		c.get(fmt.Sprintf("/attempts/%d/review", id))
		expectRedirect(t, c.post(fmt.Sprintf("/attempts/%d/submit", id), url.Values{"confirm": {"1"}}), fmt.Sprintf("/attempts/%d/result", id))
		expect(t, c.get(fmt.Sprintf("/attempts/%d/result", id)), 200, "<dt>Time used</dt><dd>1 min 00 s</dd>")
	})
}

// A tutor item whose answer was checked is locked, but flagging it is saved
// (by the form and by autosave), not dropped.
func TestTutorFlagAfterCheckIsSaved(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		c, _ := e.loggedIn(models.RoleStudent, "s@example.edu")
		id := start(t, c, url.Values{"mode": {"tutor"}, "count": {"3"}})
		it, q := itemOf(t, e, id, 1)
		c.get(fmt.Sprintf("/attempts/%d?item=1", id))
		expectRedirect(t, c.post(fmt.Sprintf("/attempts/%d/items/1", id), url.Values{"answer": wrongShown(it, q), "go": {"check"}}), fmt.Sprintf("/attempts/%d?item=1", id))
		// Form post: flag and move on.
		expectRedirect(t, c.post(fmt.Sprintf("/attempts/%d/items/1", id), url.Values{"flag": {"1"}, "go": {"next"}}), fmt.Sprintf("/attempts/%d?item=2", id))
		after, _ := itemOf(t, e, id, 1)
		if !after.Flagged || after.Answer == "" || !after.Revealed {
			t.Fatalf("after flagging a checked item: flagged=%v revealed=%v answer=%q", after.Flagged, after.Revealed, after.Answer)
		}
		if after.Correct == nil || *after.Correct {
			t.Fatal("the checked answer changed")
		}
		expect(t, c.get(fmt.Sprintf("/attempts/%d/review", id)), 200, "1 flagged")
		// Autosave: unflag, then a stale retry of the flag is not applied.
		autosave := func(flag bool, seq int64) map[string]any {
			form := url.Values{"seq": {strconv.FormatInt(seq, 10)}, "go": {"1"}}
			if flag {
				form.Set("flag", "1")
			}
			req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/attempts/%d/items/1", e.srv.URL, id), strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-CSRF-Token", c.csrf)
			r := c.do(req)
			expect(t, r, 200)
			var out map[string]any
			json.Unmarshal([]byte(r.body), &out)
			return out
		}
		if out := autosave(false, after.Seq+2); out["applied"] != true {
			t.Fatalf("unflag autosave %v", out)
		}
		if out := autosave(true, after.Seq+1); out["applied"] != false {
			t.Fatalf("stale flag autosave %v", out)
		}
		if got, _ := itemOf(t, e, id, 1); got.Flagged {
			t.Fatal("a stale autosave flagged the item again")
		}
	})
}

// topicSplittingASet finds a topic that matches part of a scenario set and
// at least one question outside it.
func topicSplittingASet(t *testing.T, e *env) string {
	t.Helper()
	bank := e.app.lib.Questions
	for _, q := range bank {
		if q.SetID == "" {
			continue
		}
		inSet, outside, setSize := 0, 0, 0
		for _, o := range bank {
			if o.SetID == q.SetID {
				setSize++
			}
			if o.Topic != q.Topic {
				continue
			}
			if o.SetID == q.SetID {
				inSet++
			} else {
				outside++
			}
		}
		if inSet < setSize && outside > 0 {
			return q.Topic
		}
	}
	t.Skip("no topic splits a scenario set in this bank")
	return ""
}

// A custom filter that matches one item of a scenario set brings the whole
// set, with its case on every item; a count that would split a set is
// refused with a reason instead.
func TestCustomFilterKeepsScenarioSetsWhole(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		c, u := e.loggedIn(models.RoleStudent, "s@example.edu")
		topic := topicSplittingASet(t, e)
		bank := map[string]exam.Question{}
		for _, q := range e.app.lib.Questions {
			bank[q.ID] = q
		}
		// The units a draw may take: questions of the topic, and whole sets
		// that any of them belongs to.
		units := map[string]int{}
		for _, q := range e.app.lib.Questions {
			if q.Topic == topic {
				key := q.ID
				if q.SetID != "" {
					key = q.SetID
				}
				units[key] = 0
			}
		}
		total := 0
		for key := range units {
			for _, q := range e.app.lib.Questions {
				if q.ID == key && q.SetID == "" || q.SetID == key {
					units[key]++
				}
			}
			total += units[key]
		}
		possible := map[int]bool{0: true}
		for _, size := range units {
			next := map[int]bool{}
			for s := range possible {
				next[s], next[s+size] = true, true
			}
			possible = next
		}
		for n := 1; n <= total; n++ {
			c.get("/practice")
			r := c.post("/practice/start", url.Values{"mode": {"custom"}, "count": {strconv.Itoa(n)}, "topic": {topic}})
			if !possible[n] {
				expectRedirect(t, r, "/practice")
				expect(t, c.get("/practice"), 200, "drawn whole")
				continue
			}
			expectRedirect(t, r, "/attempts/")
			id, _ := strconv.ParseInt(strings.TrimPrefix(r.Header.Get("Location"), "/attempts/"), 10, 64)
			items, _ := e.db.Items(ctxT(), id)
			if len(items) != n {
				t.Fatalf("count %d: %d items", n, len(items))
			}
			drawn := map[string][]int{} // set -> item numbers
			for _, it := range items {
				q := bank[it.QuestionID]
				if q.Topic != topic && q.SetID == "" {
					t.Fatalf("count %d: %s does not match the filter", n, q.ID)
				}
				if q.SetID != "" {
					drawn[q.SetID] = append(drawn[q.SetID], it.N)
					page := c.get(fmt.Sprintf("/attempts/%d?item=%d", id, it.N))
					expect(t, page, 200, `class="case"`, markup.PlainText(q.SetCase)[:30])
				}
			}
			for set, ns := range drawn {
				if len(ns) != units[set] {
					t.Fatalf("count %d: set %s split: items %v of %d", n, set, ns, units[set])
				}
				for k := 1; k < len(ns); k++ {
					if ns[k] != ns[k-1]+1 {
						t.Fatalf("count %d: set %s not together: %v", n, set, ns)
					}
				}
			}
			at, _ := e.db.OwnAttempt(ctxT(), u.ID, id)
			if at.Mode != "custom" {
				t.Fatalf("mode %s", at.Mode)
			}
		}
	})
}

// The custom status filters draw from the student's own history: questions
// never seen, answered wrong last time, or flagged last time.
func TestCustomStatusFilters(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		c, u := e.loggedIn(models.RoleStudent, "s@example.edu")
		// A finished attempt of 6 single questions from one domain:
		// 1-3 right, 4-6 wrong; 2 and 5 flagged.
		var picked []models.NewItem
		for _, q := range e.app.lib.Questions {
			if q.Domain == exam.DomainAccess && q.SetID == "" && len(picked) < 6 {
				vs, _ := e.db.CurrentVersions(ctxT(), []string{q.ID})
				picked = append(picked, models.NewItem{QuestionID: q.ID, VersionID: vs[q.ID], OptionOrder: exam.Letters[:len(q.Options)], Scored: true})
			}
		}
		at, err := e.db.CreateAttempt(ctxT(), models.NewAttempt{UserID: u.ID, Mode: "timed", Title: "History", Feedback: models.FeedbackEnd, Items: picked}, e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		c.get(fmt.Sprintf("/attempts/%d", at.ID))
		wrong, flagged, seen := map[string]bool{}, map[string]bool{}, map[string]bool{}
		for n := 1; n <= 6; n++ {
			it, q := itemOf(t, e, at.ID, n)
			seen[q.ID] = true
			form := url.Values{"answer": keyShown(it, q), "go": {"next"}}
			if n > 3 {
				form["answer"] = wrongShown(it, q)
				wrong[q.ID] = true
			}
			if n == 2 || n == 5 {
				form.Set("flag", "1")
				flagged[q.ID] = true
			}
			c.post(fmt.Sprintf("/attempts/%d/items/%d", at.ID, n), form)
		}
		expectRedirect(t, c.post(fmt.Sprintf("/attempts/%d/submit", at.ID), url.Values{"confirm": {"1"}}), fmt.Sprintf("/attempts/%d/result", at.ID))
		e.clock.Advance(time.Hour)

		drawn := func(status string, n int) map[string]bool {
			t.Helper()
			id := start(t, c, url.Values{"mode": {"custom"}, "count": {strconv.Itoa(n)}, "status": {status}, "domain": {"access"}})
			items, _ := e.db.Items(ctxT(), id)
			out := map[string]bool{}
			for _, it := range items {
				out[it.QuestionID] = true
			}
			return out
		}
		// Each draw is left unanswered and unsubmitted: it shows its
		// questions unflagged but does not grade them, so the order below
		// (flagged, then wrong) keeps the history the test set up.
		if got := drawn("flagged", 2); !maps.Equal(got, flagged) {
			t.Fatalf("flagged: drew %v, want %v", got, flagged)
		}
		// Only those two: asking for a third is refused.
		c.get("/practice")
		expectRedirect(t, c.post("/practice/start", url.Values{"mode": {"custom"}, "count": {"3"}, "status": {"flagged"}, "domain": {"access"}}), "/practice")
		if got := drawn("wrong", 3); !maps.Equal(got, wrong) {
			t.Fatalf("wrong: drew %v, want %v", got, wrong)
		}
		c.get("/practice")
		expectRedirect(t, c.post("/practice/start", url.Values{"mode": {"custom"}, "count": {"4"}, "status": {"wrong"}, "domain": {"access"}}), "/practice")
		for id := range drawn("unseen", 10) {
			if seen[id] {
				t.Fatalf("unseen drew %s, which the student has seen", id)
			}
		}
		// An unknown status is refused.
		c.get("/practice")
		expectRedirect(t, c.post("/practice/start", url.Values{"mode": {"custom"}, "count": {"2"}, "status": {"forgotten"}}), "/practice")
	})
}

// timedAttempt stores a timed attempt of n single-answer questions for the
// student, ending limit from the app's clock.
func timedAttempt(t *testing.T, e *env, userID int64, n int, limit time.Duration) int64 {
	t.Helper()
	var items []models.NewItem
	for _, q := range e.app.lib.Questions {
		if q.Type == exam.TypeSingle && q.SetID == "" && len(items) < n {
			vs, _ := e.db.CurrentVersions(ctxT(), []string{q.ID})
			items = append(items, models.NewItem{QuestionID: q.ID, VersionID: vs[q.ID], OptionOrder: exam.Letters[:len(q.Options)], Scored: true})
		}
	}
	deadline := e.clock.Now().Add(limit)
	at, err := e.db.CreateAttempt(ctxT(), models.NewAttempt{UserID: userID, Mode: "timed", Title: "Timed", Feedback: models.FeedbackEnd,
		Deadline: &deadline, Items: items}, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return at.ID
}

// When the clock reaches zero - even on a page that opens with no time
// left - the exam page saves what is on screen and opens the result, which
// says time is up; N on the last question opens the review screen; and the
// script never throws.
func TestBrowserTimeUpAndLastItemKeys(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t, testutil.OpenDB(t, models.SQLite))
	u := e.user(models.RoleStudent, "s@example.edu")
	base := e.srv.URL
	var mu sync.Mutex
	var thrown []string
	if err := chromedp.Listen(ctx, func(ev any) {
		if ex, ok := ev.(*runtime.EventExceptionThrown); ok {
			mu.Lock()
			d := ex.ExceptionDetails
			msg := fmt.Sprintf("%s at %s:%d", d.Text, d.URL, d.LineNumber+1)
			if d.Exception != nil {
				msg += ": " + d.Exception.Description
			}
			thrown = append(thrown, msg)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	browserLogin(t, ctx, base, "s@example.edu")
	within := func(what string, d time.Duration, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		tctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		if err := chromedp.Do(tctx, steps...); err != nil {
			mu.Lock()
			defer mu.Unlock()
			t.Fatalf("%s (at %s): %v; exam.js threw %v", what, eval[string](t, ctx, `document.location.pathname`), err, thrown)
		}
	}

	// N on the last question opens the review screen.
	id := timedAttempt(t, e, u.ID, 2, time.Hour)
	within("N on the last question", 20*time.Second,
		chromedp.Navigate(fmt.Sprintf("%s/attempts/%d?item=2", base, id)),
		chromedp.WaitVisible(`//p[contains(., "Question 2 of 2")]`),
		chromedp.KeyEvent("n"),
		chromedp.WaitVisible(`//h1[contains(., "Review before submitting")]`),
	)

	// A page that opens with 0 s left (within the grace period).
	id = timedAttempt(t, e, u.ID, 2, 2*time.Minute)
	e.clock.Advance(2*time.Minute + 5*time.Second)
	within("a page opened with no time left", 20*time.Second,
		chromedp.Navigate(fmt.Sprintf("%s/attempts/%d?item=1", base, id)),
		chromedp.WaitVisible(`//p[contains(@class, "flash") and contains(., "Time is up")]`),
	)
	if loc := eval[string](t, ctx, `document.location.pathname`); loc != fmt.Sprintf("/attempts/%d/result", id) {
		t.Fatalf("at time up the page went to %s", loc)
	}
	if at, _ := e.db.OwnAttempt(ctxT(), u.ID, id); at.Status != models.AttemptExpired {
		t.Fatalf("after time up: %s", at.Status)
	}

	// Counting down: an answer given just before zero is saved, then the
	// result opens by itself.
	id = timedAttempt(t, e, u.ID, 2, 6*time.Second)
	within("answering just before zero", 30*time.Second,
		chromedp.Navigate(fmt.Sprintf("%s/attempts/%d?item=1", base, id)),
		chromedp.WaitVisible(chromedp.CSS(`#item-form`)),
		chromedp.KeyEvent("2"),
		chromedp.WaitVisible(`//p[@data-save-status and contains(., "Saved")]`),
	)
	e.clock.Advance(10 * time.Second) // the server's clock passes the deadline too
	within("the result at zero", 30*time.Second, chromedp.WaitVisible(`//p[contains(@class, "flash") and contains(., "Time is up")]`))
	if it, _ := itemOf(t, e, id, 1); it.Answer == "" {
		t.Fatal("the answer given before time ran out was not saved")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(thrown) > 0 {
		t.Fatalf("exam.js threw: %v", thrown)
	}
}
