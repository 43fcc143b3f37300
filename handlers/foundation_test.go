package handlers

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"chartroom/models"
)

func TestHealthz(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		expect(t, e.client().get("/healthz"), 200, "ok")
	})
}

func TestSecurityHeaders(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		r := e.client().get("/login")
		for h, want := range map[string]string{
			"Content-Security-Policy": "script-src 'self'",
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "same-origin",
		} {
			if !strings.Contains(r.Header.Get(h), want) {
				t.Errorf("%s = %q, want it to contain %q", h, r.Header.Get(h), want)
			}
		}
		if !strings.Contains(r.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Error("CSP lacks frame-ancestors 'none'")
		}
		if regexp.MustCompile(`<script>|<script [^>]*>[^<]`).MatchString(r.body) || strings.Contains(r.body, " onclick=") {
			t.Error("page has inline script")
		}
	})
}

func TestPasswordsAreBcryptAndPolicyApplies(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		u := e.user(models.RoleStudent, "hash@example.edu")
		if !strings.HasPrefix(u.PasswordHash, "$2a$") || strings.Contains(u.PasswordHash, testPassword) {
			t.Fatalf("password not stored as bcrypt: %q", u.PasswordHash)
		}
		admin, _ := e.loggedIn(models.RoleAdmin, "boss@example.edu")
		for pw, msg := range map[string]string{
			"short1!":        "at least 10 characters",
			"password123":    "too common",
			"qwertyuiop":     "too common",
			"aaaaaaaaaaaaaa": "too common",
		} {
			r := admin.post("/admin/users", url.Values{"name": {"New Person"}, "email": {"new@example.edu"}, "role": {"student"}, "password": {pw}})
			expect(t, r, http.StatusBadRequest, msg)
		}
		if n := count(t, e.db, "users", "email = ?", "new@example.edu"); n != 0 {
			t.Fatalf("a rejected password created an account")
		}
	})
}

func TestSessionCookieFlagsAndRotation(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.user(models.RoleStudent, "s@example.edu")
		c := e.client()
		r := c.get("/login")
		set := r.Header.Get("Set-Cookie")
		for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
			if !strings.Contains(set, want) {
				t.Errorf("cookie %q lacks %s", set, want)
			}
		}
		if strings.Contains(set, "Secure") {
			t.Errorf("cookie is Secure on plain HTTP without -secure-cookies: %q", set)
		}
		before := c.cookie(cookieName).Value
		c.login("s@example.edu", testPassword)
		after := c.cookie(cookieName).Value
		if before == after {
			t.Fatal("session was not rotated on login")
		}
		// The pre-login cookie is worthless now.
		old := e.client()
		u, _ := url.Parse(e.srv.URL)
		old.http.Jar.SetCookies(u, []*http.Cookie{{Name: cookieName, Value: before, Path: "/"}})
		expectRedirect(t, old.get("/dashboard"), "/login")
	})
	t.Run("secure", func(t *testing.T) {
		e := newEnv(t, openSQLite(t), func(c *Config) { c.SecureCookies = true })
		r := e.client().get("/login")
		if !strings.Contains(r.Header.Get("Set-Cookie"), "Secure") {
			t.Errorf("cookie not Secure with -secure-cookies: %q", r.Header.Get("Set-Cookie"))
		}
	})
}

func TestLogoutAndPasswordChangeRevokeSessions(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.user(models.RoleStudent, "s@example.edu")
		laptop := e.client().login("s@example.edu", testPassword)
		phone := e.client().login("s@example.edu", testPassword)
		stolen := laptop.cookie(cookieName).Value

		expectRedirect(t, laptop.post("/logout", nil), "/login")
		thief := e.client()
		u, _ := url.Parse(e.srv.URL)
		thief.http.Jar.SetCookies(u, []*http.Cookie{{Name: cookieName, Value: stolen, Path: "/"}})
		expectRedirect(t, thief.get("/dashboard"), "/login")

		// Changing the password on the phone signs out every other device.
		other := e.client().login("s@example.edu", testPassword)
		phone.get("/account")
		r := phone.post("/account/password", url.Values{"current": {testPassword}, "password": {"a whole new passphrase"}, "password2": {"a whole new passphrase"}})
		expectRedirect(t, r, "/account")
		expect(t, phone.get("/account"), 200, "Your password is changed")
		expectRedirect(t, other.get("/dashboard"), "/login")
		if n := count(t, e.db, "audit_log", "action = ?", "password.change"); n != 1 {
			t.Fatalf("password change audited %d times", n)
		}
		e.client().login("s@example.edu", "a whole new passphrase")
	})
}

