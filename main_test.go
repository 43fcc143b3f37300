package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"chartroom/content"
	"chartroom/internal/testutil"
	"chartroom/models"
)

// The demo data is made through the app's own model functions; seeding a
// fresh database works on both databases and a second run changes nothing.
func TestDemoSeedsOnceOnEachDatabase(t *testing.T) {
	lib, err := content.Load(content.Files)
	if err != nil {
		t.Fatal(err)
	}
	testutil.EachDB(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		if err := models.Prepare(ctx, db, lib); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			if err := seedDemo(ctx, db, lib, testutil.Quiet()); err != nil {
				t.Fatalf("seed %d: %v", i+1, err)
			}
		}
		var attempts, quizzes, stats int64
		db.R.Table("attempts").Count(&attempts)
		db.R.Table("quizzes").Count(&quizzes)
		db.R.Table("quiz_stats").Count(&stats)
		if attempts != 5 || quizzes != 1 || stats != 1 {
			t.Fatalf("demo has %d attempts, %d quizzes, %d analyses", attempts, quizzes, stats)
		}
	})
}

// syncBuffer is an io.Writer the server writes from its goroutines while
// the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// server is `chartroom serve` run through run(), on a free port.
type server struct {
	url    string // http://127.0.0.1:port
	stderr *syncBuffer
	stop   func() error // cancel (as SIGTERM would) and wait for run to return
}

func startServe(t *testing.T, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"-addr", "127.0.0.1:0", "-sqlite-synchronous", "NORMAL"}, args...), io.Discard, stderr)
	}()
	stopped := false
	var runErr error
	stop := func() error {
		if !stopped {
			stopped = true
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(60 * time.Second):
				t.Fatal("run did not return after its context ended")
			}
		}
		return runErr
	}
	t.Cleanup(func() { stop() })
	addr := regexp.MustCompile(`chartroom listening.*(http://127\.0\.0\.1:\d+)`)
	deadline := time.Now().Add(90 * time.Second)
	for {
		if m := addr.FindStringSubmatch(stderr.String()); m != nil {
			return &server{url: m[1], stderr: stderr, stop: stop}
		}
		select {
		case err := <-done:
			t.Fatalf("run returned before listening: %v\n%s", err, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not start:\n%s", stderr.String())
		}
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	r, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return r.StatusCode, string(b)
}

// On an empty database the server prints a one-time setup link that works.
func TestServePrintsSetupLinkOnEmptyDatabase(t *testing.T) {
	s := startServe(t, "-db", filepath.Join(t.TempDir(), "chartroom.db"))
	m := regexp.MustCompile(`(?m)^  Set up Chartroom: (http://127\.0\.0\.1:\d+/setup\?token=[A-Za-z0-9_-]+)$`).FindStringSubmatch(s.stderr.String())
	if m == nil {
		t.Fatalf("no setup link printed:\n%s", s.stderr.String())
	}
	if status, body := get(t, m[1]); status != http.StatusOK || !strings.Contains(body, "Create the first administrator") {
		t.Fatalf("setup link: %d\n%.300s", status, body)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
}

// With -log-format json every line on stderr is a JSON record: the setup
// link is one (not a bare line), and so is each request.
func TestServeLogFormatJSON(t *testing.T) {
	s := startServe(t, "-db", filepath.Join(t.TempDir(), "chartroom.db"), "-log-format", "json")
	if status, _ := get(t, s.url+"/healthz"); status != http.StatusOK {
		t.Fatalf("healthz %d", status)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	var setup, request, shutdown bool
	for _, line := range strings.Split(strings.TrimSpace(s.stderr.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not a JSON line: %q", line)
		}
		if u, _ := rec["url"].(string); strings.Contains(u, "/setup?token=") {
			setup = true
		}
		if rec["msg"] == "request" && rec["path"] == "/healthz" && rec["status"] == float64(200) && rec["request_id"] != nil {
			request = true
		}
		shutdown = shutdown || rec["msg"] == "shutting down"
	}
	if !setup || !request || !shutdown {
		t.Fatalf("setup link logged %v, request logged %v, shutdown logged %v:\n%s", setup, request, shutdown, s.stderr.String())
	}
}

// `user create` makes an account (so no setup link is printed), and
// `backup` copies the database while the server runs: the copy opens and
// has the account.
func TestUserCreateAndBackup(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "chartroom.db")
	t.Setenv("CHARTROOM_PASSWORD", "a long and unusual passphrase")
	var out strings.Builder
	err := run(context.Background(), []string{"user", "create", "-db", dbPath, "--role", "admin", "--email", "Root@Example.edu", "--name", "Root Admin"}, &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "created admin root@example.edu") {
		t.Fatalf("user create printed %q", out.String())
	}
	s := startServe(t, "-db", dbPath)
	if strings.Contains(s.stderr.String(), "/setup?token=") {
		t.Fatalf("a setup link with an account present:\n%s", s.stderr.String())
	}
	copyPath := filepath.Join(dir, "copy.db")
	out.Reset()
	if err := run(context.Background(), []string{"backup", "-db", dbPath, copyPath}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"backup", "-db", dbPath, copyPath}, io.Discard, io.Discard); err == nil {
		t.Fatal("backup overwrote an existing file")
	}
	cp, err := models.Open(copyPath, models.Options{Logger: testutil.Quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	u, err := cp.UserByEmail(context.Background(), "root@example.edu")
	if err != nil || u.Role != models.RoleAdmin || !models.PasswordMatches(u.PasswordHash, "a long and unusual passphrase") {
		t.Fatalf("the copy's account: %+v, %v", u, err)
	}
	var audits int64
	cp.R.Table("audit_log").Where("action = ?", "user.create").Count(&audits)
	if audits != 1 {
		t.Fatalf("the copy has %d user.create rows", audits)
	}
}

// Shutting down lets a request that is already running finish.
func TestGracefulShutdownFinishesInFlightRequest(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "saved")
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serveUntil(ctx, srv, ln, testutil.Quiet(), 30*time.Second) }()

	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		r, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer r.Body.Close()
		b, err := io.ReadAll(r.Body)
		got <- result{r.StatusCode, string(b), err}
	}()
	<-started
	cancel() // SIGTERM
	// Shutdown has begun once the listener refuses new connections.
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the server still accepts connections after shutdown began")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-served:
		t.Fatalf("serveUntil returned (%v) while a request was in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	r := <-got
	if r.err != nil || r.status != http.StatusOK || r.body != "saved" {
		t.Fatalf("in-flight request: %d %q %v", r.status, r.body, r.err)
	}
	if err := <-served; err != nil {
		t.Fatalf("serveUntil: %v", err)
	}
}
