package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"chartroom/exam"
	"chartroom/models"
)

// accessQuestion is a complete single-answer question form (HIPAA right
// of access: 45 CFR 164.524(b)(2) gives 30 days, extendable once by 30).
func accessQuestion(stem, status string) url.Values {
	return url.Values{
		"type": {"single"}, "domain": {"access"}, "topic": {"right-of-access"}, "level": {"recall"}, "difficulty": {"2"},
		"stem":  {stem},
		"opt_A": {"30 days"}, "rat_A": {"Right: the Privacy Rule gives 30 days after receipt to act on a request for access."},
		"opt_B": {"60 days"}, "rat_B": {"Sixty days is the longest total with the single 30-day extension, not the basic deadline."},
		"opt_C": {"10 business days"}, "rat_C": {"No business-day deadline appears in 164.524."},
		"opt_D": {"90 days"}, "rat_D": {"Longer than the rule allows even with an extension."},
		"key":        {"A"},
		"rationale":  {"Under 45 CFR 164.524(b)(2) a covered entity acts on an access request within 30 days, with one 30-day extension if it tells the individual why in writing."},
		"references": {"45 CFR 164.524(b)(2)"},
		"tags":       {"midterm"},
		"status":     {status},
	}
}

// newQuestion posts the editor and returns the new question's id.
func newQuestion(t *testing.T, c *client, form url.Values) string {
	t.Helper()
	c.get("/teach/questions/new")
	r := c.post("/teach/questions", form)
	expectRedirect(t, r, "/teach/questions/")
	id, _ := url.PathUnescape(strings.TrimPrefix(r.Header.Get("Location"), "/teach/questions/"))
	return id
}

// builtinIDs returns n ready built-in single questions outside scenario sets.
func builtinIDs(t *testing.T, e *env, n int) []string {
	t.Helper()
	var ids []string
	if err := e.db.R.Model(&models.Question{}).Where("source = ? AND status = ? AND set_id = '' AND qtype = ?", "builtin", models.StatusReady, "single").
		Order("id").Limit(n).Pluck("id", &ids).Error; err != nil || len(ids) < n {
		t.Fatalf("built-in questions: %v %v", ids, err)
	}
	return ids
}

// quizForm is a quiz settings form with overrides.
func quizForm(kv ...string) url.Values {
	f := url.Values{"title": {"Unit 3 quiz"}, "kind": {"fixed"}, "mode": {"timed"}, "time_limit_minutes": {"20"}, "attempts_allowed": {"2"},
		"grading": {"highest"}, "shuffle": {"1"}, "review_policy": {"after_close"}, "blueprint_items": {"50"}}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Set(kv[i], kv[i+1])
	}
	return f
}

