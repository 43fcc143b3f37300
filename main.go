// Command chartroom serves the Chartroom web application and runs its
// maintenance commands.
//
//	chartroom [flags]                     serve (the default)
//	chartroom codes import [flags] FILE   import a CMS ICD-10-CM/PCS order file
//	chartroom user create --role R --email E --name N
//	chartroom backup FILE                 consistent copy of the SQLite database
//
// Every flag has an environment fallback CHARTROOM_<NAME> (for example
// CHARTROOM_DB, CHARTROOM_ADDR).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"chartroom/content"
	"chartroom/handlers"
	"chartroom/models"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "chartroom:", err)
		os.Exit(1)
	}
}

// common holds the flags every subcommand shares.
type common struct {
	db        string
	logFormat string
	sync      string
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.db, "db", env("DB", "chartroom.db"), "SQLite file path or postgres:// URL (CHARTROOM_DB)")
	fs.StringVar(&c.logFormat, "log-format", env("LOG_FORMAT", "text"), "log format: text or json (CHARTROOM_LOG_FORMAT)")
	fs.StringVar(&c.sync, "sqlite-synchronous", env("SQLITE_SYNCHRONOUS", "FULL"), "SQLite synchronous pragma: FULL survives power loss, NORMAL only a crash (CHARTROOM_SQLITE_SYNCHRONOUS)")
}

func (c *common) logger(w io.Writer) (*slog.Logger, error) {
	switch c.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	}
	return nil, fmt.Errorf("-log-format must be text or json, not %q", c.logFormat)
}

// open connects and migrates.
func (c *common) open(ctx context.Context, log *slog.Logger) (*models.DB, error) {
	db, err := models.Open(c.db, models.Options{Logger: log, Synchronous: c.sync})
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// env returns CHARTROOM_<name> or def.
func env(name, def string) string {
	if v, ok := os.LookupEnv("CHARTROOM_" + name); ok {
		return v
	}
	return def
}

func envBool(name string) bool {
	v := strings.ToLower(env(name, ""))
	return v == "1" || v == "true" || v == "yes"
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "serve":
			return serve(ctx, args[1:], stdout, stderr)
		case "codes":
			return codesCmd(ctx, args[1:], stdout, stderr)
		case "user":
			return userCmd(ctx, args[1:], stdout, stderr)
		case "backup":
			return backupCmd(ctx, args[1:], stdout, stderr)
		case "help", "-h", "--help":
			fmt.Fprintln(stdout, usage)
			return nil
		}
	}
	return serve(ctx, args, stdout, stderr)
}