func TestIdleAndAbsoluteTimeouts(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.user(models.RoleStudent, "s@example.edu")
		c := e.client().login("s@example.edu", testPassword)
		e.clock.Advance(e.app.cfg.SessionIdle + time.Minute)
		expectRedirect(t, c.get("/dashboard"), "/login")

		// Active all along, but past the absolute limit.
		c = e.client().login("s@example.edu", testPassword)
		for elapsed := time.Hour; elapsed < e.app.cfg.SessionMax; elapsed += time.Hour {
			e.clock.Advance(time.Hour)
			expect(t, c.get("/dashboard"), 200)
		}
		e.clock.Advance(time.Hour + time.Minute)
		expectRedirect(t, c.get("/dashboard"), "/login")
	})
}

func TestCSRF(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		c, _ := e.loggedIn(models.RoleInstructor, "i@example.edu")
		// No token: 403, and nothing is created.
		r := c.post("/teach/cohorts", url.Values{"csrf_token": {""}, "name": {"Sneaky"}, "required_hours": {"90"}})
		expect(t, r, http.StatusForbidden)
		// A wrong token: the same.
		r = c.post("/teach/cohorts", url.Values{"csrf_token": {"not-the-token"}, "name": {"Sneaky"}, "required_hours": {"90"}})
		expect(t, r, http.StatusForbidden)
		if n := count(t, e.db, "cohorts", ""); n != 0 {
			t.Fatalf("a POST without a valid token created %d cohorts", n)
		}
		// A cross-site browser request is refused by CrossOriginProtection
		// even with the right token.
		form := url.Values{"csrf_token": {c.csrf}, "name": {"Sneaky"}, "required_hours": {"90"}}
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/teach/cohorts", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		expect(t, c.do(req), http.StatusForbidden)
		if n := count(t, e.db, "cohorts", ""); n != 0 {
			t.Fatal("cross-site request created a cohort")
		}
		// With the token, it works.
		expectRedirect(t, c.post("/teach/cohorts", url.Values{"name": {"Real"}, "required_hours": {"90"}}), "/teach/cohorts/")
	})
}

func TestLoginThrottling(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.user(models.RoleStudent, "s@example.edu")
		c := e.client()
		c.get("/login")
		bad := url.Values{"email": {"s@example.edu"}, "password": {"wrong password!"}}
		for i := 0; i < models.FreeFailures; i++ {
			expect(t, c.post("/login", bad), http.StatusUnauthorized, loginFailed[:40])
		}
		// Locked: the right password fails with the same words.
		r := c.post("/login", url.Values{"email": {"s@example.edu"}, "password": {testPassword}})
		expect(t, r, http.StatusUnauthorized, loginFailed[:40])
		// An unknown address gets an identical answer.
		unknown := c.post("/login", url.Values{"email": {"nobody@example.edu"}, "password": {testPassword}})
		if unknown.StatusCode != r.StatusCode || stripDynamic(unknown.body) != stripDynamic(strings.Replace(r.body, "s@example.edu", "nobody@example.edu", 1)) {
			t.Error("the response for an unknown address differs from a locked one")
		}
		if n := count(t, e.db, "audit_log", "action = ?", "login.locked"); n < 1 {
			t.Error("lock not audited")
		}
		if n := count(t, e.db, "audit_log", "action = ? AND actor_email = ?", "login.failure", "s@example.edu"); n < models.FreeFailures {
			t.Errorf("%d failures audited", n)
		}
		// The lock lifts with time.
		e.clock.Advance(2 * time.Minute)
		e.client().login("s@example.edu", testPassword)
		if n := count(t, e.db, "audit_log", "action = ?", "login.success"); n != 1 {
			t.Errorf("success audited %d times", n)
		}
	})
	t.Run("per address", func(t *testing.T) {
		e := newEnv(t, openSQLite(t))
		c := e.client()
		c.get("/login")
		var last *resp
		for i := 0; i < 25; i++ {
			last = c.post("/login", url.Values{"email": {"user" + string(rune('a'+i)) + "@example.edu"}, "password": {"wrong password!"}})
		}
		expect(t, last, http.StatusTooManyRequests)
	})
}

