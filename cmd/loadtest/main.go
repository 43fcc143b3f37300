// Command loadtest drives a real Chartroom server over loopback the way a
// class sitting a mock exam does, and reports what it measured.
//
//	go build -o /tmp/chartroom . && go run ./cmd/loadtest -server /tmp/chartroom
//
// It seeds N student accounts into a fresh database, measures a bare
// net/http handler on this machine for comparison, starts the server, logs
// every student in, starts N RHIT mocks in the same instant, answers every
// item with autosave requests (sampling item pages as it goes), submits, and
// then checks in the database that every acknowledged answer is stored. With
// -crash it kills the server with SIGKILL in the middle of the autosaves,
// restarts it, and checks that no acknowledged answer was lost.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"chartroom/content"
	"chartroom/models"
)

type config struct {
	server    string
	students  int
	dir       string
	pageEvery int
	crash     bool
	sync      string
	keep      bool
	pprof     string
	rate      int
	pageRate  int
	paced     time.Duration
	env       list
}

type list []string

func (l *list) String() string     { return strings.Join(*l, " ") }
func (l *list) Set(s string) error { *l = append(*l, s); return nil }

func main() {
	var cfg config
	flag.StringVar(&cfg.server, "server", "", "path to a built chartroom binary (go build -o /tmp/chartroom .)")
	flag.IntVar(&cfg.students, "students", 1000, "concurrent students")
	flag.StringVar(&cfg.dir, "dir", "", "working directory for the database (default: a temp dir)")
	flag.IntVar(&cfg.pageEvery, "page-every", 10, "load the item page before every Nth autosave")
	flag.BoolVar(&cfg.crash, "crash", false, "kill -9 the server during the autosaves, restart, and verify")
	flag.StringVar(&cfg.sync, "sync", "FULL", "SQLite synchronous setting for the server (FULL or NORMAL)")
	flag.BoolVar(&cfg.keep, "keep", false, "keep the working directory")
	flag.StringVar(&cfg.pprof, "pprof", "", "pass -pprof ADDR to the server (to profile it during the run)")
	flag.IntVar(&cfg.rate, "rate", 5000, "paced phase: autosaves per second offered across all students")
	flag.IntVar(&cfg.pageRate, "page-rate", 250, "paced phase: item page loads per second offered")
	flag.DurationVar(&cfg.paced, "paced", 10*time.Second, "paced phase: how long to offer the load")
	flag.Var(&cfg.env, "server-env", "KEY=VALUE added to the server's environment (repeatable), e.g. GOMEMLIMIT=180MiB")
	flag.Parse()
	if cfg.server == "" {
		fmt.Fprintln(os.Stderr, "loadtest: -server is required (go build -o /tmp/chartroom . first)")
		os.Exit(2)
	}
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// ---- measurements ----

type series struct {
	mu   sync.Mutex
	durs []time.Duration
	errs atomic.Int64
}

func (s *series) add(d time.Duration) { s.mu.Lock(); s.durs = append(s.durs, d); s.mu.Unlock() }

func (s *series) pct(p float64) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.durs) == 0 {
		return 0
	}
	sort.Slice(s.durs, func(i, j int) bool { return s.durs[i] < s.durs[j] })
	i := int(p / 100 * float64(len(s.durs)-1))
	return s.durs[i]
}

func (s *series) n() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.durs) }

func (s *series) line(name string, elapsed time.Duration) string {
	n := s.n()
	rate := ""
	if elapsed > 0 {
		rate = fmt.Sprintf("%8.0f/s", float64(n)/elapsed.Seconds())
	}
	return fmt.Sprintf("%-14s n=%-7d %s  p50=%-9v p95=%-9v p99=%-9v max=%-9v errors=%d", name, n, rate,
		s.pct(50).Round(10*time.Microsecond), s.pct(95).Round(10*time.Microsecond), s.pct(99).Round(10*time.Microsecond), s.pct(100).Round(10*time.Microsecond), s.errs.Load())
}

// ---- the bare handler baseline ----

func bareBaseline(workers int, d time.Duration, transport *http.Transport) (float64, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })}
	go srv.Serve(ln)
	defer srv.Close()
	u := "http://" + ln.Addr().String() + "/"
	client := &http.Client{Transport: transport}
	var n atomic.Int64
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				resp, err := client.Get(u)
				if err != nil {
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / d.Seconds(), nil
}

