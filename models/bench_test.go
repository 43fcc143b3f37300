package models_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"chartroom/internal/testutil"
	"chartroom/models"
)

// BenchmarkStartMocks measures creating mock attempts (150 items each)
// concurrently through the group-commit writer, with synchronous=FULL.
func BenchmarkStartMocks(b *testing.B) {
	for _, syncMode := range []string{"FULL", "NORMAL"} {
		b.Run(syncMode, func(b *testing.B) {
			dir := b.TempDir()
			db, err := models.Open(dir+"/b.db", models.Options{Logger: testutil.Quiet(), Synchronous: syncMode})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			db.Migrate(ctx)
			l := lib(&testing.T{})
			models.SyncBank(ctx, db, l)
			u := student(&testing.T{}, db, "bench@example.edu")
			var items []models.NewItem
			vs, _ := db.CurrentVersions(ctx, ids(l, 150))
			for _, id := range ids(l, 150) {
				items = append(items, models.NewItem{QuestionID: id, VersionID: vs[id], OptionOrder: "DCBA", Scored: true})
			}
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for i := 0; i < b.N; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := db.CreateAttempt(ctx, models.NewAttempt{UserID: u.ID, Mode: "mock", Title: "m", Feedback: models.FeedbackEnd, Items: items}, time.Now()); err != nil {
						b.Error(err)
					}
				}()
			}
			wg.Wait()
			el := time.Since(start)
			st := db.Stats()
			b.ReportMetric(float64(b.N)/el.Seconds(), "attempts/s")
			b.Logf("%d attempts in %v: %d commits, max batch %d, jobs %v, commits %v", b.N, el, st.Commits, st.MaxBatch, st.JobTime, st.CommitTime)
		})
	}
}

func ids(l interface{ QuestionIDs() []string }, n int) []string { return l.QuestionIDs()[:n] }

var _ = fmt.Sprint

// BenchmarkHotReads measures the reads every exam request makes.
func BenchmarkHotReads(b *testing.B) {
	db := testutil.OpenDB(b, models.SQLite)
	l := lib(&testing.T{})
	models.SyncBank(ctx, db, l)
	u := student(&testing.T{}, db, "bench@example.edu")
	vs, _ := db.CurrentVersions(ctx, ids(l, 150))
	var items []models.NewItem
	for _, id := range ids(l, 150) {
		items = append(items, models.NewItem{QuestionID: id, VersionID: vs[id], OptionOrder: "DCBA", Scored: true})
	}
	a, _ := db.CreateAttempt(ctx, models.NewAttempt{UserID: u.ID, Mode: "mock", Title: "m", Feedback: models.FeedbackEnd, Items: items}, time.Now())
	sess := &models.Session{ID: "benchsession", UserID: &u.ID, CSRFToken: "x", CreatedAt: time.Now(), LastSeenAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
	db.SaveSession(ctx, sess)
	b.Run("LoadSession", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := db.LoadSession(ctx, "benchsession"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("OwnAttemptItem", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, _, err := db.OwnAttemptItem(ctx, u.ID, a.ID, 75); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ItemStates", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := db.ItemStates(ctx, a.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRecomputeQuizStats measures the background item analysis of
// one quiz with 10,000 finished attempts of 150 items: reading the 1.5
// million responses from the database, analysing them and storing the
// result. (The analysis alone is exam.BenchmarkAnalyzeItems.)
func BenchmarkRecomputeQuizStats(b *testing.B) {
	for _, d := range testutil.Dialects() {
		b.Run(d, func(b *testing.B) {
			db := testutil.OpenDB(b, d)
			t := &testing.T{}
			_, stu, as, _ := quizSetup(t, db)
			qids := ids(lib(t), 150)
			vs, err := db.CurrentVersions(ctx, qids)
			if err != nil {
				b.Fatal(err)
			}
			const attempts = 10000
			now := time.Now().UTC()
			err = db.Write(ctx, func(tx *gorm.DB) error {
				for i, id := range qids {
					if err := tx.Exec("INSERT INTO quiz_questions (quiz_id, pos, question_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", as.QuizID, 100+i, id).Error; err != nil {
						return err
					}
				}
				for lo := 0; lo < attempts; lo += 500 {
					var args []any
					for i := 0; i < 500; i++ {
						args = append(args, stu.ID, as.ID, "quiz", "Q", "submitted", now, now, 150, 150, "end")
					}
					if err := tx.Exec(`INSERT INTO attempts (user_id, assignment_id, mode, title, status, started_at, finished_at, items, scored_items, feedback) VALUES `+
						strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?), ", 500), ", "), args...).Error; err != nil {
						return err
					}
				}
				if err := tx.Exec("CREATE TEMPORARY TABLE bench_q (n INTEGER, qid TEXT, vid BIGINT)").Error; err != nil {
					return err
				}
				for i, id := range qids {
					if err := tx.Exec("INSERT INTO bench_q VALUES (?, ?, ?)", i+1, id, vs[id]).Error; err != nil {
						return err
					}
				}
				// Item n of attempt a: an "ability" (a mod 10) against a
				// "difficulty" (n mod 7) decides correctness; answers vary.
				return tx.Exec(`INSERT INTO attempt_items (attempt_id, n, question_id, version_id, option_order, scored, answer, correct)
					SELECT a.id, q.n, q.qid, q.vid, 'ABCD', TRUE, SUBSTR('ABCD', CAST(1 + (a.id * 7 + q.n) % 4 AS INTEGER), 1), (a.id % 10) + (q.n % 7) > 6
					FROM attempts a CROSS JOIN bench_q q WHERE a.assignment_id = ?`, as.ID).Error
			})
			if err != nil {
				b.Fatal(err)
			}
			// A bulk load leaves the planner without statistics until
			// autovacuum gets to it; a live database has them.
			if err := db.Write(ctx, func(tx *gorm.DB) error { return tx.Exec("ANALYZE").Error }); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				if err := db.Write(ctx, func(tx *gorm.DB) error {
					return tx.Exec("INSERT INTO stats_dirty (quiz_id, since) VALUES (?, ?) ON CONFLICT (quiz_id) DO UPDATE SET since = excluded.since", as.QuizID, time.Now().UTC()).Error
				}); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				n, err := db.RecomputeDirtyStats(ctx)
				if err != nil || n != 1 {
					b.Fatalf("recompute: %d %v", n, err)
				}
			}
			b.StopTimer()
			st, _ := db.StatsFor(ctx, as.QuizID)
			if ts, _ := st.Parsed(); ts.Attempts != attempts || len(ts.Items) != 150 {
				b.Fatalf("analysed %d attempts, %d items", ts.Attempts, len(ts.Items))
			}
		})
	}
}
