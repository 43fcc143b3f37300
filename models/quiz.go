package models

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"chartroom/exam"
)

// Quiz kinds, modes, grading methods and review policies.
const (
	QuizFixed     = "fixed"
	QuizRules     = "rules"
	QuizBlueprint = "blueprint"

	GradeHighest = "highest"
	GradeLast    = "last"
	GradeAverage = "average"
	GradeFirst   = "first"

	ReviewImmediately = "immediately"
	ReviewAfterClose  = "after_close"
	ReviewNever       = "never"
)

// Quiz is an instructor's quiz definition.
type Quiz struct {
	ID               int64
	OwnerID          int64
	Title            string
	Description      string
	Kind             string
	Mode             string // tutor or timed (migration 7 folded "exam" into timed)
	TimeLimitMinutes int
	AttemptsAllowed  int // 0: unlimited
	Grading          string
	Shuffle          bool
	ReviewPolicy     string
	Rules            string // JSON []DrawRule
	BlueprintItems   int
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// DrawRule is "N questions from this domain/topic/difficulty".
type DrawRule struct {
	Count      int         `json:"count"`
	Domain     exam.Domain `json:"domain,omitempty"`
	Topic      string      `json:"topic,omitempty"`
	Difficulty int         `json:"difficulty,omitempty"`
}

// Filter is the draw filter of a rule for a quiz owned by owner.
func (r DrawRule) Filter(owner int64) DrawFilter {
	f := DrawFilter{Owner: owner}
	if r.Domain != "" {
		f.Domains = []exam.Domain{r.Domain}
	}
	if r.Topic != "" {
		f.Topics = []string{r.Topic}
	}
	if r.Difficulty > 0 {
		f.Difficulties = []int{r.Difficulty}
	}
	return f
}

// DrawRules parses the rules.
func (q *Quiz) DrawRules() []DrawRule {
	var out []DrawRule
	json.Unmarshal([]byte(q.Rules), &out)
	return out
}

// Feedback is when students see right/wrong.
func (q *Quiz) Feedback() string {
	if q.Mode == "tutor" {
		return FeedbackImmediate
	}
	return FeedbackEnd
}

// QuizInput is the quiz form.
type QuizInput struct {
	Title, Description string
	Kind, Mode         string
	TimeLimitMinutes   int
	AttemptsAllowed    int
	Grading            string
	Shuffle            bool
	ReviewPolicy       string
	Rules              []DrawRule
	BlueprintItems     int
}

func (in *QuizInput) validate() error {
	v := &ValidationError{}
	in.Title, in.Description = strings.TrimSpace(in.Title), strings.TrimSpace(in.Description)
	if in.Title == "" || utf8.RuneCountInString(in.Title) > 150 {
		v.Add("title", "enter a title (up to 150 characters)")
	}
	if utf8.RuneCountInString(in.Description) > 2000 {
		v.Add("description", "use at most 2,000 characters")
	}
	switch in.Kind {
	case QuizFixed, QuizRules, QuizBlueprint:
	default:
		v.Add("kind", "choose how questions are chosen")
	}
	switch in.Mode {
	case "tutor", "timed":
	default:
		v.Add("mode", "choose tutor or timed")
	}
	if in.TimeLimitMinutes < 0 || in.TimeLimitMinutes > 600 {
		v.Add("time_limit_minutes", "enter 0 (no limit) to 600 minutes")
	}
	if in.Mode != "tutor" && in.TimeLimitMinutes == 0 {
		v.Add("time_limit_minutes", "a timed quiz needs a time limit")
	}
	if in.AttemptsAllowed < 0 || in.AttemptsAllowed > 50 {
		v.Add("attempts_allowed", "enter 0 (unlimited) to 50")
	}
	switch in.Grading {
	case GradeHighest, GradeLast, GradeAverage, GradeFirst:
	default:
		v.Add("grading", "choose a grading method")
	}
	switch in.ReviewPolicy {
	case ReviewImmediately, ReviewAfterClose, ReviewNever:
		if in.Mode == "tutor" && in.ReviewPolicy != ReviewImmediately {
			v.Add("review_policy", "tutor mode shows each key as students check their answers: choose immediately, or use timed mode")
		}
	default:
		v.Add("review_policy", "choose when students may see their results")
	}
	if in.Kind == QuizRules {
		if len(in.Rules) == 0 {
			v.Add("rules", "add at least one rule: how many questions from which domain, topic or difficulty")
		}
		total := 0
		for _, r := range in.Rules {
			if r.Count < 1 || r.Count > 150 || (r.Domain != "" && !r.Domain.Valid()) || r.Difficulty < 0 || r.Difficulty > 3 {
				v.Add("rules", "each rule draws 1-150 questions from a valid domain, topic and difficulty")
				break
			}
			total += r.Count
		}
		if total > 200 {
			v.Add("rules", "a quiz draws at most 200 questions")
		}
	}
	if in.Kind == QuizBlueprint && (in.BlueprintItems < 20 || in.BlueprintItems > 150) {
		v.Add("blueprint_items", "a blueprint quiz has 20 to 150 questions")
	}
	return v.Err()
}

// SaveQuiz creates (id 0) or updates a quiz the user owns.
func (db *DB) SaveQuiz(ctx context.Context, owner *User, id int64, in QuizInput) (*Quiz, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	rules, _ := json.Marshal(in.Rules)
	now := time.Now().UTC()
	q := &Quiz{ID: id, OwnerID: owner.ID, Title: in.Title, Description: in.Description, Kind: in.Kind, Mode: in.Mode,
		TimeLimitMinutes: in.TimeLimitMinutes, AttemptsAllowed: in.AttemptsAllowed, Grading: in.Grading, Shuffle: in.Shuffle,
		ReviewPolicy: in.ReviewPolicy, Rules: string(rules), BlueprintItems: in.BlueprintItems, CreatedAt: now, UpdatedAt: now}
	err := db.Write(ctx, func(tx *gorm.DB) error {
		if id == 0 {
			return tx.Create(q).Error
		}
		var cur Quiz
		if err := tx.First(&cur, id).Error; err != nil {
			return notFound(err)
		}
		if cur.OwnerID != owner.ID && owner.Role != RoleAdmin {
			return ErrNotFound
		}
		q.OwnerID, q.CreatedAt = cur.OwnerID, cur.CreatedAt
		return tx.Save(q).Error
	})
	return q, err
}

// QuizFor loads a quiz the user may manage (its owner or an admin).
func (db *DB) QuizFor(ctx context.Context, u *User, id int64) (*Quiz, error) {
	var q Quiz
	if err := db.R.WithContext(ctx).First(&q, id).Error; err != nil {
		return nil, notFound(err)
	}
	if q.OwnerID != u.ID && u.Role != RoleAdmin {
		return nil, ErrNotFound
	}
	return &q, nil
}

// QuizzesFor lists the quizzes a user manages.
func (db *DB) QuizzesFor(ctx context.Context, u *User) ([]Quiz, error) {
	q := db.R.WithContext(ctx).Order("updated_at DESC")
	if u.Role != RoleAdmin {
		q = q.Where("owner_id = ?", u.ID)
	}
	var out []Quiz
	return out, q.Find(&out).Error
}

// QuizQuestions lists a fixed quiz's questions in order.
func (db *DB) QuizQuestions(ctx context.Context, quizID int64) ([]string, error) {
	var ids []string
	err := db.R.WithContext(ctx).Table("quiz_questions").Where("quiz_id = ?", quizID).Order("pos").Pluck("question_id", &ids).Error
	return ids, err
}

// SetQuizQuestions replaces a fixed quiz's list (order as given). Questions
// new to the list must be ready and usable by the instructor; questions
// already on it stay even if retired since (the builder marks them, and
// students' draws skip them), so retiring one question never locks the
// list against reordering, removing or adding others.
func (db *DB) SetQuizQuestions(ctx context.Context, u *User, quizID int64, ids []string) error {
	if len(ids) > 200 {
		return Invalid("questions", "a quiz has at most 200 questions")
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			return Invalid("questions", "question "+id+" is listed twice")
		}
		seen[id] = true
	}
	return db.Write(ctx, func(tx *gorm.DB) error {
		var current []string
		if err := tx.Table("quiz_questions").Where("quiz_id = ?", quizID).Pluck("question_id", &current).Error; err != nil {
			return err
		}
		had := make(map[string]bool, len(current))
		for _, id := range current {
			had[id] = true
		}
		var added []string
		for _, id := range ids {
			if !had[id] {
				added = append(added, id)
			}
		}
		if len(added) > 0 {
			var ok []string
			q := tx.Model(&Question{}).Where("id IN ? AND status = ?", added, StatusReady)
			if u.Role != RoleAdmin {
				q = q.Where("(source = ? OR author_id = ?)", "builtin", u.ID)
			}
			if err := q.Pluck("id", &ok).Error; err != nil {
				return err
			}
			if len(ok) != len(added) {
				return Invalid("questions", "only ready questions from the bank can be added")
			}
		}
		if err := tx.Exec("DELETE FROM quiz_questions WHERE quiz_id = ?", quizID).Error; err != nil {
			return err
		}
		for i, id := range ids {
			if err := tx.Exec("INSERT INTO quiz_questions (quiz_id, pos, question_id) VALUES (?, ?, ?)", quizID, i+1, id).Error; err != nil {
				return err
			}
		}
		return tx.Model(&Quiz{}).Where("id = ?", quizID).Update("updated_at", time.Now().UTC()).Error
	})
}

