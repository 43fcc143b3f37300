package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"chartroom/exam"
)

// Attempt statuses.
const (
	AttemptActive    = "active"
	AttemptSubmitted = "submitted"
	AttemptExpired   = "expired"
)

// When feedback is shown.
const (
	FeedbackImmediate = "immediate" // tutor: after each item
	FeedbackEnd       = "end"       // after submission
)

// Errors of the attempt workflow.
var (
	ErrAttemptClosed = errors.New("this attempt is finished or its time is up")
	ErrItemLocked    = errors.New("this item is locked: its answer was checked")
)

// Attempt is one sitting of a practice set, mock or quiz.
type Attempt struct {
	ID          int64
	UserID      int64
	Mode        string
	Title       string
	Status      string
	StartedAt   time.Time
	Deadline    *time.Time
	FinishedAt  *time.Time
	Items       int
	ScoredItems int
	Correct     *int
	Score       *float64
	CurrentItem int
	BlueprintID *int64
	Feedback    string
	Settings    string
}

// Active reports whether answers can still be given (ignoring the clock).
func (a *Attempt) Active() bool { return a.Status == AttemptActive }

// Accepting reports whether answers are accepted at now.
func (a *Attempt) Accepting(now time.Time) bool {
	return a.Active() && exam.Accepting(a.Deadline, now)
}

// AttemptItem is one item of an attempt, pinned to a question version.
type AttemptItem struct {
	AttemptID   int64 `gorm:"primaryKey;autoIncrement:false"`
	N           int   `gorm:"primaryKey;autoIncrement:false"`
	QuestionID  string
	VersionID   int64
	OptionOrder string
	Scored      bool
	Answer      string
	Seq         int64
	Flagged     bool
	AnsweredAt  *time.Time
	Revealed    bool
	Correct     *bool
	TimeMs      int64
}

// Answered reports whether the item has an answer.
func (it *AttemptItem) Answered() bool { return it.Answer != "" }

// NewItem is an item to create.
type NewItem struct {
	QuestionID  string
	VersionID   int64
	OptionOrder string
	Scored      bool
}

// NewAttempt is what CreateAttempt needs.
type NewAttempt struct {
	UserID      int64
	Mode        string
	Title       string
	Feedback    string
	Deadline    *time.Time
	BlueprintID *int64
	Settings    any
	Items       []NewItem
}

