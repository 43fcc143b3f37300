package handlers

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"chartroom/internal/testutil"
	"chartroom/models"
)

// The request log names the route, not the path: a password-reset link's
// token (and anything token-like in an unknown path) never reaches the log.
func TestFoundationRequestLogOmitsResetToken(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *models.DB) {
		e, logs := newEnvLogged(t, db, nil)
		admin, _ := e.loggedIn(models.RoleAdmin, "a@example.edu")
		s := e.user(models.RoleStudent, "s@example.edu")
		r := admin.post("/admin/users/"+itoa(s.ID)+"/reset", nil)
		expect(t, r, 200, "/reset/")
		token := regexp.MustCompile(`/reset/([A-Za-z0-9_-]+)`).FindStringSubmatch(r.body)[1]

		c := e.client()
		expect(t, c.get("/reset/"+token), 200, "Choose a new password")
		expectRedirect(t, c.post("/reset/"+token, url.Values{"password": {"brand new secret phrase"}, "password2": {"brand new secret phrase"}}), "/login")
		expect(t, c.get("/reset/"+token+"/oops"), http.StatusNotFound) // a mangled link: no route
		expect(t, c.get("/setup?token="+token), http.StatusNotFound)

		log := logs.waitFor(t, `"method":"POST","path":"/reset/:token","status":303`, `"path":"/reset/REDACTED/oops","status":404`, `"path":"/setup","status":404`)
		if strings.Contains(log, token) {
			t.Fatalf("the reset token is in the log:\n%s", log)
		}
	})
	for in, want := range map[string]string{
		"/learn/03-icd-10-cm-coding-conventions/02-sequencing-rules": "/learn/03-icd-10-cm-coding-conventions/02-sequencing-rules",
		"/reset/Ab3_xYz-0123456789abcdefGH/x":                        "/reset/REDACTED/x",
		"/reset/abcdefghijklmnopqrstuvwxyz0123456789_":               "/reset/REDACTED",
	} {
		if got := redactPath(in); got != want {
			t.Errorf("redactPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// A panic in a handler becomes the friendly 500 page with the request id
// the log line carries. The panicking route exists only in this test.
func TestFoundationErrorPanicShowsFriendly500WithRequestID(t *testing.T) {
	e, logs := newEnvLogged(t, openSQLite(t), func(a *App, r *gin.Engine) {
		r.GET("/test/panic", a.loadSession, func(*gin.Context) { panic("forced by the test") })
	})
	r := e.client().get("/test/panic")
	expect(t, r, http.StatusInternalServerError, "Something went wrong", "Reference: <code>")
	id := r.Header.Get("X-Request-Id")
	if id == "" || !strings.Contains(r.body, "<code>"+id+"</code>") {
		t.Fatalf("the 500 page does not show the request id %q", id)
	}
	if !strings.Contains(r.Header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Error("the 500 page lacks the security headers")
	}
	logs.waitFor(t, `"msg":"panic","request_id":"`+id+`"`, `"request_id":"`+id+`","method":"GET","path":"/test/panic","status":500`)
}

// An unknown address gets the friendly 404 page, with the layout and
// headers of every page (and, signed in, the signed-in layout).
func TestFoundationErrorUnknownRouteIs404Page(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	r := e.client().get("/no/such/page")
	expect(t, r, http.StatusNotFound, "Page not found", "<main", `<a href="/login">Sign in</a>`)
	if !strings.Contains(r.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") || r.Header.Get("X-Request-Id") == "" {
		t.Errorf("404 headers: %v", r.Header)
	}
	c, _ := e.loggedIn(models.RoleStudent, "s@example.edu")
	expect(t, c.get("/learn/no-such-module/at-all/really"), http.StatusNotFound, "Page not found", "Go to your dashboard")
}

// A cross-site browser request is refused with the friendly 403 page, the
// security headers and a request log line.
func TestFoundationCrossOriginRefusalIsFriendlyPage(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *models.DB) {
		e, logs := newEnvLogged(t, db, nil)
		c, _ := e.loggedIn(models.RoleInstructor, "i@example.edu")
		for name, set := range map[string]func(*http.Request){
			"sec-fetch-site": func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") },
			"origin":         func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") },
		} {
			form := url.Values{"csrf_token": {c.csrf}, "name": {"Sneaky"}, "required_hours": {"90"}}
			req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/teach/cohorts", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			set(req)
			r := c.do(req)
			expect(t, r, http.StatusForbidden, "<h1>Not for your account</h1>", "came from another site")
			if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") ||
				!strings.Contains(r.Header.Get("Content-Security-Policy"), "script-src 'self'") ||
				r.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s: refusal headers %v", name, r.Header)
			}
			id := r.Header.Get("X-Request-Id")
			if id == "" {
				t.Fatalf("%s: no request id", name)
			}
			logs.waitFor(t, `"msg":"cross-origin request refused"`, `"request_id":"`+id+`","method":"POST","path":"/teach/cohorts","status":403`)
		}
		if n := count(t, e.db, "cohorts", ""); n != 0 {
			t.Fatal("a cross-site request created a cohort")
		}
	})
}