// Assignment puts a quiz in front of a cohort between two times.
type Assignment struct {
	ID        int64
	QuizID    int64
	CohortID  int64
	OpensAt   time.Time
	ClosesAt  time.Time
	CreatedBy *int64
	CreatedAt time.Time
}

// Open reports whether students may start now.
func (a *Assignment) Open(now time.Time) bool {
	return !now.Before(a.OpensAt) && now.Before(a.ClosesAt)
}

// Assign schedules a quiz for one of the instructor's cohorts (or moves
// the window of an existing assignment), as of the current time.
func (db *DB) Assign(ctx context.Context, act Actor, quizID, cohortID int64, opens, closes time.Time) (*Assignment, error) {
	return db.AssignAt(ctx, act, quizID, cohortID, opens, closes, time.Now())
}

// AssignAt is Assign at a given time: moving the close moves the deadlines
// of attempts in progress with it (see moveDeadlines).
func (db *DB) AssignAt(ctx context.Context, act Actor, quizID, cohortID int64, opens, closes, now time.Time) (*Assignment, error) {
	if !closes.After(opens) {
		return nil, Invalid("closes_at", "the quiz must close after it opens")
	}
	as := &Assignment{QuizID: quizID, CohortID: cohortID, OpensAt: opens.UTC(), ClosesAt: closes.UTC(), CreatedAt: time.Now().UTC()}
	if act.ID != 0 {
		as.CreatedBy = &act.ID
	}
	err := db.Write(ctx, func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "quiz_id"}, {Name: "cohort_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"opens_at", "closes_at"})}).Create(as).Error; err != nil {
			return err
		}
		if as.ID == 0 {
			if err := tx.Where("quiz_id = ? AND cohort_id = ?", quizID, cohortID).First(as).Error; err != nil {
				return err
			}
		}
		return moveDeadlines(tx, as, now)
	})
	return as, err
}