// CreateAttempt stores an attempt and all its items in one transaction.
func (db *DB) CreateAttempt(ctx context.Context, n NewAttempt, now time.Time) (*Attempt, error) {
	settings, err := json.Marshal(n.Settings)
	if err != nil {
		return nil, err
	}
	if n.Settings == nil {
		settings = []byte("{}")
	}
	scored := 0
	for _, it := range n.Items {
		if it.Scored {
			scored++
		}
	}
	a := &Attempt{UserID: n.UserID, Mode: n.Mode, Title: n.Title, Status: AttemptActive, StartedAt: now.UTC(),
		Deadline: n.Deadline, Items: len(n.Items), ScoredItems: scored, CurrentItem: 1, BlueprintID: n.BlueprintID,
		Feedback: n.Feedback, Settings: string(settings)}
	err = db.Write(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(a).Error; err != nil {
			return fmt.Errorf("create attempt: %w", err)
		}
		rows := make([]AttemptItem, len(n.Items))
		for i, it := range n.Items {
			rows[i] = AttemptItem{AttemptID: a.ID, N: i + 1, QuestionID: it.QuestionID, VersionID: it.VersionID, OptionOrder: it.OptionOrder, Scored: it.Scored}
		}
		return tx.CreateInBatches(rows, 100).Error
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// AttemptByID loads an attempt without any ownership check (callers check).
func (db *DB) AttemptByID(ctx context.Context, id int64) (*Attempt, error) {
	var a Attempt
	if err := db.R.WithContext(ctx).First(&a, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &a, nil
}

// OwnAttempt loads an attempt of the user; anyone else's is "not found".
func (db *DB) OwnAttempt(ctx context.Context, userID, id int64) (*Attempt, error) {
	var a Attempt
	if err := db.R.WithContext(ctx).Where("id = ? AND user_id = ?", id, userID).First(&a).Error; err != nil {
		return nil, notFound(err)
	}
	return &a, nil
}

// Items loads every item of an attempt in order.
func (db *DB) Items(ctx context.Context, attemptID int64) ([]AttemptItem, error) {
	var out []AttemptItem
	err := db.R.WithContext(ctx).Where("attempt_id = ?", attemptID).Order("n").Find(&out).Error
	return out, err
}

// Item loads one item.
func (db *DB) Item(ctx context.Context, attemptID int64, n int) (*AttemptItem, error) {
	var it AttemptItem
	if err := db.R.WithContext(ctx).Where("attempt_id = ? AND n = ?", attemptID, n).First(&it).Error; err != nil {
		return nil, notFound(err)
	}
	return &it, nil
}

// Save is one autosave or form save of an item.
type Save struct {
	AttemptID int64
	UserID    int64
	N         int
	Answer    exam.Answer
	Flagged   bool
	Seq       int64 // client sequence number: a save older than the stored one is ignored
	TimeMs    int64 // time spent on the item so far, as measured by the client or server
	Current   int   // the item the student is on after this save (0: unchanged)
}

// SaveResult tells the client what the server holds now.
type SaveResult struct {
	Applied bool  // false when a newer save was already stored
	Seq     int64 // the stored sequence number
}

// SaveAnswer stores an answer idempotently. The UPDATE itself checks that
// the attempt is the user's, still active and within deadline + grace, that
// the item is not locked, and that seq is newer than the stored one, so a
// retried or reordered request can never overwrite a newer answer and no
// answer lands after time is up. It returns once the change is committed.
func (db *DB) SaveAnswer(ctx context.Context, s Save, now time.Time) (SaveResult, error) {
	var res SaveResult
	now = now.UTC()
	var answeredAt *time.Time
	if s.Answer != "" {
		answeredAt = &now
	}
	err := db.Write(ctx, func(tx *gorm.DB) error {
		r := tx.Exec(`UPDATE attempt_items SET answer = ?, flagged = ?, seq = ?, answered_at = ?,
			time_ms = CASE WHEN time_ms > ? THEN time_ms ELSE ? END
			WHERE attempt_id = ? AND n = ? AND seq < ? AND revealed = ?
			AND EXISTS (SELECT 1 FROM attempts a WHERE a.id = ? AND a.user_id = ? AND a.status = ? AND (a.deadline IS NULL OR a.deadline >= ?))`,
			string(s.Answer), s.Flagged, s.Seq, answeredAt, s.TimeMs, s.TimeMs,
			s.AttemptID, s.N, s.Seq, false,
			s.AttemptID, s.UserID, AttemptActive, now.Add(-exam.Grace))
		if r.Error != nil {
			return r.Error
		}
		if r.RowsAffected == 1 {
			res = SaveResult{Applied: true, Seq: s.Seq}
		} else if err := explainSave(tx, s, now, &res); err != nil {
			return err
		}
		if s.Current > 0 {
			return tx.Exec("UPDATE attempts SET current_item = ? WHERE id = ? AND status = ? AND current_item <> ?", s.Current, s.AttemptID, AttemptActive, s.Current).Error
		}
		return nil
	})
	return res, err
}

// explainSave works out why an UPDATE changed nothing.
func explainSave(tx *gorm.DB, s Save, now time.Time, res *SaveResult) error {
	var a Attempt
	if err := tx.Where("id = ? AND user_id = ?", s.AttemptID, s.UserID).First(&a).Error; err != nil {
		return notFound(err)
	}
	if !a.Accepting(now) {
		return ErrAttemptClosed
	}
	var it AttemptItem
	if err := tx.Where("attempt_id = ? AND n = ?", s.AttemptID, s.N).First(&it).Error; err != nil {
		return notFound(err)
	}
	if it.Revealed {
		return ErrItemLocked
	}
	// A newer save is already stored: acknowledge without applying.
	*res = SaveResult{Applied: false, Seq: it.Seq}
	return nil
}

// SetCurrentItem records where the student is (resume point).
func (db *DB) SetCurrentItem(ctx context.Context, attemptID, userID int64, n int) error {
	return db.Write(ctx, func(tx *gorm.DB) error {
		return tx.Exec("UPDATE attempts SET current_item = ? WHERE id = ? AND user_id = ? AND status = ? AND current_item <> ?", n, attemptID, userID, AttemptActive, n).Error
	})
}

// Reveal checks a tutor-mode answer: it grades the stored answer, shows the
// feedback and locks the item. Revealing twice is harmless.
func (db *DB) Reveal(ctx context.Context, attemptID, userID int64, n int, now time.Time) error {
	it, err := db.Item(ctx, attemptID, n)
	if err != nil {
		return err
	}
	q, err := db.Version(ctx, it.VersionID)
	if err != nil {
		return err
	}
	return db.Write(ctx, func(tx *gorm.DB) error {
		var a Attempt
		if err := tx.Where("id = ? AND user_id = ?", attemptID, userID).First(&a).Error; err != nil {
			return notFound(err)
		}
		if a.Feedback != FeedbackImmediate {
			return ErrForbidden
		}
		if !a.Accepting(now) {
			return ErrAttemptClosed
		}
		var cur AttemptItem
		if err := tx.Where("attempt_id = ? AND n = ?", attemptID, n).First(&cur).Error; err != nil {
			return notFound(err)
		}
		if cur.Revealed {
			return nil
		}
		if cur.Answer == "" {
			return Invalid("answer", "choose an answer before checking it")
		}
		ok := exam.Correct(q, exam.Answer(cur.Answer))
		return tx.Model(&AttemptItem{}).Where("attempt_id = ? AND n = ?", attemptID, n).
			Updates(map[string]any{"revealed": true, "correct": ok}).Error
	})
}

// FinishAttempt submits (or expires) an attempt: it grades every item,
// stores the score and schedules missed questions for review. Only the
// first call does anything; it returns whether this call finished it.
func (db *DB) FinishAttempt(ctx context.Context, attemptID int64, status string, now time.Time) (bool, error) {
	items, err := db.Items(ctx, attemptID)
	if err != nil {
		return false, err
	}
	ids := make([]int64, len(items))
	for i, it := range items {
		ids[i] = it.VersionID
	}
	versions, err := db.Versions(ctx, ids)
	if err != nil {
		return false, err
	}
	finished := false
	now = now.UTC()
	err = db.Write(ctx, func(tx *gorm.DB) error {
		r := tx.Model(&Attempt{}).Where("id = ? AND status = ?", attemptID, AttemptActive).
			Updates(map[string]any{"status": status, "finished_at": now})
		if r.Error != nil || r.RowsAffected == 0 {
			return r.Error // already finished by another request or instance
		}
		finished = true
		var a Attempt
		if err := tx.First(&a, attemptID).Error; err != nil {
			return err
		}
		// Re-read inside the transaction: these are the final answers.
		var final []AttemptItem
		if err := tx.Where("attempt_id = ?", attemptID).Order("n").Find(&final).Error; err != nil {
			return err
		}
		correct, scored := 0, 0
		for _, it := range final {
			q := versions[it.VersionID]
			if q == nil {
				return fmt.Errorf("attempt %d item %d: version %d missing", attemptID, it.N, it.VersionID)
			}
			ok := exam.Correct(q, exam.Answer(it.Answer))
			if it.Correct == nil || *it.Correct != ok {
				if err := tx.Model(&AttemptItem{}).Where("attempt_id = ? AND n = ?", attemptID, it.N).Update("correct", ok).Error; err != nil {
					return err
				}
			}
			if it.Scored {
				scored++
				if ok {
					correct++
				}
			}
			if it.Answer != "" {
				if err := reviewCard(tx, a.UserID, it.QuestionID, ok, now); err != nil {
					return err
				}
			}
		}
		score := 0.0
		if scored > 0 {
			score = 100 * float64(correct) / float64(scored)
		}
		return tx.Model(&Attempt{}).Where("id = ?", attemptID).Updates(map[string]any{"correct": correct, "score": score}).Error
	})
	return finished, err
}

// ReviewCard is a question scheduled for spaced review (FSRS-5).
type ReviewCard struct {
	UserID     int64  `gorm:"primaryKey;autoIncrement:false"`
	QuestionID string `gorm:"primaryKey"`
	Stability  float64
	Difficulty float64
	Reps       int
	Lapses     int
	LastReview time.Time
	Due        time.Time
}

// reviewCard updates (or, for a miss, creates) the student's card.
func reviewCard(tx *gorm.DB, userID int64, qid string, correct bool, now time.Time) error {
	var rc ReviewCard
	err := tx.Where("user_id = ? AND question_id = ?", userID, qid).First(&rc).Error
	exists := err == nil
	if err != nil && notFound(err) != ErrNotFound {
		return err
	}
	if !exists && correct {
		return nil // only missed questions enter review
	}
	card := exam.Card{Stability: rc.Stability, Difficulty: rc.Difficulty, Reps: rc.Reps, Lapses: rc.Lapses, LastReview: rc.LastReview}
	rating := exam.Good
	if !correct {
		rating = exam.Again
	}
	card = card.Review(rating, now)
	rc = ReviewCard{UserID: userID, QuestionID: qid, Stability: card.Stability, Difficulty: card.Difficulty,
		Reps: card.Reps, Lapses: card.Lapses, LastReview: card.LastReview.UTC(), Due: card.Due.UTC()}
	return tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&rc).Error
}

// DueCards lists the student's cards due at now, oldest due first.
func (db *DB) DueCards(ctx context.Context, userID int64, now time.Time, limit int) ([]ReviewCard, error) {
	var out []ReviewCard
	err := db.R.WithContext(ctx).Where("user_id = ? AND due <= ?", userID, now.UTC()).Order("due").Limit(limit).Find(&out).Error
	return out, err
}

// CardCounts reports how many cards are due now and in all.
func (db *DB) CardCounts(ctx context.Context, userID int64, now time.Time) (due, total int64, err error) {
	if err = db.R.WithContext(ctx).Model(&ReviewCard{}).Where("user_id = ? AND due <= ?", userID, now.UTC()).Count(&due).Error; err != nil {
		return
	}
	err = db.R.WithContext(ctx).Model(&ReviewCard{}).Where("user_id = ?", userID).Count(&total).Error
	return
}

// ExpiredAttempts lists active attempts whose deadline plus grace has passed.
func (db *DB) ExpiredAttempts(ctx context.Context, now time.Time, limit int) ([]int64, error) {
	var ids []int64
	err := db.R.WithContext(ctx).Model(&Attempt{}).
		Where("status = ? AND deadline IS NOT NULL AND deadline < ?", AttemptActive, now.Add(-exam.Grace).UTC()).
		Order("deadline").Limit(limit).Pluck("id", &ids).Error
	return ids, err
}

// SweepExpired finalises attempts whose time is up. It is idempotent and
// safe to run on several instances at once (FinishAttempt's conditional
// update lets one of them win).
func (db *DB) SweepExpired(ctx context.Context, now time.Time) (int, error) {
	ids, err := db.ExpiredAttempts(ctx, now, 500)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		ok, err := db.FinishAttempt(ctx, id, AttemptExpired, now)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// AttemptSummary is a row of the history list.
type AttemptSummary struct {
	Attempt
	Answered int
}

// AttemptsFor lists a student's attempts, newest first.
func (db *DB) AttemptsFor(ctx context.Context, userID int64, limit int) ([]AttemptSummary, error) {
	var out []AttemptSummary
	q := db.R.WithContext(ctx).Table("attempts a").
		Select("a.*, (SELECT COUNT(*) FROM attempt_items i WHERE i.attempt_id = a.id AND i.answer <> '') AS answered").
		Where("a.user_id = ?", userID).Order("a.started_at DESC, a.id DESC")
	if limit > 0 {
		q = q.Limit(limit)
	}
	err := q.Scan(&out).Error
	return out, err
}

// DomainResult is a finished attempt's score in one domain, for trends.
type DomainResult struct {
	AttemptID  int64
	FinishedAt time.Time
	Domain     string
	Items      int
	Correct    int
}

// DomainResults returns per-domain scored results of a student's finished
// attempts, oldest first.
func (db *DB) DomainResults(ctx context.Context, userID int64) ([]DomainResult, error) {
	var out []DomainResult
	err := db.R.WithContext(ctx).Table("attempt_items i").
		Select("a.id AS attempt_id, a.finished_at, q.domain, COUNT(*) AS items, SUM(CASE WHEN i.correct THEN 1 ELSE 0 END) AS correct").
		Joins("JOIN attempts a ON a.id = i.attempt_id").
		Joins("JOIN questions q ON q.id = i.question_id").
		Where("a.user_id = ? AND a.status <> ? AND i.scored = ?", userID, AttemptActive, true).
		Group("a.id, a.finished_at, q.domain").Order("a.finished_at, a.id").Scan(&out).Error
	return out, err
}

// CountAttempts counts all attempts (admin dashboard).
func (db *DB) CountAttempts(ctx context.Context) (int64, error) {
	var n int64
	return n, db.R.WithContext(ctx).Model(&Attempt{}).Count(&n).Error
}