// The per-address sign-in counter is in the database: failures on one
// instance pause the address on another, the pause is audited once however
// long an attacker keeps trying, it lifts after the window, and the sweep
// prunes rows that no longer hold anything back.
func TestLoginThrottlePerIPIsSharedAuditedOnceAndSwept(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *models.DB) {
		one, two := newEnv(t, db), newEnv(t, db)
		one.user(models.RoleStudent, "s@example.edu")
		one.user(models.RoleStudent, "t@example.edu") // guessed at (a real account: cheap bcrypt in tests)
		c1, c2 := one.client(), two.client()
		c1.get("/login")
		c2.get("/login")
		for range models.IPFreeFailures {
			r := c1.post("/login", url.Values{"email": {"t@example.edu"}, "password": {"wrong password!"}})
			expect(t, r, http.StatusUnauthorized)
		}
		// The other instance refuses the address, even the right password.
		right := url.Values{"email": {"s@example.edu"}, "password": {testPassword}}
		expect(t, c2.post("/login", right), http.StatusTooManyRequests, loginFailed[:40])
		for range 5 {
			expect(t, c1.post("/login", url.Values{"email": {"t@example.edu"}, "password": {"guess guess guess"}}), http.StatusTooManyRequests)
			expect(t, c2.post("/login", right), http.StatusTooManyRequests)
		}
		if n := count(t, db, "audit_log", "action = ? AND ip = ? AND target_id = ?", "login.throttled", "127.0.0.1", "127.0.0.1"); n != 1 {
			t.Fatalf("login.throttled audited %d times, want once per pause", n)
		}
		// The pause lifts.
		for _, e := range []*env{one, two} {
			e.clock.Advance(models.IPLockWindow + time.Second)
		}
		expectRedirect(t, c2.post("/login", right), "/dashboard")

		// The sweep keeps what still matters and prunes the rest.
		if n := count(t, db, "login_throttle", "key = ?", "ip:127.0.0.1"); n != 1 {
			t.Fatalf("%d ip rows before the sweep", n)
		}
		one.clock.Advance(2 * time.Hour)
		one.app.sweep(ctxT())
		if n := count(t, db, "login_throttle", "key LIKE ?", "ip:%"); n != 0 {
			t.Errorf("%d stale ip rows after the sweep", n)
		}
		if n := count(t, db, "login_throttle", "key = ?", "email:t@example.edu"); n != 1 {
			t.Errorf("%d rows for t@example.edu after an hour's sweep, want it kept for a day", n)
		}
		one.clock.Advance(24 * time.Hour)
		one.app.sweep(ctxT())
		if n := count(t, db, "login_throttle", ""); n != 0 {
			t.Errorf("%d stale rows after a quiet day", n)
		}
	})
}

// A wrong current password on the account page counts against the
// account's sign-in lock and is audited; once locked, even the right one
// is refused until the lock lifts.
func TestPasswordChangeWrongCurrentIsThrottledAndAudited(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		c, u := e.loggedIn(models.RoleStudent, "s@example.edu")
		c.get("/account")
		change := func(current string) *resp {
			return c.post("/account/password", url.Values{"current": {current}, "password": {"a whole new passphrase"}, "password2": {"a whole new passphrase"}})
		}
		for range models.FreeFailures {
			expect(t, change("not my password"), http.StatusBadRequest, "your current password is not right")
		}
		if n := count(t, e.db, "audit_log", "action = ? AND actor_id = ? AND detail = ?", "login.failure", u.ID, "wrong current password (password change)"); n != models.FreeFailures {
			t.Fatalf("%d wrong current passwords audited, want %d", n, models.FreeFailures)
		}
		if n := count(t, e.db, "audit_log", "action = ? AND actor_id = ?", "login.locked", u.ID); n != 1 {
			t.Fatalf("lock audited %d times", n)
		}
		expect(t, change(testPassword), http.StatusBadRequest, "wait a few minutes")
		if n := count(t, e.db, "audit_log", "action = ?", "password.change"); n != 0 {
			t.Fatal("a locked account changed its password")
		}
		// The same lock guards the sign-in form.
		other := e.client()
		other.get("/login")
		expect(t, other.post("/login", url.Values{"email": {"s@example.edu"}, "password": {testPassword}}), http.StatusUnauthorized)
		e.clock.Advance(2 * time.Minute)
		expectRedirect(t, change(testPassword), "/account")
	})
}

