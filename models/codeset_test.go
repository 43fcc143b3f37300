package models_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"chartroom/codes"
	"chartroom/internal/shareddata"
	"chartroom/internal/testutil"
	"chartroom/models"
)

func readSet(t testing.TB, file string) *codes.File {
	t.Helper()
	fh, err := os.Open(shareddata.SharedFile(t, "data/"+file))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	f, err := codes.ReadFile(file, fh, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func input(f *codes.File) models.ImportInput {
	return models.ImportInput{System: f.System, Year: f.Year, Release: f.Release, Source: f.Name, Sha256: f.Sha256, Entries: f.Entries}
}

func TestImportIsIdempotentAndReplacesAtomically(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *models.DB) {
		f := readSet(t, "icd10cm_order_2026.txt")
		res, err := db.ImportCodeSet(ctx, models.Actor{}, input(f), nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Set.Codes != 98186 || res.Set.Billable != 74719 {
			t.Fatalf("imported %d codes, %d billable", res.Set.Codes, res.Set.Billable)
		}
		again, err := db.ImportCodeSet(ctx, models.Actor{}, input(f), nil)
		if err != nil || !again.Same || again.Set.ID != res.Set.ID {
			t.Fatalf("re-import: %+v %v", again, err)
		}
		// A different file for the same year replaces the set; the old rows go.
		small := input(f)
		small.Entries = f.Entries[:100]
		small.Sha256 = "different"
		rep, err := db.ImportCodeSet(ctx, models.Actor{}, small, nil)
		if err != nil || rep.Replaced == nil || rep.Replaced.ID != res.Set.ID {
			t.Fatalf("replace: %+v %v", rep, err)
		}
		var n int64
		db.R.Table("codes").Count(&n)
		if n != 100 {
			t.Fatalf("%d code rows after replacing, want 100", n)
		}
		ix, set, err := db.CodeIndex(ctx, codes.ICD10CM, 2026)
		if err != nil || set.ID != rep.Set.ID || ix.Len() != 100 {
			t.Fatalf("index of the new set: %v %v", err, set)
		}
	})
}

// importFile is the import path of `chartroom codes import` and of the
// admin upload: read and validate the whole file, then store it.
func importFile(db *models.DB, name string, data []byte, progress func(done, total int)) (*models.ImportResult, error) {
	f, err := codes.ReadFile(name, bytes.NewReader(data), "", 0)
	if err != nil {
		return nil, err
	}
	return db.ImportCodeSet(ctx, models.Actor{Email: "test"}, input(f), progress)
}

// orderFile writes a synthetic ICD-10-CM order file of n lines (CRLF),
// with line bad (if any) replaced by one whose billable flag is "7".
func orderFile(n, bad int) []byte {
	var b bytes.Buffer
	for i := 1; i <= n; i++ {
		flag := "1"
		if i == bad {
			flag = "7"
		}
		code := fmt.Sprintf("Q%02d%02d", i/100, i%100)
		fmt.Fprintf(&b, "%05d %-7s %s %-60s %s\r\n", i, code, flag, "Synthetic code "+code, "Synthetic condition number "+code)
	}
	return b.Bytes()
}

func countRows(t *testing.T, db *models.DB) (sets, rows int64) {
	t.Helper()
	if err := db.R.Model(&models.CodeSet{}).Count(&sets).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.R.Table("codes").Count(&rows).Error; err != nil {
		t.Fatal(err)
	}
	return sets, rows
}

// A bad line after more than a chunk of good ones fails the whole file,
// names the line, and leaves no code set and no code rows behind.
func TestBadFileImportsNothing(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *models.DB) {
		_, err := importFile(db, "icd10cm_order_2031.txt", orderFile(3000, 2501), nil)
		var le *codes.LineError
		if !errors.As(err, &le) || le.Line != 2501 || !strings.Contains(err.Error(), "line 2501") {
			t.Fatalf("want an error naming line 2501, got %v", err)
		}
		if sets, rows := countRows(t, db); sets != 0 || rows != 0 {
			t.Fatalf("%d code sets and %d code rows after a failed import, want none", sets, rows)
		}
		if _, err := db.ActiveSet(ctx, codes.ICD10CM, 2031); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("a set exists for a file that failed: %v", err)
		}
		// The same file without the bad line imports in full.
		res, err := importFile(db, "icd10cm_order_2031.txt", orderFile(3000, 0), nil)
		if err != nil || res.Set.Codes != 3000 {
			t.Fatalf("good file: %+v %v", res, err)
		}
	})
}

// An import that fails in the database after some chunks were written
// (here: cancelled) removes what it wrote and keeps the active set.
func TestInterruptedCodeImportLeavesNothing(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *models.DB) {
		first, err := importFile(db, "icd10cm_order_2031.txt", orderFile(100, 0), nil)
		if err != nil {
			t.Fatal(err)
		}
		f, err := codes.ReadFile("icd10cm_order_2031.txt", bytes.NewReader(orderFile(5000, 0)), "", 0)
		if err != nil {
			t.Fatal(err)
		}
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		chunks := 0
		_, err = db.ImportCodeSet(cctx, models.Actor{}, input(f), func(done, total int) {
			if chunks++; chunks == 1 {
				cancel()
			}
		})
		if err == nil {
			t.Fatal("a cancelled import succeeded")
		}
		if sets, rows := countRows(t, db); sets != 1 || rows != 100 {
			t.Fatalf("%d code sets and %d code rows after an interrupted import, want the first set's 1 and 100", sets, rows)
		}
		if cur, err := db.ActiveSet(ctx, codes.ICD10CM, 2031); err != nil || cur.ID != first.Set.ID {
			t.Fatalf("active set after an interrupted import: %+v %v", cur, err)
		}
	})
}

