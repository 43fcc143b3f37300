package models_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"chartroom/exam"
	"chartroom/internal/testutil"
	"chartroom/models"
)

func TestAccommodationArithmetic(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	late := start.Add(40 * time.Minute)
	for _, c := range []struct {
		name             string
		cohort, override *models.Accommodation
		limit            time.Duration
		close            time.Time
		want             models.Accommodation
		wantLimit        time.Duration
	}{
		{"none", nil, nil, 30 * time.Minute, start.Add(24 * time.Hour), models.Accommodation{TimeMultiplier: 1}, 30 * time.Minute},
		{"time and a half plus ten", &models.Accommodation{1.5, 10, 0, 0}, nil, 30 * time.Minute, start.Add(24 * time.Hour), models.Accommodation{1.5, 10, 0, 0}, 55 * time.Minute},
		// A quiz override never reduces the cohort's: each value is the larger.
		{"override smaller", &models.Accommodation{1.5, 10, 1, 0}, &models.Accommodation{1.25, 5, 0, 0}, 30 * time.Minute, start.Add(24 * time.Hour), models.Accommodation{1.5, 10, 1, 0}, 55 * time.Minute},
		{"override larger", &models.Accommodation{1.5, 0, 0, 0}, &models.Accommodation{2, 15, 2, 0}, 30 * time.Minute, start.Add(24 * time.Hour), models.Accommodation{2, 15, 2, 0}, 75 * time.Minute},
		{"override only", nil, &models.Accommodation{1, 20, 0, 0}, 60 * time.Minute, start.Add(24 * time.Hour), models.Accommodation{1, 20, 0, 0}, 80 * time.Minute},
		// Granted attempts add after the larger accommodation is taken.
		{"grant on top of equal extra attempts", &models.Accommodation{1, 0, 1, 0}, &models.Accommodation{1, 0, 0, 1}, 30 * time.Minute, start.Add(24 * time.Hour), models.Accommodation{1, 0, 1, 1}, 30 * time.Minute},
		// The close time caps even an accommodated attempt.
		{"capped by close", &models.Accommodation{2, 0, 0, 0}, nil, 30 * time.Minute, late, models.Accommodation{2, 0, 0, 0}, 40 * time.Minute},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := models.EffectiveAccommodation(c.cohort, c.override)
			if got != c.want {
				t.Fatalf("effective %+v, want %+v", got, c.want)
			}
			closes := c.close
			d := exam.Deadline(start, exam.Timing{Limit: c.limit, Multiplier: got.TimeMultiplier, Extra: time.Duration(got.ExtraMinutes) * time.Minute, CloseAt: &closes})
			if d.Sub(start) != c.wantLimit {
				t.Fatalf("limit %v, want %v", d.Sub(start), c.wantLimit)
			}
		})
	}
}

func TestGradeBy(t *testing.T) {
	scores := []float64{60, 90, 75}
	for method, want := range map[string]float64{models.GradeHighest: 90, models.GradeLast: 75, models.GradeFirst: 60, models.GradeAverage: 75} {
		if got, ok := models.GradeBy(method, scores); !ok || got != want {
			t.Errorf("%s: %v, want %v", method, got, want)
		}
	}
	if _, ok := models.GradeBy(models.GradeHighest, nil); ok {
		t.Error("a grade from no attempts")
	}
}