// stripDynamic removes per-response values (tokens, ids) before comparing pages.
func stripDynamic(s string) string {
	return regexp.MustCompile(`value="[A-Za-z0-9_-]{30,}"|<code>[^<]*</code>`).ReplaceAllString(s, "")
}

func TestAuthorization(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		anon := e.client()
		for _, p := range []string{"/dashboard", "/admin", "/teach", "/supervise", "/practicum", "/admin/users"} {
			expectRedirect(t, anon.get(p), "/login?next=")
		}
		student, _ := e.loggedIn(models.RoleStudent, "s@example.edu")
		for _, p := range []string{"/admin", "/admin/users", "/admin/audit", "/teach", "/supervise"} {
			expect(t, student.get(p), http.StatusForbidden)
		}
		sup, _ := e.loggedIn(models.RoleSupervisor, "v@example.edu")
		for _, p := range []string{"/admin", "/teach", "/practicum"} {
			expect(t, sup.get(p), http.StatusForbidden)
		}
		expect(t, sup.get("/supervise"), 200)
		// An instructor cannot open another instructor's cohort, by guessing ids either.
		i1, _ := e.loggedIn(models.RoleInstructor, "i1@example.edu")
		i2, _ := e.loggedIn(models.RoleInstructor, "i2@example.edu")
		r := i1.post("/teach/cohorts", url.Values{"name": {"Mine"}, "required_hours": {"90"}})
		loc := r.Header.Get("Location")
		expect(t, i1.get(loc), 200, "Mine")
		expect(t, i2.get(loc), http.StatusNotFound)
		expect(t, i2.post(loc+"/code", nil), http.StatusNotFound)
	})
}

func TestNoOpenRedirect(t *testing.T) {
	for in, want := range map[string]string{
		"/practice":              "/practice",
		"/attempts/3?item=2":     "/attempts/3?item=2",
		"//evil.example/x":       "/dashboard",
		"https://evil.example/":  "/dashboard",
		"/\\evil.example":        "/dashboard",
		"javascript:alert(1)":    "/dashboard",
		"":                       "/dashboard",
		"/ok\r\nSet-Cookie: x=y": "/dashboard",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
	eachEnv(t, func(t *testing.T, e *env) {
		e.user(models.RoleStudent, "s@example.edu")
		c := e.client()
		c.get("/login?next=//evil.example")
		r := c.post("/login", url.Values{"email": {"s@example.edu"}, "password": {testPassword}, "next": {"//evil.example"}})
		expectRedirect(t, r, "/dashboard")
	})
}

func TestSetupLinkCreatesFirstAdminOnce(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		raw, err := models.IssueSetupLink(context.Background(), e.db, e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		c := e.client()
		expect(t, c.get("/setup?token="+raw), 200, "Create the first administrator")
		form := url.Values{"token": {raw}, "name": {"First Admin"}, "email": {"first@example.edu"}, "password": {testPassword}, "password2": {testPassword}}
		expectRedirect(t, c.post("/setup", form), "/admin")
		expect(t, c.get("/admin"), 200)
		// The link is spent.
		other := e.client()
		expect(t, other.get("/setup?token="+raw), http.StatusNotFound)
		form.Set("email", "second@example.edu")
		other.get("/login")
		expect(t, other.post("/setup", form), http.StatusNotFound)
		if n := count(t, e.db, "users", "role = ?", "admin"); n != 1 {
			t.Fatalf("%d admins", n)
		}
	})
}

func TestAdminResetLinkWorksOnceAndExpires(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		admin, _ := e.loggedIn(models.RoleAdmin, "a@example.edu")
		s := e.user(models.RoleStudent, "s@example.edu")
		victimSession := e.client().login("s@example.edu", testPassword)
		link := func() string {
			r := admin.post("/admin/users/"+itoa(s.ID)+"/reset", nil)
			expect(t, r, 200, "/reset/")
			return regexp.MustCompile(`/reset/[A-Za-z0-9_-]+`).FindString(r.body)
		}
		path := link()
		c := e.client()
		expect(t, c.get(path), 200, "Choose a new password")
		expectRedirect(t, c.post(path, url.Values{"password": {"brand new secret phrase"}, "password2": {"brand new secret phrase"}}), "/login")
		e.client().login("s@example.edu", "brand new secret phrase")
		expectRedirect(t, victimSession.get("/dashboard"), "/login") // sessions revoked
		expect(t, e.client().get(path), http.StatusNotFound)         // used once
		// A fresh link expires after 24 hours.
		path = link()
		e.clock.Advance(resetTTL + time.Minute)
		expect(t, e.client().get(path), http.StatusNotFound)
		for _, a := range []string{"password.reset.issue", "password.reset.use"} {
			if count(t, e.db, "audit_log", "action = ?", a) == 0 {
				t.Errorf("%s not audited", a)
			}
		}
	})
}