func newQuiz(t *testing.T, c *client, form url.Values) int64 {
	t.Helper()
	c.get("/teach/quizzes")
	r := c.post("/teach/quizzes", form)
	expectRedirect(t, r, "/teach/quizzes/")
	id, err := strconv.ParseInt(strings.TrimPrefix(r.Header.Get("Location"), "/teach/quizzes/"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// cohortWith creates a cohort for the instructor and enrols the students.
func cohortWith(t *testing.T, e *env, inst *client, name string, students ...*client) int64 {
	t.Helper()
	inst.get("/teach")
	r := inst.post("/teach/cohorts", url.Values{"name": {name}, "required_hours": {"90"}})
	expectRedirect(t, r, "/teach/cohorts/")
	id, _ := strconv.ParseInt(strings.TrimPrefix(r.Header.Get("Location"), "/teach/cohorts/"), 10, 64)
	co, err := e.db.CohortByID(ctxT(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range students {
		s.get("/account")
		expectRedirect(t, s.post("/account/join", url.Values{"join_code": {co.JoinCode}}), "/account")
	}
	return id
}

func utcField(t time.Time) string { return t.UTC().Format("2006-01-02T15:04") }

// assign assigns a quiz and returns the assignment id.
func assign(t *testing.T, e *env, inst *client, quizID, cohortID int64, opens, closes time.Time) int64 {
	t.Helper()
	inst.get(fmt.Sprintf("/teach/quizzes/%d", quizID))
	r := inst.post(fmt.Sprintf("/teach/quizzes/%d/assign", quizID), url.Values{"cohort_id": {itoa(cohortID)},
		"opens_at": {utcField(opens)}, "closes_at": {utcField(closes)}})
	expectRedirect(t, r, fmt.Sprintf("/teach/quizzes/%d", quizID))
	var id int64
	e.db.R.Table("assignments").Where("quiz_id = ? AND cohort_id = ?", quizID, cohortID).Pluck("id", &id)
	if id == 0 {
		t.Fatal("no assignment stored")
	}
	return id
}

// startQuiz starts an attempt at an assignment and returns its id.
func startQuiz(t *testing.T, c *client, assignmentID int64) int64 {
	t.Helper()
	c.get(fmt.Sprintf("/quizzes/%d", assignmentID))
	r := c.post(fmt.Sprintf("/quizzes/%d/start", assignmentID), nil)
	expectRedirect(t, r, "/attempts/")
	id, err := strconv.ParseInt(strings.TrimPrefix(r.Header.Get("Location"), "/attempts/"), 10, 64)
	if err != nil {
		t.Fatalf("start: %q", r.Header.Get("Location"))
	}
	return id
}

// answerAll answers every item, right or wrong by choose(n), and submits.
func answerAll(t *testing.T, e *env, c *client, attemptID int64, right func(n int) bool) {
	t.Helper()
	at, err := e.db.AttemptByID(ctxT(), attemptID)
	if err != nil {
		t.Fatal(err)
	}
	c.get(fmt.Sprintf("/attempts/%d", attemptID))
	for n := 1; n <= at.Items; n++ {
		it, q := itemOf(t, e, attemptID, n)
		ans := wrongShown(it, q)
		if right(n) {
			ans = keyShown(it, q)
		}
		r := c.post(fmt.Sprintf("/attempts/%d/items/%d", attemptID, n), url.Values{"answer": ans, "seq": {"1"}, "go": {"next"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("answer item %d: %d %.300s", n, r.StatusCode, r.body)
		}
	}
	expectRedirect(t, c.post(fmt.Sprintf("/attempts/%d/submit", attemptID), url.Values{"confirm": {"1"}}), fmt.Sprintf("/attempts/%d/result", attemptID))
}

func TestQuestionEditorValidationPreviewAndVersions(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		inst, iu := e.loggedIn(models.RoleInstructor, "i1@example.edu")
		other, _ := e.loggedIn(models.RoleInstructor, "i2@example.edu")
		stem := "A patient asks a hospital for a copy of her record. Under the Privacy Rule, how long does the hospital have to act on the request?"

		// Invalid: nothing is saved, and the messages sit beside the fields.
		bad := accessQuestion(stem, "ready")
		bad.Del("rat_C")
		bad.Set("key", "E")
		inst.get("/teach/questions/new")
		r := inst.post("/teach/questions", bad)
		expect(t, r, http.StatusBadRequest, `id="f-options-C-rationale-error"`, "every option needs its own rationale", `id="f-key"`, "must list exactly 1 option letter")
		if n := count(t, e.db, "questions", "source = ?", "authored"); n != 0 {
			t.Fatalf("%d questions saved from an invalid form", n)
		}

		// The live preview is rendered on the server and sanitised.
		pv := accessQuestion("**Bold** <script>alert(1)</script> <img src=x onerror=alert(2)>", "draft")
		inst.get("/teach/questions/new")
		r = inst.post("/teach/questions/preview", pv)
		expect(t, r, 200, "<strong>Bold</strong>", "is-key")
		if strings.Contains(r.body, "<script") || strings.Contains(r.body, "onerror") {
			t.Fatalf("preview not sanitised: %s", r.body)
		}
		// The no-JavaScript preview button saves nothing.
		r = inst.post("/teach/questions", func() url.Values { f := accessQuestion(stem, "ready"); f.Set("action", "preview"); return f }())
		expect(t, r, 200, "Not saved yet", "<strong class=\"tag\">key</strong>")
		if n := count(t, e.db, "questions", "source = ?", "authored"); n != 0 {
			t.Fatal("preview saved a question")
		}

		// A draft may lack rationales and references; ready may not.
		draft := accessQuestion(stem, "draft")
		draft.Del("references")
		draft.Del("rat_B")
		id := newQuestion(t, inst, draft)
		row, _, err := e.db.QuestionFor(ctxT(), iu, id)
		if err != nil || row.Status != models.StatusDraft || row.Source != "authored" {
			t.Fatalf("draft %+v %v", row, err)
		}
		inst.get("/teach/questions/" + id)
		expect(t, inst.post("/teach/questions/"+id, func() url.Values { f := draft; f.Set("status", "ready"); return f }()), http.StatusBadRequest, "at least one source")
		inst.get("/teach/questions/" + id)
		expectRedirect(t, inst.post("/teach/questions/"+id, accessQuestion(stem, "ready")), "/teach/questions/"+id)
		vs, _ := e.db.QuestionVersions(ctxT(), id)
		if len(vs) != 2 {
			t.Fatalf("%d versions after draft and ready", len(vs))
		}

		// Saving without a change adds no version.
		inst.get("/teach/questions/" + id)
		expectRedirect(t, inst.post("/teach/questions/"+id, accessQuestion(stem, "ready")), "/teach/questions/"+id)
		if vs, _ = e.db.QuestionVersions(ctxT(), id); len(vs) != 2 {
			t.Fatalf("%d versions after an unchanged save", len(vs))
		}

		// Another instructor neither sees nor edits it, even by id.
		expect(t, other.get("/teach/questions/"+id), http.StatusNotFound)
		other.get("/teach/questions")
		expect(t, other.post("/teach/questions/"+id, accessQuestion("hijacked", "ready")), http.StatusNotFound)
		if r := other.get("/teach/questions?author=&q=patient+asks"); strings.Contains(r.body, id) {
			t.Fatal("another instructor's bank lists the question")
		}
		expect(t, inst.get("/teach/questions?q=patient+asks"), 200, id)

		// Built-in questions are read-only and can be duplicated.
		bid := builtinIDs(t, e, 1)[0]
		expect(t, inst.get("/teach/questions/"+bid), 200, "read-only", "Duplicate")
		expect(t, inst.post("/teach/questions/"+bid, accessQuestion("changed", "ready")), http.StatusNotFound)
		r = inst.post("/teach/questions/"+bid+"/duplicate", nil)
		expectRedirect(t, r, "/teach/questions/u")
		dup, _ := url.PathUnescape(strings.TrimPrefix(r.Header.Get("Location"), "/teach/questions/"))
		drow, dq, err := e.db.QuestionFor(ctxT(), iu, dup)
		_, bq, _ := e.db.QuestionFor(ctxT(), iu, bid)
		if err != nil || drow.Status != models.StatusDraft || dq.Stem != bq.Stem || !models.CanEdit(iu, drow) {
			t.Fatalf("duplicate %+v %v", drow, err)
		}

		// Bulk tag and retire touch only the instructor's own questions.
		inst.get("/teach/questions")
		expectRedirect(t, inst.post("/teach/questions/bulk", url.Values{"id": {id, bid}, "action": {"tag"}, "tag": {"Week 3"}}), "/teach/questions")
		row, _, _ = e.db.QuestionFor(ctxT(), iu, id)
		if !strings.Contains(row.Tags, "week-3") {
			t.Fatalf("tags %q", row.Tags)
		}
		var btags string
		e.db.R.Model(&models.Question{}).Where("id = ?", bid).Pluck("tags", &btags)
		if strings.Contains(btags, "week-3") {
			t.Fatal("bulk tag changed a built-in question")
		}
		expectRedirect(t, inst.post("/teach/questions/bulk", url.Values{"id": {dup, bid}, "action": {"retire"}}), "/teach/questions")
		var st string
		e.db.R.Model(&models.Question{}).Where("id = ?", bid).Pluck("status", &st)
		if st != models.StatusReady {
			t.Fatal("bulk retire retired a built-in question")
		}
		e.db.R.Model(&models.Question{}).Where("id = ?", dup).Pluck("status", &st)
		if st != models.StatusRetired {
			t.Fatalf("duplicate is %s after retire", st)
		}
		// Instructors' questions never reach students' practice draws.
		cands, err := e.db.Candidates(ctxT(), 0, models.DrawFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, cd := range cands {
			if cd.ID == id {
				t.Fatal("an instructor's question is in the practice pool")
			}
		}
	})
}

func TestEditingAQuestionKeepsOldAttemptsAndShowsTheDiff(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		inst, _ := e.loggedIn(models.RoleInstructor, "i@example.edu")
		stu, _ := e.loggedIn(models.RoleStudent, "s@example.edu")
		stem := "Which time limit does the Privacy Rule set for acting on a request for access?"
		qid := newQuestion(t, inst, accessQuestion(stem, "ready"))
		quiz := newQuiz(t, inst, quizForm("review_policy", "immediately", "mode", "tutor", "time_limit_minutes", "0"))
		expectRedirect(t, inst.post(fmt.Sprintf("/teach/quizzes/%d/questions", quiz), url.Values{"op": {"add"}, "add": {qid}}), fmt.Sprintf("/teach/quizzes/%d", quiz))
		co := cohortWith(t, e, inst, "HIT 150", stu)
		now := e.clock.Now()
		as := assign(t, e, inst, quiz, co, now.Add(-time.Hour), now.Add(24*time.Hour))
		at := startQuiz(t, stu, as)
		answerAll(t, e, stu, at, func(int) bool { return true })

		newStem := "Within how many days must a covered entity act on an individual's request for access?"
		inst.get("/teach/questions/" + qid)
		expectRedirect(t, inst.post("/teach/questions/"+qid, accessQuestion(newStem, "ready")), "/teach/questions/"+qid)

		// The finished attempt still shows the version it showed.
		r := stu.get(fmt.Sprintf("/attempts/%d/review", at))
		expect(t, r, 200, "Which time limit does the Privacy Rule set")
		if strings.Contains(r.body, "Within how many days") {
			t.Fatal("an old attempt shows the edited text")
		}
		// The history has both versions and the diff of the stem.
		r = inst.get("/teach/questions/" + qid + "/history")
		expect(t, r, 200, "Version 2", "Version 1", "<del>− Which time limit does the Privacy Rule set", "<ins>+ Within how many days")
	})
}

func TestQuizAssignmentAttemptsGradebookAndReviewPolicy(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		inst, _ := e.loggedIn(models.RoleInstructor, "i@example.edu")
		s1, u1 := e.loggedIn(models.RoleStudent, "s1@example.edu")
		s2, u2 := e.loggedIn(models.RoleStudent, "s2@example.edu")
		outsider, _ := e.loggedIn(models.RoleStudent, "s3@example.edu")
		co := cohortWith(t, e, inst, "HIT 210", s1, s2)
		quiz := newQuiz(t, inst, quizForm())
		ids := builtinIDs(t, e, 4)
		expectRedirect(t, inst.post(fmt.Sprintf("/teach/quizzes/%d/questions", quiz), url.Values{"op": {"add"}, "add": ids}), fmt.Sprintf("/teach/quizzes/%d", quiz))
		// Reorder without JavaScript: move the last one up.
		expectRedirect(t, inst.post(fmt.Sprintf("/teach/quizzes/%d/questions", quiz), url.Values{"op": {"up:" + ids[3]}}), fmt.Sprintf("/teach/quizzes/%d", quiz))
		got, _ := e.db.QuizQuestions(ctxT(), quiz)
		if strings.Join(got, ",") != strings.Join([]string{ids[0], ids[1], ids[3], ids[2]}, ",") {
			t.Fatalf("order after move up: %v", got)
		}
		now := e.clock.Now()
		closes := now.Add(40 * time.Minute).Truncate(time.Minute)
		as := assign(t, e, inst, quiz, co, now.Add(-time.Hour), closes)

		// Students in the cohort see it on the dashboard; others cannot open it.
		expect(t, s1.get("/dashboard"), 200, "Assigned quizzes", "Unit 3 quiz")
		expect(t, outsider.get(fmt.Sprintf("/quizzes/%d", as)), http.StatusNotFound)
		expect(t, outsider.post(fmt.Sprintf("/quizzes/%d/start", as), nil), http.StatusNotFound)

		at1 := startQuiz(t, s1, as)
		a1, _ := e.db.AttemptByID(ctxT(), at1)
		if a1.Deadline == nil || a1.Deadline.Sub(a1.StartedAt) != 20*time.Minute || a1.Mode != "quiz" || a1.Items != 4 {
			t.Fatalf("attempt %+v", a1)
		}
		// A second start resumes rather than opening another attempt.
		r := s1.post(fmt.Sprintf("/quizzes/%d/start", as), nil)
		expectRedirect(t, r, fmt.Sprintf("/attempts/%d", at1))
		// Another student cannot open it.
		expect(t, s2.get(fmt.Sprintf("/attempts/%d", at1)), http.StatusNotFound)
		answerAll(t, e, s1, at1, func(n int) bool { return n != 2 })

		// Review after close: the result, score and keys are withheld.
		r = s1.get(fmt.Sprintf("/attempts/%d/result", at1))
		expect(t, r, 200, "releases scores, answers and rationales when the quiz closes")
		if strings.Contains(r.body, "75%") || strings.Contains(r.body, "3 / 4") {
			t.Fatal("score shown before the quiz closes")
		}
		r = s1.get(fmt.Sprintf("/attempts/%d/review", at1))
		for n := 1; n <= 4; n++ {
			_, q := itemOf(t, e, at1, n)
			if l := leaks(r.body, q); len(l) > 0 {
				t.Fatalf("review before close leaks %v", l)
			}
		}
		r = s1.get(fmt.Sprintf("/quizzes/%d", as))
		expect(t, r, 200, "Start attempt 2")
		if strings.Contains(r.body, "75.0%") {
			t.Fatal("quiz page shows the score before close")
		}

		// The instructor sees it at once.
		r = inst.get(fmt.Sprintf("/teach/cohorts/%d/gradebook", co))
		expect(t, r, 200, "75.0%", fmt.Sprintf("/teach/attempts/%d", at1))
		expect(t, inst.get(fmt.Sprintf("/teach/attempts/%d", at1)), 200, "s1 Tester", "75.0%")
		r = inst.get(fmt.Sprintf("/teach/cohorts/%d/gradebook.csv", co))
		expect(t, r, 200, "s1 Tester,s1@example.edu,75.0,1,", "s2 Tester,s2@example.edu,,0,")
		expect(t, inst.get(fmt.Sprintf("/teach/assignments/%d/results.csv", as)), 200, "s1 Tester,s1@example.edu,1,")

		// Item analysis is computed in the background, not by the page.
		expect(t, inst.get(fmt.Sprintf("/teach/quizzes/%d/stats", quiz)), 200, "being analysed", "No analysis yet")
		if n, err := e.app.RecomputeStats(ctxT()); err != nil || n != 1 {
			t.Fatalf("recompute: %d %v", n, err)
		}
		expect(t, inst.get(fmt.Sprintf("/teach/quizzes/%d/stats", quiz)), 200, "From 1 finished attempt", ids[0])

		// After the close the student sees score and keys; s2 is overdue.
		e.clock.Advance(45 * time.Minute)
		expect(t, s1.get(fmt.Sprintf("/attempts/%d/result", at1)), 200, "3 / 4", "Review every question")
		expect(t, s1.get(fmt.Sprintf("/attempts/%d/review", at1)), 200, "is-key")
		expect(t, s1.get(fmt.Sprintf("/quizzes/%d", as)), 200, "This quiz is closed", "Your grade: <strong>75.0%</strong>")
		expect(t, inst.get(fmt.Sprintf("/teach/cohorts/%d/gradebook", co)), 200, "overdue")

		// Practice history and spaced review leave quiz attempts out.
		if r := s1.get("/practice/history"); strings.Contains(r.body, "Unit 3 quiz") {
			t.Fatal("practice history lists a quiz attempt")
		}
		if n := count(t, e.db, "review_cards", "user_id = ?", u1.ID); n != 0 {
			t.Fatalf("%d review cards from a quiz", n)
		}
		_ = u2
	})
}

func TestAccommodationsClosingAndModeration(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		inst, _ := e.loggedIn(models.RoleInstructor, "i@example.edu")
		s1, u1 := e.loggedIn(models.RoleStudent, "s1@example.edu")
		s2, u2 := e.loggedIn(models.RoleStudent, "s2@example.edu")
		co := cohortWith(t, e, inst, "HIT 220", s1, s2)
		quiz := newQuiz(t, inst, quizForm("attempts_allowed", "1", "time_limit_minutes", "30", "review_policy", "immediately"))
		expectRedirect(t, inst.post(fmt.Sprintf("/teach/quizzes/%d/questions", quiz), url.Values{"op": {"add"}, "add": builtinIDs(t, e, 3)}), fmt.Sprintf("/teach/quizzes/%d", quiz))
		now := e.clock.Now()
		as := assign(t, e, inst, quiz, co, now.Add(-time.Minute), now.Add(4*time.Hour))

		// Cohort accommodation for s1: 1.5x time and 10 extra minutes.
		inst.get(fmt.Sprintf("/teach/cohorts/%d/accommodations", co))
		expect(t, inst.post(fmt.Sprintf("/teach/cohorts/%d/accommodations", co), url.Values{"user_id": {itoa(u1.ID)}, "time_multiplier": {"0.5"}}), http.StatusSeeOther)
		if n := count(t, e.db, "accommodations", ""); n != 0 {
			t.Fatal("an invalid accommodation was stored")
		}
		expectRedirect(t, inst.post(fmt.Sprintf("/teach/cohorts/%d/accommodations", co), url.Values{"user_id": {itoa(u1.ID)},
			"time_multiplier": {"1.5"}, "extra_minutes": {"10"}, "extra_attempts": {"0"}, "note": {"testing centre letter"}}), "/teach/cohorts/")
		// A quiz override smaller than the cohort's never reduces it.
		inst.get(fmt.Sprintf("/teach/assignments/%d", as))
		expectRedirect(t, inst.post(fmt.Sprintf("/teach/assignments/%d/override", as), url.Values{"user_id": {itoa(u1.ID)},
			"time_multiplier": {"1.25"}, "extra_minutes": {"5"}, "extra_attempts": {"1"}}), "/teach/assignments/")
		// A student of another cohort cannot be given one here.
		stranger, su := e.loggedIn(models.RoleStudent, "x@example.edu")
		_ = stranger
		expect(t, inst.post(fmt.Sprintf("/teach/assignments/%d/override", as), url.Values{"user_id": {itoa(su.ID)}, "time_multiplier": {"2"}}), http.StatusNotFound)

		expect(t, s1.get(fmt.Sprintf("/quizzes/%d", as)), 200, "55 min", "Your accommodation is included")
		at1 := startQuiz(t, s1, as)
		a1, _ := e.db.AttemptByID(ctxT(), at1)
		if got := a1.Deadline.Sub(a1.StartedAt); got != 55*time.Minute { // 30 x 1.5 + 10
			t.Fatalf("accommodated limit %v, want 55m", got)
		}
		answerAll(t, e, s1, at1, func(int) bool { return true })
		// One attempt allowed plus one from the override: s1 may start again.
		expect(t, s1.get(fmt.Sprintf("/quizzes/%d", as)), 200, "Start attempt 2", "1 used of 2")

		// s2 has one attempt; after it, starting is refused.
		at2 := startQuiz(t, s2, as)
		answerAll(t, e, s2, at2, func(n int) bool { return n == 1 })
		r := s2.post(fmt.Sprintf("/quizzes/%d/start", as), nil)
		expectRedirect(t, r, fmt.Sprintf("/quizzes/%d", as))
		expect(t, s2.get(fmt.Sprintf("/quizzes/%d", as)), 200, "You have used all your attempts")
		if n := count(t, e.db, "attempts", "user_id = ?", u2.ID); n != 1 {
			t.Fatalf("%d attempts after the limit", n)
		}
		// Moderation: one more attempt, audited.
		expectRedirect(t, inst.post(fmt.Sprintf("/teach/assignments/%d/extra", as), url.Values{"user_id": {itoa(u2.ID)}}), "/teach/assignments/")
		at3 := startQuiz(t, s2, as)

		// Closing early ends the attempt in progress at the new close.
		newClose := e.clock.Now().Add(5 * time.Minute).Truncate(time.Minute)
		expectRedirect(t, inst.post(fmt.Sprintf("/teach/assignments/%d/dates", as), url.Values{"opens_at": {utcField(now.Add(-time.Minute))}, "closes_at": {utcField(newClose)}}), "/teach/assignments/")
		a3, _ := e.db.AttemptByID(ctxT(), at3)
		if a3.Deadline == nil || !a3.Deadline.Equal(newClose) {
			t.Fatalf("deadline %v after closing at %v", a3.Deadline, newClose)
		}
		// Extend it (audited), then let it run out.
		expectRedirect(t, inst.post(fmt.Sprintf("/teach/attempts/%d/extend", at3), url.Values{"minutes": {"10"}}), "/teach/assignments/")
		a3, _ = e.db.AttemptByID(ctxT(), at3)
		if !a3.Deadline.Equal(newClose.Add(10 * time.Minute)) {
			t.Fatalf("extended deadline %v", a3.Deadline)
		}
		e.clock.Advance(20 * time.Minute)
		if _, err := e.db.SweepExpired(ctxT(), e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		a3, _ = e.db.AttemptByID(ctxT(), at3)
		if a3.Status != models.AttemptExpired {
			t.Fatalf("attempt %s after the close", a3.Status)
		}
		// Reopen the finished attempt for 30 minutes (audited); it can be answered again.
		expectRedirect(t, inst.post(fmt.Sprintf("/teach/attempts/%d/reopen", at3), url.Values{"minutes": {"30"}}), "/teach/assignments/")
		a3, _ = e.db.AttemptByID(ctxT(), at3)
		if !a3.Active() || !a3.Accepting(e.clock.Now()) {
			t.Fatalf("reopened attempt %+v", a3)
		}
		answerAll(t, e, s2, at3, func(int) bool { return true })
		expect(t, inst.get(fmt.Sprintf("/teach/cohorts/%d/gradebook", co)), 200, "late")
		for _, action := range []string{"accommodation.set", "attempt.extra", "attempt.extend", "attempt.reopen"} {
			if n := count(t, e.db, "audit_log", "action = ?", action); n == 0 {
				t.Fatalf("no %s in the audit log", action)
			}
		}
	})
}

func TestRegradeAfterAKeyFix(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		inst, _ := e.loggedIn(models.RoleInstructor, "i@example.edu")
		s1, _ := e.loggedIn(models.RoleStudent, "s1@example.edu")
		s2, _ := e.loggedIn(models.RoleStudent, "s2@example.edu")
		// Keyed wrongly on purpose: B ("60 days") marked correct.
		wrong := accessQuestion("How many days does the Privacy Rule allow before an extension to act on a request for access?", "ready")
		wrong.Set("key", "B")
		qid := newQuestion(t, inst, wrong)
		quiz := newQuiz(t, inst, quizForm("shuffle", "", "review_policy", "immediately"))
		expectRedirect(t, inst.post(fmt.Sprintf("/teach/quizzes/%d/questions", quiz), url.Values{"op": {"add"}, "add": {qid}}), fmt.Sprintf("/teach/quizzes/%d", quiz))
		co := cohortWith(t, e, inst, "HIT 230", s1, s2)
		as := assign(t, e, inst, quiz, co, e.clock.Now().Add(-time.Minute), e.clock.Now().Add(time.Hour))
		// s1 answers A (actually right), s2 answers B (keyed right).
		for _, p := range []struct {
			c   *client
			ans string
		}{{s1, "A"}, {s2, "B"}} {
			at := startQuiz(t, p.c, as)
			p.c.get(fmt.Sprintf("/attempts/%d", at))
			p.c.post(fmt.Sprintf("/attempts/%d/items/1", at), url.Values{"answer": {p.ans}, "seq": {"1"}})
			expectRedirect(t, p.c.post(fmt.Sprintf("/attempts/%d/submit", at), url.Values{"confirm": {"1"}}), "/attempts/")
		}
		score := func(email string) float64 {
			var s float64
			e.db.R.Raw("SELECT a.score FROM attempts a JOIN users u ON u.id = a.user_id WHERE u.email = ?", email).Scan(&s)
			return s
		}
		if score("s1@example.edu") != 0 || score("s2@example.edu") != 100 {
			t.Fatal("scores before the fix")
		}
		// Fix the key: a new version.
		inst.get("/teach/questions/" + qid)
		expectRedirect(t, inst.post("/teach/questions/"+qid, accessQuestion("How many days does the Privacy Rule allow before an extension to act on a request for access?", "ready")), "/teach/questions/")
		// Preview with credit for both keys: s1 gains, s2 keeps; nothing stored yet.
		r := inst.get(fmt.Sprintf("/teach/quizzes/%d/regrade?question=%s&policy=both", quiz, qid))
		// The version is named by its number (2), not its row id.
		expect(t, r, 200, "s1 Tester", "0.0%", "100.0%", "Apply the regrade", "current version (version 2)")
		if score("s1@example.edu") != 0 {
			t.Fatal("preview changed a score")
		}
		// New key only: s2 loses the point.
		r = inst.post(fmt.Sprintf("/teach/quizzes/%d/regrade", quiz), url.Values{"question": {qid}, "policy": {"new"}})
		expectRedirect(t, r, "/teach/quizzes/")
		expect(t, inst.get(r.Header.Get("Location")), 200, "against version 2:")
		if score("s1@example.edu") != 100 || score("s2@example.edu") != 0 {
			t.Fatalf("after regrade s1 %v s2 %v", score("s1@example.edu"), score("s2@example.edu"))
		}
		if n := count(t, e.db, "audit_log", "action = ?", "grade.regrade"); n != 1 {
			t.Fatal("regrade not audited")
		}
		var detail string
		e.db.R.Table("audit_log").Where("action = ?", "grade.regrade").Pluck("detail", &detail)
		if !strings.Contains(detail, "to version 2 (new)") {
			t.Fatalf("regrade audit %q names the version by its row id", detail)
		}
		if n := count(t, e.db, "regrades", "quiz_id = ? AND changed = 2", quiz); n != 1 {
			t.Fatal("regrade not recorded")
		}
	})
}