// quizSetup makes an instructor, a cohort with one student, a fixed quiz of
// three built-in questions and an open assignment.
func quizSetup(t *testing.T, db *models.DB) (*models.User, *models.User, *models.AssignmentView, []models.NewItem) {
	t.Helper()
	l := lib(t)
	if err := models.Prepare(ctx, db, l); err != nil {
		t.Fatal(err)
	}
	var inst *models.User
	if err := db.Write(ctx, func(tx *gorm.DB) error {
		var err error
		inst, err = models.CreateUser(tx, models.NewUser{Email: "i@example.edu", Name: "Inst", Role: models.RoleInstructor, Password: "a fine long passphrase"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	stu := student(t, db, "s@example.edu")
	co, err := db.CreateCohort(ctx, models.Actor{ID: inst.ID}, models.CohortInput{Name: "HIT", RequiredHours: 90})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.JoinByCode(ctx, models.Actor{ID: stu.ID}, co.JoinCode); err != nil {
		t.Fatal(err)
	}
	q, err := db.SaveQuiz(ctx, inst, 0, models.QuizInput{Title: "Q", Kind: models.QuizFixed, Mode: "timed", TimeLimitMinutes: 10, AttemptsAllowed: 1,
		Grading: models.GradeHighest, ReviewPolicy: models.ReviewImmediately})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, x := range l.Questions {
		if x.SetID == "" && len(ids) < 3 {
			ids = append(ids, x.ID)
		}
	}
	if err := db.SetQuizQuestions(ctx, inst, q.ID, ids); err != nil {
		t.Fatal(err)
	}
	a, err := db.Assign(ctx, models.Actor{ID: inst.ID}, q.ID, co.ID, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	as, err := db.AssignmentByID(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	vs, err := db.CurrentVersions(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	var items []models.NewItem
	for _, id := range ids {
		items = append(items, models.NewItem{QuestionID: id, VersionID: vs[id], OptionOrder: "ABCD", Scored: true})
	}
	return inst, stu, as, items
}

func TestQuizStartsAreOneAtATimeAndLimited(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *models.DB) {
		_, stu, as, items := quizSetup(t, db)
		// Ten starts at once (a double click, two tabs): one attempt.
		var wg sync.WaitGroup
		errs := make([]error, 10)
		for i := range errs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, errs[i] = db.CreateAttempt(ctx, models.NewAttempt{AssignmentID: &as.ID, MaxAttempts: 1, UserID: stu.ID, Mode: "quiz", Title: "Q",
					Feedback: models.FeedbackEnd, Items: items}, time.Now())
			}(i)
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, models.ErrAttemptInProgress), errors.Is(err, models.ErrAttemptLimit):
			default:
				t.Fatalf("unexpected error: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d attempts started, want 1", ok)
		}
		all, _ := db.AssignmentAttempts(ctx, as.ID, stu.ID)
		if _, err := db.FinishAttempt(ctx, all[0].ID, models.AttemptSubmitted, time.Now()); err != nil {
			t.Fatal(err)
		}
		// The limit of one is used.
		_, err := db.CreateAttempt(ctx, models.NewAttempt{AssignmentID: &as.ID, MaxAttempts: 1, UserID: stu.ID, Mode: "quiz", Title: "Q", Feedback: models.FeedbackEnd, Items: items}, time.Now())
		if !errors.Is(err, models.ErrAttemptLimit) {
			t.Fatalf("second attempt: %v", err)
		}
	})
}

func TestItemAnalysisIsQueuedAndComputedInTheBackground(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *models.DB) {
		_, stu, as, items := quizSetup(t, db)
		if _, err := db.StatsFor(ctx, as.QuizID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("stats before any attempt: %v", err)
		}
		a, err := db.CreateAttempt(ctx, models.NewAttempt{AssignmentID: &as.ID, UserID: stu.ID, Mode: "quiz", Title: "Q", Feedback: models.FeedbackEnd, Items: items}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		// Answer item 1 with B; the others unanswered.
		if _, err := db.SaveAnswer(ctx, models.Save{AttemptID: a.ID, UserID: stu.ID, N: 1, Answer: "B", Seq: 1}, time.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FinishAttempt(ctx, a.ID, models.AttemptSubmitted, time.Now()); err != nil {
			t.Fatal(err)
		}
		if pending, _ := db.StatsPending(ctx, as.QuizID); !pending {
			t.Fatal("a finished quiz attempt did not queue the analysis")
		}
		n, err := db.RecomputeDirtyStats(ctx)
		if err != nil || n != 1 {
			t.Fatalf("recompute: %d, %v", n, err)
		}
		if pending, _ := db.StatsPending(ctx, as.QuizID); pending {
			t.Fatal("still queued after recomputing")
		}
		st, err := db.StatsFor(ctx, as.QuizID)
		if err != nil {
			t.Fatal(err)
		}
		ts, err := st.Parsed()
		if err != nil || ts.Attempts != 1 || len(ts.Items) != 3 {
			t.Fatalf("stats %+v %v", ts, err)
		}
		for _, it := range ts.Items {
			if it.Item == items[0].QuestionID && it.Choices["B"] != 1 {
				t.Fatalf("choice counts %v", it.Choices)
			}
		}
		// Nothing queued: nothing computed.
		if n, _ := db.RecomputeDirtyStats(ctx); n != 0 {
			t.Fatalf("recomputed %d with nothing queued", n)
		}
	})
}

func TestGrantedAttemptsAddOnTopOfAccommodations(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *models.DB) {
		inst, stu, as, _ := quizSetup(t, db)
		act := models.Actor{ID: inst.ID}
		added := func() int {
			t.Helper()
			acc, err := db.AccommodationFor(ctx, as, stu.ID)
			if err != nil {
				t.Fatal(err)
			}
			return acc.AddedAttempts()
		}
		// The cohort gives one extra attempt; a grant must give one more.
		if err := db.SetAccommodation(ctx, act, as.CohortID, stu.ID, 1, 0, 1, ""); err != nil {
			t.Fatal(err)
		}
		if got := added(); got != 1 {
			t.Fatalf("cohort accommodation: %d added attempts, want 1", got)
		}
		for want := 2; want <= 3; want++ {
			if err := db.GrantExtraAttempt(ctx, act, as.ID, stu.ID); err != nil {
				t.Fatal(err)
			}
			if got := added(); got != want {
				t.Fatalf("after a grant: %d added attempts, want %d", got, want)
			}
		}
		// Saving the quiz-level accommodation form keeps the grants.
		if err := db.SetOverride(ctx, act, as.ID, stu.ID, 1, 0, 1); err != nil {
			t.Fatal(err)
		}
		if got := added(); got != 3 {
			t.Fatalf("after saving the quiz accommodation: %d added attempts, want 3", got)
		}
		var detail string
		db.R.Table("audit_log").Where("action = ?", "attempt.extra").Order("id DESC").Limit(1).Pluck("detail", &detail)
		if !strings.Contains(detail, "2 granted in all") {
			t.Fatalf("audit detail %q", detail)
		}
	})
}