// ---- the server process ----

type server struct {
	cmd  *exec.Cmd
	addr string
	log  *os.File
}

func startServer(cfg config, dbPath, logPath string) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	lf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	args := []string{"-addr", addr, "-db", dbPath, "-sqlite-synchronous", cfg.sync, "-log-format", "json"}
	if cfg.pprof != "" {
		args = append(args, "-pprof", cfg.pprof)
	}
	cmd := exec.Command(cfg.server, args...)
	cmd.Env = append(os.Environ(), cfg.env...)
	cmd.Stdout, cmd.Stderr = lf, lf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, addr: addr, log: lf}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	cmd.Process.Kill()
	return nil, fmt.Errorf("server did not answer /healthz within 60 s (log: %s)", logPath)
}

// peakRSS reads the server's high-water resident set size.
func (s *server) peakRSS() string {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(sc.Text(), "VmHWM:"))
		}
	}
	return "unknown"
}

func (s *server) stop() error {
	s.cmd.Process.Signal(syscall.SIGTERM)
	err := s.cmd.Wait()
	s.log.Close()
	return err
}

func (s *server) kill() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()
	s.log.Close()
}

// ---- one simulated student ----

type student struct {
	email   string
	client  *http.Client
	csrf    string
	attempt int64
	items   int
	acked   map[int]ack // item -> last acknowledged save
}

type ack struct {
	seq    int64
	answer string
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func (st *student) get(base, path string) (*http.Response, string, error) {
	resp, err := st.client.Get(base + path)
	if err != nil {
		return nil, "", err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if m := csrfRE.FindSubmatch(b); m != nil {
		st.csrf = string(m[1])
	}
	return resp, string(b), err
}

func (st *student) post(base, path string, form url.Values, ajax bool) (*http.Response, string, error) {
	req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if ajax {
		req.Header.Set("X-CSRF-Token", st.csrf)
		req.Header.Set("Accept", "application/json")
	} else {
		form.Set("csrf_token", st.csrf)
		req.Body = io.NopCloser(strings.NewReader(form.Encode()))
		req.ContentLength = int64(len(form.Encode()))
	}
	resp, err := st.client.Do(req)
	if err != nil {
		return nil, "", err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b), err
}

func (st *student) login(base string) error {
	if _, _, err := st.get(base, "/login"); err != nil {
		return err
	}
	resp, _, err := st.post(base, "/login", url.Values{"email": {st.email}, "password": {password}}, false)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("login %s: status %d", st.email, resp.StatusCode)
	}
	_, _, err = st.get(base, "/practice")
	return err
}

func (st *student) startMock(base string) error {
	resp, _, err := st.post(base, "/practice/start", url.Values{"mode": {"mock"}}, false)
	if err != nil {
		return err
	}
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/attempts/") {
		return fmt.Errorf("start: status %d to %q", resp.StatusCode, loc)
	}
	st.attempt, err = strconv.ParseInt(strings.TrimPrefix(loc, "/attempts/"), 10, 64)
	st.items = 150
	return err
}

