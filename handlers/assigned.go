package handlers

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"chartroom/exam"
	"chartroom/models"
)

// Quizzes as students see them: the assignment page, starting an attempt
// (window, attempt limit and accommodations applied here), and the review
// policy that decides when scores, keys and rationales are shown.

// studentAssignment loads :id if the student is in its cohort.
func (a *App) studentAssignment(c *gin.Context) (*models.AssignmentView, bool) {
	id, err := idParam(c, "id")
	if err != nil {
		a.fail(c, err)
		return nil, false
	}
	ctx := c.Request.Context()
	as, err := a.db.AssignmentByID(ctx, id)
	if err == nil {
		var member bool
		member, err = a.db.IsMember(ctx, as.CohortID, currentUser(c).ID)
		if err == nil && !member {
			err = models.ErrNotFound
		}
	}
	if err != nil {
		a.fail(c, err)
		return nil, false
	}
	return as, true
}

// quizTerms is what one student may do with one assignment right now.
type quizTerms struct {
	Acc        models.Accommodation
	Allowed    int // 0: unlimited
	Used       int
	Active     *models.Attempt
	Open       bool
	NotYet     bool
	Limit      time.Duration // the student's time limit (0: untimed)
	CanStart   bool
	Why        string // why not
	Released   bool   // results may be shown now
	ReleasedAt *time.Time
}

func (a *App) quizTerms(ctx context.Context, as *models.AssignmentView, userID int64, attempts []models.Attempt) (quizTerms, error) {
	acc, err := a.db.AccommodationFor(ctx, as, userID)
	if err != nil {
		return quizTerms{}, err
	}
	now := a.now()
	t := quizTerms{Acc: acc, Used: len(attempts), Open: as.Open(now), NotYet: now.Before(as.OpensAt)}
	if as.Quiz.AttemptsAllowed > 0 {
		t.Allowed = as.Quiz.AttemptsAllowed + acc.AddedAttempts()
	}
	for i := range attempts {
		if attempts[i].Active() {
			t.Active = &attempts[i]
		}
	}
	if as.Quiz.TimeLimitMinutes > 0 {
		lim := time.Duration(as.Quiz.TimeLimitMinutes) * time.Minute
		t.Limit = time.Duration(float64(lim)*max(acc.TimeMultiplier, 1)) + time.Duration(acc.ExtraMinutes)*time.Minute
	}
	switch {
	case t.Active != nil:
		t.Why = "You have an attempt in progress."
	case t.NotYet:
		t.Why = "This quiz is not open yet."
	case !t.Open:
		t.Why = "This quiz is closed."
	case t.Allowed > 0 && t.Used >= t.Allowed:
		t.Why = "You have used all your attempts."
	default:
		t.CanStart = true
	}
	t.Released, t.ReleasedAt = released(&as.Quiz, as.ClosesAt, now)
	return t, nil
}

// released applies a quiz's review policy: may a student see the score,
// key and rationales of a finished attempt now, and if not yet, when.
func released(q *models.Quiz, closesAt, now time.Time) (bool, *time.Time) {
	switch q.ReviewPolicy {
	case models.ReviewImmediately:
		return true, nil
	case models.ReviewAfterClose:
		return !now.Before(closesAt), &closesAt
	default:
		return false, nil
	}
}