func TestCleanAbandonedImports(t *testing.T) {
	db := testutil.OpenDB(t, models.SQLite)
	db.R.Exec("SELECT 1")
	set := &models.CodeSet{System: codes.ICD10CM, Year: 2020, Release: "x", Source: "x", Sha256: "x", Status: models.SetLoading, ImportedAt: time.Now().Add(-time.Hour)}
	db.Write(ctx, func(tx *gorm.DB) error { return tx.Create(set).Error })
	if err := db.CleanAbandonedImports(ctx, time.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	var n int64
	db.R.Model(&models.CodeSet{}).Count(&n)
	if n != 0 {
		t.Fatal("a set left loading by a crash was not cleaned up")
	}
}

// Coding accuracy is a dated series: attempts fall into ISO weeks (UTC,
// Monday first, across a year end), every group has a value only in the
// weeks it has attempts, and Recent trims weeks but keeps the totals.
func TestCodingAccuracyPerWeek(t *testing.T) {
	at := func(s string, chapter int, topics string, points, max float64) models.CodingAttempt {
		ts, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return models.CodingAttempt{CreatedAt: ts, Chapter: chapter, Topics: topics, Points: points, MaxPoints: max}
	}
	attempts := []models.CodingAttempt{
		at("2026-01-05T00:00:00Z", 4, "diabetes", 3, 4),         // Monday: 2026-W02
		at("2025-12-29T08:00:00Z", 1, "sepsis, diabetes", 1, 4), // Monday: 2026-W01 (ISO year 2026)
		at("2026-01-04T23:59:00+00:00", 1, "sepsis", 2, 4),      // Sunday: still 2026-W01
		at("2026-01-05T01:00:00+02:00", 4, "diabetes", 0, 4),    // Jan 4 23:00 UTC: 2026-W01
		at("2026-01-11T12:00:00Z", 1, "sepsis,sepsis", 4, 4),    // 2026-W02; a repeated topic counts once
	}
	p := models.CodingAccuracy(attempts)
	var weeks []string
	for _, w := range p.Weeks {
		weeks = append(weeks, w.Label()+" "+w.Start.Format("2006-01-02"))
	}
	if want := []string{"2026-W01 2025-12-29", "2026-W02 2026-01-05"}; !slices.Equal(weeks, want) {
		t.Fatalf("weeks %v, want %v", weeks, want)
	}
	if p.Weeks[0].Span() != "Dec 29 – Jan 4, 2026" {
		t.Errorf("span %q", p.Weeks[0].Span())
	}
	type cell struct {
		n      int
		points float64
	}
	cells := func(tr models.AccuracyTrend) []cell {
		var out []cell
		for _, w := range tr.Weeks {
			out = append(out, cell{w.Attempts, w.Points})
		}
		return out
	}
	if got := cells(p.Overall); !slices.Equal(got, []cell{{3, 3}, {2, 7}}) || p.Overall.Attempts != 5 || p.Overall.Percent() != 50 {
		t.Errorf("overall %+v", p.Overall)
	}
	if len(p.Chapters) != 2 || p.Chapters[0].Key != "1" || p.Chapters[1].Key != "4" {
		t.Fatalf("chapters %+v", p.Chapters)
	}
	if got := cells(p.Chapters[0]); !slices.Equal(got, []cell{{2, 3}, {1, 4}}) {
		t.Errorf("chapter 1 weeks %v", got)
	}
	if got := cells(p.Chapters[1]); !slices.Equal(got, []cell{{1, 0}, {1, 3}}) {
		t.Errorf("chapter 4 weeks %v", got)
	}
	// Topics, weakest first: diabetes 4 of 12, sepsis 7 of 12.
	if len(p.Topics) != 2 || p.Topics[0].Key != "diabetes" || p.Topics[1].Key != "sepsis" || p.Topics[1].Attempts != 3 {
		t.Fatalf("topics %+v", p.Topics)
	}
	// A week with a 0-point attempt has data (0%); a week without one has none.
	if !p.Chapters[1].Weeks[0].HasData() || p.Chapters[1].Weeks[0].Percent() != 0 {
		t.Error("a real 0% was lost")
	}
	one := models.CodingAccuracy(attempts[:1])
	if len(one.Weeks) != 1 || !one.Overall.Weeks[0].HasData() || one.Overall.Weeks[0].Percent() != 75 {
		t.Errorf("one attempt: %+v", one)
	}
	if (models.Accuracy{}).HasData() {
		t.Error("an empty group has data")
	}
	r := p.Recent(1)
	if len(r.Weeks) != 1 || r.Weeks[0].Week != 2 || len(r.Chapters[0].Weeks) != 1 || r.Chapters[0].Attempts != 3 || r.Overall.Points != 10 {
		t.Errorf("recent: %+v", r)
	}
	if len(p.Weeks) != 2 || len(p.Chapters[0].Weeks) != 2 {
		t.Error("Recent changed the original")
	}
	if e := models.CodingAccuracy(nil); len(e.Weeks) != 0 || e.Overall.HasData() {
		t.Errorf("no attempts: %+v", e)
	}
}

// BenchmarkImportFY2026 measures importing the full ICD-10-CM FY2026 order
// file (98,186 lines) into SQLite, parsing included.
func BenchmarkImportFY2026(b *testing.B) {
	path := shareddata.SharedFile(b, "data/icd10cm_order_2026.txt")
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := testutil.OpenDB(b, models.SQLite)
		b.StartTimer()
		fh, _ := os.Open(path)
		f, err := codes.ReadFile(path, fh, "", 0)
		fh.Close()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.ImportCodeSet(ctx, models.Actor{}, input(f), nil); err != nil {
			b.Fatal(err)
		}
	}
}
