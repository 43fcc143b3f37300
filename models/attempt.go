package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"

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
	// Quiz starts.
	ErrAttemptInProgress = errors.New("an attempt at this quiz is already in progress")
	ErrAttemptLimit      = errors.New("no attempts left at this quiz")
)

// Attempt is one sitting of a practice set, mock or quiz.
type Attempt struct {
	ID           int64
	UserID       int64
	Mode         string
	Title        string
	Status       string
	StartedAt    time.Time
	Deadline     *time.Time
	FinishedAt   *time.Time
	Items        int
	ScoredItems  int
	Correct      *int
	Score        *float64
	CurrentItem  int
	BlueprintID  *int64
	Feedback     string
	Settings     string
	AssignmentID *int64
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
	AssignmentID *int64
	MaxAttempts  int // quiz attempts: the student's limit (0: unlimited)
	UserID       int64
	Mode         string
	Title        string
	Feedback     string
	Deadline     *time.Time
	BlueprintID  *int64
	Settings     any
	Items        []NewItem
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
	// Prepared before the write job: the writer's one connection is busy
	// inside it.
	insAttempt, err := db.wstmt(ctx, db.bind(`INSERT INTO attempts (user_id, mode, title, status, started_at, deadline, items, scored_items,
		current_item, blueprint_id, feedback, settings, assignment_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`))
	if err != nil {
		return nil, err
	}
	var stmts []*sql.Stmt
	for lo := 0; lo < len(n.Items); lo += 150 {
		rows := min(150, len(n.Items)-lo)
		st, err := db.wstmt(ctx, db.bind("INSERT INTO attempt_items (attempt_id, n, question_id, version_id, option_order, scored) VALUES "+valuesList(rows, 6)))
		if err != nil {
			return nil, err
		}
		stmts = append(stmts, st)
	}
	a := &Attempt{UserID: n.UserID, Mode: n.Mode, Title: n.Title, Status: AttemptActive, StartedAt: now.UTC(),
		Deadline: n.Deadline, Items: len(n.Items), ScoredItems: scored, CurrentItem: 1, BlueprintID: n.BlueprintID,
		Feedback: n.Feedback, Settings: string(settings), AssignmentID: n.AssignmentID}
	err = db.Write(ctx, func(tx *gorm.DB) error {
		raw, ok := SQLTx(tx)
		if !ok {
			return fmt.Errorf("create attempt: no sql transaction")
		}
		if n.AssignmentID != nil {
			// Checked inside the write: two starts at once make one attempt
			// (and a partial unique index keeps one active per student).
			var c struct{ Total, Running int }
			if err := tx.Raw("SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0) AS running FROM attempts WHERE assignment_id = ? AND user_id = ?",
				AttemptActive, *n.AssignmentID, n.UserID).Scan(&c).Error; err != nil {
				return err
			}
			if c.Running > 0 {
				return ErrAttemptInProgress
			}
			if n.MaxAttempts > 0 && c.Total >= n.MaxAttempts {
				return ErrAttemptLimit
			}
		}
		err := raw.StmtContext(ctx, insAttempt).QueryRowContext(ctx, a.UserID, a.Mode, a.Title, a.Status, a.StartedAt, a.Deadline,
			a.Items, a.ScoredItems, a.CurrentItem, a.BlueprintID, a.Feedback, a.Settings, a.AssignmentID).Scan(&a.ID)
		if isDuplicate(err) && n.AssignmentID != nil {
			return ErrAttemptInProgress
		}
		if err != nil {
			return fmt.Errorf("create attempt: %w", err)
		}
		// One multi-row INSERT per 150 items through a prepared statement:
		// gorm's handling of 900 arguments would hold the single writer up
		// longer than SQLite's insert itself.
		for lo := 0; lo < len(n.Items); lo += 150 {
			chunk := n.Items[lo:min(lo+150, len(n.Items))]
			args := make([]any, 0, len(chunk)*6)
			for i, it := range chunk {
				args = append(args, a.ID, lo+i+1, it.QuestionID, it.VersionID, it.OptionOrder, it.Scored)
			}
			if _, err := raw.StmtContext(ctx, stmts[lo/150]).ExecContext(ctx, args...); err != nil {
				return fmt.Errorf("create attempt items: %w", err)
			}
		}
		return nil
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
	const update = `UPDATE attempt_items SET answer = ?, flagged = ?, seq = ?, answered_at = ?,
			time_ms = CASE WHEN time_ms > ? THEN time_ms ELSE ? END
			WHERE attempt_id = ? AND n = ? AND seq < ? AND revealed = ?
			AND EXISTS (SELECT 1 FROM attempts a WHERE a.id = ? AND a.user_id = ? AND a.status = ? AND (a.deadline IS NULL OR a.deadline >= ?))`
	stmt, err := db.wstmt(ctx, db.bind(update))
	if err != nil {
		return res, err
	}
	err = db.Write(ctx, func(tx *gorm.DB) error {
		raw, ok := SQLTx(tx)
		if !ok {
			return fmt.Errorf("save answer: no sql transaction")
		}
		r, err := raw.StmtContext(ctx, stmt).ExecContext(ctx, string(s.Answer), s.Flagged, s.Seq, answeredAt, s.TimeMs, s.TimeMs,
			s.AttemptID, s.N, s.Seq, false,
			s.AttemptID, s.UserID, AttemptActive, now.Add(-exam.Grace))
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 1 {
			res = SaveResult{Applied: true, Seq: s.Seq}
		} else if err := explainSave(tx, s, now, true, &res); err != nil {
			return err
		}
		if s.Current > 0 {
			return tx.Exec("UPDATE attempts SET current_item = ? WHERE id = ? AND status = ? AND current_item <> ?", s.Current, s.AttemptID, AttemptActive, s.Current).Error
		}
		return nil
	})
	return res, err
}

// explainSave works out why an UPDATE changed nothing. With locked, an
// item whose tutor-mode answer was checked is refused (ErrItemLocked).
func explainSave(tx *gorm.DB, s Save, now time.Time, locked bool, res *SaveResult) error {
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
	if locked && it.Revealed {
		return ErrItemLocked
	}
	// A newer save is already stored: acknowledge without applying.
	*res = SaveResult{Applied: false, Seq: it.Seq}
	return nil
}

// SaveFlag stores the flag of an item whose tutor-mode answer was checked
// (the answer is locked; the flag is not). Like SaveAnswer it applies only
// a newer sequence number, only on the user's attempt while answers are
// accepted, and returns once committed.
func (db *DB) SaveFlag(ctx context.Context, s Save, now time.Time) (SaveResult, error) {
	var res SaveResult
	now = now.UTC()
	err := db.Write(ctx, func(tx *gorm.DB) error {
		r := tx.Exec(`UPDATE attempt_items SET flagged = ?, seq = ? WHERE attempt_id = ? AND n = ? AND seq < ?
			AND EXISTS (SELECT 1 FROM attempts a WHERE a.id = ? AND a.user_id = ? AND a.status = ? AND (a.deadline IS NULL OR a.deadline >= ?))`,
			s.Flagged, s.Seq, s.AttemptID, s.N, s.Seq, s.AttemptID, s.UserID, AttemptActive, now.Add(-exam.Grace))
		if r.Error != nil {
			return r.Error
		}
		if r.RowsAffected == 1 {
			res = SaveResult{Applied: true, Seq: s.Seq}
		} else {
			// A checked item's flag may still change: its lock does not apply.
			if err := explainSave(tx, s, now, false, &res); err != nil {
				return err
			}
		}
		if s.Current > 0 {
			return tx.Exec("UPDATE attempts SET current_item = ? WHERE id = ? AND status = ? AND current_item <> ?", s.Current, s.AttemptID, AttemptActive, s.Current).Error
		}
		return nil
	})
	return res, err
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
// first call does anything; it returns whether this call finished it. The
// work inside the single writer is a handful of statements whatever the
// attempt's length: one UPDATE for the grades, one upsert for the cards.
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
		// An expired attempt finished when its time ran out, not when the
		// sweeper or the next page view noticed: "time used" must not
		// count the minutes after the deadline.
		finish := "?"
		if status == AttemptExpired {
			finish = "CASE WHEN deadline IS NOT NULL AND deadline < ? THEN deadline ELSE ? END"
		}
		finishArgs := []any{status, now}
		if status == AttemptExpired {
			finishArgs = append(finishArgs, now)
		}
		r := tx.Exec("UPDATE attempts SET status = ?, finished_at = "+finish+" WHERE id = ? AND status = ?", append(finishArgs, attemptID, AttemptActive)...)
		if r.Error != nil || r.RowsAffected == 0 {
			return r.Error // already finished by another request or instance
		}
		finished = true
		var owner struct {
			UserID       int64
			AssignmentID *int64
		}
		if err := tx.Raw("SELECT user_id, assignment_id FROM attempts WHERE id = ?", attemptID).Scan(&owner).Error; err != nil {
			return err
		}
		userID := owner.UserID
		if owner.AssignmentID != nil {
			// A finished quiz attempt changes the quiz's item analysis,
			// which a background job recomputes (never a page view).
			if err := markStatsDirty(tx, *owner.AssignmentID, now); err != nil {
				return err
			}
		}
		// Re-read inside the transaction: these are the final answers.
		type final struct {
			N          int
			QuestionID string
			VersionID  int64
			Scored     bool
			Answer     string
		}
		var rows []final
		if err := tx.Raw("SELECT n, question_id, version_id, scored, answer FROM attempt_items WHERE attempt_id = ? ORDER BY n", attemptID).Scan(&rows).Error; err != nil {
			return err
		}
		correct, scored := 0, 0
		var right []int
		results := map[string]bool{} // question id -> correct, for answered items
		for _, it := range rows {
			q := versions[it.VersionID]
			if q == nil {
				return fmt.Errorf("attempt %d item %d: version %d missing", attemptID, it.N, it.VersionID)
			}
			ok := exam.Correct(q, exam.Answer(it.Answer))
			if ok {
				right = append(right, it.N)
			}
			if it.Scored {
				scored++
				if ok {
					correct++
				}
			}
			if it.Answer != "" {
				results[it.QuestionID] = ok
			}
		}
		grade := "UPDATE attempt_items SET correct = FALSE WHERE attempt_id = ?"
		args := []any{attemptID}
		if len(right) > 0 {
			grade = "UPDATE attempt_items SET correct = CASE WHEN n IN ? THEN TRUE ELSE FALSE END WHERE attempt_id = ?"
			args = []any{right, attemptID}
		}
		if err := tx.Exec(grade, args...).Error; err != nil {
			return err
		}
		// Spaced review is practice over the shared bank: a quiz's
		// questions stay with the quiz (its review policy decides when a
		// student may see their keys).
		if owner.AssignmentID == nil {
			if err := reviewCards(tx, userID, results, now); err != nil {
				return err
			}
		}
		score := 0.0
		if scored > 0 {
			score = 100 * float64(correct) / float64(scored)
		}
		return tx.Exec("UPDATE attempts SET correct = ?, score = ? WHERE id = ?", correct, score, attemptID).Error
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

// reviewCards updates the student's cards after an attempt: a missed
// question gets a card (or a lapse), a correct answer on a question that
// already has a card moves it along; questions answered right that have no
// card stay out of review. One SELECT and one upsert.
func reviewCards(tx *gorm.DB, userID int64, results map[string]bool, now time.Time) error {
	if len(results) == 0 {
		return nil
	}
	qids := make([]string, 0, len(results))
	for q := range results {
		qids = append(qids, q)
	}
	sort.Strings(qids)
	var existing []ReviewCard
	if err := tx.Where("user_id = ? AND question_id IN ?", userID, qids).Find(&existing).Error; err != nil {
		return err
	}
	have := make(map[string]ReviewCard, len(existing))
	for _, c := range existing {
		have[c.QuestionID] = c
	}
	var args []any
	n := 0
	for _, qid := range qids {
		ok := results[qid]
		rc, exists := have[qid]
		if !exists && ok {
			continue
		}
		card := exam.Card{Stability: rc.Stability, Difficulty: rc.Difficulty, Reps: rc.Reps, Lapses: rc.Lapses, LastReview: rc.LastReview}
		rating := exam.Good
		if !ok {
			rating = exam.Again
		}
		card = card.Review(rating, now)
		args = append(args, userID, qid, card.Stability, card.Difficulty, card.Reps, card.Lapses, card.LastReview.UTC(), card.Due.UTC())
		n++
	}
	if n == 0 {
		return nil
	}
	return tx.Exec(`INSERT INTO review_cards (user_id, question_id, stability, difficulty, reps, lapses, last_review, due) VALUES `+valuesList(n, 8)+`
		ON CONFLICT (user_id, question_id) DO UPDATE SET stability = excluded.stability, difficulty = excluded.difficulty,
		reps = excluded.reps, lapses = excluded.lapses, last_review = excluded.last_review, due = excluded.due`, args...).Error
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

// AttemptsFor lists a student's practice attempts (not quiz attempts,
// which their quiz pages show under its review policy), newest first.
func (db *DB) AttemptsFor(ctx context.Context, userID int64, limit int) ([]AttemptSummary, error) {
	var out []AttemptSummary
	q := db.R.WithContext(ctx).Table("attempts a").
		Select("a.*, (SELECT COUNT(*) FROM attempt_items i WHERE i.attempt_id = a.id AND i.answer <> '') AS answered").
		Where("a.user_id = ? AND a.assignment_id IS NULL", userID).Order("a.started_at DESC, a.id DESC")
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
// practice attempts, oldest first (quiz scores follow the quiz's review policy).
func (db *DB) DomainResults(ctx context.Context, userID int64) ([]DomainResult, error) {
	var out []DomainResult
	err := db.R.WithContext(ctx).Table("attempt_items i").
		Select("a.id AS attempt_id, a.finished_at, q.domain, COUNT(*) AS items, SUM(CASE WHEN i.correct THEN 1 ELSE 0 END) AS correct").
		Joins("JOIN attempts a ON a.id = i.attempt_id").
		Joins("JOIN questions q ON q.id = i.question_id").
		Where("a.user_id = ? AND a.status <> ? AND i.scored = ? AND a.assignment_id IS NULL", userID, AttemptActive, true).
		Group("a.id, a.finished_at, q.domain").Order("a.finished_at, a.id").Scan(&out).Error
	return out, err
}

// CountAttempts counts all attempts (admin dashboard).
func (db *DB) CountAttempts(ctx context.Context) (int64, error) {
	var n int64
	return n, db.R.WithContext(ctx).Model(&Attempt{}).Count(&n).Error
}
