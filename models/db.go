// Package models holds the gorm models, the queries on them, the database
// connection and the numbered migrations. One file per aggregate.
package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialects.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// DB is the application's database: a read pool and a single write path.
//
// SQLite allows one writer at a time. Rather than let concurrent requests
// race for the lock (and surface SQLITE_BUSY), every write goes through
// Write, which queues it for one writer goroutine. The writer runs whatever
// is queued in one transaction (each job inside its own savepoint, so one
// failing job does not undo the others) and commits once: group commit. An
// acknowledged write is committed — with synchronous=FULL, durable — before
// Write returns. On PostgreSQL, Write runs the job in its own transaction.
type DB struct {
	R       *gorm.DB // reads
	w       *gorm.DB // the writer (SQLite: one connection)
	Dialect string
	log     *slog.Logger
	dsn     string // SQLite: the reader DSN without query_only, for backups

	queue   chan *writeJob
	stop    chan struct{}
	stopped chan struct{}
	once    sync.Once

	versions sync.Map // question version id -> *exam.Question (immutable)

	spStmt, releaseStmt, rollbackStmt *sql.Stmt // the writer's savepoints

	stmts  sync.Map // query -> *sql.Stmt on the read pool
	wstmts sync.Map // query -> *sql.Stmt on the write pool

	indexMu sync.Mutex // builds of code-set search indexes
	indexes sync.Map   // code set id -> *codes.Index (sets never change once active)
	diffs   sync.Map   // "fromSet-toSet" -> []codes.Change

	sessions sessionCache // SQLite only: see sessionCache

	readyMu sync.Mutex // the ready-question list, reused for a few seconds
	ready   []Question
	readyAt time.Time

	// Stats of the group-commit writer, for benchmarks and /healthz.
	statsMu          sync.Mutex
	commits, jobs    int64
	maxBatchObserved int
	commitTime       time.Duration // time spent in COMMIT (fsync, checkpoints)
	jobTime          time.Duration // time spent running jobs
}

// Options configure Open.
type Options struct {
	Logger *slog.Logger
	// Synchronous is SQLite's synchronous pragma for the writer: "FULL"
	// (default: an acknowledged write survives power loss) or "NORMAL"
	// (survives a process crash).
	Synchronous string
	// MaxBatch caps how many queued writes share one commit.
	MaxBatch int
}

type writeJob struct {
	ctx  context.Context
	fn   func(tx *gorm.DB) error
	done chan error
}

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("database is closed")