// autosave answers item n the way exam.js does.
func (st *student) autosave(base string, n int, seq int64, answer string) error {
	form := url.Values{"answer": {answer}, "seq": {strconv.FormatInt(seq, 10)}, "go": {strconv.Itoa(n)}}
	resp, body, err := st.post(base, fmt.Sprintf("/attempts/%d/items/%d", st.attempt, n), form, true)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("autosave %d/%d: status %d: %.200s", st.attempt, n, resp.StatusCode, body)
	}
	var out struct {
		OK  bool  `json:"ok"`
		Seq int64 `json:"seq"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil || !out.OK {
		return fmt.Errorf("autosave %d/%d: %.200s", st.attempt, n, body)
	}
	st.acked[n] = ack{seq: seq, answer: answer}
	return nil
}

const password = "load test passphrase"

// ---- seeding ----

func seed(ctx context.Context, dbPath string, n int) error {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, err := models.Open(dbPath, models.Options{Logger: log})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	lib, err := content.Load(content.Files)
	if err != nil {
		return err
	}
	if err := models.Prepare(ctx, db, lib); err != nil {
		return err
	}
	// Sign-in is not what is measured: cheap hashes keep seeding and the
	// login phase short. The server verifies whatever cost a hash carries.
	models.BcryptCost = bcrypt.MinCost
	const batch = 200
	for i := 0; i < n; i += batch {
		err := db.Write(ctx, func(tx *gorm.DB) error {
			for j := i; j < min(i+batch, n); j++ {
				if _, err := models.CreateUser(tx, models.NewUser{Email: fmt.Sprintf("load%04d@example.edu", j), Name: fmt.Sprintf("Load Student %d", j), Role: models.RoleStudent, Password: password}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	// The admin account keeps the server from printing a setup link.
	return db.Write(ctx, func(tx *gorm.DB) error {
		_, err := models.CreateUser(tx, models.NewUser{Email: "load-admin@example.edu", Name: "Load Admin", Role: models.RoleAdmin, Password: password})
		return err
	})
}

// verify checks that every acknowledged save is in the database.
func verify(ctx context.Context, dbPath string, students []*student) (checked, lost int, err error) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, err := models.Open(dbPath, models.Options{Logger: log})
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	for _, st := range students {
		if st.attempt == 0 {
			continue
		}
		items, err := db.Items(ctx, st.attempt)
		if err != nil {
			return checked, lost, err
		}
		for n, a := range st.acked {
			checked++
			it := items[n-1]
			if it.Seq < a.seq || it.Answer == "" {
				lost++
				if lost <= 5 {
					fmt.Printf("LOST attempt %d item %d: acked seq %d, stored seq %d answer %q\n", st.attempt, n, a.seq, it.Seq, it.Answer)
				}
			}
		}
	}
	return checked, lost, nil
}

// ---- the run ----

func run(cfg config) error {
	ctx := context.Background()
	dir := cfg.dir
	if dir == "" {
		d, err := os.MkdirTemp("", "chartroom-load-")
		if err != nil {
			return err
		}
		dir = d
	}
	if !cfg.keep {
		defer os.RemoveAll(dir)
	}
	dbPath := filepath.Join(dir, "load.db")
	logPath := filepath.Join(dir, "server.log")

	fmt.Printf("Chartroom load test: %d students, SQLite synchronous=%s, %d CPUs, server environment %v\n", cfg.students, cfg.sync, numCPU(), []string(cfg.env))
	t0 := time.Now()
	if err := seed(ctx, dbPath, cfg.students); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Printf("seeded %d accounts in %v\n", cfg.students, time.Since(t0).Round(time.Millisecond))

	transport := &http.Transport{MaxIdleConns: 4 * cfg.students, MaxIdleConnsPerHost: 4 * cfg.students, IdleConnTimeout: time.Minute}
	bare, err := bareBaseline(cfg.students, 3*time.Second, transport)
	if err != nil {
		return err
	}
	fmt.Printf("bare net/http handler: %.0f req/s (same machine, same client, %d connections)\n", bare, cfg.students)
	transport.CloseIdleConnections()

	srv, err := startServer(cfg, dbPath, logPath)
	if err != nil {
		return err
	}
	base := "http://" + srv.addr
	students := make([]*student, cfg.students)
	for i := range students {
		jar, _ := cookiejar.New(nil)
		students[i] = &student{
			email:  fmt.Sprintf("load%04d@example.edu", i),
			client: &http.Client{Jar: jar, Transport: transport, Timeout: 60 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
			acked:  map[int]ack{},
		}
	}

	// Log in (50 at a time: sign-in is not the measured path).
	var logins series
	forEach(students, 50, func(st *student) {
		t := time.Now()
		if err := st.login(base); err != nil {
			logins.errs.Add(1)
			fmt.Println("login error:", err)
			return
		}
		logins.add(time.Since(t))
	})

	fmt.Printf("logged in %d students\n", logins.n())
	if d := os.Getenv("LOADTEST_PAUSE_BEFORE_START"); d != "" {
		if p, err := time.ParseDuration(d); err == nil {
			time.Sleep(p) // lets a profiler attach to the start burst
		}
	}
	// Every student starts a mock in the same instant.
	var starts series
	startGate := make(chan struct{})
	var wg sync.WaitGroup
	for _, st := range students {
		wg.Add(1)
		go func(st *student) {
			defer wg.Done()
			<-startGate
			t := time.Now()
			if err := st.startMock(base); err != nil {
				starts.errs.Add(1)
				fmt.Println("start error:", err)
				return
			}
			starts.add(time.Since(t))
		}(st)
	}
	tStart := time.Now()
	close(startGate)
	wg.Wait()
	startWall := time.Since(tStart)

	fmt.Printf("started %d mocks\n", starts.n())
	// Phase 1, capacity: every student answers the first half of the
	// exam with autosaves as fast as the server answers (closed loop),
	// loading every Nth item page first.
	var saves, pages series
	var crashAt atomic.Int64
	if cfg.crash {
		crashAt.Store(int64(cfg.students * 75 / 2)) // half way through phase 1
	}
	var done atomic.Int64
	killed := make(chan struct{})
	var killOnce sync.Once
	answer := func(st *student, n int) string {
		return string("ABCD"[(int(st.attempt)+n)%4])
	}
	tSave := time.Now()
	forEach(students, len(students), func(st *student) {
		if st.attempt == 0 {
			return
		}
		for n := 1; n <= st.items/2; n++ {
			select {
			case <-killed:
				return
			default:
			}
			if cfg.pageEvery > 0 && n%cfg.pageEvery == 0 {
				t := time.Now()
				resp, _, err := st.get(base, fmt.Sprintf("/attempts/%d?item=%d", st.attempt, n))
				if err != nil || resp.StatusCode != 200 {
					if !cfg.crash {
						pages.errs.Add(1)
					}
				} else {
					pages.add(time.Since(t))
				}
			}
			t := time.Now()
			if err := st.autosave(base, n, int64(n), answer(st, n)); err != nil {
				if !cfg.crash {
					saves.errs.Add(1)
					if saves.errs.Load() <= 5 {
						fmt.Println("autosave error:", err)
					}
				}
				continue
			}
			saves.add(time.Since(t))
			if c := crashAt.Load(); c > 0 && done.Add(1) == c {
				killOnce.Do(func() { srv.kill(); close(killed) })
			}
		}
	})
	saveWall := time.Since(tSave)
	fmt.Printf("phase 1 (capacity) done: %d autosaves in %v\n", saves.n(), saveWall.Round(time.Millisecond))

	if cfg.crash {
		fmt.Printf("killed the server with SIGKILL after %d acknowledged autosaves\n", saves.n())
		checked, lost, err := verify(ctx, dbPath, students)
		if err != nil {
			return err
		}
		fmt.Printf("after the crash: %d acknowledged answers checked, %d lost\n", checked, lost)
		if lost > 0 {
			return errors.New("acknowledged answers were lost")
		}
		return nil
	}

	// Phase 2, paced: the rest of the exam at a fixed offered rate (open
	// loop). Latency counts from when each request was due, so a slow
	// server cannot hide queueing by slowing the load down.
	var psaves, ppages series
	pacedWall := pacedPhase(base, students, cfg, answer, &psaves, &ppages)
	fmt.Printf("phase 2 (paced) done: %d autosaves and %d pages in %v\n", psaves.n(), ppages.n(), pacedWall.Round(time.Millisecond))

	// Submit.
	var submits series
	forEach(students, 100, func(st *student) {
		if st.attempt == 0 {
			return
		}
		t := time.Now()
		resp, _, err := st.post(base, fmt.Sprintf("/attempts/%d/submit", st.attempt), url.Values{"confirm": {"1"}}, false)
		if err != nil || resp.StatusCode != http.StatusSeeOther {
			submits.errs.Add(1)
			return
		}
		submits.add(time.Since(t))
	})
	rss := srv.peakRSS()
	if err := srv.stop(); err != nil {
		fmt.Println("server exit:", err)
	}
	checked, lost, err := verify(ctx, dbPath, students)
	if err != nil {
		return err
	}

	fmt.Println()
	fmt.Println(logins.line("login", 0))
	fmt.Println(starts.line("mock start", 0), fmt.Sprintf(" (all %d fired at once; last done after %v)", cfg.students, startWall.Round(time.Millisecond)))
	fmt.Println(saves.line("autosave, max", saveWall), fmt.Sprintf(" (closed loop, %d clients, no think time)", cfg.students))
	fmt.Println(pages.line("page, max", 0))
	fmt.Println(psaves.line("autosave", pacedWall), fmt.Sprintf(" (paced: %d/s offered)", cfg.rate))
	fmt.Println(ppages.line("item page", pacedWall), fmt.Sprintf(" (paced: %d/s offered, alongside the autosaves)", cfg.pageRate))
	fmt.Println(submits.line("submit", 0))
	saveRate := float64(saves.n()) / saveWall.Seconds()
	fmt.Printf("\nautosave capacity %.0f/s = %.1f%% of the bare handler's %.0f req/s\n", saveRate, 100*saveRate/bare, bare)
	fmt.Printf("acknowledged answers checked in the database: %d, lost: %d\n", checked, lost)
	fmt.Printf("server peak RSS: %s\n", rss)
	errs := logins.errs.Load() + starts.errs.Load() + saves.errs.Load() + pages.errs.Load() + psaves.errs.Load() + ppages.errs.Load() + submits.errs.Load()
	fmt.Printf("errors: %d\n", errs)
	if lost > 0 || errs > 0 {
		return errors.New("errors or lost answers")
	}
	return nil
}

// forEach runs fn for every student with at most par at once.
func forEach(students []*student, par int, fn func(*student)) {
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	for _, st := range students {
		wg.Add(1)
		sem <- struct{}{}
		go func(st *student) {
			defer wg.Done()
			defer func() { <-sem }()
			fn(st)
		}(st)
	}
	wg.Wait()
}

func numCPU() int {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return 0
	}
	return strings.Count(string(b), "processor\t:")
}

// pacedPhase offers autosaves at cfg.rate and page loads at cfg.pageRate
// for cfg.paced (or until every student has answered every item),
// spreading them round-robin over the students. Each student handles its
// requests in order; a request's latency runs from its due time.
func pacedPhase(base string, students []*student, cfg config, answer func(*student, int) string, saves, pages *series) time.Duration {
	type job struct {
		due  time.Time
		page bool
	}
	queues := make([]chan job, len(students))
	next := make([]int, len(students)) // next item to answer
	var wg sync.WaitGroup
	for i, st := range students {
		queues[i] = make(chan job, 4096)
		next[i] = st.items/2 + 1
		wg.Add(1)
		go func(i int, st *student) {
			defer wg.Done()
			for j := range queues[i] {
				if st.attempt == 0 || next[i] > st.items {
					continue
				}
				n := next[i]
				if j.page {
					resp, _, err := st.get(base, fmt.Sprintf("/attempts/%d?item=%d", st.attempt, n))
					if err != nil || resp.StatusCode != 200 {
						pages.errs.Add(1)
						continue
					}
					pages.add(time.Since(j.due))
					continue
				}
				if err := st.autosave(base, n, int64(n), answer(st, n)); err != nil {
					saves.errs.Add(1)
					continue
				}
				saves.add(time.Since(j.due))
				next[i]++
			}
		}(i, st)
	}
	start := time.Now()
	sent, pageSent, k := 0, 0, 0
	maxSaves := 0
	for _, st := range students {
		maxSaves += st.items - st.items/2
	}
	tick := time.NewTicker(time.Millisecond)
	for now := range tick.C {
		el := now.Sub(start)
		if el >= cfg.paced || sent >= maxSaves {
			break
		}
		dueSaves := int(el.Seconds() * float64(cfg.rate))
		duePages := int(el.Seconds() * float64(cfg.pageRate))
		for sent < dueSaves && sent < maxSaves {
			queues[k%len(students)] <- job{due: start.Add(time.Duration(float64(sent) / float64(cfg.rate) * float64(time.Second)))}
			sent++
			k++
		}
		for pageSent < duePages {
			queues[(k+len(students)/2)%len(students)] <- job{due: start.Add(time.Duration(float64(pageSent) / float64(cfg.pageRate) * float64(time.Second))), page: true}
			pageSent++
		}
	}
	tick.Stop()
	for _, q := range queues {
		close(q)
	}
	wg.Wait()
	return time.Since(start)
}