func (a *App) studentQuiz(c *gin.Context) {
	as, ok := a.studentAssignment(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	u := currentUser(c)
	attempts, err := a.db.AssignmentAttempts(ctx, as.ID, u.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	t, err := a.quizTerms(ctx, as, u.ID, attempts)
	if err != nil {
		a.fail(c, err)
		return
	}
	data := D{"Title": as.QuizTitle, "A": as, "Attempts": attempts, "T": t, "Now": a.now()}
	if t.Released {
		var scores []float64
		for _, at := range attempts {
			if !at.Active() && at.Score != nil {
				scores = append(scores, *at.Score)
			}
		}
		if g, ok := models.GradeBy(as.Quiz.Grading, scores); ok {
			data["Grade"] = g
		}
	}
	for _, g := range gradingMethods {
		if g.Value == as.Quiz.Grading {
			data["GradingLabel"] = g.Label
		}
	}
	if t.Limit > 0 && t.CanStart {
		// Starting late leaves less than the full limit before the close.
		if left := as.ClosesAt.Sub(a.now()); left < t.Limit {
			data["CappedBy"] = left
		}
	}
	a.render(c, http.StatusOK, "student_quiz", data)
}

func (a *App) startQuiz(c *gin.Context) {
	as, ok := a.studentAssignment(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	u := currentUser(c)
	back := "/quizzes/" + strconv.FormatInt(as.ID, 10)
	attempts, err := a.db.AssignmentAttempts(ctx, as.ID, u.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	t, err := a.quizTerms(ctx, as, u.ID, attempts)
	if err != nil {
		a.fail(c, err)
		return
	}
	if t.Active != nil {
		redirect(c, fmt.Sprintf("/attempts/%d", t.Active.ID))
		return
	}
	if !t.CanStart {
		a.flash(c, "error", t.Why)
		redirect(c, back)
		return
	}
	at, err := a.startQuizAttempt(ctx, as, u.ID, t)
	var de *exam.DrawError
	switch {
	case errors.As(err, &de):
		a.log.Warn("quiz draw failed", "assignment", as.ID, "err", de.Msg)
		a.flash(c, "error", "This quiz cannot start: its question pool is too small ("+de.Msg+"). Tell your instructor.")
		redirect(c, back)
		return
	case errors.Is(err, models.ErrAttemptInProgress), errors.Is(err, models.ErrAttemptLimit):
		a.flash(c, "error", err.Error()+".")
		redirect(c, back)
		return
	case err != nil:
		a.fail(c, err)
		return
	}
	redirect(c, fmt.Sprintf("/attempts/%d", at.ID))
}

// startQuizAttempt draws a quiz's questions for one student and stores the
// attempt with its deadline: the time limit with the accommodation applied,
// never past the quiz's close.
func (a *App) startQuizAttempt(ctx context.Context, as *models.AssignmentView, userID int64, t quizTerms) (*models.Attempt, error) {
	q := &as.Quiz
	rng := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	var picked []exam.Picked
	switch q.Kind {
	case models.QuizFixed:
		ids, err := a.db.QuizQuestions(ctx, q.ID)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			picked = append(picked, exam.Picked{ID: id, Scored: true})
		}
	case models.QuizRules:
		taken := map[string]bool{}
		for _, r := range q.DrawRules() {
			f := r.Filter(q.OwnerID)
			cands, err := a.db.Candidates(ctx, userID, f)
			if err != nil {
				return nil, err
			}
			cands = slices.DeleteFunc(cands, func(x exam.Candidate) bool { return taken[x.ID] })
			got, err := exam.Draw(cands, exam.DrawSpec{Count: r.Count}, rng)
			if err != nil {
				return nil, err
			}
			for _, p := range got {
				taken[p.ID] = true
			}
			picked = append(picked, got...)
		}
	case models.QuizBlueprint:
		_, bp, err := a.db.ActiveBlueprint(ctx, a.lib.Blueprint)
		if err != nil {
			return nil, err
		}
		cands, err := a.db.Candidates(ctx, userID, models.DrawFilter{Owner: q.OwnerID})
		if err != nil {
			return nil, err
		}
		if picked, err = exam.Draw(cands, exam.DrawSpec{Count: q.BlueprintItems, Blueprint: bp}, rng); err != nil {
			return nil, err
		}
	}
	if q.Shuffle && q.Kind != models.QuizBlueprint { // a blueprint draw is already in random order
		sets, err := a.db.SetsOf(ctx)
		if err != nil {
			return nil, err
		}
		picked = exam.ShuffleKeepingSets(picked, func(id string) string { return sets[id] }, rng)
	}
	items, err := a.pinItems(ctx, picked, rng, q.Shuffle)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, &exam.DrawError{Msg: "the quiz has no ready questions"}
	}
	feedback := models.FeedbackEnd
	if q.Mode == "tutor" {
		feedback = models.FeedbackImmediate
	}
	// The full deadline is kept with the attempt: if the close moves later
	// again, a deadline the close cut short gets its time back.
	closes, now := as.ClosesAt, a.now()
	deadline := exam.Deadline(now, t.Acc.Timing(q.TimeLimitMinutes, &closes))
	settings := models.QuizAttemptSettings{FullDeadline: exam.Deadline(now, t.Acc.Timing(q.TimeLimitMinutes, nil))}
	return a.db.CreateAttempt(ctx, models.NewAttempt{AssignmentID: &as.ID, MaxAttempts: t.Allowed, UserID: userID, Mode: "quiz",
		Title: q.Title, Feedback: feedback, Deadline: deadline, Settings: settings, Items: items}, now)
}

// quizRelease applies the review policy to a finished quiz attempt (a
// practice attempt is always released).
func (a *App) quizRelease(ctx context.Context, at *models.Attempt) (bool, *models.AssignmentView, error) {
	if at.AssignmentID == nil {
		return true, nil, nil
	}
	as, err := a.db.AssignmentByID(ctx, *at.AssignmentID)
	if err != nil {
		return false, nil, err
	}
	ok, _ := released(&as.Quiz, as.ClosesAt, a.now())
	return ok, as, nil
}
