package models_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

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