func TestInstructorsAndStudentsStayInTheirLane(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		i1, _ := e.loggedIn(models.RoleInstructor, "i1@example.edu")
		i2, _ := e.loggedIn(models.RoleInstructor, "i2@example.edu")
		stu, _ := e.loggedIn(models.RoleStudent, "s@example.edu")
		co1 := cohortWith(t, e, i1, "Mine", stu)
		co2 := cohortWith(t, e, i2, "Theirs")
		quiz := newQuiz(t, i1, quizForm())
		i1.post(fmt.Sprintf("/teach/quizzes/%d/questions", quiz), url.Values{"op": {"add"}, "add": builtinIDs(t, e, 2)})
		as := assign(t, e, i1, quiz, co1, e.clock.Now().Add(-time.Minute), e.clock.Now().Add(time.Hour))
		at := startQuiz(t, stu, as)

		// i2 reaches none of it, by any id.
		for _, p := range []string{
			fmt.Sprintf("/teach/quizzes/%d", quiz), fmt.Sprintf("/teach/quizzes/%d/stats", quiz), fmt.Sprintf("/teach/quizzes/%d/export?format=gift", quiz),
			fmt.Sprintf("/teach/assignments/%d", as), fmt.Sprintf("/teach/assignments/%d/results.csv", as), fmt.Sprintf("/teach/attempts/%d", at),
			fmt.Sprintf("/teach/cohorts/%d/gradebook", co1), fmt.Sprintf("/teach/cohorts/%d/accommodations", co1),
			fmt.Sprintf("/teach/quizzes/%d/regrade?question=x", quiz),
		} {
			expect(t, i2.get(p), http.StatusNotFound)
		}
		i2.get("/teach")
		for _, p := range []string{
			fmt.Sprintf("/teach/quizzes/%d", quiz), fmt.Sprintf("/teach/quizzes/%d/questions", quiz), fmt.Sprintf("/teach/quizzes/%d/assign", quiz),
			fmt.Sprintf("/teach/assignments/%d/extra", as), fmt.Sprintf("/teach/attempts/%d/extend", at), fmt.Sprintf("/teach/attempts/%d/reopen", at),
			fmt.Sprintf("/teach/cohorts/%d/accommodations", co1),
		} {
			expect(t, i2.post(p, url.Values{"minutes": {"10"}, "user_id": {"1"}, "cohort_id": {itoa(co2)}}), http.StatusNotFound)
		}
		// i1 cannot assign to i2's cohort.
		r := i1.post(fmt.Sprintf("/teach/quizzes/%d/assign", quiz), url.Values{"cohort_id": {itoa(co2)}, "opens_at": {utcField(e.clock.Now())}, "closes_at": {utcField(e.clock.Now().Add(time.Hour))}})
		expect(t, r, http.StatusBadRequest, "choose one of your cohorts")
		// Nor add another instructor's question to a quiz.
		other := newQuestion(t, i2, accessQuestion("Another instructor's question about the access deadline?", "ready"))
		i1.get(fmt.Sprintf("/teach/quizzes/%d", quiz))
		i1.post(fmt.Sprintf("/teach/quizzes/%d/questions", quiz), url.Values{"op": {"add"}, "add": {other}})
		if got, _ := e.db.QuizQuestions(ctxT(), quiz); len(got) != 2 {
			t.Fatalf("quiz list %v after adding another instructor's question", got)
		}
		// Students never reach /teach.
		for _, p := range []string{"/teach", "/teach/questions", "/teach/quizzes", fmt.Sprintf("/teach/attempts/%d", at), fmt.Sprintf("/teach/cohorts/%d/gradebook", co1)} {
			expect(t, stu.get(p), http.StatusForbidden)
		}
		stu.get("/dashboard")
		expect(t, stu.post("/teach/questions", accessQuestion("x", "draft")), http.StatusForbidden)
	})
}