const usage = `chartroom — health information management education

  chartroom [flags]                      serve on -addr (default 127.0.0.1:8080)
  chartroom codes import [flags] FILE    import a CMS ICD-10-CM/PCS order file
  chartroom user create --role R --email E --name N   (password from CHARTROOM_PASSWORD or stdin)
  chartroom backup FILE                  consistent copy of the SQLite database

Run "chartroom serve -h" for the server's flags.`

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("serve", flag.ContinueOnError)
	flags.SetOutput(stderr)
	var c common
	c.register(flags)
	addr := flags.String("addr", env("ADDR", "127.0.0.1:8080"), "listen address (CHARTROOM_ADDR)")
	demo := flags.Bool("demo", envBool("DEMO"), "seed demo accounts, a cohort, a placement and some history (CHARTROOM_DEMO)")
	secure := flags.Bool("secure-cookies", envBool("SECURE_COOKIES"), "mark cookies Secure (set when served over HTTPS) (CHARTROOM_SECURE_COOKIES)")
	sessionKey := flags.String("session-key", env("SESSION_KEY", ""), "session signing key, URL-safe base64 of 32+ bytes; generated and stored in the database when empty (CHARTROOM_SESSION_KEY)")
	pprofAddr := flags.String("pprof", env("PPROF", ""), "serve Go's profiler on this loopback address, e.g. 127.0.0.1:6060 (off by default) (CHARTROOM_PPROF)")
	contentDir := flags.String("content-dir", env("CONTENT_DIR", ""), "load the curriculum from this directory instead of the embedded copy, for content authors (CHARTROOM_CONTENT_DIR)")
	baseURL := flags.String("base-url", env("BASE_URL", ""), "public URL for links shown to admins, e.g. https://chartroom.example.edu (CHARTROOM_BASE_URL)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	var contentFS fs.FS = content.Files
	if *contentDir != "" {
		contentFS = os.DirFS(*contentDir)
	}
	lib, err := content.Load(contentFS)
	if err != nil {
		return err
	}
	db, err := c.open(ctx, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := models.Prepare(ctx, db, lib); err != nil {
		return err
	}
	if *demo {
		if err := seedDemo(ctx, db, lib, log); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	base := *baseURL
	if base == "" {
		host, _, _ := net.SplitHostPort(*addr)
		_, port, _ := net.SplitHostPort(ln.Addr().String()) // the real one when -addr asks for any port
		base = "http://" + net.JoinHostPort(host, port)
	}
	app, err := handlers.New(ctx, db, lib, log, handlers.Config{SecureCookies: *secure, SessionKey: *sessionKey, BaseURL: base})
	if err != nil {
		return err
	}
	// In JSON mode stderr is for JSON records only: the link is logged, not
	// also printed as a bare line.
	bare := stderr
	if c.logFormat == "json" {
		bare = nil
	}
	if err := printSetupLink(ctx, db, base, log, bare); err != nil {
		return err
	}

	srv := &http.Server{
		Handler:           app.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	if *pprofAddr != "" {
		if host, _, err := net.SplitHostPort(*pprofAddr); err != nil || (host != "127.0.0.1" && host != "localhost" && host != "::1") {
			return fmt.Errorf("-pprof must be a loopback address such as 127.0.0.1:6060")
		}
		go func() {
			log.Info("profiler listening", "addr", *pprofAddr, "err", http.ListenAndServe(*pprofAddr, pprofMux()))
		}()
	}
	sweepCtx, stopSweep := context.WithCancel(context.Background())
	swept := make(chan struct{})
	go func() { app.RunSweepers(sweepCtx); close(swept) }()
	defer func() { stopSweep(); <-swept }() // before the database closes

	log.Info("chartroom listening", "addr", "http://"+ln.Addr().String(), "db", redactDSN(c.db), "demo", *demo)
	return serveUntil(ctx, srv, ln, log, 30*time.Second)
}

// serveUntil serves on ln until ctx ends (SIGINT or SIGTERM), then stops
// accepting and lets in-flight requests (an autosave, a submission) finish,
// waiting up to grace for them.
func serveUntil(ctx context.Context, srv *http.Server, ln net.Listener, log *slog.Logger, grace time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// printSetupLink logs a one-time /setup link while no account exists, and
// also prints it as a plain line to w (nil: only the log record).
func printSetupLink(ctx context.Context, db *models.DB, base string, log *slog.Logger, w io.Writer) error {
	n, err := db.CountUsers(ctx, "")
	if err != nil || n > 0 {
		return err
	}
	link, err := models.IssueSetupLink(ctx, db, time.Now())
	if err != nil {
		return err
	}
	url := strings.TrimRight(base, "/") + "/setup?token=" + link
	log.Info("no accounts yet: open the setup link to create the first administrator (valid 24 hours, once)", "url", url)
	if w != nil {
		fmt.Fprintf(w, "\n  Set up Chartroom: %s\n\n", url)
	}
	return nil
}

func redactDSN(dsn string) string {
	if i := strings.Index(dsn, "@"); i > 0 && strings.Contains(dsn, "://") {
		return dsn[:strings.Index(dsn, "://")+3] + "…" + dsn[i:]
	}
	return dsn
}

func userCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: chartroom user create --role R --email E --name N")
	}
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	role := fs.String("role", "student", "student, instructor, supervisor or admin")
	email := fs.String("email", "", "e-mail address")
	name := fs.String("name", "", "full name")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	pw := os.Getenv("CHARTROOM_PASSWORD")
	if pw == "" {
		b, err := io.ReadAll(io.LimitReader(os.Stdin, 1024))
		if err != nil {
			return err
		}
		pw = strings.TrimRight(string(b), "\r\n")
	}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	db, err := c.open(ctx, log)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := models.CreateUserCLI(ctx, db, models.NewUser{Email: *email, Name: *name, Role: models.Role(*role), Password: pw})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s %s (id %d)\n", u.Role, u.Email, u.ID)
	return nil
}

func backupCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: chartroom backup [-db FILE] DEST")
	}
	dest := fs.Arg(0)
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("%s exists; choose a new file name", dest)
	}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	db, err := models.Open(c.db, models.Options{Logger: log, Synchronous: c.sync})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, dest); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s\n", c.db, dest)
	return nil
}
