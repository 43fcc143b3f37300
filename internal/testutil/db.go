// Package testutil holds helpers shared by the tests of several packages:
// real databases (SQLite per test, PostgreSQL schemas) and quiet loggers.
package testutil

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"chartroom/models"
)

func init() {
	// bcrypt at full cost would make every test that creates an account slow.
	models.BcryptCost = bcrypt.MinCost
}

// Quiet is a logger for tests (set CHARTROOM_TEST_LOG=1 to see logs).
func Quiet() *slog.Logger {
	if os.Getenv("CHARTROOM_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// Dialects lists the databases a test runs on: SQLite always, PostgreSQL
// when CHARTROOM_TEST_POSTGRES holds a URL.
func Dialects() []string { return []string{models.SQLite, models.Postgres} }

// EachDB runs fn as a subtest per database, on a fresh migrated database.
func EachDB(t *testing.T, fn func(t *testing.T, db *models.DB)) {
	for _, d := range Dialects() {
		t.Run(d, func(t *testing.T) {
			fn(t, OpenDB(t, d))
		})
	}
}

// OpenDB opens a fresh, migrated database of the dialect for one test.
func OpenDB(t testing.TB, dialect string) *models.DB {
	t.Helper()
	db := OpenRawDB(t, dialect)
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// OpenRawDB opens a fresh, empty database (no migrations).
//
// SQLite: a file in the test's temp directory (kept, with its path logged,
// when the test fails and CHARTROOM_KEEP_DB is set). PostgreSQL: a schema of
// its own in the CHARTROOM_TEST_POSTGRES database, dropped afterwards.
func OpenRawDB(t testing.TB, dialect string) *models.DB {
	t.Helper()
	var dsn string
	switch dialect {
	case models.SQLite:
		dir := t.TempDir()
		if os.Getenv("CHARTROOM_KEEP_DB") != "" {
			d, err := os.MkdirTemp("", "chartroom-test-")
			if err != nil {
				t.Fatal(err)
			}
			dir = d
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("database kept at %s", filepath.Join(dir, "test.db"))
				} else {
					os.RemoveAll(dir)
				}
			})
		}
		dsn = filepath.Join(dir, "test.db")
	case models.Postgres:
		dsn = postgresSchema(t)
	}
	db, err := models.Open(dsn, models.Options{Logger: Quiet(), Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// RequirePostgres returns the test PostgreSQL URL or skips.
func RequirePostgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv("CHARTROOM_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("CHARTROOM_REQUIRE_ALL") != "" {
			t.Fatal("CHARTROOM_REQUIRE_ALL is set but CHARTROOM_TEST_POSTGRES is empty")
		}
		t.Skip("skipped: set CHARTROOM_TEST_POSTGRES to a postgres:// URL to run on PostgreSQL")
	}
	return base
}

var schemaSeq int

func postgresSchema(t testing.TB) string {
	t.Helper()
	base := RequirePostgres(t)
	schemaSeq++
	name := fmt.Sprintf("ct_%d_%d_%s", os.Getpid(), schemaSeq, strings.ToLower(strings.NewReplacer("/", "_", "-", "_").Replace(t.Name())))
	if len(name) > 60 {
		name = name[:60]
	}
	admin, err := gorm.Open(postgres.Open(base), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("connect to CHARTROOM_TEST_POSTGRES: %v", err)
	}
	sqlDB, _ := admin.DB()
	if err := admin.Exec(`DROP SCHEMA IF EXISTS "` + name + `" CASCADE`).Error; err != nil {
		t.Fatal(err)
	}
	if err := admin.Exec(`CREATE SCHEMA "` + name + `"`).Error; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := admin.Exec(`DROP SCHEMA IF EXISTS "` + name + `" CASCADE`).Error; err != nil {
			t.Logf("drop schema %s: %v", name, err)
		}
		sqlDB.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}
