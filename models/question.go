package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"chartroom/content"
	"chartroom/exam"
)

// Question statuses.
const (
	StatusDraft   = "draft"
	StatusReady   = "ready"
	StatusRetired = "retired"
)

// Question is a question's identity and the columns draws filter on; its
// text lives in immutable QuestionVersions.
type Question struct {
	ID             string
	Source         string // builtin or authored
	AuthorID       *int64
	Status         string
	CurrentVersion *int64
	SetID          string
	SetPos         int
	Qtype          string
	Domain         string
	Topic          string
	Level          string
	Difficulty     int
	Tags           string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// QuestionVersion is one immutable version of a question. Attempts point at
// the version they showed, so editing a question never changes an attempt.
type QuestionVersion struct {
	ID         int64
	QuestionID string
	Version    int
	Hash       string
	Body       string // JSON of exam.Question
	CreatedBy  *int64
	CreatedAt  time.Time
}

// hashQuestion is a stable fingerprint of a question's content.
func hashQuestion(q *exam.Question) (string, string, error) {
	b, err := json.Marshal(q)
	if err != nil {
		return "", "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), string(b), nil
}

// addVersion stores q as the next version of its question inside tx and
// points the question at it. The question row must exist.
func addVersion(tx *gorm.DB, q *exam.Question, by *int64, now time.Time) (*QuestionVersion, error) {
	hash, body, err := hashQuestion(q)
	if err != nil {
		return nil, err
	}
	var last int
	if err := tx.Model(&QuestionVersion{}).Where("question_id = ?", q.ID).Select("COALESCE(MAX(version), 0)").Scan(&last).Error; err != nil {
		return nil, err
	}
	v := &QuestionVersion{QuestionID: q.ID, Version: last + 1, Hash: hash, Body: body, CreatedBy: by, CreatedAt: now}
	if err := tx.Create(v).Error; err != nil {
		return nil, fmt.Errorf("add version of %s: %w", q.ID, err)
	}
	err = tx.Model(&Question{}).Where("id = ?", q.ID).Updates(map[string]any{
		"current_version": v.ID, "qtype": string(q.Type), "domain": string(q.Domain), "topic": q.Topic,
		"level": q.Level, "difficulty": q.Difficulty, "set_id": q.SetID, "tags": strings.Join(q.Tags, ","), "updated_at": now,
	}).Error
	return v, err
}

// SyncBank upserts the built-in questions from content into the database at
// start: a new question gets version 1; a changed one gets a new version
// (attempts keep the one they showed); a question removed from the files is
// retired, not deleted. Safe to run from several instances at once.
func SyncBank(ctx context.Context, db *DB, lib *content.Library) error {
	now := time.Now().UTC()
	err := db.Write(ctx, func(tx *gorm.DB) error {
		type row struct {
			ID     string
			Status string
			Hash   string
		}
		var rows []row
		if err := tx.Table("questions q").Select("q.id, q.status, COALESCE(v.hash, '') AS hash").
			Joins("LEFT JOIN question_versions v ON v.id = q.current_version").
			Where("q.source = ?", "builtin").Scan(&rows).Error; err != nil {
			return err
		}
		have := make(map[string]row, len(rows))
		for _, r := range rows {
			have[r.ID] = r
		}
		inFiles := map[string]bool{}
		setPos := map[string]int{}
		for i := range lib.Questions {
			q := lib.Questions[i]
			inFiles[q.ID] = true
			pos := 0
			if q.SetID != "" {
				pos = setPos[q.SetID]
				setPos[q.SetID]++
			}
			hash, _, err := hashQuestion(&q)
			if err != nil {
				return err
			}
			r, ok := have[q.ID]
			if !ok {
				qr := &Question{ID: q.ID, Source: "builtin", Status: StatusReady, SetID: q.SetID, SetPos: pos, Qtype: string(q.Type),
					Domain: string(q.Domain), Topic: q.Topic, Level: q.Level, Difficulty: q.Difficulty, CreatedAt: now, UpdatedAt: now}
				if err := tx.Create(qr).Error; err != nil {
					if isDuplicate(err) {
						return fmt.Errorf("built-in question id %q is already used by an authored question", q.ID)
					}
					return err
				}
			}
			if !ok || r.Hash != hash {
				if _, err := addVersion(tx, &q, nil, now); err != nil {
					return err
				}
			}
			if ok && r.Status != StatusReady || !ok {
				if err := tx.Model(&Question{}).Where("id = ?", q.ID).Updates(map[string]any{"status": StatusReady, "set_pos": pos}).Error; err != nil {
					return err
				}
			}
		}
		for id, r := range have {
			if !inFiles[id] && r.Status != StatusRetired {
				if err := tx.Model(&Question{}).Where("id = ?", id).Update("status", StatusRetired).Error; err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sync question bank: %w", err)
	}
	db.ForgetReadyQuestions()
	return nil
}

// Version returns a question version, parsed. Versions never change, so the
// parsed form is cached for the life of the process (it holds nothing
// another instance could disagree with).
func (db *DB) Version(ctx context.Context, id int64) (*exam.Question, error) {
	if q, ok := db.versions.Load(id); ok {
		return q.(*exam.Question), nil
	}
	var v QuestionVersion
	if err := db.R.WithContext(ctx).First(&v, id).Error; err != nil {
		return nil, notFound(err)
	}
	var q exam.Question
	if err := json.Unmarshal([]byte(v.Body), &q); err != nil {
		return nil, fmt.Errorf("version %d: %w", id, err)
	}
	db.versions.Store(id, &q)
	return &q, nil
}

// Versions loads several versions (cached ones from memory, the rest in one query).
func (db *DB) Versions(ctx context.Context, ids []int64) (map[int64]*exam.Question, error) {
	out := make(map[int64]*exam.Question, len(ids))
	var missing []int64
	for _, id := range ids {
		if q, ok := db.versions.Load(id); ok {
			out[id] = q.(*exam.Question)
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	var vs []QuestionVersion
	if err := db.R.WithContext(ctx).Where("id IN ?", missing).Find(&vs).Error; err != nil {
		return nil, err
	}
	for _, v := range vs {
		var q exam.Question
		if err := json.Unmarshal([]byte(v.Body), &q); err != nil {
			return nil, fmt.Errorf("version %d: %w", v.ID, err)
		}
		db.versions.Store(v.ID, &q)
		out[v.ID] = &q
	}
	return out, nil
}

// QuestionHistory is what a student has done with one question.
type QuestionHistory struct {
	LastSeen    time.Time
	LastCorrect *bool // latest graded answer (nil: never answered and graded)
	Flagged     bool  // flagged the last time it was shown
}

// History returns the student's history with every question they have met.
func (db *DB) History(ctx context.Context, userID int64) (map[string]*QuestionHistory, error) {
	type row struct {
		QuestionID string
		StartedAt  time.Time
		Correct    *bool
		Flagged    bool
		Answered   bool
	}
	var rows []row
	err := db.R.WithContext(ctx).Table("attempt_items ai").
		Select("ai.question_id, a.started_at, ai.correct, ai.flagged, ai.answer <> '' AS answered").
		Joins("JOIN attempts a ON a.id = ai.attempt_id").
		Where("a.user_id = ?", userID).Order("a.started_at, a.id").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := map[string]*QuestionHistory{}
	for _, r := range rows {
		h := out[r.QuestionID]
		if h == nil {
			h = &QuestionHistory{}
			out[r.QuestionID] = h
		}
		h.LastSeen = r.StartedAt
		h.Flagged = r.Flagged
		// A skipped item is graded wrong in its attempt, but the student
		// never answered it: it is not "answered wrong" for a custom draw.
		if r.Correct != nil && r.Answered {
			h.LastCorrect = r.Correct
		}
	}
	return out, nil
}

// DrawFilter narrows the questions a draw may pick from.
type DrawFilter struct {
	Domains      []exam.Domain
	Topics       []string
	Difficulties []int
	Status       string   // "", "unseen", "wrong", "flagged"
	IDs          []string // only these (lesson knowledge checks, review sessions)
	// Owner is whose authored questions may be drawn besides the built-in
	// bank: 0 (practice) draws built-in questions only; a quiz draws its
	// owner's questions too. Instructors' questions never reach practice.
	Owner int64
}

// readyTTL is how long the list of ready questions is reused. Every start
// of a practice set needs it and it is the same for every student; a
// question published or retired shows up in draws within this time.
const readyTTL = 10 * time.Second

// ReadyQuestions lists the questions draws may use (cached for readyTTL).
func (db *DB) ReadyQuestions(ctx context.Context) ([]Question, error) {
	db.readyMu.Lock()
	defer db.readyMu.Unlock()
	if db.ready != nil && time.Since(db.readyAt) < readyTTL {
		return db.ready, nil
	}
	var qs []Question
	if err := db.R.WithContext(ctx).Where("status = ? AND current_version IS NOT NULL", StatusReady).Order("id").Find(&qs).Error; err != nil {
		return nil, err
	}
	db.ready, db.readyAt = qs, time.Now()
	return qs, nil
}

// SetsOf maps each ready question that belongs to a scenario set to its
// set id (from the cached ready list).
func (db *DB) SetsOf(ctx context.Context) (map[string]string, error) {
	all, err := db.ReadyQuestions(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, q := range all {
		if q.SetID != "" {
			out[q.ID] = q.SetID
		}
	}
	return out, nil
}

// ForgetReadyQuestions drops the cached list (after this instance changes the bank).
func (db *DB) ForgetReadyQuestions() {
	db.readyMu.Lock()
	db.ready = nil
	db.readyMu.Unlock()
}

// Candidates returns the ready questions matching f with the student's
// history, ready for exam.Draw.
func (db *DB) Candidates(ctx context.Context, userID int64, f DrawFilter) ([]exam.Candidate, error) {
	all, err := db.ReadyQuestions(ctx)
	if err != nil {
		return nil, err
	}
	var qs []Question
	for _, x := range all {
		if x.Source != "builtin" && (f.Owner == 0 || x.AuthorID == nil || *x.AuthorID != f.Owner) ||
			len(f.Domains) > 0 && !slices.Contains(f.Domains, exam.Domain(x.Domain)) ||
			len(f.Topics) > 0 && !slices.Contains(f.Topics, x.Topic) ||
			len(f.Difficulties) > 0 && !slices.Contains(f.Difficulties, x.Difficulty) ||
			f.IDs != nil && !slices.Contains(f.IDs, x.ID) ||
			// Coding-case items are whole clinical notes: only a draw that asks
			// for them (by topic or by id) gets them, never a mock or an
			// ordinary practice set.
			x.Topic == exam.TopicCodingCase && f.IDs == nil && !slices.Contains(f.Topics, exam.TopicCodingCase) {
			continue
		}
		qs = append(qs, x)
	}
	hist, err := db.History(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]exam.Candidate, 0, len(qs))
	for _, x := range qs {
		h := hist[x.ID]
		switch f.Status {
		case "unseen":
			if h != nil {
				continue
			}
		case "wrong":
			if h == nil || h.LastCorrect == nil || *h.LastCorrect {
				continue
			}
		case "flagged":
			if h == nil || !h.Flagged {
				continue
			}
		}
		c := exam.Candidate{ID: x.ID, SetID: x.SetID, SetPos: x.SetPos, Domain: exam.Domain(x.Domain), Topic: x.Topic, Difficulty: x.Difficulty}
		if h != nil {
			c.LastSeen = h.LastSeen
		}
		out = append(out, c)
	}
	return out, nil
}

// ReadyVersions maps ready question ids to their current version ids from
// the cached ready list (what a draw just picked from).
func (db *DB) ReadyVersions(ctx context.Context, ids []string) (map[string]int64, error) {
	all, err := db.ReadyQuestions(ctx)
	if err != nil {
		return nil, err
	}
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	out := make(map[string]int64, len(ids))
	for _, q := range all {
		if want[q.ID] && q.CurrentVersion != nil {
			out[q.ID] = *q.CurrentVersion
		}
	}
	return out, nil
}

// CurrentVersions maps question ids to their current version ids.
func (db *DB) CurrentVersions(ctx context.Context, ids []string) (map[string]int64, error) {
	var qs []Question
	if err := db.R.WithContext(ctx).Select("id, current_version").Where("id IN ?", ids).Find(&qs).Error; err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(qs))
	for _, q := range qs {
		if q.CurrentVersion != nil {
			out[q.ID] = *q.CurrentVersion
		}
	}
	return out, nil
}

// Topics lists the topics of ready questions for filters: built-in ones,
// and with an owner that instructor's own too.
func (db *DB) Topics(ctx context.Context, owner int64) ([]string, error) {
	var out []string
	q := db.R.WithContext(ctx).Model(&Question{}).Where("status = ? AND topic <> ''", StatusReady)
	if owner == 0 {
		q = q.Where("source = ?", "builtin")
	} else {
		q = q.Where("(source = ? OR author_id = ?)", "builtin", owner)
	}
	err := q.Distinct("topic").Order("topic").Pluck("topic", &out).Error
	return out, err
}