// QuizAttemptSettings is stored with a quiz attempt (attempts.settings).
// FullDeadline is the deadline the student's time limit gave when the
// attempt started — start + limit × multiplier + extra minutes — before the
// close capped it, so a close moved later again can give back the time an
// earlier close took. Nil for an untimed quiz.
type QuizAttemptSettings struct {
	FullDeadline *time.Time `json:"full_deadline,omitempty"`
}

// moveDeadlines applies an assignment's (new) close time to its attempts in
// progress. Each deadline becomes the rule — the attempt's full deadline,
// capped by the close — except that an instructor's extension beyond the
// rule is kept up to the close. So closing earlier ends attempts at the new
// close, and closing later again gives capped attempts back their time.
// Attempts whose time has already run out (past deadline + grace, waiting
// for the sweeper) are left alone: moving the close never reopens them.
func moveDeadlines(tx *gorm.DB, as *Assignment, now time.Time) error {
	var active []Attempt
	if err := tx.Where("assignment_id = ? AND status = ?", as.ID, AttemptActive).Find(&active).Error; err != nil {
		return err
	}
	if len(active) == 0 {
		return nil
	}
	var quiz Quiz
	if err := tx.First(&quiz, as.QuizID).Error; err != nil {
		return err
	}
	for i := range active {
		at := &active[i]
		if !at.Accepting(now) {
			continue
		}
		full, err := fullDeadline(tx, &quiz, as, at)
		if err != nil {
			return err
		}
		d := as.ClosesAt
		if full != nil {
			want := *full
			if at.Deadline != nil && at.Deadline.After(want) {
				want = *at.Deadline // extended by the instructor (or reopened)
			}
			if want.Before(d) {
				d = want
			}
		}
		if at.Deadline != nil && at.Deadline.Equal(d) {
			continue
		}
		if err := tx.Model(&Attempt{}).Where("id = ? AND status = ?", at.ID, AttemptActive).Update("deadline", d.UTC()).Error; err != nil {
			return err
		}
	}
	return nil
}

// fullDeadline is an attempt's uncapped deadline: as stored when it started,
// or, for attempts started before it was stored, recomputed from the quiz's
// time limit and the student's accommodation.
func fullDeadline(tx *gorm.DB, quiz *Quiz, as *Assignment, at *Attempt) (*time.Time, error) {
	var st QuizAttemptSettings
	if json.Unmarshal([]byte(at.Settings), &st) == nil && st.FullDeadline != nil {
		return st.FullDeadline, nil
	}
	if quiz.TimeLimitMinutes <= 0 {
		return nil, nil
	}
	acc, err := accommodationFor(tx, as.CohortID, as.ID, at.UserID)
	if err != nil {
		return nil, err
	}
	return exam.Deadline(at.StartedAt, acc.Timing(quiz.TimeLimitMinutes, nil)), nil
}

// AssignmentView is an assignment with its quiz and cohort.
type AssignmentView struct {
	Assignment
	Quiz         Quiz `gorm:"-"`
	QuizTitle    string
	CohortName   string
	InstructorID int64
}

// AssignmentByID loads an assignment and its quiz.
func (db *DB) AssignmentByID(ctx context.Context, id int64) (*AssignmentView, error) {
	var out AssignmentView
	err := db.R.WithContext(ctx).Table("assignments a").Select("a.*, q.title AS quiz_title, c.name AS cohort_name, c.instructor_id").
		Joins("JOIN quizzes q ON q.id = a.quiz_id").Joins("JOIN cohorts c ON c.id = a.cohort_id").Where("a.id = ?", id).Take(&out).Error
	if err != nil {
		return nil, notFound(err)
	}
	if err := db.R.WithContext(ctx).First(&out.Quiz, out.QuizID).Error; err != nil {
		return nil, err
	}
	return &out, nil
}

// CohortAssignments lists a cohort's assignments, soonest closing first.
func (db *DB) CohortAssignments(ctx context.Context, cohortID int64) ([]AssignmentView, error) {
	var out []AssignmentView
	err := db.R.WithContext(ctx).Table("assignments a").Select("a.*, q.title AS quiz_title, c.name AS cohort_name, c.instructor_id").
		Joins("JOIN quizzes q ON q.id = a.quiz_id").Joins("JOIN cohorts c ON c.id = a.cohort_id").
		Where("a.cohort_id = ?", cohortID).Order("a.closes_at").Scan(&out).Error
	return out, err
}

// QuizAssignments lists where a quiz is assigned.
func (db *DB) QuizAssignments(ctx context.Context, quizID int64) ([]AssignmentView, error) {
	var out []AssignmentView
	err := db.R.WithContext(ctx).Table("assignments a").Select("a.*, q.title AS quiz_title, c.name AS cohort_name, c.instructor_id").
		Joins("JOIN quizzes q ON q.id = a.quiz_id").Joins("JOIN cohorts c ON c.id = a.cohort_id").
		Where("a.quiz_id = ?", quizID).Order("a.closes_at").Scan(&out).Error
	return out, err
}