func TestRulesAndBlueprintQuizzesDraw(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		inst, _ := e.loggedIn(models.RoleInstructor, "i@example.edu")
		stu, _ := e.loggedIn(models.RoleStudent, "s@example.edu")
		co := cohortWith(t, e, inst, "HIT 240", stu)
		rules := newQuiz(t, inst, quizForm("kind", "rules", "rule_count_0", "3", "rule_domain_0", "access", "rule_count_1", "2", "rule_domain_1", "revenue"))
		expect(t, inst.get(fmt.Sprintf("/teach/quizzes/%d", rules)), 200, "Matching ready questions")
		as := assign(t, e, inst, rules, co, e.clock.Now().Add(-time.Minute), e.clock.Now().Add(time.Hour))
		at := startQuiz(t, stu, as)
		doms := map[exam.Domain]int{}
		for n := 1; n <= 5; n++ {
			_, q := itemOf(t, e, at, n)
			doms[q.Domain]++
		}
		if doms[exam.DomainAccess] != 3 || doms[exam.DomainRevenue] != 2 {
			t.Fatalf("rules drew %v", doms)
		}
		// A rule the bank cannot satisfy is caught at start with a clear message.
		big := newQuiz(t, inst, quizForm("kind", "rules", "rule_count_0", "150", "rule_domain_0", "leadership"))
		expect(t, inst.get(fmt.Sprintf("/teach/quizzes/%d", big)), 200, "too few")
		as2 := assign(t, e, inst, big, co, e.clock.Now().Add(-time.Minute), e.clock.Now().Add(time.Hour))
		stu.get(fmt.Sprintf("/quizzes/%d", as2))
		expectRedirect(t, stu.post(fmt.Sprintf("/quizzes/%d/start", as2), nil), fmt.Sprintf("/quizzes/%d", as2))
		expect(t, stu.get(fmt.Sprintf("/quizzes/%d", as2)), 200, "question pool is too small")

		bp := newQuiz(t, inst, quizForm("kind", "blueprint", "blueprint_items", "30", "time_limit_minutes", "45"))
		as3 := assign(t, e, inst, bp, co, e.clock.Now().Add(-time.Minute), e.clock.Now().Add(time.Hour))
		at3 := startQuiz(t, stu, as3)
		a3, _ := e.db.AttemptByID(ctxT(), at3)
		if a3.Items != 30 || a3.ScoredItems != 30 {
			t.Fatalf("blueprint quiz %d items, %d scored", a3.Items, a3.ScoredItems)
		}
		// Invalid settings are refused beside the fields.
		inst.get("/teach/quizzes")
		r := inst.post("/teach/quizzes", quizForm("mode", "tutor", "review_policy", "never", "kind", "blueprint", "blueprint_items", "5"))
		expect(t, r, http.StatusBadRequest, "tutor mode shows each key", "20 to 150 questions")
	})
}

