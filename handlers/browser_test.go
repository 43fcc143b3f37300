package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"chartroom/exam"
	"chartroom/internal/testutil"
	"chartroom/models"
)

// browser starts headless Chromium (Debian's package) for one test, or
// skips when it is not installed.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("CHARTROOM_CHROMIUM")
	for _, p := range []string{path, "chromium", "chromium-browser", "google-chrome"} {
		if p == "" {
			continue
		}
		if full, err := exec.LookPath(p); err == nil {
			path = full
			break
		}
		path = ""
	}
	if path == "" {
		if os.Getenv("CHARTROOM_REQUIRE_ALL") != "" {
			t.Fatal("CHARTROOM_REQUIRE_ALL is set but Chromium is not installed")
		}
		t.Skip("skipped: Chromium not installed (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 120*time.Second)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	// Let axe-core be injected despite the pages' strict CSP.
	if _, err := chromedp.Call(ctx, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true}); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// run performs browser steps and fails the test with the page's address.
func run(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("browser (at %s): %v", loc, err)
	}
}

// eval evaluates JavaScript in the page.
func eval[T any](t *testing.T, ctx context.Context, expr string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		t.Fatalf("evaluate %.60s: %v", expr, err)
	}
	return v
}

func browserLogin(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	run(t, ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#f-email`)),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), email),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), testPassword+"\n"),
		chromedp.WaitVisible(`//h1[contains(., "Welcome")]`),
	)
}

var axeSource string

// checkA11y injects axe-core and fails on any WCAG 2.1 A/AA violation.
func checkA11y(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	if axeSource == "" {
		p := filepath.Join(testutilRoot(t), "node_modules", "axe-core", "axe.min.js")
		b, err := os.ReadFile(p)
		if err != nil {
			if os.Getenv("CHARTROOM_REQUIRE_ALL") != "" {
				t.Fatalf("axe-core missing (%v); run npm ci", err)
			}
			t.Logf("accessibility check skipped: %s not found (npm ci installs it)", p)
			return
		}
		axeSource = string(b)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[*runtime.RemoteObject](axeSource)); err != nil {
		t.Fatalf("inject axe-core: %v", err)
	}
	out := eval[string](t, ctx, `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
		.then(r => JSON.stringify(r.violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}))))`,
		chromedp.EvalAwaitPromise)
	var violations []map[string]any
	json.Unmarshal([]byte(out), &violations)
	for _, v := range violations {
		t.Errorf("%s: accessibility violation %v: %v at %v", what, v["id"], v["help"], v["nodes"])
	}
}