// StudentAssignment is an assignment as a student sees it.
type StudentAssignment struct {
	AssignmentID int64
	QuizID       int64
	Title        string
	CohortName   string
	OpensAt      time.Time
	ClosesAt     time.Time
	Attempts     int
	Done         bool
}

// StudentAssignments lists the quizzes assigned to a student's cohorts.
func (db *DB) StudentAssignments(ctx context.Context, userID int64) ([]StudentAssignment, error) {
	var out []StudentAssignment
	err := db.R.WithContext(ctx).Table("assignments a").
		Select(`a.id AS assignment_id, a.quiz_id, q.title, c.name AS cohort_name, a.opens_at, a.closes_at,
			(SELECT COUNT(*) FROM attempts t WHERE t.assignment_id = a.id AND t.user_id = ?) AS attempts,
			EXISTS (SELECT 1 FROM attempts t WHERE t.assignment_id = a.id AND t.user_id = ? AND t.status <> 'active') AS done`, userID, userID).
		Joins("JOIN quizzes q ON q.id = a.quiz_id").Joins("JOIN cohorts c ON c.id = a.cohort_id").
		Joins("JOIN cohort_members m ON m.cohort_id = a.cohort_id AND m.user_id = ?", userID).
		Order("a.closes_at").Scan(&out).Error
	return out, err
}

// Accommodation is extra time or attempts for one student. The first three
// come from accommodations (cohort and quiz level: the larger of each
// counts); Granted counts the attempts granted one by one in moderation,
// which add on top.
type Accommodation struct {
	TimeMultiplier float64
	ExtraMinutes   int
	ExtraAttempts  int
	Granted        int
}

// AddedAttempts is how many attempts the student has beyond the quiz's own.
func (a Accommodation) AddedAttempts() int { return a.ExtraAttempts + a.Granted }

// Timing is the deadline rule for a quiz of limitMinutes (0: untimed) with
// this accommodation, capped by closes when given.
func (a Accommodation) Timing(limitMinutes int, closes *time.Time) exam.Timing {
	return exam.Timing{Limit: time.Duration(limitMinutes) * time.Minute, Multiplier: a.TimeMultiplier,
		Extra: time.Duration(a.ExtraMinutes) * time.Minute, CloseAt: closes}
}

// AccommodationRow is a stored cohort-level accommodation.
type AccommodationRow struct {
	CohortID       int64 `gorm:"primaryKey;autoIncrement:false"`
	UserID         int64 `gorm:"primaryKey;autoIncrement:false"`
	TimeMultiplier float64
	ExtraMinutes   int
	ExtraAttempts  int
	Note           string
	UpdatedAt      time.Time
}

// TableName is the accommodations table.
func (AccommodationRow) TableName() string { return "accommodations" }

// OverrideRow is a quiz-level accommodation for one student, and the
// attempts granted to them on this quiz in moderation.
type OverrideRow struct {
	AssignmentID    int64 `gorm:"primaryKey;autoIncrement:false"`
	UserID          int64 `gorm:"primaryKey;autoIncrement:false"`
	TimeMultiplier  float64
	ExtraMinutes    int
	ExtraAttempts   int
	GrantedAttempts int
	UpdatedAt       time.Time
}

// TableName is the overrides table.
func (OverrideRow) TableName() string { return "assignment_overrides" }

func checkAccommodation(mult float64, minutes, attempts int) error {
	v := &ValidationError{}
	if mult < 1 || mult > 4 || math.IsNaN(mult) {
		v.Add("time_multiplier", "a time multiplier is 1 (none) to 4")
	}
	if minutes < 0 || minutes > 600 {
		v.Add("extra_minutes", "extra minutes are 0 to 600")
	}
	if attempts < 0 || attempts > 20 {
		v.Add("extra_attempts", "extra attempts are 0 to 20")
	}
	return v.Err()
}

// SetAccommodation stores a student's accommodation for every quiz of a cohort.
func (db *DB) SetAccommodation(ctx context.Context, act Actor, cohortID, userID int64, mult float64, minutes, attempts int, note string) error {
	if err := checkAccommodation(mult, minutes, attempts); err != nil {
		return err
	}
	return db.Write(ctx, func(tx *gorm.DB) error {
		r := AccommodationRow{CohortID: cohortID, UserID: userID, TimeMultiplier: mult, ExtraMinutes: minutes, ExtraAttempts: attempts, Note: strings.TrimSpace(note), UpdatedAt: time.Now().UTC()}
		if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&r).Error; err != nil {
			return err
		}
		return Audit(tx, act, "accommodation.set", "cohort", cohortID, fmt.Sprintf("user %d: x%.2f, +%d min, +%d attempts", userID, mult, minutes, attempts))
	})
}

// SetOverride stores a quiz-level accommodation for a student.
func (db *DB) SetOverride(ctx context.Context, act Actor, assignmentID, userID int64, mult float64, minutes, attempts int) error {
	if err := checkAccommodation(mult, minutes, attempts); err != nil {
		return err
	}
	return db.Write(ctx, func(tx *gorm.DB) error {
		r := OverrideRow{AssignmentID: assignmentID, UserID: userID, TimeMultiplier: mult, ExtraMinutes: minutes, ExtraAttempts: attempts, UpdatedAt: time.Now().UTC()}
		// Granted attempts are moderation, not part of this form: keep them.
		if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "assignment_id"}, {Name: "user_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"time_multiplier", "extra_minutes", "extra_attempts", "updated_at"})}).Create(&r).Error; err != nil {
			return err
		}
		return Audit(tx, act, "accommodation.set", "assignment", assignmentID, fmt.Sprintf("user %d: x%.2f, +%d min, +%d attempts", userID, mult, minutes, attempts))
	})
}