func TestModerationGrantAddsAnAttemptOnTopOfAnAccommodation(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		inst, _ := e.loggedIn(models.RoleInstructor, "i@example.edu")
		stu, su := e.loggedIn(models.RoleStudent, "s@example.edu")
		co := cohortWith(t, e, inst, "HIT 250", stu)
		quiz := newQuiz(t, inst, quizForm("attempts_allowed", "1", "review_policy", "immediately"))
		expectRedirect(t, inst.post(fmt.Sprintf("/teach/quizzes/%d/questions", quiz), url.Values{"op": {"add"}, "add": builtinIDs(t, e, 2)}), fmt.Sprintf("/teach/quizzes/%d", quiz))
		as := assign(t, e, inst, quiz, co, e.clock.Now().Add(-time.Minute), e.clock.Now().Add(4*time.Hour))
		// The cohort accommodation gives one extra attempt: two in all.
		inst.get(fmt.Sprintf("/teach/cohorts/%d/accommodations", co))
		expectRedirect(t, inst.post(fmt.Sprintf("/teach/cohorts/%d/accommodations", co), url.Values{"user_id": {itoa(su.ID)},
			"time_multiplier": {"1"}, "extra_minutes": {"0"}, "extra_attempts": {"1"}}), "/teach/cohorts/")
		for i := 0; i < 2; i++ {
			answerAll(t, e, stu, startQuiz(t, stu, as), func(int) bool { return true })
		}
		expect(t, stu.get(fmt.Sprintf("/quizzes/%d", as)), 200, "You have used all your attempts", "2 used of 2")
		// A grant gives a third, whatever the accommodation.
		inst.get(fmt.Sprintf("/teach/assignments/%d", as))
		expectRedirect(t, inst.post(fmt.Sprintf("/teach/assignments/%d/extra", as), url.Values{"user_id": {itoa(su.ID)}}), "/teach/assignments/")
		expect(t, stu.get(fmt.Sprintf("/quizzes/%d", as)), 200, "2 used of 3", "Start attempt 3")
		expect(t, inst.get(fmt.Sprintf("/teach/assignments/%d", as)), 200, "+1 attempt(s)", "+1 granted attempt(s)")
		startQuiz(t, stu, as)
	})
}