func TestAdminManagesUsers(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		admin, me := e.loggedIn(models.RoleAdmin, "a@example.edu")
		s := e.user(models.RoleStudent, "student.one@example.edu")
		expect(t, admin.get("/admin/users?q=student.one"), 200, "student.one@example.edu")
		expectRedirect(t, admin.post("/admin/users/"+itoa(s.ID)+"/role", url.Values{"role": {"instructor"}}), "/admin/users/")
		u, _ := e.db.UserByID(context.Background(), s.ID)
		if u.Role != models.RoleInstructor {
			t.Fatalf("role = %s", u.Role)
		}
		victim := e.client().login("student.one@example.edu", testPassword)
		expectRedirect(t, admin.post("/admin/users/"+itoa(s.ID)+"/disable", nil), "/admin/users/")
		expectRedirect(t, victim.get("/dashboard"), "/login")
		r := e.client()
		r.get("/login")
		expect(t, r.post("/login", url.Values{"email": {"student.one@example.edu"}, "password": {testPassword}}), http.StatusUnauthorized)
		expectRedirect(t, admin.post("/admin/users/"+itoa(s.ID)+"/enable", nil), "/admin/users/")
		e.client().login("student.one@example.edu", testPassword)
		// An admin cannot lock themselves out.
		admin.post("/admin/users/"+itoa(me.ID)+"/disable", nil)
		expect(t, admin.get("/admin"), 200)
		for _, a := range []string{"user.role", "user.disable", "user.enable"} {
			if count(t, e.db, "audit_log", "action = ?", a) != 1 {
				t.Errorf("%s not audited once", a)
			}
		}
	})
}

func TestAuditLogIsAppendOnlyFilterableAndExports(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		admin, _ := e.loggedIn(models.RoleAdmin, "a@example.edu")
		e.user(models.RoleStudent, "s@example.edu")
		e.client().login("s@example.edu", testPassword)
		// The database itself refuses to change or delete audit rows.
		ctx := context.Background()
		err := e.db.Write(ctx, func(tx *gorm.DB) error { return tx.Exec("UPDATE audit_log SET action = 'x'").Error })
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Fatalf("UPDATE audit_log: %v", err)
		}
		err = e.db.Write(ctx, func(tx *gorm.DB) error { return tx.Exec("DELETE FROM audit_log").Error })
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Fatalf("DELETE audit_log: %v", err)
		}
		r := admin.get("/admin/audit?action=login.success&actor=s%40example")
		expect(t, r, 200, "s@example.edu")
		if strings.Contains(r.body, "a@example.edu</td>") {
			t.Error("filter by actor shows other actors")
		}
		csvResp := admin.get("/admin/audit.csv?action=login.success")
		expect(t, csvResp, 200)
		rows, err := csv.NewReader(strings.NewReader(csvResp.body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 || rows[0][4] != "action" || rows[1][4] != "login.success" {
			t.Fatalf("csv rows: %v", rows)
		}
	})
}

func TestRegisterWithJoinCode(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		inst, _ := e.loggedIn(models.RoleInstructor, "i@example.edu")
		inst.post("/teach/cohorts", url.Values{"name": {"HIT 101"}, "required_hours": {"90"}})
		var co models.Cohort
		e.db.R.First(&co)
		c := e.client()
		c.get("/register")
		form := url.Values{"name": {"New Student"}, "email": {"new@example.edu"}, "password": {testPassword}, "password2": {testPassword}, "join_code": {"WRONG-CODE"}}
		expect(t, c.post("/register", form), http.StatusBadRequest, "no open cohort has this join code")
		if count(t, e.db, "users", "email = ?", "new@example.edu") != 0 {
			t.Fatal("a bad join code still created the account")
		}
		form.Set("join_code", strings.ToLower(strings.ReplaceAll(co.JoinCode, "-", " ")))
		expectRedirect(t, c.post("/register", form), "/dashboard")
		expect(t, c.get("/dashboard"), 200, "HIT 101")
		expect(t, inst.get("/teach/cohorts/"+itoa(co.ID)), 200, "new@example.edu")
		// Without a code registration is closed unless an admin opens it.
		d := e.client()
		d.get("/register")
		form = url.Values{"name": {"Walk In"}, "email": {"walkin@example.edu"}, "password": {testPassword}, "password2": {testPassword}}
		expect(t, d.post("/register", form), http.StatusBadRequest, "join code")
		admin, _ := e.loggedIn(models.RoleAdmin, "a@example.edu")
		admin.get("/admin/settings")
		expectRedirect(t, admin.post("/admin/settings", url.Values{"open_registration": {"1"}}), "/admin/settings")
		expectRedirect(t, d.post("/register", form), "/dashboard")
	})
}

