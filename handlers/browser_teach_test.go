package handlers

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"chartroom/internal/testutil"
	"chartroom/models"
)

// An instructor authors a question (with the live preview), builds a quiz
// from it, assigns it to a cohort; a student takes it from the dashboard
// with the keyboard; the attempt shows up in the gradebook. Every page on
// the way passes axe-core.
func TestBrowserAuthorQuizAssignAttemptGradebook(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t, testutil.OpenDB(t, models.SQLite))
	inst := e.user(models.RoleInstructor, "i@example.edu")
	stu := e.user(models.RoleStudent, "s@example.edu")
	co, err := e.db.CreateCohort(ctxT(), models.Actor{ID: inst.ID}, models.CohortInput{Name: "HIT 210 Spring", RequiredHours: 90})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.JoinByCode(ctxT(), models.Actor{ID: stu.ID}, co.JoinCode); err != nil {
		t.Fatal(err)
	}
	base := e.srv.URL
	browserLogin(t, ctx, base, "i@example.edu")

	// Author: the preview follows the typing, rendered by the server.
	run(t, ctx, chromedp.Navigate(base+"/teach/questions/new"), chromedp.WaitVisible(chromedp.CSS(`#f-stem`)))
	checkA11y(t, ctx, "question editor")
	stem := "Within how many days must a covered entity act on a request for **access** to PHI?"
	fill := []chromedp.Action[chromedp.Void]{
		chromedp.SetValue(chromedp.CSS(`#f-domain`), "access"),
		chromedp.SendKeys(chromedp.CSS(`#f-topic`), "right-of-access"),
		chromedp.SendKeys(chromedp.CSS(`#f-stem`), stem),
	}
	for i, o := range [][2]string{
		{"30 days", "Right: 45 CFR 164.524(b)(2) allows 30 days."},
		{"60 days", "Only with the one 30-day extension."},
		{"10 days", "No 10-day deadline applies to access."},
		{"90 days", "Longer than the rule allows."},
	} {
		l := string(rune('A' + i))
		fill = append(fill, chromedp.SendKeys(chromedp.CSS(`#f-options-`+l+`-text`), o[0]), chromedp.SendKeys(chromedp.CSS(`#f-options-`+l+`-rationale`), o[1]))
	}
	fill = append(fill,
		chromedp.Click(chromedp.CSS(`label[for="f-key-A"]`)),
		chromedp.SendKeys(chromedp.CSS(`#f-references`), "45 CFR 164.524(b)(2)"),
		chromedp.WaitVisible(`//div[@id="preview"]//strong[contains(., "access")]`),
		chromedp.WaitVisible(`//div[@id="preview"]//li[contains(@class, "is-key")]`),
		chromedp.Click(chromedp.CSS(`label[for="f-status-ready"]`)),
		chromedp.Click(`//form[@id="question-form"]//button[not(@name) and contains(., "Save")]`),
		chromedp.WaitVisible(`//p[contains(@class, "flash-success") and contains(., "ready")]`),
	)
	run(t, ctx, fill...)
	var qid string
	e.db.R.Model(&models.Question{}).Where("author_id = ?", inst.ID).Pluck("id", &qid)
	if qid == "" {
		t.Fatal("the question was not saved")
	}

	// Build a fixed quiz of that question, with immediate review.
	run(t, ctx, chromedp.Navigate(base+"/teach/quizzes"), chromedp.WaitVisible(chromedp.CSS(`#f-title`)))
	checkA11y(t, ctx, "quizzes")
	run(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`#f-title`), "Access deadlines"),
		chromedp.Click(chromedp.CSS(`label[for="f-kind-fixed"]`)),
		chromedp.Click(chromedp.CSS(`label[for="f-mode-timed"]`)),
		chromedp.SetValue(chromedp.CSS(`#f-time_limit_minutes`), "10"),
		chromedp.SetValue(chromedp.CSS(`#f-review_policy`), "immediately"),
		chromedp.Click(`//button[contains(., "Create quiz")]`),
		chromedp.WaitVisible(`//h1[contains(., "Access deadlines")]`),
		chromedp.SendKeys(chromedp.CSS(`#a-q`), "covered entity act"),
		chromedp.Click(`//form[@aria-label="Find questions to add"]//button`),
		chromedp.WaitVisible(chromedp.CSS(`input[name="add"]`)),
		chromedp.Click(chromedp.CSS(`input[name="add"]`)),
		chromedp.Click(`//button[@value="add"]`),
		chromedp.WaitVisible(`//ol[@class="quiz-list"]//a[contains(., "`+qid+`")]`),
	)
	checkA11y(t, ctx, "quiz builder")
	// Assign: times entered in the browser's zone are sent as UTC.
	opens := time.Now().Add(-time.Hour)
	closes := time.Now().Add(24 * time.Hour)
	local := func(t time.Time) string { return t.Local().Format("2006-01-02T15:04") }
	run(t, ctx,
		chromedp.SetValue(chromedp.CSS(`#f-opens_at`), local(opens)),
		chromedp.SetValue(chromedp.CSS(`#f-closes_at`), local(closes)),
		chromedp.Click(`//form[contains(@action, "/assign")]//button[@type="submit"]`),
		chromedp.WaitVisible(`//p[contains(@class, "flash-success") and contains(., "Assigned")]`),
	)
	var as models.Assignment
	if err := e.db.R.Where("cohort_id = ?", co.ID).First(&as).Error; err != nil {
		t.Fatal(err)
	}
	if d := as.ClosesAt.Sub(closes.Truncate(time.Minute)); d < -time.Minute || d > time.Minute {
		t.Fatalf("closes at %v, want %v", as.ClosesAt, closes)
	}

	// The student, in a browser of their own, takes it with the keyboard.
	sctx := browser(t)
	browserLogin(t, sctx, base, "s@example.edu")
	run(t, sctx, chromedp.WaitVisible(`//a[contains(., "Access deadlines")]`), chromedp.Click(`//a[contains(., "Access deadlines")]`),
		chromedp.WaitVisible(`//button[contains(., "Start attempt 1")]`))
	checkA11y(t, sctx, "student quiz page")
	run(t, sctx, chromedp.Click(`//button[contains(., "Start attempt 1")]`), chromedp.WaitVisible(chromedp.CSS(`#item-form`)))
	// With shuffled options, find which key picks "30 days".
	key := eval[string](t, sctx, `(() => { const l = [...document.querySelectorAll("label[for^=opt-]")].find(x => x.textContent.includes("30 days")); return l.getAttribute("for").slice(4); })()`)
	run(t, sctx,
		chromedp.KeyEvent(strings.ToLower(key)),
		chromedp.WaitVisible(`//p[@data-save-status and contains(., "Saved")]`),
		chromedp.Click(`//button[@value="review"]`),
		chromedp.WaitVisible(`//h1[contains(., "Review before submitting")]`),
		chromedp.Click(`//button[contains(., "Submit my answers")]`),
		chromedp.WaitVisible(`//h1[contains(., "result")]`),
	)
	checkA11y(t, sctx, "quiz result")

	// The instructor's gradebook has it, and links to the attempt.
	run(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/teach/cohorts/%d/gradebook", base, co.ID)),
		chromedp.WaitVisible(`//table[contains(@class, "gradebook")]//a[contains(., "100.0%")]`))
	checkA11y(t, ctx, "gradebook")
	run(t, ctx, chromedp.Click(`//table[contains(@class, "gradebook")]//a[contains(., "100.0%")]`),
		chromedp.WaitVisible(`//h1[contains(., "s Tester")]`))
	checkA11y(t, ctx, "instructor attempt view")
}