func TestQuizListWithARetiredQuestionCanStillBeEdited(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		inst, _ := e.loggedIn(models.RoleInstructor, "i@example.edu")
		own := newQuestion(t, inst, accessQuestion("Within how many days must a covered entity act on a request for access?", "ready"))
		ids := builtinIDs(t, e, 3)
		quiz := newQuiz(t, inst, quizForm())
		url0 := fmt.Sprintf("/teach/quizzes/%d/questions", quiz)
		expectRedirect(t, inst.post(url0, url.Values{"op": {"add"}, "add": {own, ids[0]}}), fmt.Sprintf("/teach/quizzes/%d", quiz))
		inst.get("/teach/questions")
		expectRedirect(t, inst.post("/teach/questions/bulk", url.Values{"id": {own}, "action": {"retire"}}), "/teach/questions")

		// Reorder, add and remove around the retired question.
		inst.get(fmt.Sprintf("/teach/quizzes/%d", quiz))
		expectRedirect(t, inst.post(url0, url.Values{"op": {"up:" + ids[0]}}), fmt.Sprintf("/teach/quizzes/%d", quiz))
		expectRedirect(t, inst.post(url0, url.Values{"op": {"add"}, "add": {ids[1], ids[2]}}), fmt.Sprintf("/teach/quizzes/%d", quiz))
		expectRedirect(t, inst.post(url0, url.Values{"op": {"remove:" + ids[2]}}), fmt.Sprintf("/teach/quizzes/%d", quiz))
		got, _ := e.db.QuizQuestions(ctxT(), quiz)
		if want := []string{ids[0], own, ids[1]}; strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("list %v, want %v", got, want)
		}
		// The builder marks it; a retired question still cannot be added anew.
		expect(t, inst.get(fmt.Sprintf("/teach/quizzes/%d", quiz)), 200, "retired — skipped when students start", "Moved "+ids[0]+" up")
		expectRedirect(t, inst.post(url0, url.Values{"op": {"remove:" + own}}), fmt.Sprintf("/teach/quizzes/%d", quiz))
		expectRedirect(t, inst.post(url0, url.Values{"op": {"add"}, "add": {own}}), fmt.Sprintf("/teach/quizzes/%d", quiz))
		expect(t, inst.get(fmt.Sprintf("/teach/quizzes/%d", quiz)), 200, "only ready questions from the bank can be added")
		if got, _ := e.db.QuizQuestions(ctxT(), quiz); len(got) != 2 {
			t.Fatalf("retired question added again: %v", got)
		}
	})
}