// Overrides lists an assignment's quiz-level accommodations by user.
func (db *DB) Overrides(ctx context.Context, assignmentID int64) (map[int64]OverrideRow, error) {
	var rows []OverrideRow
	if err := db.R.WithContext(ctx).Where("assignment_id = ?", assignmentID).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[int64]OverrideRow, len(rows))
	for _, r := range rows {
		out[r.UserID] = r
	}
	return out, nil
}

// Accommodations lists a cohort's accommodations by user.
func (db *DB) Accommodations(ctx context.Context, cohortID int64) (map[int64]AccommodationRow, error) {
	var rows []AccommodationRow
	if err := db.R.WithContext(ctx).Where("cohort_id = ?", cohortID).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := map[int64]AccommodationRow{}
	for _, r := range rows {
		out[r.UserID] = r
	}
	return out, nil
}

// EffectiveAccommodation combines a student's cohort accommodation with a
// quiz's override: each accommodation value is the larger of the two, so a
// quiz setting never reduces an accommodation; granted attempts are added
// after that, so a grant always gives one more attempt.
func EffectiveAccommodation(cohort, override *Accommodation) Accommodation {
	out := Accommodation{TimeMultiplier: 1}
	for _, a := range []*Accommodation{cohort, override} {
		if a == nil {
			continue
		}
		out.TimeMultiplier = math.Max(out.TimeMultiplier, a.TimeMultiplier)
		out.ExtraMinutes = max(out.ExtraMinutes, a.ExtraMinutes)
		out.ExtraAttempts = max(out.ExtraAttempts, a.ExtraAttempts)
		out.Granted += a.Granted
	}
	return out
}

// AccommodationFor returns a student's effective accommodation on an assignment.
func (db *DB) AccommodationFor(ctx context.Context, as *AssignmentView, userID int64) (Accommodation, error) {
	return accommodationFor(db.R.WithContext(ctx), as.CohortID, as.ID, userID)
}

// accommodationFor reads a student's cohort accommodation and quiz override
// through q (the read pool, or a write transaction) and combines them.
func accommodationFor(q *gorm.DB, cohortID, assignmentID, userID int64) (Accommodation, error) {
	var c AccommodationRow
	var o OverrideRow
	var cp, op *Accommodation
	if err := q.Where("cohort_id = ? AND user_id = ?", cohortID, userID).Limit(1).Find(&c).Error; err != nil {
		return Accommodation{}, err
	}
	if c.UserID != 0 {
		cp = &Accommodation{TimeMultiplier: c.TimeMultiplier, ExtraMinutes: c.ExtraMinutes, ExtraAttempts: c.ExtraAttempts}
	}
	if err := q.Where("assignment_id = ? AND user_id = ?", assignmentID, userID).Limit(1).Find(&o).Error; err != nil {
		return Accommodation{}, err
	}
	if o.UserID != 0 {
		op = &Accommodation{TimeMultiplier: o.TimeMultiplier, ExtraMinutes: o.ExtraMinutes, ExtraAttempts: o.ExtraAttempts, Granted: o.GrantedAttempts}
	}
	return EffectiveAccommodation(cp, op), nil
}

// AssignmentAttempts lists a student's attempts at an assignment, oldest first.
func (db *DB) AssignmentAttempts(ctx context.Context, assignmentID, userID int64) ([]Attempt, error) {
	var out []Attempt
	q := db.R.WithContext(ctx).Where("assignment_id = ?", assignmentID)
	if userID != 0 {
		q = q.Where("user_id = ?", userID)
	}
	err := q.Order("started_at, id").Find(&out).Error
	return out, err
}

// GradeBy applies a quiz's grading method to a student's finished attempts
// (scores in percent, oldest first). ok is false when there are none.
func GradeBy(method string, scores []float64) (grade float64, ok bool) {
	if len(scores) == 0 {
		return 0, false
	}
	switch method {
	case GradeLast:
		return scores[len(scores)-1], true
	case GradeFirst:
		return scores[0], true
	case GradeAverage:
		s := 0.0
		for _, x := range scores {
			s += x
		}
		return s / float64(len(scores)), true
	default:
		m := scores[0]
		for _, x := range scores {
			m = math.Max(m, x)
		}
		return m, true
	}
}

// AttemptForInstructor loads a quiz attempt of a cohort the user runs.
func (db *DB) AttemptForInstructor(ctx context.Context, u *User, id int64) (*Attempt, error) {
	var a Attempt
	q := db.R.WithContext(ctx).Table("attempts").Select("attempts.*").
		Joins("JOIN assignments s ON s.id = attempts.assignment_id").Joins("JOIN cohorts c ON c.id = s.cohort_id").
		Where("attempts.id = ?", id)
	if u.Role != RoleAdmin {
		q = q.Where("c.instructor_id = ?", u.ID)
	}
	if err := q.Take(&a).Error; err != nil {
		return nil, notFound(err)
	}
	return &a, nil
}

