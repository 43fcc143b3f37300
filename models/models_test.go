package models_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"chartroom/content"
	"chartroom/exam"
	"chartroom/internal/testutil"
	"chartroom/models"
)

var ctx = context.Background()

func TestMigrateFromEmptyAndFromEachOlderSchema(t *testing.T) {
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			db := testutil.OpenRawDB(t, d)
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			v, err := db.SchemaVersion(ctx)
			if err != nil || v != models.LatestSchema() {
				t.Fatalf("fresh database at version %d (%v), want %d", v, err, models.LatestSchema())
			}
			// Migrating again is a no-op.
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for old := 1; old < models.LatestSchema(); old++ {
				db := testutil.OpenRawDB(t, d)
				if err := db.MigrateTo(ctx, old); err != nil {
					t.Fatal(err)
				}
				// Data written under the old schema survives the upgrade.
				if err := db.Write(ctx, func(tx *gorm.DB) error {
					_, err := models.CreateUser(tx, models.NewUser{Email: "old@example.edu", Name: "Old", Role: models.RoleStudent, Password: "an old but fine passphrase"})
					return err
				}); err != nil {
					t.Fatal(err)
				}
				if err := db.Migrate(ctx); err != nil {
					t.Fatalf("from %d: %v", old, err)
				}
				if v, _ := db.SchemaVersion(ctx); v != models.LatestSchema() {
					t.Fatalf("from %d: at %d", old, v)
				}
				if _, err := db.UserByEmail(ctx, "old@example.edu"); err != nil {
					t.Fatalf("from %d: user lost: %v", old, err)
				}
			}
		})
	}
}