func TestQuizCloseMovedLaterGivesCappedAttemptsTheirTimeBack(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		inst, _ := e.loggedIn(models.RoleInstructor, "i@example.edu")
		stu, _ := e.loggedIn(models.RoleStudent, "s@example.edu")
		co := cohortWith(t, e, inst, "HIT 260", stu)
		quiz := newQuiz(t, inst, quizForm("time_limit_minutes", "30"))
		expectRedirect(t, inst.post(fmt.Sprintf("/teach/quizzes/%d/questions", quiz), url.Values{"op": {"add"}, "add": builtinIDs(t, e, 2)}), fmt.Sprintf("/teach/quizzes/%d", quiz))
		opens := e.clock.Now().Add(-time.Hour).Truncate(time.Minute)
		as := assign(t, e, inst, quiz, co, opens, e.clock.Now().Add(4*time.Hour))
		at := startQuiz(t, stu, as)
		a, _ := e.db.AttemptByID(ctxT(), at)
		full := a.StartedAt.Add(30 * time.Minute)
		dates := func(closes time.Time) {
			t.Helper()
			inst.get(fmt.Sprintf("/teach/assignments/%d", as))
			expectRedirect(t, inst.post(fmt.Sprintf("/teach/assignments/%d/dates", as), url.Values{"opens_at": {utcField(opens)}, "closes_at": {utcField(closes)}}), "/teach/assignments/")
		}
		due := func() time.Time {
			t.Helper()
			a, _ := e.db.AttemptByID(ctxT(), at)
			return a.Deadline.UTC()
		}
		early := e.clock.Now().Add(10 * time.Minute).Truncate(time.Minute)
		dates(early)
		if !due().Equal(early) {
			t.Fatalf("closing early: due %v, want %v", due(), early)
		}
		dates(e.clock.Now().Add(24 * time.Hour))
		if !due().Equal(full) {
			t.Fatalf("closing later again: due %v, want the full limit %v", due(), full)
		}
	})
}