// ReopenAttempt gives a finished attempt back to the student until the
// given deadline (moderation, audited).
func (db *DB) ReopenAttempt(ctx context.Context, act Actor, attemptID int64, until time.Time) error {
	return db.Write(ctx, func(tx *gorm.DB) error {
		r := tx.Exec("UPDATE attempts SET status = ?, finished_at = NULL, deadline = ? WHERE id = ? AND status <> ?", AttemptActive, until.UTC(), attemptID, AttemptActive)
		if isDuplicate(r.Error) {
			return Invalid("attempt", "the student has another attempt at this quiz in progress; it must finish first")
		}
		if r.Error != nil {
			return r.Error
		}
		if r.RowsAffected == 0 {
			return Invalid("attempt", "only a finished attempt can be reopened")
		}
		return Audit(tx, act, "attempt.reopen", "attempt", attemptID, "open until "+until.UTC().Format(time.RFC3339))
	})
}

// ExtendAttempt moves the deadline of an attempt in progress (audited).
func (db *DB) ExtendAttempt(ctx context.Context, act Actor, attemptID int64, minutes int) error {
	if minutes < 1 || minutes > 600 {
		return Invalid("minutes", "extend by 1 to 600 minutes")
	}
	return db.Write(ctx, func(tx *gorm.DB) error {
		var a Attempt
		if err := tx.First(&a, attemptID).Error; err != nil {
			return notFound(err)
		}
		if a.Status != AttemptActive || a.Deadline == nil {
			return Invalid("attempt", "only a timed attempt in progress can be extended")
		}
		d := a.Deadline.Add(time.Duration(minutes) * time.Minute).UTC()
		if err := tx.Model(&Attempt{}).Where("id = ?", attemptID).Update("deadline", d).Error; err != nil {
			return err
		}
		return Audit(tx, act, "attempt.extend", "attempt", attemptID, fmt.Sprintf("+%d min, now due %s", minutes, d.Format(time.RFC3339)))
	})
}

// GrantExtraAttempt allows a student one more attempt at an assignment
// (audited). Grants are counted apart from accommodations and added after
// the larger of the cohort and quiz accommodation is taken, so each grant
// really adds an attempt.
func (db *DB) GrantExtraAttempt(ctx context.Context, act Actor, assignmentID, userID int64) error {
	return db.Write(ctx, func(tx *gorm.DB) error {
		var as Assignment
		if err := tx.First(&as, assignmentID).Error; err != nil {
			return notFound(err)
		}
		if err := tx.Exec(`INSERT INTO assignment_overrides (assignment_id, user_id, time_multiplier, extra_minutes, extra_attempts, granted_attempts, updated_at)
			VALUES (?, ?, 1, 0, 0, 1, ?)
			ON CONFLICT (assignment_id, user_id) DO UPDATE SET granted_attempts = assignment_overrides.granted_attempts + 1, updated_at = excluded.updated_at`,
			assignmentID, userID, time.Now().UTC()).Error; err != nil {
			return err
		}
		acc, err := accommodationFor(tx, as.CohortID, assignmentID, userID)
		if err != nil {
			return err
		}
		return Audit(tx, act, "attempt.extra", "assignment", assignmentID, fmt.Sprintf("user %d: one more attempt (%d granted in all, %d extra from accommodations)",
			userID, acc.Granted, acc.ExtraAttempts))
	})
}

// markStatsDirty queues a quiz's item analysis for recomputation.
func markStatsDirty(tx *gorm.DB, assignmentID int64, now time.Time) error {
	return tx.Exec(`INSERT INTO stats_dirty (quiz_id, since) SELECT quiz_id, ? FROM assignments WHERE id = ?
		ON CONFLICT (quiz_id) DO UPDATE SET since = excluded.since`, now.UTC(), assignmentID).Error
}

// QuizStats is a stored item analysis.
type QuizStats struct {
	QuizID     int64 `gorm:"primaryKey;autoIncrement:false"`
	Attempts   int
	Body       string // JSON exam.TestStats
	ComputedAt time.Time
}

// Parsed returns the analysis.
func (s *QuizStats) Parsed() (exam.TestStats, error) {
	var t exam.TestStats
	err := json.Unmarshal([]byte(s.Body), &t)
	return t, err
}

// StatsFor loads a quiz's stored analysis (ErrNotFound before the first).
func (db *DB) StatsFor(ctx context.Context, quizID int64) (*QuizStats, error) {
	var s QuizStats
	if err := db.R.WithContext(ctx).Where("quiz_id = ?", quizID).First(&s).Error; err != nil {
		return nil, notFound(err)
	}
	return &s, nil
}

// QuestionQuizStats is one quiz's stored analysis of one question.
type QuestionQuizStats struct {
	QuizID     int64
	QuizTitle  string
	Attempts   int // finished attempts the quiz's analysis used
	ComputedAt time.Time
	Pending    bool // newer submissions are queued for analysis
	Item       exam.ItemStats
}

