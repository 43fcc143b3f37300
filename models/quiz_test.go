package models_test

import (
	"errors"
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
		{"time and a half plus ten", &models.Accommodation{1.5, 10, 0}, nil, 30 * time.Minute, start.Add(24 * time.Hour), models.Accommodation{1.5, 10, 0}, 55 * time.Minute},
		// A quiz override never reduces the cohort's: each value is the larger.
		{"override smaller", &models.Accommodation{1.5, 10, 1}, &models.Accommodation{1.25, 5, 0}, 30 * time.Minute, start.Add(24 * time.Hour), models.Accommodation{1.5, 10, 1}, 55 * time.Minute},
		{"override larger", &models.Accommodation{1.5, 0, 0}, &models.Accommodation{2, 15, 2}, 30 * time.Minute, start.Add(24 * time.Hour), models.Accommodation{2, 15, 2}, 75 * time.Minute},
		{"override only", nil, &models.Accommodation{1, 20, 0}, 60 * time.Minute, start.Add(24 * time.Hour), models.Accommodation{1, 20, 0}, 80 * time.Minute},
		// The close time caps even an accommodated attempt.
		{"capped by close", &models.Accommodation{2, 0, 0}, nil, 30 * time.Minute, late, models.Accommodation{2, 0, 0}, 40 * time.Minute},
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
	q, err := db.SaveQuiz(ctx, inst, 0, models.QuizInput{Title: "Q", Kind: models.QuizFixed, Mode: "exam", TimeLimitMinutes: 10, AttemptsAllowed: 1,
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