func testutilRoot(t *testing.T) string {
	dir, _ := os.Getwd()
	for !fileExists(filepath.Join(dir, "go.mod")) {
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod")
		}
		dir = parent
	}
	return dir
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// A student takes a short timed quiz with the keyboard and the mouse;
// autosave stores each answer; a reload mid-way finds them; they submit.
func TestBrowserTimedQuizAutosaveReloadSubmit(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t, testutil.OpenDB(t, models.SQLite))
	u := e.user(models.RoleStudent, "s@example.edu")
	base := e.srv.URL
	browserLogin(t, ctx, base, "s@example.edu")
	checkA11y(t, ctx, "dashboard")

	run(t, ctx,
		chromedp.Navigate(base+"/practice"),
		chromedp.SetValue(chromedp.CSS(`#timed-count`), "3"),
		// Access-domain items are all choice questions, so "2" always picks one.
		chromedp.Click(chromedp.CSS(`label[for="timed-access"]`)),
		chromedp.Click(`//form[input[@value="timed"]]//button[@type="submit"]`),
		chromedp.WaitVisible(chromedp.CSS(`#item-form`)),
	)
	checkA11y(t, ctx, "exam item page")
	loc := eval[string](t, ctx, `document.location.pathname`)
	var attemptID int64
	fmt.Sscanf(loc[strings.Index(loc, "/attempts/"):], "/attempts/%d", &attemptID)

	// Item 1 by keyboard: "2" picks the second option; autosave confirms.
	run(t, ctx,
		chromedp.KeyEvent("2"),
		chromedp.WaitVisible(`//p[@data-save-status and contains(., "Saved")]`),
	)
	// "F" flags it, "N" moves on.
	run(t, ctx,
		chromedp.KeyEvent("f"),
		chromedp.WaitVisible(`//p[@data-save-status and contains(., "Saved")]`),
		chromedp.KeyEvent("n"),
		chromedp.WaitVisible(`//p[contains(., "Question 2 of 3")]`),
	)
	// Item 2 with the mouse (a code-entry item takes typed text instead).
	isCode := eval[bool](t, ctx, `!!document.querySelector("input.code-input")`)
	if isCode {
		run(t, ctx, chromedp.SendKeys(chromedp.CSS(`input.code-input`), "I10"))
	} else {
		run(t, ctx, chromedp.Click(chromedp.CSS(`label[for="opt-C"]`)))
	}
	run(t, ctx, chromedp.WaitVisible(`//p[@data-save-status and contains(., "Saved")]`))

	// Reload: the answer is still there (it came from the server).
	run(t, ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#item-form`)))
	var kept bool
	if isCode {
		kept = eval[bool](t, ctx, `document.querySelector("input.code-input").value === "I10"`)
	} else {
		kept = eval[bool](t, ctx, `document.querySelector("#opt-C").checked`)
	}
	if !kept {
		t.Fatal("after a reload the autosaved answer is gone")
	}
	// Back to item 1 through the navigator: its answer and flag are there.
	run(t, ctx,
		chromedp.Click(chromedp.CSS(`button.nav-item[value="1"]`)),
		chromedp.WaitVisible(`//p[contains(., "Question 1 of 3")]`),
	)
	first := eval[bool](t, ctx, `!!((document.querySelector("#opt-B")||{}).checked || document.querySelector("input.code-input"))`)
	flagged := eval[bool](t, ctx, `document.querySelector("#flag").checked`)
	if !first || !flagged {
		t.Fatalf("item 1 after navigation: answer kept=%v flagged=%v", first, flagged)
	}
	// Review, confirm, submit.
	run(t, ctx,
		chromedp.Click(`//button[@value="review"]`),
		chromedp.WaitVisible(`//h1[contains(., "Review before submitting")]`),
	)
	checkA11y(t, ctx, "review before submitting")
	run(t, ctx,
		chromedp.Click(`//button[contains(., "Submit my answers")]`),
		chromedp.WaitVisible(`//h1[contains(., "result")]`),
	)
	checkA11y(t, ctx, "result page")
	at, err := e.db.OwnAttempt(ctxT(), u.ID, attemptID)
	if err != nil || at.Status != models.AttemptSubmitted {
		t.Fatalf("attempt %d: %v %+v", attemptID, err, at)
	}
	items, _ := e.db.Items(ctxT(), attemptID)
	if items[0].Answer == "" || items[1].Answer == "" || !items[0].Flagged {
		t.Fatalf("stored answers: %+v", items)
	}
}