// QuestionStats gathers one question's statistics from the stored item
// analyses of the quizzes u manages (all quizzes for an admin), newest
// analysis first. It reads what the background job stored and computes
// nothing; quizzes whose attempts never contained the question are left out.
func (db *DB) QuestionStats(ctx context.Context, u *User, questionID string) ([]QuestionQuizStats, error) {
	type row struct {
		QuizID     int64
		Title      string
		Attempts   int
		Body       string
		ComputedAt time.Time
		Pending    bool
	}
	// A cheap filter on the stored JSON first; the exact match is below.
	key, _ := json.Marshal(questionID)
	like := strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(`"Item":` + string(key))
	q := db.R.WithContext(ctx).Table("quiz_stats s").
		Select("s.quiz_id, q.title, s.attempts, s.body, s.computed_at, EXISTS (SELECT 1 FROM stats_dirty d WHERE d.quiz_id = s.quiz_id) AS pending").
		Joins("JOIN quizzes q ON q.id = s.quiz_id").Where(`s.body LIKE ? ESCAPE '\'`, "%"+like+"%")
	if u.Role != RoleAdmin {
		q = q.Where("q.owner_id = ?", u.ID)
	}
	var rows []row
	if err := q.Order("s.computed_at DESC, s.quiz_id").Scan(&rows).Error; err != nil {
		return nil, err
	}
	var out []QuestionQuizStats
	for _, r := range rows {
		var ts exam.TestStats
		if err := json.Unmarshal([]byte(r.Body), &ts); err != nil {
			return nil, fmt.Errorf("quiz %d stats: %w", r.QuizID, err)
		}
		for _, it := range ts.Items {
			if it.Item == questionID {
				out = append(out, QuestionQuizStats{QuizID: r.QuizID, QuizTitle: r.Title, Attempts: r.Attempts, ComputedAt: r.ComputedAt, Pending: r.Pending, Item: it})
				break
			}
		}
	}
	return out, nil
}

// VersionNumber is the number (1, 2, ...) of a question version given its
// row id, for people: row ids are shared by every question.
func (db *DB) VersionNumber(ctx context.Context, versionID int64) (int, error) {
	var v QuestionVersion
	if err := db.R.WithContext(ctx).Select("version").Where("id = ?", versionID).Take(&v).Error; err != nil {
		return 0, notFound(err)
	}
	return v.Version, nil
}

// StatsPending reports whether a recomputation is queued.
func (db *DB) StatsPending(ctx context.Context, quizID int64) (bool, error) {
	var n int64
	err := db.R.WithContext(ctx).Table("stats_dirty").Where("quiz_id = ?", quizID).Count(&n).Error
	return n > 0, err
}