// Open connects to dsn: a postgres:// URL, or a SQLite file path.
func Open(dsn string, opt Options) (*DB, error) {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = 512
	}
	cfg := &gorm.Config{
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return time.Now().UTC() },
		SkipDefaultTransaction: true,
		PrepareStmt:            true, // SQLite spends as long preparing a statement as running it
		TranslateError:         true,
	}
	db := &DB{log: opt.Logger, stop: make(chan struct{}), stopped: make(chan struct{})}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		g, err := gorm.Open(postgres.New(postgres.Config{DSN: dsn}), cfg)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		sqlDB, err := g.DB()
		if err != nil {
			return nil, err
		}
		sqlDB.SetMaxOpenConns(40)
		sqlDB.SetMaxIdleConns(40)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		db.R, db.w, db.Dialect = g, g, Postgres
		close(db.stopped)
		return db, db.Ping(context.Background())
	}

	sync := strings.ToUpper(opt.Synchronous)
	if sync == "" {
		sync = "FULL"
	}
	if sync != "FULL" && sync != "NORMAL" {
		return nil, fmt.Errorf("synchronous must be FULL or NORMAL, not %q", opt.Synchronous)
	}
	path := strings.TrimPrefix(dsn, "sqlite://")
	params := url.Values{}
	params.Set("_journal_mode", "WAL")
	params.Set("_foreign_keys", "on")
	params.Set("_busy_timeout", "10000")
	params.Set("_synchronous", sync)
	params.Set("_txlock", "immediate")
	params.Set("_cache_size", "-8000") // 8 MB for the writer
	w, err := gorm.Open(sqlite.Open("file:"+path+"?"+params.Encode()), cfg)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	wdb, err := w.DB()
	if err != nil {
		return nil, err
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	wdb.SetConnMaxIdleTime(0)

	params.Set("_txlock", "deferred")
	params.Set("_query_only", "1")
	params.Set("_cache_size", "-2000") // 2 MB per reader (SQLite's default)
	r, err := gorm.Open(sqlite.Open("file:"+path+"?"+params.Encode()), cfg)
	if err != nil {
		return nil, fmt.Errorf("open sqlite readers %s: %w", path, err)
	}
	rdb, err := r.DB()
	if err != nil {
		return nil, err
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	rdb.SetMaxOpenConns(n)
	rdb.SetMaxIdleConns(n)
	rdb.SetConnMaxIdleTime(0)

	params.Del("_query_only")
	db.dsn = "file:" + path + "?" + params.Encode()
	db.R, db.w, db.Dialect = r, w, SQLite
	db.sessions.on = true
	if db.spStmt, db.releaseStmt, db.rollbackStmt, err = db.savepointStmts(); err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	db.queue = make(chan *writeJob, 8192)
	go db.writer(opt.MaxBatch)
	// The first write creates the file and switches it to WAL before any
	// reader opens it.
	if err := db.Write(context.Background(), func(tx *gorm.DB) error { return tx.Exec("SELECT 1").Error }); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return db, db.Ping(context.Background())
}

// SQLTx returns the database/sql transaction under a gorm transaction, for
// the few hot statements that skip gorm's per-call overhead.
func SQLTx(tx *gorm.DB) (*sql.Tx, bool) {
	switch p := tx.Statement.ConnPool.(type) {
	case *sql.Tx:
		return p, true
	case *gorm.PreparedStmtTX:
		t, ok := p.Tx.(*sql.Tx)
		return t, ok
	}
	return nil, false
}

// wstmt returns a statement prepared once on the write pool; run it inside
// a write job with tx.StmtContext. Call it BEFORE Write: on SQLite the
// writer's single connection is taken while a job runs.
func (db *DB) wstmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := db.wstmts.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	conn, err := db.w.DB()
	if err != nil {
		return nil, err
	}
	s, err := conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare %.60s: %w", query, err)
	}
	if prev, loaded := db.wstmts.LoadOrStore(query, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}