func TestQuizListKeepsRetiredQuestionsEditable(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *models.DB) {
		inst, _, as, _ := quizSetup(t, db)
		ids, err := db.QuizQuestions(ctx, as.QuizID)
		if err != nil || len(ids) != 3 {
			t.Fatalf("quiz list %v %v", ids, err)
		}
		var spare []string
		db.R.Model(&models.Question{}).Where("source = ? AND status = ? AND id NOT IN ?", "builtin", models.StatusReady, ids).Order("id").Limit(2).Pluck("id", &spare)
		if len(spare) != 2 {
			t.Fatal("no spare questions")
		}
		setStatus := func(id, status string) {
			t.Helper()
			if err := db.Write(ctx, func(tx *gorm.DB) error {
				return tx.Exec("UPDATE questions SET status = ? WHERE id = ?", status, id).Error
			}); err != nil {
				t.Fatal(err)
			}
		}
		setStatus(ids[1], models.StatusRetired)
		// Reorder and add a ready question: the retired one stays on the list.
		next := []string{ids[2], ids[1], ids[0], spare[0]}
		if err := db.SetQuizQuestions(ctx, inst, as.QuizID, next); err != nil {
			t.Fatalf("editing a list holding a retired question: %v", err)
		}
		if got, _ := db.QuizQuestions(ctx, as.QuizID); strings.Join(got, ",") != strings.Join(next, ",") {
			t.Fatalf("list %v, want %v", got, next)
		}
		// A question new to the list must still be ready.
		setStatus(spare[1], models.StatusRetired)
		err = db.SetQuizQuestions(ctx, inst, as.QuizID, append(next, spare[1]))
		if fe, ok := err.(*models.ValidationError); !ok || fe == nil {
			t.Fatalf("adding a retired question: %v", err)
		}
		// Removing the retired one works too.
		if err := db.SetQuizQuestions(ctx, inst, as.QuizID, []string{ids[2], ids[0]}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestQuizCloseMovesDeadlinesInProgress(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *models.DB) {
		inst, stu, as, items := quizSetup(t, db) // 10-minute limit
		act := models.Actor{ID: inst.ID}
		now := time.Now().UTC().Truncate(time.Second)
		limit := 10 * time.Minute
		start := func(userID int64, settings any, deadline time.Time) *models.Attempt {
			t.Helper()
			a, err := db.CreateAttempt(ctx, models.NewAttempt{AssignmentID: &as.ID, UserID: userID, Mode: "quiz", Title: "Q", Feedback: models.FeedbackEnd,
				Deadline: &deadline, Settings: settings, Items: items}, now)
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		deadline := func(id int64) time.Time {
			t.Helper()
			a, err := db.AttemptByID(ctx, id)
			if err != nil || a.Deadline == nil {
				t.Fatalf("attempt %d: %+v %v", id, a, err)
			}
			return a.Deadline.UTC()
		}
		move := func(closes, at time.Time) {
			t.Helper()
			if _, err := db.AssignAt(ctx, act, as.QuizID, as.CohortID, as.OpensAt, closes, at); err != nil {
				t.Fatal(err)
			}
		}
		full := now.Add(limit)
		a := start(stu.ID, models.QuizAttemptSettings{FullDeadline: &full}, full)

		// Closing early caps it; closing later again gives the time back,
		// but never more than the time limit.
		move(now.Add(4*time.Minute), now)
		if got := deadline(a.ID); !got.Equal(now.Add(4 * time.Minute)) {
			t.Fatalf("after closing early: %v", got)
		}
		move(now.Add(7*time.Minute), now)
		if got := deadline(a.ID); !got.Equal(now.Add(7 * time.Minute)) {
			t.Fatalf("after closing a little later: %v", got)
		}
		move(now.Add(2*time.Hour), now)
		if got := deadline(a.ID); !got.Equal(full) {
			t.Fatalf("after extending the close: %v, want %v", got, full)
		}
		// An instructor's extension is kept when the close moves later.
		if err := db.ExtendAttempt(ctx, act, a.ID, 30); err != nil {
			t.Fatal(err)
		}
		move(now.Add(3*time.Hour), now)
		if got := deadline(a.ID); !got.Equal(full.Add(30 * time.Minute)) {
			t.Fatalf("extension lost: %v", got)
		}
		if _, err := db.FinishAttempt(ctx, a.ID, models.AttemptSubmitted, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}

		// An attempt from before the full deadline was stored: recomputed
		// from the limit and the student's accommodation (1.5x + 5 min).
		if err := db.SetAccommodation(ctx, act, as.CohortID, stu.ID, 1.5, 5, 0, ""); err != nil {
			t.Fatal(err)
		}
		capped := now.Add(3 * time.Minute)
		b := start(stu.ID, nil, capped)
		move(now.Add(3*time.Hour), now)
		if got, want := deadline(b.ID), now.Add(20*time.Minute); !got.Equal(want) {
			t.Fatalf("legacy attempt: %v, want %v", got, want)
		}

		// Time already run out (waiting for the sweeper): moving the close
		// does not reopen it. Nor does it touch finished attempts.
		move(now.Add(4*time.Minute), now)
		later := now.Add(4*time.Minute + exam.Grace + time.Second)
		move(now.Add(5*time.Hour), later)
		if got := deadline(b.ID); !got.Equal(now.Add(4 * time.Minute)) {
			t.Fatalf("an attempt whose time ran out moved to %v", got)
		}
		if got, _ := db.AttemptByID(ctx, a.ID); got.Status != models.AttemptSubmitted || !got.Deadline.Equal(full.Add(30*time.Minute)) {
			t.Fatalf("a finished attempt changed: %+v", got)
		}
	})
}

func TestMigration7FoldsExamIntoTimedAndKeepsOverrides(t *testing.T) {
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			db := testutil.OpenRawDB(t, d)
			if err := db.MigrateTo(ctx, 6); err != nil {
				t.Fatal(err)
			}
			u := student(t, db, "owner@example.edu")
			now := time.Now().UTC()
			var quiz, cohort, as int64
			err := db.Write(ctx, func(tx *gorm.DB) error {
				if err := tx.Raw(`INSERT INTO quizzes (owner_id, title, kind, mode, time_limit_minutes, grading, review_policy, created_at, updated_at)
					VALUES (?, 'Old exam', 'fixed', 'exam', 30, 'highest', 'after_close', ?, ?) RETURNING id`, u.ID, now, now).Scan(&quiz).Error; err != nil {
					return err
				}
				if err := tx.Raw(`INSERT INTO cohorts (name, instructor_id, join_code, created_at, updated_at) VALUES ('C', ?, 'JOIN7', ?, ?) RETURNING id`, u.ID, now, now).Scan(&cohort).Error; err != nil {
					return err
				}
				if err := tx.Raw(`INSERT INTO assignments (quiz_id, cohort_id, opens_at, closes_at, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
					quiz, cohort, now, now.Add(time.Hour), now).Scan(&as).Error; err != nil {
					return err
				}
				return tx.Exec(`INSERT INTO assignment_overrides (assignment_id, user_id, extra_attempts, updated_at) VALUES (?, ?, 2, ?)`, as, u.ID, now).Error
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			var mode string
			db.R.Table("quizzes").Where("id = ?", quiz).Pluck("mode", &mode)
			if mode != "timed" {
				t.Fatalf("mode %q after migration 7", mode)
			}
			ov, err := db.Overrides(ctx, as)
			if err != nil || ov[u.ID].ExtraAttempts != 2 || ov[u.ID].GrantedAttempts != 0 {
				t.Fatalf("override after migration 7: %+v %v", ov[u.ID], err)
			}
		})
	}
}

func TestQuizQuestionStatsComeFromStoredAnalyses(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *models.DB) {
		inst, stu, as, items := quizSetup(t, db)
		qid := items[0].QuestionID
		a, err := db.CreateAttempt(ctx, models.NewAttempt{AssignmentID: &as.ID, UserID: stu.ID, Mode: "quiz", Title: "Q", Feedback: models.FeedbackEnd, Items: items}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.FinishAttempt(ctx, a.ID, models.AttemptSubmitted, time.Now()); err != nil {
			t.Fatal(err)
		}
		// Queued, not computed: nothing to show yet.
		if got, err := db.QuestionStats(ctx, inst, qid); err != nil || len(got) != 0 {
			t.Fatalf("before the background job: %+v %v", got, err)
		}
		if _, err := db.RecomputeDirtyStats(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := db.QuestionStats(ctx, inst, qid)
		if err != nil || len(got) != 1 || got[0].QuizID != as.QuizID || got[0].Item.N != 1 || got[0].QuizTitle != "Q" {
			t.Fatalf("stats %+v %v", got, err)
		}
		// Another instructor sees no figures from this quiz.
		var other *models.User
		if err := db.Write(ctx, func(tx *gorm.DB) error {
			var err error
			other, err = models.CreateUser(tx, models.NewUser{Email: "i2@example.edu", Name: "Other", Role: models.RoleInstructor, Password: "a fine long passphrase"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got, err := db.QuestionStats(ctx, other, qid); err != nil || len(got) != 0 {
			t.Fatalf("another instructor: %+v %v", got, err)
		}
		// A question id that is a prefix of another's matches only itself.
		if got, _ := db.QuestionStats(ctx, inst, qid[:len(qid)-1]); len(got) != 0 {
			t.Fatalf("prefix matched: %+v", got)
		}
	})
}