func TestQuizModesAreTutorAndTimed(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		inst, _ := e.loggedIn(models.RoleInstructor, "i@example.edu")
		r := inst.get("/teach/quizzes")
		expect(t, r, 200, `value="timed"`, `value="tutor"`)
		if strings.Contains(r.body, `value="exam"`) {
			t.Fatal("the builder still offers exam mode")
		}
		expect(t, inst.post("/teach/quizzes", quizForm("mode", "exam")), http.StatusBadRequest, "choose tutor or timed")
	})
}

func TestQuizQuestionStatisticsAcrossQuizzes(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		inst, _ := e.loggedIn(models.RoleInstructor, "i@example.edu")
		other, _ := e.loggedIn(models.RoleInstructor, "i2@example.edu")
		stu, _ := e.loggedIn(models.RoleStudent, "s@example.edu")
		co := cohortWith(t, e, inst, "HIT 270", stu)
		own := newQuestion(t, inst, accessQuestion("Within how many days must a covered entity act on a request for access?", "ready"))
		bid := builtinIDs(t, e, 1)[0]
		var quizzes []int64
		for _, title := range []string{"Week 2 check", "Week 5 check"} {
			q := newQuiz(t, inst, quizForm("title", title, "review_policy", "immediately", "attempts_allowed", "0"))
			expectRedirect(t, inst.post(fmt.Sprintf("/teach/quizzes/%d/questions", q), url.Values{"op": {"add"}, "add": {own, bid}}), fmt.Sprintf("/teach/quizzes/%d", q))
			as := assign(t, e, inst, q, co, e.clock.Now().Add(-time.Minute), e.clock.Now().Add(time.Hour))
			answerAll(t, e, stu, startQuiz(t, stu, as), func(int) bool { return true })
			quizzes = append(quizzes, q)
		}
		statsURL := "/teach/questions/" + own + "/stats"
		// Nothing is computed by the page: before the background job, no figures.
		expect(t, inst.get(statsURL), 200, "None of your quizzes has an analysis with this question yet")
		if n, err := e.app.RecomputeStats(ctxT()); err != nil || n != 2 {
			t.Fatalf("recompute: %d %v", n, err)
		}
		r := inst.get(statsURL)
		expect(t, r, 200, "Statistics for "+own, "Week 2 check", "Week 5 check", fmt.Sprintf("/teach/quizzes/%d/stats#item-%s", quizzes[0], own), "1.00")
		// Reachable from the question page and from each quiz's item analysis.
		expect(t, inst.get("/teach/questions/"+own), 200, `href="`+statsURL+`"`)
		expect(t, inst.get(fmt.Sprintf("/teach/quizzes/%d/stats", quizzes[1])), 200, `href="`+statsURL+`"`)
		// Another instructor: not their question; a built-in question shows
		// none of this instructor's quizzes.
		expect(t, other.get(statsURL), http.StatusNotFound)
		r = other.get("/teach/questions/" + bid + "/stats")
		expect(t, r, 200, "None of your quizzes")
		if strings.Contains(r.body, "Week 2 check") {
			t.Fatal("another instructor sees this instructor's quiz statistics")
		}
		expect(t, stu.get(statsURL), http.StatusForbidden)
	})
}