// Reading pages and a scenario-set item pass axe-core's WCAG 2.1 AA rules.
func TestBrowserAccessibilityOfReadingAndCasePages(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t, testutil.OpenDB(t, models.SQLite))
	u := e.user(models.RoleStudent, "s@example.edu")
	base := e.srv.URL
	browserLogin(t, ctx, base, "s@example.edu")
	for _, p := range []string{"/learn", "/learn/icd10cm-chapters-and-pcs", "/learn/icd10cm-chapters-and-pcs/sepsis", "/glossary", "/search?q=principal+diagnosis", "/practice", "/review", "/account"} {
		run(t, ctx, chromedp.Navigate(base+p), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
		checkA11y(t, ctx, p)
	}
	// An attempt made of one scenario set, so the case panel is on screen.
	var setItems []models.NewItem
	set := firstSet(e)
	for _, q := range e.app.lib.Questions {
		if q.SetID == set && q.Type != "code" {
			vs, _ := e.db.CurrentVersions(ctxT(), []string{q.ID})
			setItems = append(setItems, models.NewItem{QuestionID: q.ID, VersionID: vs[q.ID], OptionOrder: exam.Letters[:len(q.Options)], Scored: true})
		}
	}
	at, err := e.db.CreateAttempt(ctxT(), models.NewAttempt{UserID: u.ID, Mode: "tutor", Title: "Case", Feedback: models.FeedbackImmediate, Items: setItems}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	run(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/attempts/%d", base, at.ID)), chromedp.WaitVisible(chromedp.CSS(`section.case`)))
	checkA11y(t, ctx, "scenario-set item")
	// Check the answer so the feedback view is audited too.
	run(t, ctx, chromedp.Click(chromedp.CSS(`label[for="opt-A"]`)), chromedp.Click(`//button[@value="check"]`), chromedp.WaitVisible(chromedp.CSS(`#feedback`)))
	checkA11y(t, ctx, "tutor feedback")
}

func firstSet(e *env) string {
	for _, q := range e.app.lib.Questions {
		if q.SetID != "" {
			return q.SetID
		}
	}
	return ""
}

// A student logs hours, the supervisor approves them, and the student's
// progress bar moves. The pages pass axe-core along the way.
func TestBrowserPracticumHoursApproval(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t, testutil.OpenDB(t, models.SQLite))
	pe := newPracticum(t, e)
	base := e.srv.URL
	page := fmt.Sprintf("%s/practicum/%d", base, pe.p.ID)
	browserLogin(t, ctx, base, "s@example.edu")
	run(t, ctx, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`#f-hours`)))
	checkA11y(t, ctx, "student placement page")
	before := eval[float64](t, ctx, `document.querySelector("progress[aria-label^='Approved']").value`)
	run(t, ctx,
		chromedp.SetValue(chromedp.CSS(`#f-day`), pe.day(-1)),
		chromedp.SendKeys(chromedp.CSS(`#f-hours`), "6.5"),
		chromedp.SendKeys(chromedp.CSS(`#f-activities`), "Processed release-of-information requests"),
		chromedp.Click(`//button[contains(., "Log these hours")]`),
		chromedp.WaitVisible(`//p[contains(@class, "flash-success")]`),
	)
	// The supervisor signs in on a browser of their own and approves.
	sctx := browser(t)
	browserLogin(t, sctx, base, "v@example.edu")
	run(t, sctx, chromedp.Navigate(base+"/supervise/queue"), chromedp.WaitVisible(chromedp.CSS(`input[name=id]`)))
	checkA11y(t, sctx, "supervisor queue")
	run(t, sctx,
		chromedp.Click(chromedp.CSS(`input[name=id]`)),
		chromedp.Click(`//button[@value="approve"]`),
		chromedp.WaitVisible(`//p[contains(., "1 entry approved")]`),
	)
	run(t, ctx, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`#f-hours`)))
	after := eval[float64](t, ctx, `document.querySelector("progress[aria-label^='Approved']").value`)
	if after != before+6.5 {
		t.Fatalf("progress bar %v -> %v, want +6.5", before, after)
	}
}

// The pages added for blueprints, scenario-set authoring, per-question
// statistics, weekly coding accuracy and the supervisor's readiness column
// pass axe-core's WCAG 2.1 AA rules too, for the role that uses each.
func TestBrowserAccessibilityOfRolePages(t *testing.T) {
	e := newEnv(t, testutil.OpenDB(t, models.SQLite))
	e.user(models.RoleAdmin, "a@example.edu")
	e.user(models.RoleInstructor, "i@example.edu")
	e.user(models.RoleSupervisor, "v@example.edu")
	e.user(models.RoleStudent, "s@example.edu")
	set := firstSet(e)
	var setItem string
	for _, q := range e.app.lib.Questions {
		if q.SetID == set {
			setItem = q.ID
			break
		}
	}
	for _, tc := range []struct {
		email string
		pages []string
	}{
		{"a@example.edu", []string{"/admin/blueprint", "/admin"}},
		{"i@example.edu", []string{"/teach/sets/new", "/teach/sets/" + set, "/teach/questions/" + setItem, "/teach/questions/" + e.app.lib.Questions[0].ID + "/stats", "/teach/questions?topic=coding-case"}},
		{"v@example.edu", []string{"/supervise"}},
		{"s@example.edu", []string{"/coding/progress", "/practice/history", "/codes?q=diabetes"}},
	} {
		ctx := browser(t)
		browserLogin(t, ctx, e.srv.URL, tc.email)
		for _, p := range tc.pages {
			run(t, ctx, chromedp.Navigate(e.srv.URL+p), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
			checkA11y(t, ctx, p)
		}
	}
}