// Changing the e-mail needs the current password, follows the same address
// rule as registration, and is audited; a name alone needs no password.
func TestProfileEmailChangeNeedsPasswordValidatesAndAudits(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		c, u := e.loggedIn(models.RoleStudent, "s@example.edu")
		expect(t, c.get("/account"), 200, `name="email_password"`)
		profile := func(name, email, pw string) *resp {
			return c.post("/account/profile", url.Values{"name": {name}, "email": {email}, "email_password": {pw}})
		}
		email := func() string {
			got, err := e.db.UserByID(ctxT(), u.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got.Email
		}
		expect(t, profile("S Tester", "thief@example.edu", ""), http.StatusBadRequest, "your current password is not right")
		expect(t, profile("S Tester", "thief@example.edu", "wrong password!"), http.StatusBadRequest, "your current password is not right")
		if email() != "s@example.edu" {
			t.Fatal("the e-mail changed without the password")
		}
		if n := count(t, e.db, "audit_log", "action = ? AND actor_id = ? AND detail = ?", "login.failure", u.ID, "wrong current password (e-mail change)"); n != 2 {
			t.Fatalf("%d wrong passwords audited", n)
		}
		// Registration refuses an address without a dot in its domain; so
		// does the profile.
		expect(t, e.client().post("/register", url.Values{"name": {"X"}, "email": {"x@localhost"}, "password": {testPassword}, "password2": {testPassword}, "join_code": {"ANY"}}),
			http.StatusBadRequest, "enter an e-mail address such as name@example.edu")
		expect(t, profile("S Tester", "s@localhost", testPassword), http.StatusBadRequest, "enter an e-mail address such as name@example.edu")
		if email() != "s@example.edu" {
			t.Fatal("an invalid address was saved")
		}
		expectRedirect(t, profile("S Tester", " New@Example.edu ", testPassword), "/account")
		if email() != "new@example.edu" {
			t.Fatalf("e-mail = %q", email())
		}
		if n := count(t, e.db, "audit_log", "action = ? AND actor_id = ? AND target_id = ? AND detail = ?", "user.email_changed", u.ID, itoa(u.ID), "s@example.edu -> new@example.edu"); n != 1 {
			t.Fatalf("e-mail change audited %d times", n)
		}
		// A new name alone needs no password.
		expectRedirect(t, profile("Renamed Tester", "new@example.edu", ""), "/account")
		expect(t, c.get("/account"), 200, "Renamed Tester")
	})
}

// An admin's page about a@x.edu shows that account's rows (by it, or about
// it), not those of ba@x.edu, whose address merely contains it.
func TestAdminUserPageShowsOnlyThatUsersAuditRows(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		admin, _ := e.loggedIn(models.RoleAdmin, "boss@x.edu")
		target := e.user(models.RoleStudent, "a@x.edu")
		e.user(models.RoleStudent, "ba@x.edu")
		e.client().login("a@x.edu", testPassword)
		e.client().login("ba@x.edu", testPassword)
		expectRedirect(t, admin.post("/admin/users/"+itoa(target.ID)+"/role", url.Values{"role": {"instructor"}}), "/admin/users/")
		r := admin.get("/admin/users/" + itoa(target.ID))
		expect(t, r, 200, "login.success", "user.role", "a@x.edu: student -&gt; instructor")
		if strings.Contains(r.body, "ba@x.edu") {
			t.Fatal("a@x.edu's page shows ba@x.edu's rows")
		}
	})
}

// Reset tokens and audit rows follow the app's clock (tests move it; the
// wall clock would make this link expired on arrival).
func TestAuditAndTokensFollowAppClock(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		s := e.user(models.RoleStudent, "s@example.edu")
		e.clock.Advance(72 * time.Hour)
		admin, _ := e.loggedIn(models.RoleAdmin, "a@example.edu")
		r := admin.post("/admin/users/"+itoa(s.ID)+"/reset", nil)
		expect(t, r, 200, "/reset/")
		path := regexp.MustCompile(`/reset/[A-Za-z0-9_-]+`).FindString(r.body)
		expect(t, e.client().get(path), 200, "Choose a new password")
		var tok models.Token
		if err := e.db.R.Where("kind = ?", models.TokenReset).First(&tok).Error; err != nil {
			t.Fatal(err)
		}
		if d := tok.CreatedAt.Sub(e.clock.Now()); d < -time.Minute || d > time.Minute {
			t.Errorf("token created at %v, app clock says %v", tok.CreatedAt, e.clock.Now())
		}
		for _, action := range []string{"login.success", "password.reset.issue"} {
			var row models.AuditEntry
			if err := e.db.R.Where("action = ?", action).First(&row).Error; err != nil {
				t.Fatal(err)
			}
			if d := row.At.Sub(e.clock.Now()); d < -time.Minute || d > time.Minute {
				t.Errorf("%s audited at %v, app clock says %v", action, row.At, e.clock.Now())
			}
		}
	})
}
