package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"chartroom/content"
	"chartroom/internal/testutil"
	"chartroom/models"
)

var (
	libOnce sync.Once
	lib     *content.Library
	libErr  error
)

// testLibrary loads the curriculum once per test binary: the embedded
// content, or the directory in CHARTROOM_TEST_CONTENT (for authors).
func testLibrary(t testing.TB) *content.Library {
	t.Helper()
	libOnce.Do(func() {
		if dir := os.Getenv("CHARTROOM_TEST_CONTENT"); dir != "" {
			lib, libErr = content.Load(os.DirFS(dir))
			return
		}
		lib, libErr = content.Load(content.Files)
	})
	if libErr != nil {
		t.Fatal(libErr)
	}
	return lib
}

func openSQLite(t *testing.T) *models.DB { return testutil.OpenDB(t, models.SQLite) }

func strconvI(n int64) string { return strconv.FormatInt(n, 10) }

// clock is a test clock the app reads.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is one app on one database, served by httptest.
type env struct {
	t     *testing.T
	db    *models.DB
	app   *App
	srv   *httptest.Server
	clock *clock
}

func newEnv(t *testing.T, db *models.DB, mutate ...func(*Config)) *env {
	t.Helper()
	lib := testLibrary(t)
	ck := &clock{t: time.Now().UTC()}
	cfg := Config{Now: ck.Now}
	for _, m := range mutate {
		m(&cfg)
	}
	if err := models.Prepare(context.Background(), db, lib); err != nil {
		t.Fatal(err)
	}
	app, err := New(context.Background(), db, lib, testutil.Quiet(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(srv.Close)
	return &env{t: t, db: db, app: app, srv: srv, clock: ck}
}

// eachEnv runs fn on SQLite and (when configured) PostgreSQL.
func eachEnv(t *testing.T, fn func(t *testing.T, e *env)) {
	testutil.EachDB(t, func(t *testing.T, db *models.DB) { fn(t, newEnv(t, db)) })
}

// user creates an account directly.
func (e *env) user(role models.Role, email string) *models.User {
	e.t.Helper()
	var u *models.User
	err := e.db.Write(context.Background(), func(tx *gorm.DB) error {
		var err error
		u, err = models.CreateUser(tx, models.NewUser{Email: email, Name: strings.Split(email, "@")[0] + " Tester", Role: role, Password: testPassword})
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

const testPassword = "correct horse battery staple"

// client is a browser-like HTTP client with a cookie jar that does not
// follow redirects and remembers the last CSRF token it saw.
type client struct {
	t    *testing.T
	e    *env
	http *http.Client
	csrf string
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: e.t, e: e, http: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}}
}

type resp struct {
	*http.Response
	body string
}

var csrfPattern = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func (c *client) do(req *http.Request) *resp {
	c.t.Helper()
	r, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	if m := csrfPattern.FindSubmatch(b); m != nil {
		c.csrf = string(m[1])
	}
	return &resp{r, string(b)}
}

func (c *client) get(path string) *resp {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.e.srv.URL+path, nil)
	return c.do(req)
}

// post submits a form, adding the remembered CSRF token unless the form
// sets csrf_token itself.
func (c *client) post(path string, form url.Values) *resp {
	c.t.Helper()
	copied := url.Values{}
	for k, v := range form {
		copied[k] = append([]string(nil), v...)
	}
	form = copied
	if _, ok := form["csrf_token"]; !ok {
		if c.csrf == "" {
			c.get("/login")
		}
		form.Set("csrf_token", c.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, c.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// login signs in and fails the test if it does not reach the dashboard.
func (c *client) login(email, pw string) *client {
	c.t.Helper()
	c.get("/login")
	r := c.post("/login", url.Values{"email": {email}, "password": {pw}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/dashboard" {
		c.t.Fatalf("login %s: %d %s", email, r.StatusCode, r.Header.Get("Location"))
	}
	c.get("/dashboard")
	return c
}

func (e *env) loggedIn(role models.Role, email string) (*client, *models.User) {
	u := e.user(role, email)
	return e.client().login(email, testPassword), u
}

func (c *client) cookie(name string) *http.Cookie {
	u, _ := url.Parse(c.e.srv.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

func expect(t *testing.T, r *resp, status int, contains ...string) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d\n%.600s", r.Request.Method, r.Request.URL.Path, r.StatusCode, status, r.body)
	}
	for _, s := range contains {
		if !strings.Contains(r.body, s) {
			t.Fatalf("%s %s: body lacks %q\n%.1500s", r.Request.Method, r.Request.URL.Path, s, r.body)
		}
	}
}

func expectRedirect(t *testing.T, r *resp, to string) {
	t.Helper()
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), to) {
		t.Fatalf("%s %s: %d to %q, want 303 to %q\n%.500s", r.Request.Method, r.Request.URL.Path, r.StatusCode, r.Header.Get("Location"), to, r.body)
	}
}

func count(t *testing.T, db *models.DB, table, where string, args ...any) int64 {
	t.Helper()
	var n int64
	q := db.R.Table(table)
	if where != "" {
		q = q.Where(where, args...)
	}
	if err := q.Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func ctxT() context.Context { return context.Background() }

// logBuffer collects an app's log (JSON lines); safe to write from the
// server's goroutines while a test reads it.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitFor returns the log once it contains every one of subs (the request
// line is written as the handler returns, which may be just after the
// client has its response), failing the test after a few seconds.
func (l *logBuffer) waitFor(t *testing.T, subs ...string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s := l.String()
		missing := ""
		for _, sub := range subs {
			if !strings.Contains(s, sub) {
				missing = sub
				break
			}
		}
		if missing == "" {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("log lacks %q:\n%s", missing, s)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// newEnvLogged is newEnv with the app's log captured (JSON lines) and
// extra, test-only routes (a handler that panics, say) added to the router
// before the server starts; they get the global middleware like any route.
func newEnvLogged(t *testing.T, db *models.DB, extra func(a *App, r *gin.Engine)) (*env, *logBuffer) {
	t.Helper()
	lib := testLibrary(t)
	ck := &clock{t: time.Now().UTC()}
	if err := models.Prepare(context.Background(), db, lib); err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	app, err := New(context.Background(), db, lib, slog.New(slog.NewJSONHandler(logs, nil)), Config{Now: ck.Now})
	if err != nil {
		t.Fatal(err)
	}
	if extra != nil {
		extra(app, app.engine)
	}
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(srv.Close)
	return &env{t: t, db: db, app: app, srv: srv, clock: ck}, logs
}