// bind turns the ? placeholders of a raw query into the dialect's.
func (db *DB) bind(q string) string {
	if db.Dialect != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString(fmt.Sprintf("$%d", n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// placeholder is the n-th bind parameter in raw SQL for this dialect.
func (db *DB) placeholder(n int) string {
	if db.Dialect == Postgres {
		return fmt.Sprintf("$%d", n)
	}
	return "?"
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.R.WithContext(ctx).Raw("SELECT 1").Scan(&one).Error; err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	return nil
}

// Write runs fn in a transaction on the write path and returns once it is
// committed. fn must not call Write (it would wait for itself) and should be
// short: on SQLite other writers wait behind it.
func (db *DB) Write(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if db.Dialect == Postgres {
		return db.w.WithContext(ctx).Transaction(fn)
	}
	job := &writeJob{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case <-db.stop:
		return ErrClosed
	case db.queue <- job:
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, the job runs or fails; wait for the verdict so that the
	// caller never reports success for an uncommitted write, nor failure
	// for a committed one.
	return <-job.done
}

func (db *DB) writer(maxBatch int) {
	defer close(db.stopped)
	batch := make([]*writeJob, 0, maxBatch)
	for {
		batch = batch[:0]
		select {
		case j := <-db.queue:
			batch = append(batch, j)
		case <-db.stop:
			// finish what is queued, then stop
			for {
				select {
				case j := <-db.queue:
					db.runBatch([]*writeJob{j})
				default:
					return
				}
			}
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case j := <-db.queue:
				batch = append(batch, j)
			default:
				break fill
			}
		}
		db.runBatch(batch)
	}
}

// savepoint statements, prepared once (an unprepared SAVEPOINT costs a
// prepare and a finalize per job).
func (db *DB) savepointStmts() (sp, release, rollback *sql.Stmt, err error) {
	ctx := context.Background()
	if sp, err = db.wstmt(ctx, "SAVEPOINT job"); err != nil {
		return
	}
	if release, err = db.wstmt(ctx, "RELEASE SAVEPOINT job"); err != nil {
		return
	}
	rollback, err = db.wstmt(ctx, "ROLLBACK TO SAVEPOINT job")
	return
}

func (db *DB) runBatch(batch []*writeJob) {
	started := time.Now()
	results := make([]error, len(batch))
	spStmt, releaseStmt, rollbackStmt := db.spStmt, db.releaseStmt, db.rollbackStmt
	tx := db.w.Begin()
	raw, ok := SQLTx(tx)
	if tx.Error != nil || !ok {
		for _, j := range batch {
			j.done <- fmt.Errorf("begin: %v", tx.Error)
		}
		return
	}
	for i, j := range batch {
		if err := j.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		if len(batch) == 1 {
			results[i] = runJob(tx, j.fn)
			continue
		}
		if _, err := raw.StmtContext(j.ctx, spStmt).ExecContext(j.ctx); err != nil {
			results[i] = fmt.Errorf("savepoint: %w", err)
			continue
		}
		if err := runJob(tx, j.fn); err != nil {
			results[i] = err
			if _, rerr := raw.StmtContext(j.ctx, rollbackStmt).ExecContext(j.ctx); rerr != nil {
				// the transaction is unusable: fail the whole batch
				tx.Rollback()
				for k, jj := range batch {
					jj.done <- errors.Join(fmt.Errorf("rollback to savepoint: %w", rerr), results[k])
				}
				return
			}
		}
		raw.StmtContext(j.ctx, releaseStmt).ExecContext(j.ctx)
	}
	if len(batch) == 1 && results[0] != nil {
		tx.Rollback()
		batch[0].done <- results[0]
		return
	}
	jobsDone := time.Now()
	if err := tx.Commit().Error; err != nil {
		for _, j := range batch {
			j.done <- fmt.Errorf("commit: %w", err)
		}
		return
	}
	db.statsMu.Lock()
	db.commitTime += time.Since(jobsDone)
	db.jobTime += jobsDone.Sub(started)
	db.commits++
	db.jobs += int64(len(batch))
	db.maxBatchObserved = max(db.maxBatchObserved, len(batch))
	db.statsMu.Unlock()
	for i, j := range batch {
		j.done <- results[i]
	}
}

func runJob(tx *gorm.DB, fn func(*gorm.DB) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("write panicked: %v", r)
		}
	}()
	return fn(tx)
}

// WriterStats describes the group-commit writer's work so far.
type WriterStats struct {
	Commits, Jobs int64
	MaxBatch      int
	JobTime       time.Duration // running jobs
	CommitTime    time.Duration // committing (fsync, WAL checkpoints)
}

// Stats reports the group-commit writer's work so far.
func (db *DB) Stats() WriterStats {
	db.statsMu.Lock()
	defer db.statsMu.Unlock()
	return WriterStats{db.commits, db.jobs, db.maxBatchObserved, db.jobTime, db.commitTime}
}

// Close stops the writer after the queued writes and closes the pools.
func (db *DB) Close() error {
	var errs []error
	db.once.Do(func() {
		db.stmts.Range(func(_, v any) bool { v.(*sql.Stmt).Close(); return true })
		db.wstmts.Range(func(_, v any) bool { v.(*sql.Stmt).Close(); return true })
		close(db.stop)
		<-db.stopped
		for _, g := range []*gorm.DB{db.R, db.w} {
			if s, err := g.DB(); err == nil {
				errs = append(errs, s.Close())
			}
		}
	})
	return errors.Join(errs...)
}

// Backup writes a consistent copy of a SQLite database to path while the
// server runs (VACUUM INTO reads one snapshot).
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.Dialect != SQLite {
		return errors.New("backup copies SQLite databases; use pg_dump for PostgreSQL")
	}
	// A connection of its own: the readers are query-only, and the writer
	// must stay free. In WAL mode VACUUM INTO reads one snapshot without
	// blocking writers.
	conn, err := sql.Open("sqlite3", db.dsn)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}