func TestCohortCodeAndRoster(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		inst, _ := e.loggedIn(models.RoleInstructor, "i@example.edu")
		r := inst.post("/teach/cohorts", url.Values{"name": {"HIT 101"}, "term": {"Fall"}, "required_hours": {"0"}})
		expect(t, r, http.StatusBadRequest, "required practicum hours")
		r = inst.post("/teach/cohorts", url.Values{"name": {"HIT 101"}, "term": {"Fall"}, "required_hours": {"90"}})
		loc := r.Header.Get("Location")
		var co models.Cohort
		e.db.R.First(&co)
		student, su := e.loggedIn(models.RoleStudent, "s@example.edu")
		student.get("/account")
		expectRedirect(t, student.post("/account/join", url.Values{"join_code": {co.JoinCode}}), "/account")
		old := co.JoinCode
		expectRedirect(t, inst.post(loc+"/code", nil), loc)
		e.db.R.First(&co)
		if co.JoinCode == old {
			t.Fatal("join code unchanged")
		}
		other, _ := e.loggedIn(models.RoleStudent, "late@example.edu")
		other.get("/account")
		expect(t, other.post("/account/join", url.Values{"join_code": {old}}), http.StatusBadRequest, "no open cohort")
		expectRedirect(t, inst.post(loc+"/remove", url.Values{"user_id": {itoa(su.ID)}}), loc)
		if ok, _ := e.db.IsMember(context.Background(), co.ID, su.ID); ok {
			t.Fatal("student still in cohort")
		}
	})
}

func TestPlacementCreation(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		inst, _ := e.loggedIn(models.RoleInstructor, "i@example.edu")
		sup := e.user(models.RoleSupervisor, "v@example.edu")
		stu := e.user(models.RoleStudent, "s@example.edu")
		outsider := e.user(models.RoleStudent, "o@example.edu")
		inst.post("/teach/cohorts", url.Values{"name": {"HIT 101"}, "required_hours": {"80"}})
		var co models.Cohort
		e.db.R.First(&co)
		e.db.Write(context.Background(), func(tx *gorm.DB) error {
			return tx.Create(&models.CohortMember{CohortID: co.ID, UserID: stu.ID, JoinedAt: time.Now()}).Error
		})
		inst.get("/teach/placements/new")
		form := url.Values{"cohort_id": {itoa(co.ID)}, "student_id": {itoa(stu.ID)}, "supervisor_id": {itoa(sup.ID)},
			"site_name": {"Example Hospital"}, "start_date": {"2026-09-01"}, "end_date": {"2026-08-01"}, "required_hours": {"0"}, "virtual_cap_hours": {"10"}}
		expect(t, inst.post("/teach/placements", form), http.StatusBadRequest, "the end date is before the start date")
		form.Set("end_date", "2026-12-15")
		form.Set("student_id", itoa(outsider.ID))
		expect(t, inst.post("/teach/placements", form), http.StatusBadRequest, "one of its students")
		form.Set("student_id", itoa(stu.ID))
		expectRedirect(t, inst.post("/teach/placements", form), "/teach/cohorts/")
		var p models.Placement
		e.db.R.First(&p)
		if p.RequiredHours != 80 || p.VirtualCapHours != 10 {
			t.Fatalf("placement hours %d/%d, want the cohort's 80 and cap 10", p.RequiredHours, p.VirtualCapHours)
		}
		supC := e.client().login("v@example.edu", testPassword)
		expect(t, supC.get("/supervise"), 200, "Example Hospital")
		stuC := e.client().login("s@example.edu", testPassword)
		expectRedirect(t, stuC.get("/practicum"), "/practicum/")
		expect(t, stuC.get(fmt.Sprintf("/practicum/%d", p.ID)), 200, "Example Hospital")
	})
}

func itoa[T ~int | ~int64](n T) string { return strconvI(int64(n)) }