// QuizResponses gathers every finished attempt's scored responses to a
// quiz (all its assignments), for item analysis. Each attempt comes back
// as one row, its items packed as "version:0|1answer" joined by ";"
// (in no particular order: each carries its version, and the analysis does
// not depend on order): 10,000 rows to read rather than 1.5 million.
func (db *DB) QuizResponses(ctx context.Context, quizID int64) ([]exam.AttemptResponses, error) {
	agg := "group_concat"
	if db.Dialect == Postgres {
		agg = "string_agg"
	}
	// Answers are letters or normalised codes (exam.NormalizeCode keeps
	// letters and digits only), so ":" and ";" cannot occur in them.
	rows, err := db.R.WithContext(ctx).Raw(`SELECT `+agg+`(CAST(i.version_id AS TEXT) || ':' || CASE WHEN i.correct THEN '1' ELSE '0' END || i.answer, ';')
		FROM attempt_items i WHERE i.scored = ? AND i.attempt_id IN
			(SELECT t.id FROM attempts t JOIN assignments s ON s.id = t.assignment_id WHERE s.quiz_id = ? AND t.status <> ?)
		GROUP BY i.attempt_id ORDER BY i.attempt_id`, true, quizID, AttemptActive).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []exam.AttemptResponses
	qid := map[int64]string{} // version -> question, filled below
	var vids []int64
	for rows.Next() {
		var packed string
		if err := rows.Scan(&packed); err != nil {
			return nil, err
		}
		resp := make(exam.AttemptResponses, 0, strings.Count(packed, ";")+1)
		for len(packed) > 0 {
			part := packed
			if i := strings.IndexByte(packed, ';'); i >= 0 {
				part, packed = packed[:i], packed[i+1:]
			} else {
				packed = ""
			}
			colon := strings.IndexByte(part, ':')
			if colon < 0 || colon+1 >= len(part) {
				continue // cannot happen with normalised answers; never stop the analysis
			}
			vid, err := strconv.ParseInt(part[:colon], 10, 64)
			if err != nil {
				continue
			}
			if _, ok := qid[vid]; !ok {
				qid[vid] = ""
				vids = append(vids, vid)
			}
			ans := part[colon+2:]
			// Item holds the version for now; replaced by its question below.
			resp = append(resp, exam.ItemResponse{Item: part[:colon], Answer: ans, Correct: part[colon+1] == '1'})
		}
		out = append(out, resp)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(vids) == 0 {
		return out, nil
	}
	type pair struct {
		ID         int64
		QuestionID string
	}
	var pairs []pair
	if err := db.R.WithContext(ctx).Table("question_versions").Select("id, question_id").Where("id IN ?", vids).Scan(&pairs).Error; err != nil {
		return nil, err
	}
	byText := make(map[string]string, len(pairs))
	for _, p := range pairs {
		byText[strconv.FormatInt(p.ID, 10)] = p.QuestionID
	}
	for _, resp := range out {
		for i := range resp {
			resp[i].Item = byText[resp[i].Item]
		}
	}
	return out, nil
}

// RecomputeDirtyStats analyses every queued quiz. Safe on several
// instances: a quiz is taken off the queue in the same transaction that
// stores its result, and only if it was not queued again meanwhile.
func (db *DB) RecomputeDirtyStats(ctx context.Context) (int, error) {
	type dirty struct {
		QuizID int64
		Since  time.Time
	}
	var queue []dirty
	if err := db.R.WithContext(ctx).Table("stats_dirty").Order("since").Limit(20).Scan(&queue).Error; err != nil {
		return 0, err
	}
	n := 0
	for _, d := range queue {
		resp, err := db.QuizResponses(ctx, d.QuizID)
		if err != nil {
			return n, err
		}
		st := exam.AnalyzeItems(resp)
		body, err := json.Marshal(st)
		if err != nil {
			return n, err
		}
		err = db.Write(ctx, func(tx *gorm.DB) error {
			row := QuizStats{QuizID: d.QuizID, Attempts: st.Attempts, Body: string(body), ComputedAt: time.Now().UTC()}
			if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&row).Error; err != nil {
				return err
			}
			return tx.Exec("DELETE FROM stats_dirty WHERE quiz_id = ? AND since <= ?", d.QuizID, d.Since).Error
		})
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// sortedKeys is a small helper for stable output.
func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// GradeCell is one student's standing on one assignment.
type GradeCell struct {
	Attempts    int
	Finished    int
	Grade       float64
	Graded      bool
	InProgress  bool
	Late        bool  // an attempt finished after the close (reopened by the instructor)
	Overdue     bool  // closed with no finished attempt
	BestAttempt int64 // highest-scoring finished attempt
	FirstDone   int64 // first finished attempt
	LastDone    int64 // last finished attempt
	LastAttempt int64 // last attempt of any status
}

// Link is the attempt a grade comes from (for average: the last one).
func (c *GradeCell) Link(method string) int64 {
	switch method {
	case GradeHighest:
		return c.BestAttempt
	case GradeFirst:
		return c.FirstDone
	}
	if c.LastDone != 0 {
		return c.LastDone
	}
	return c.LastAttempt
}

// Gradebook is a cohort's students by its assignments.
type Gradebook struct {
	Assignments []AssignmentView
	Students    []RosterEntry
	Cells       map[int64]map[int64]*GradeCell // student -> assignment -> cell
}

// Cell returns a student's cell for an assignment (never nil).
func (g *Gradebook) Cell(userID, assignmentID int64) *GradeCell {
	if c := g.Cells[userID][assignmentID]; c != nil {
		return c
	}
	return &GradeCell{}
}

// CohortGradebook grades every student of a cohort on every assignment by
// each quiz's grading method.
func (db *DB) CohortGradebook(ctx context.Context, cohortID int64, now time.Time) (*Gradebook, error) {
	as, err := db.CohortAssignments(ctx, cohortID)
	if err != nil {
		return nil, err
	}
	roster, err := db.Roster(ctx, cohortID)
	if err != nil {
		return nil, err
	}
	g := &Gradebook{Assignments: as, Students: roster, Cells: map[int64]map[int64]*GradeCell{}}
	if len(as) == 0 {
		return g, nil
	}
	byID := map[int64]*AssignmentView{}
	ids := make([]int64, len(as))
	for i := range as {
		if err := db.R.WithContext(ctx).First(&as[i].Quiz, as[i].QuizID).Error; err != nil {
			return nil, err
		}
		byID[as[i].ID] = &as[i]
		ids[i] = as[i].ID
	}
	var attempts []Attempt
	if err := db.R.WithContext(ctx).Where("assignment_id IN ?", ids).Order("started_at, id").Find(&attempts).Error; err != nil {
		return nil, err
	}
	scores := map[[2]int64][]float64{}
	for _, at := range attempts {
		aid := *at.AssignmentID
		if g.Cells[at.UserID] == nil {
			g.Cells[at.UserID] = map[int64]*GradeCell{}
		}
		c := g.Cells[at.UserID][aid]
		if c == nil {
			c = &GradeCell{}
			g.Cells[at.UserID][aid] = c
		}
		c.Attempts++
		c.LastAttempt = at.ID
		if at.Active() {
			c.InProgress = true
			continue
		}
		c.Finished++
		if c.FirstDone == 0 {
			c.FirstDone = at.ID
		}
		c.LastDone = at.ID
		// Submitted after the close: only a reopened attempt can be.
		if at.Status == AttemptSubmitted && at.FinishedAt != nil && at.FinishedAt.After(byID[aid].ClosesAt.Add(exam.Grace)) {
			c.Late = true
		}
		if at.Score != nil {
			k := [2]int64{at.UserID, aid}
			scores[k] = append(scores[k], *at.Score)
			best := scores[k]
			if len(best) == 1 || *at.Score >= slicesMax(best[:len(best)-1]) {
				c.BestAttempt = at.ID
			}
		}
	}
	for _, s := range roster {
		for _, a := range as {
			c := g.Cells[s.ID][a.ID]
			if c == nil {
				c = &GradeCell{}
				if g.Cells[s.ID] == nil {
					g.Cells[s.ID] = map[int64]*GradeCell{}
				}
				g.Cells[s.ID][a.ID] = c
			}
			c.Grade, c.Graded = GradeBy(a.Quiz.Grading, scores[[2]int64{s.ID, a.ID}])
			c.Overdue = c.Finished == 0 && !now.Before(a.ClosesAt)
		}
	}
	return g, nil
}

func slicesMax(xs []float64) float64 {
	m := math.Inf(-1)
	for _, x := range xs {
		m = math.Max(m, x)
	}
	return m
}