func lib(t *testing.T) *content.Library {
	t.Helper()
	l, err := content.Load(content.Files)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func student(t *testing.T, db *models.DB, email string) *models.User {
	t.Helper()
	var u *models.User
	err := db.Write(ctx, func(tx *gorm.DB) error {
		var err error
		u, err = models.CreateUser(tx, models.NewUser{Email: email, Name: "Student", Role: models.RoleStudent, Password: "a fine long passphrase"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// attempt creates a 5-item attempt on the built-in bank.
func attempt(t *testing.T, db *models.DB, l *content.Library, u *models.User, deadline *time.Time) *models.Attempt {
	t.Helper()
	var ids []string
	for _, q := range l.Questions[:5] {
		ids = append(ids, q.ID)
	}
	vs, err := db.CurrentVersions(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	var items []models.NewItem
	for _, id := range ids {
		items = append(items, models.NewItem{QuestionID: id, VersionID: vs[id], OptionOrder: "ABCD", Scored: true})
	}
	a, err := db.CreateAttempt(ctx, models.NewAttempt{UserID: u.ID, Mode: "timed", Title: "t", Feedback: models.FeedbackEnd, Deadline: deadline, Items: items}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestSyncBankVersionsChangedQuestions(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *models.DB) {
		l := lib(t)
		if err := models.SyncBank(ctx, db, l); err != nil {
			t.Fatal(err)
		}
		if err := models.SyncBank(ctx, db, l); err != nil {
			t.Fatal(err)
		}
		var n int64
		db.R.Model(&models.QuestionVersion{}).Count(&n)
		if int(n) != len(l.Questions) {
			t.Fatalf("%d versions for %d questions after two syncs", n, len(l.Questions))
		}
		u := student(t, db, "s@example.edu")
		a := attempt(t, db, l, u, nil)
		items, _ := db.Items(ctx, a.ID)
		oldVersion := items[0].VersionID
		oldStem := l.Questions[0].Stem

		// Edit the first question and drop the second from the files.
		changed := *l
		changed.Questions = append([]exam.Question(nil), l.Questions...)
		changed.Questions[0].Stem = oldStem + " (revised)"
		retired := changed.Questions[1].ID
		changed.Questions = append(changed.Questions[:1], changed.Questions[2:]...)
		if err := models.SyncBank(ctx, db, &changed); err != nil {
			t.Fatal(err)
		}
		cur, _ := db.CurrentVersions(ctx, []string{l.Questions[0].ID})
		if cur[l.Questions[0].ID] == oldVersion {
			t.Fatal("an edited question did not get a new version")
		}
		// The attempt still shows the version it was given.
		q, err := db.Version(ctx, oldVersion)
		if err != nil || q.Stem != oldStem {
			t.Fatalf("old version changed: %v %q", err, q.Stem)
		}
		var st string
		db.R.Model(&models.Question{}).Where("id = ?", retired).Pluck("status", &st)
		if st != models.StatusRetired {
			t.Fatalf("removed question has status %q", st)
		}
	})
}

func TestSaveAnswerSequenceIdempotency(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *models.DB) {
		l := lib(t)
		models.SyncBank(ctx, db, l)
		u := student(t, db, "s@example.edu")
		a := attempt(t, db, l, u, nil)
		now := time.Now()
		save := func(ans string, seq int64) models.SaveResult {
			t.Helper()
			r, err := db.SaveAnswer(ctx, models.Save{AttemptID: a.ID, UserID: u.ID, N: 1, Answer: exam.Answer(ans), Seq: seq}, now)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		if r := save("B", 10); !r.Applied || r.Seq != 10 {
			t.Fatalf("first save %+v", r)
		}
		if r := save("C", 12); !r.Applied {
			t.Fatalf("newer save not applied %+v", r)
		}
		// An older request arriving late (reordered or retried) changes nothing.
		if r := save("B", 11); r.Applied || r.Seq != 12 {
			t.Fatalf("stale save %+v", r)
		}
		// The same request twice is acknowledged, once applied.
		if r := save("C", 12); r.Applied || r.Seq != 12 {
			t.Fatalf("repeat save %+v", r)
		}
		it, _ := db.Item(ctx, a.ID, 1)
		if it.Answer != "C" || it.Seq != 12 {
			t.Fatalf("stored %q seq %d", it.Answer, it.Seq)
		}
		// Another student cannot write into this attempt.
		other := student(t, db, "o@example.edu")
		_, err := db.SaveAnswer(ctx, models.Save{AttemptID: a.ID, UserID: other.ID, N: 1, Answer: "A", Seq: 99}, now)
		if !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("other student's save: %v", err)
		}
	})
}

func TestDeadlineGraceAndFinish(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *models.DB) {
		l := lib(t)
		models.SyncBank(ctx, db, l)
		u := student(t, db, "s@example.edu")
		deadline := time.Now().Add(time.Minute).UTC()
		a := attempt(t, db, l, u, &deadline)
		key := l.Questions[0].Key[0]
		if _, err := db.SaveAnswer(ctx, models.Save{AttemptID: a.ID, UserID: u.ID, N: 1, Answer: exam.Answer(key), Seq: 1}, deadline.Add(50*time.Second)); err != nil {
			t.Fatalf("a save within the grace period failed: %v", err)
		}
		_, err := db.SaveAnswer(ctx, models.Save{AttemptID: a.ID, UserID: u.ID, N: 2, Answer: "A", Seq: 1}, deadline.Add(61*time.Second))
		if !errors.Is(err, models.ErrAttemptClosed) {
			t.Fatalf("a save after deadline + grace: %v", err)
		}
		n, err := db.SweepExpired(ctx, deadline.Add(2*time.Minute))
		if err != nil || n != 1 {
			t.Fatalf("sweep finished %d (%v)", n, err)
		}
		again, _ := db.SweepExpired(ctx, deadline.Add(3*time.Minute))
		if again != 0 {
			t.Fatal("the sweeper finished an attempt twice")
		}
		if ok, _ := db.FinishAttempt(ctx, a.ID, models.AttemptSubmitted, time.Now()); ok {
			t.Fatal("submitting an expired attempt finished it again")
		}
		got, _ := db.AttemptByID(ctx, a.ID)
		if got.Status != models.AttemptExpired || got.Correct == nil || *got.Correct != 1 {
			t.Fatalf("attempt after sweep: status %s correct %v", got.Status, got.Correct)
		}
	})
}

// Many concurrent autosaves never fail (no SQLITE_BUSY) and all land.
func TestConcurrentSavesAllLand(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *models.DB) {
		l := lib(t)
		models.SyncBank(ctx, db, l)
		const students = 40
		var wg sync.WaitGroup
		errs := make(chan error, students*5)
		type pair struct {
			u *models.User
			a *models.Attempt
		}
		var ps []pair
		for i := 0; i < students; i++ {
			u := student(t, db, fmt.Sprintf("s%d@example.edu", i))
			ps = append(ps, pair{u, attempt(t, db, l, u, nil)})
		}
		for _, p := range ps {
			for n := 1; n <= 5; n++ {
				wg.Add(1)
				go func(p pair, n int) {
					defer wg.Done()
					_, err := db.SaveAnswer(ctx, models.Save{AttemptID: p.a.ID, UserID: p.u.ID, N: n, Answer: "B", Seq: int64(n)}, time.Now())
					errs <- err
				}(p, n)
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		var answered int64
		db.R.Model(&models.AttemptItem{}).Where("answer = ?", "B").Count(&answered)
		if answered != students*5 {
			t.Fatalf("%d of %d saves stored", answered, students*5)
		}
	})
}

func TestBackupWhileWriting(t *testing.T) {
	db := testutil.OpenDB(t, models.SQLite)
	student(t, db, "before@example.edu")
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			db.Write(ctx, func(tx *gorm.DB) error {
				return models.Audit(tx, models.Actor{Email: "load"}, "login.failure", "", nil, fmt.Sprint(i))
			})
		}
	}()
	dest := t.TempDir() + "/backup.db"
	if err := db.Backup(ctx, dest); err != nil {
		t.Fatal(err)
	}
	close(stop)
	<-done
	copyDB, err := models.Open(dest, models.Options{Logger: testutil.Quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	if _, err := copyDB.UserByEmail(ctx, "before@example.edu"); err != nil {
		t.Fatalf("backup lacks data: %v", err)
	}
	if v, _ := copyDB.SchemaVersion(ctx); v != models.LatestSchema() {
		t.Fatalf("backup schema %d", v)
	}
}

// A skipped item is graded wrong in its attempt but is not "answered wrong"
// in the student's history (the custom status filter draws from it).
func TestHistorySeparatesWrongFromSkipped(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *models.DB) {
		l := lib(t)
		models.SyncBank(ctx, db, l)
		u := student(t, db, "s@example.edu")
		a := attempt(t, db, l, u, nil)
		wrong := "A"
		if l.Questions[0].Key[0] == "A" {
			wrong = "B"
		}
		if _, err := db.SaveAnswer(ctx, models.Save{AttemptID: a.ID, UserID: u.ID, N: 1, Answer: exam.Answer(wrong), Seq: 1}, time.Now()); err != nil {
			t.Fatal(err)
		}
		if ok, err := db.FinishAttempt(ctx, a.ID, models.AttemptSubmitted, time.Now()); !ok || err != nil {
			t.Fatalf("finish: %v %v", ok, err)
		}
		h, err := db.History(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if x := h[l.Questions[0].ID]; x == nil || x.LastCorrect == nil || *x.LastCorrect {
			t.Fatalf("answered wrong: %+v", x)
		}
		if x := h[l.Questions[1].ID]; x == nil || x.LastCorrect != nil {
			t.Fatalf("skipped: %+v, want seen but never answered", x)
		}
	})
}
