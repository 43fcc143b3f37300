package models

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"

	"chartroom/exam"
)

// BankRow is a question as the bank browser lists it.
type BankRow struct {
	Question
	Version    int
	Stem       string
	AuthorName string
	SetTitle   string `gorm:"-"` // the scenario set's title, from the version
}

// BankFilter narrows the bank browser.
type BankFilter struct {
	Domain, Topic, Type, Status string
	Author                      string // "", "builtin", "mine"
	Text                        string
	Limit                       int
}

// scopeBank limits questions to those u may see: built-in ones and the
// instructor's own (admins: all).
func scopeBank(q *gorm.DB, u *User) *gorm.DB {
	if u.Role == RoleAdmin {
		return q
	}
	return q.Where("(q.source = ? OR q.author_id = ?)", "builtin", u.ID)
}

// Bank lists questions for the bank browser.
func (db *DB) Bank(ctx context.Context, u *User, f BankFilter) ([]BankRow, error) {
	q := scopeBank(db.R.WithContext(ctx).Table("questions q"), u).
		Select("q.*, v.version, v.body AS stem, COALESCE(a.name, '') AS author_name").
		Joins("JOIN question_versions v ON v.id = q.current_version").
		Joins("LEFT JOIN users a ON a.id = q.author_id")
	if f.Domain != "" {
		q = q.Where("q.domain = ?", f.Domain)
	}
	if f.Topic != "" {
		q = q.Where("q.topic = ?", f.Topic)
	}
	if f.Type != "" {
		q = q.Where("q.qtype = ?", f.Type)
	}
	if f.Status != "" {
		q = q.Where("q.status = ?", f.Status)
	}
	switch f.Author {
	case "builtin":
		q = q.Where("q.source = ?", "builtin")
	case "mine":
		q = q.Where("q.author_id = ?", u.ID)
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		like := "%" + strings.ToLower(escapeLike(t)) + "%"
		q = q.Where("(LOWER(v.body) LIKE ? ESCAPE '\\' OR LOWER(q.id) LIKE ? ESCAPE '\\' OR LOWER(q.tags) LIKE ? ESCAPE '\\')", like, like, like)
	}
	if f.Limit <= 0 {
		f.Limit = 300
	}
	var rows []BankRow
	if err := q.Order("q.domain, q.topic, q.id").Limit(f.Limit).Scan(&rows).Error; err != nil {
		return nil, err
	}
	for i := range rows {
		var body exam.Question
		if json.Unmarshal([]byte(rows[i].Stem), &body) == nil {
			rows[i].Stem, rows[i].SetTitle = body.Stem, body.SetTitle
		}
	}
	return rows, nil
}

// QuestionFor loads a question u may see, with its current version.
func (db *DB) QuestionFor(ctx context.Context, u *User, id string) (*Question, *exam.Question, error) {
	var q Question
	err := scopeBank(db.R.WithContext(ctx).Table("questions q"), u).Where("q.id = ?", id).Take(&q).Error
	if err != nil {
		return nil, nil, notFound(err)
	}
	if q.CurrentVersion == nil {
		return nil, nil, ErrNotFound
	}
	v, err := db.Version(ctx, *q.CurrentVersion)
	return &q, v, err
}

// QuestionVersions lists a question's versions, oldest first.
func (db *DB) QuestionVersions(ctx context.Context, id string) ([]QuestionVersion, error) {
	var out []QuestionVersion
	err := db.R.WithContext(ctx).Where("question_id = ?", id).Order("version").Find(&out).Error
	return out, err
}

// CanEdit reports whether u may change the question (built-in ones are
// read-only: duplicate them instead).
func CanEdit(u *User, q *Question) bool {
	return q.Source == "authored" && (q.AuthorID != nil && *q.AuthorID == u.ID || u.Role == RoleAdmin)
}

var idClean = regexp.MustCompile(`[^a-z0-9]+`)

// newQuestionID makes a readable, unique id for an authored question.
func newQuestionID(tx *gorm.DB, u *User, topic string) (string, error) {
	return uniqueSlugID(tx, u, "", topic, "question", "id = ?")
}

// newSetID makes a readable, unique id for an authored scenario set (not
// used by any set, nor as a question id).
func newSetID(tx *gorm.DB, u *User, title string) (string, error) {
	return uniqueSlugID(tx, u, "set-", title, "case", "set_id = ? OR id = ?")
}

// uniqueSlugID is "u<user>-<kind><slug of text>-<random>", unused by the
// questions the where clause (one ? per use of the id) looks at.
func uniqueSlugID(tx *gorm.DB, u *User, kind, text, fallback, where string) (string, error) {
	base := strings.Trim(idClean.ReplaceAllString(strings.ToLower(text), "-"), "-")
	if base == "" {
		base = fallback
	}
	if len(base) > 40 {
		base = strings.Trim(base[:40], "-")
	}
	for i := 0; i < 20; i++ {
		id := fmt.Sprintf("u%d-%s%s-%s", u.ID, kind, base, strings.ToLower(RandomToken(3)))
		id = strings.NewReplacer("_", "x", "-", "-").Replace(id)
		id = idClean.ReplaceAllString(strings.ToLower(id), "-")
		args := make([]any, strings.Count(where, "?"))
		for j := range args {
			args[j] = id
		}
		var n int64
		if err := tx.Model(&Question{}).Where(where, args...).Count(&n).Error; err != nil {
			return "", err
		}
		if n == 0 {
			return id, nil
		}
	}
	return "", fmt.Errorf("could not make a unique %sid", kind)
}

// SaveAuthored creates (q.ID empty) or edits an authored question. A ready
// question must pass full validation; a draft the draft checks. An edit
// that changes the content adds a new immutable version: attempts keep the
// version they showed.
//
// It never changes set membership: an edit keeps the stored item's set,
// case and title (whatever q says), and a new question stands alone.
// Scenario sets are written by SaveSet.
func (db *DB) SaveAuthored(ctx context.Context, u *User, q exam.Question, status string) (string, error) {
	var id string
	err := db.Write(ctx, func(tx *gorm.DB) error {
		if err := keepSet(tx, &q); err != nil {
			return err
		}
		var err error
		id, err = saveAuthored(tx, u, q, status, time.Now().UTC())
		return err
	})
	if err == nil {
		db.ForgetReadyQuestions()
	}
	return id, err
}

// ImportQuestions stores imported questions as new questions of u's, all
// in one transaction: if one fails, none is stored. A question is saved
// ready when ready is true and it passes full validation, else as a draft.
func (db *DB) ImportQuestions(ctx context.Context, act Actor, u *User, qs []exam.Question, ready bool, source string) ([]string, error) {
	ids := make([]string, 0, len(qs))
	now := time.Now().UTC()
	err := db.Write(ctx, func(tx *gorm.DB) error {
		// A scenario set in the file becomes a new set of u's, in file
		// order: its id in the file may be a built-in set's (an exported
		// bank) or another instructor's, and items of different owners
		// must never be drawn as one set.
		sets := map[string]string{}
		pos := map[string]int{}
		for i, q := range qs {
			q.ID = ""
			if q.SetID != "" {
				sid, ok := sets[q.SetID]
				if !ok {
					var err error
					if sid, err = newSetID(tx, u, q.SetTitle); err != nil {
						return err
					}
					sets[q.SetID] = sid
				}
				q.SetID = sid
			}
			status := StatusDraft
			if ready && len(q.Validate()) == 0 {
				status = StatusReady
			}
			id, err := saveAuthored(tx, u, q, status, now)
			if err != nil {
				return fmt.Errorf("question %d: %w", i+1, err)
			}
			if q.SetID != "" {
				if err := tx.Model(&Question{}).Where("id = ?", id).Update("set_pos", pos[q.SetID]).Error; err != nil {
					return err
				}
				pos[q.SetID]++
			}
			ids = append(ids, id)
		}
		return Audit(tx, act, "question.import", "user", u.ID, fmt.Sprintf("%d question(s) from %s", len(qs), source))
	})
	if err != nil {
		return nil, err
	}
	db.ForgetReadyQuestions()
	return ids, nil
}

// keepSet copies the set fields of q's stored current version onto q
// (none for a new question).
func keepSet(tx *gorm.DB, q *exam.Question) error {
	q.SetID, q.SetCase, q.SetTitle = "", "", ""
	if q.ID == "" {
		return nil
	}
	var bodies []string
	if err := tx.Raw("SELECT v.body FROM questions q JOIN question_versions v ON v.id = q.current_version WHERE q.id = ?", q.ID).
		Scan(&bodies).Error; err != nil {
		return err
	}
	if len(bodies) == 0 {
		return nil // saveAuthored answers not found
	}
	var cur exam.Question
	if err := json.Unmarshal([]byte(bodies[0]), &cur); err != nil {
		return fmt.Errorf("question %s: %w", q.ID, err)
	}
	q.SetID, q.SetCase, q.SetTitle = cur.SetID, cur.SetCase, cur.SetTitle
	return nil
}

// validateFor is the validation a status needs: full for ready, the
// draft checks otherwise.
func validateFor(q *exam.Question, status string) []exam.FieldError {
	if status == StatusReady {
		return q.Validate()
	}
	return q.ValidateDraft()
}

func saveAuthored(tx *gorm.DB, u *User, q exam.Question, status string, now time.Time) (string, error) {
	switch status {
	case StatusDraft, StatusReady:
	default:
		return "", Invalid("status", "choose draft or ready")
	}
	q.Stem, q.Rationale = strings.TrimSpace(q.Stem), strings.TrimSpace(q.Rationale)
	id := q.ID
	if id == "" {
		var err error
		if id, err = newQuestionID(tx, u, q.Topic); err != nil {
			return "", err
		}
	}
	q.ID = id
	if errs := validateFor(&q, status); len(errs) > 0 {
		v := &ValidationError{}
		for _, e := range errs {
			v.Add(e.Field, e.Message)
		}
		return "", v
	}
	var cur Question
	err := tx.Where("id = ?", id).First(&cur).Error
	switch {
	case notFound(err) == ErrNotFound:
		if q.ID != id || cur.ID != "" {
			return "", ErrNotFound
		}
		row := &Question{ID: id, Source: "authored", AuthorID: &u.ID, Status: status, Qtype: string(q.Type),
			Domain: string(q.Domain), Topic: q.Topic, Level: q.Level, Difficulty: q.Difficulty, Tags: strings.Join(q.Tags, ","), CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(row).Error; err != nil {
			return "", err
		}
	case err != nil:
		return "", err
	case !CanEdit(u, &cur):
		return "", ErrNotFound
	}
	var curHash string
	if cur.CurrentVersion != nil {
		if err := tx.Model(&QuestionVersion{}).Where("id = ?", *cur.CurrentVersion).Pluck("hash", &curHash).Error; err != nil {
			return "", err
		}
	}
	hash, _, err := hashQuestion(&q)
	if err != nil {
		return "", err
	}
	if hash != curHash {
		if _, err := addVersion(tx, &q, &u.ID, now); err != nil {
			return "", err
		}
	}
	return id, tx.Model(&Question{}).Where("id = ?", id).Updates(map[string]any{"status": status, "updated_at": now}).Error
}

// Duplicate copies a question u may see into a new draft of u's own. An
// item of a scenario set is copied with its whole set (an item makes no
// sense without its case); the id returned is the copy of srcID.
func (db *DB) Duplicate(ctx context.Context, u *User, srcID string) (string, error) {
	row, src, err := db.QuestionFor(ctx, u, srcID)
	if err != nil {
		return "", err
	}
	if src.SetID != "" && row.Status != StatusRetired {
		_, ids, err := db.DuplicateSet(ctx, u, src.SetID)
		if err != nil {
			return "", err
		}
		if id, ok := ids[srcID]; ok {
			return id, nil
		}
	}
	return db.SaveAuthored(ctx, u, copyQuestion(src), StatusDraft)
}

// copyQuestion is a deep copy of q without its id.
func copyQuestion(q *exam.Question) exam.Question {
	cp := *q
	cp.ID = ""
	cp.Options = append([]exam.Option(nil), q.Options...)
	cp.Key = append([]string(nil), q.Key...)
	cp.References = append([]string(nil), q.References...)
	cp.Tags = append([]string(nil), q.Tags...)
	return cp
}

// BulkUpdate retires or tags questions u may edit; it returns how many.
func (db *DB) BulkUpdate(ctx context.Context, u *User, ids []string, retire bool, tag string) (int, error) {
	tag = strings.Trim(idClean.ReplaceAllString(strings.ToLower(strings.TrimSpace(tag)), "-"), "-")
	if !retire && tag == "" {
		return 0, Invalid("tag", "enter a tag (letters, digits, hyphens)")
	}
	n := 0
	err := db.Write(ctx, func(tx *gorm.DB) error {
		var qs []Question
		if err := tx.Where("id IN ?", ids).Find(&qs).Error; err != nil {
			return err
		}
		for _, q := range qs {
			if !CanEdit(u, &q) {
				continue
			}
			upd := map[string]any{"updated_at": time.Now().UTC()}
			if retire {
				upd["status"] = StatusRetired
			} else {
				tags := map[string]bool{}
				for _, t := range strings.Split(q.Tags, ",") {
					if t != "" {
						tags[t] = true
					}
				}
				tags[tag] = true
				upd["tags"] = strings.Join(sortedKeys(tags), ",")
			}
			if err := tx.Model(&Question{}).Where("id = ?", q.ID).Updates(upd).Error; err != nil {
				return err
			}
			n++
		}
		return nil
	})
	db.ForgetReadyQuestions()
	return n, err
}

// RegradeRow is one attempt's score before and after a regrade.
type RegradeRow struct {
	AttemptID  int64
	Student    string
	Before     float64
	After      float64
	ItemBefore bool
	ItemAfter  bool
}

// RegradeResult is what a regrade would do (Preview) or did (Apply).
type RegradeResult struct {
	QuestionID string
	ToVersion  int64
	Policy     string // both: old or new key earns credit; new: new key only
	Rows       []RegradeRow
	Skipped    int // items whose options differ in number from the new version
}

// Regrade re-scores a quiz's finished attempts after a question's key was
// fixed (its current version). With apply false nothing changes.
func (db *DB) Regrade(ctx context.Context, act Actor, quizID int64, questionID, policy string, apply bool) (*RegradeResult, error) {
	if policy != "both" && policy != "new" {
		return nil, Invalid("policy", "choose how to give credit")
	}
	var cur Question
	if err := db.R.WithContext(ctx).Where("id = ?", questionID).First(&cur).Error; err != nil || cur.CurrentVersion == nil {
		return nil, ErrNotFound
	}
	newQ, err := db.Version(ctx, *cur.CurrentVersion)
	if err != nil {
		return nil, err
	}
	type item struct {
		AttemptID int64
		N         int
		VersionID int64
		Answer    string
		Correct   *bool
		Scored    bool
		UserName  string
		Correct0  *int
		ScoredN   int
	}
	var items []item
	err = db.R.WithContext(ctx).Raw(`SELECT i.attempt_id, i.n, i.version_id, i.answer, i.correct, i.scored, u.name AS user_name, t.correct AS correct0, t.scored_items AS scored_n
		FROM attempt_items i JOIN attempts t ON t.id = i.attempt_id JOIN assignments s ON s.id = t.assignment_id JOIN users u ON u.id = t.user_id
		WHERE s.quiz_id = ? AND i.question_id = ? AND t.status <> ? ORDER BY t.id`, quizID, questionID, AttemptActive).Scan(&items).Error
	if err != nil {
		return nil, err
	}
	res := &RegradeResult{QuestionID: questionID, ToVersion: *cur.CurrentVersion, Policy: policy}
	type change struct {
		attempt int64
		n       int
		correct bool
		delta   int
		scored  bool
	}
	var changes []change
	for _, it := range items {
		old, err := db.Version(ctx, it.VersionID)
		if err != nil {
			return nil, err
		}
		if len(old.Options) != len(newQ.Options) || old.Type != newQ.Type {
			res.Skipped++
			continue
		}
		before := it.Correct != nil && *it.Correct
		after := exam.Correct(newQ, exam.Answer(it.Answer))
		if policy == "both" {
			after = after || exam.Correct(old, exam.Answer(it.Answer))
		}
		c0 := 0
		if it.Correct0 != nil {
			c0 = *it.Correct0
		}
		pct := func(c int) float64 {
			if it.ScoredN == 0 {
				return 0
			}
			return 100 * float64(c) / float64(it.ScoredN)
		}
		delta := 0
		if it.Scored && before != after {
			if after {
				delta = 1
			} else {
				delta = -1
			}
		}
		res.Rows = append(res.Rows, RegradeRow{AttemptID: it.AttemptID, Student: it.UserName, Before: pct(c0), After: pct(c0 + delta), ItemBefore: before, ItemAfter: after})
		if before != after {
			changes = append(changes, change{it.AttemptID, it.N, after, delta, it.Scored})
		}
	}
	if !apply {
		return res, nil
	}
	details, _ := json.Marshal(res.Rows)
	err = db.Write(ctx, func(tx *gorm.DB) error {
		for _, ch := range changes {
			if err := tx.Exec("UPDATE attempt_items SET correct = ? WHERE attempt_id = ? AND n = ?", ch.correct, ch.attempt, ch.n).Error; err != nil {
				return err
			}
			if ch.delta != 0 {
				if err := tx.Exec("UPDATE attempts SET correct = correct + ?, score = 100.0 * (correct + ?) / scored_items WHERE id = ? AND scored_items > 0",
					ch.delta, ch.delta, ch.attempt).Error; err != nil {
					return err
				}
			}
		}
		row := map[string]any{"quiz_id": quizID, "question_id": questionID, "to_version": *cur.CurrentVersion, "policy": policy,
			"attempts": len(res.Rows), "changed": len(changes), "details": string(details), "created_at": time.Now().UTC()}
		if act.ID != 0 {
			row["actor_id"] = act.ID
		}
		if err := tx.Table("regrades").Create(row).Error; err != nil {
			return err
		}
		if err := tx.Exec("INSERT INTO stats_dirty (quiz_id, since) VALUES (?, ?) ON CONFLICT (quiz_id) DO UPDATE SET since = excluded.since", quizID, time.Now().UTC()).Error; err != nil {
			return err
		}
		// The version's number, not its row id (shared by every question).
		var number int
		if err := tx.Raw("SELECT version FROM question_versions WHERE id = ?", *cur.CurrentVersion).Scan(&number).Error; err != nil {
			return err
		}
		return Audit(tx, act, "grade.regrade", "quiz", quizID, fmt.Sprintf("question %s to version %d (%s): %d attempts, %d changed", questionID, number, policy, len(res.Rows), len(changes)))
	})
	return res, err
}

// Scenario sets: one case shared by 2-5 items that draws keep together.
// A set is not a row of its own: it is the questions sharing set_id, in
// set_pos order, and every item's version carries the case and title. So
// a changed case gives each item a new version, and attempts keep the case
// they showed. Sets are written whole (SaveSet), never item by item.
const (
	MinSetItems = 2
	MaxSetItems = 5
)

// ScenarioSet is a set as the editor shows it.
type ScenarioSet struct {
	ID, Title, Case string
	Rows            []Question       // the items, in order
	Items           []*exam.Question // their current versions
}

// Status is ready when every item is ready, else draft.
func (s *ScenarioSet) Status() string {
	for _, r := range s.Rows {
		if r.Status != StatusReady {
			return StatusDraft
		}
	}
	return StatusReady
}

// Editable reports whether u may change every item of the set.
func (s *ScenarioSet) Editable(u *User) bool {
	for i := range s.Rows {
		if !CanEdit(u, &s.Rows[i]) {
			return false
		}
	}
	return len(s.Rows) > 0
}

// SetInput is a set as the editor submits it.
type SetInput struct {
	Title, Case, Status string
	Items               []exam.Question // in order; an item with an ID edits that question
	Removed             []string        // items taken out of the set: retired, attempts keep them
}

// SetItemField names field of the k-th (0-based) item of a SetInput in
// SaveSet's ValidationError; ParseSetItemField reads it back.
func SetItemField(k int, field string) string { return fmt.Sprintf("items.%d.%s", k, field) }

// ParseSetItemField splits a SetItemField name.
func ParseSetItemField(name string) (k int, field string, ok bool) {
	rest, ok := strings.CutPrefix(name, "items.")
	if !ok {
		return 0, "", false
	}
	num, field, ok := strings.Cut(rest, ".")
	if !ok {
		return 0, "", false
	}
	if _, err := fmt.Sscanf(num, "%d", &k); err != nil {
		return 0, "", false
	}
	return k, field, true
}

// LoadSet returns the scenario set id with its items u may see (retired
// items are no longer part of it).
func (db *DB) LoadSet(ctx context.Context, u *User, id string) (*ScenarioSet, error) {
	if id == "" {
		return nil, ErrNotFound
	}
	var rows []Question
	err := scopeBank(db.R.WithContext(ctx).Table("questions q"), u).
		Where("q.set_id = ? AND q.status <> ? AND q.current_version IS NOT NULL", id, StatusRetired).
		Order("q.set_pos, q.id").Find(&rows).Error
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, ErrNotFound
	}
	vids := make([]int64, len(rows))
	for i, r := range rows {
		vids[i] = *r.CurrentVersion
	}
	vs, err := db.Versions(ctx, vids)
	if err != nil {
		return nil, err
	}
	s := &ScenarioSet{ID: id, Rows: rows}
	for _, vid := range vids {
		q, ok := vs[vid]
		if !ok {
			return nil, fmt.Errorf("set %s: version %d missing", id, vid)
		}
		s.Items = append(s.Items, q)
	}
	s.Title, s.Case = s.Items[0].SetTitle, s.Items[0].SetCase
	return s, nil
}

// SaveSet creates (setID empty) or edits a scenario set of u's and returns
// its id. Everything is checked before anything is written: the case, 2-5
// items, each item as its status needs (problems of item k are reported
// under SetItemField(k, field)). Each item is saved like a single question,
// so only a changed item (or a changed case or title) gets a new version;
// the order is stored in set_pos.
func (db *DB) SaveSet(ctx context.Context, u *User, setID string, in SetInput) (string, error) {
	var id string
	err := db.Write(ctx, func(tx *gorm.DB) error {
		var err error
		id, _, err = saveSet(tx, u, setID, in, time.Now().UTC())
		return err
	})
	if err == nil {
		db.ForgetReadyQuestions()
	}
	return id, err
}

// DuplicateSet copies a set u may see into a new draft set of u's own; it
// returns the new set's id and the new id of each copied item.
func (db *DB) DuplicateSet(ctx context.Context, u *User, setID string) (string, map[string]string, error) {
	s, err := db.LoadSet(ctx, u, setID)
	if err != nil {
		return "", nil, err
	}
	in := SetInput{Title: s.Title, Case: s.Case, Status: StatusDraft}
	for _, q := range s.Items {
		in.Items = append(in.Items, copyQuestion(q))
	}
	var id string
	var ids []string
	err = db.Write(ctx, func(tx *gorm.DB) error {
		var err error
		id, ids, err = saveSet(tx, u, "", in, time.Now().UTC())
		return err
	})
	if err != nil {
		return "", nil, err
	}
	db.ForgetReadyQuestions()
	m := make(map[string]string, len(ids))
	for i, r := range s.Rows {
		m[r.ID] = ids[i]
	}
	return id, m, nil
}

func saveSet(tx *gorm.DB, u *User, setID string, in SetInput, now time.Time) (string, []string, error) {
	in.Title, in.Case = strings.TrimSpace(in.Title), strings.TrimSpace(in.Case)
	// Whose set it is comes first: another instructor's set is not found,
	// whatever the form says.
	cur := map[string]bool{}
	if setID != "" {
		var rows []Question
		if err := tx.Where("set_id = ? AND status <> ?", setID, StatusRetired).Find(&rows).Error; err != nil {
			return "", nil, err
		}
		if len(rows) == 0 {
			return "", nil, ErrNotFound
		}
		for i := range rows {
			if !CanEdit(u, &rows[i]) {
				return "", nil, ErrNotFound
			}
			cur[rows[i].ID] = true
		}
	}
	seen := map[string]bool{}
	claim := func(id string) error {
		if !cur[id] || seen[id] {
			return ErrNotFound // not an item of this set (or listed twice)
		}
		seen[id] = true
		return nil
	}
	for _, id := range in.Removed {
		if err := claim(id); err != nil {
			return "", nil, err
		}
	}
	v := &ValidationError{}
	switch in.Status {
	case StatusDraft, StatusReady:
	default:
		v.Add("status", "choose draft or ready")
	}
	if in.Case == "" {
		v.Add("case", "write the case that every item of the set refers to")
	}
	if len(in.Title) > 200 {
		v.Add("set_title", "keep the title under 200 characters")
	}
	if n := len(in.Items); n < MinSetItems || n > MaxSetItems {
		v.Add("items", fmt.Sprintf("a scenario set has %d to %d items (has %d)", MinSetItems, MaxSetItems, n))
	}
	for k := range in.Items {
		q := &in.Items[k]
		if q.ID != "" {
			if err := claim(q.ID); err != nil {
				return "", nil, err
			}
		}
		q.Stem, q.Rationale = strings.TrimSpace(q.Stem), strings.TrimSpace(q.Rationale)
		check := *q
		if check.ID == "" {
			check.ID = "new-item" // the id is given on save
		}
		for _, e := range validateFor(&check, in.Status) {
			v.Add(SetItemField(k, e.Field), e.Message)
		}
	}
	if len(seen) != len(cur) {
		return "", nil, ErrConflict // an item was added or removed since the form was shown
	}
	if err := v.Err(); err != nil {
		return "", nil, err
	}
	if setID == "" {
		var err error
		if setID, err = newSetID(tx, u, in.Title); err != nil {
			return "", nil, err
		}
	}
	ids := make([]string, len(in.Items))
	for k, q := range in.Items {
		q.SetID, q.SetCase, q.SetTitle = setID, in.Case, in.Title
		id, err := saveAuthored(tx, u, q, in.Status, now)
		if err != nil {
			return "", nil, fmt.Errorf("set item %d: %w", k+1, err)
		}
		if err := tx.Model(&Question{}).Where("id = ?", id).Update("set_pos", k).Error; err != nil {
			return "", nil, err
		}
		ids[k] = id
	}
	if len(in.Removed) > 0 {
		if err := tx.Model(&Question{}).Where("id IN ?", in.Removed).
			Updates(map[string]any{"status": StatusRetired, "updated_at": now}).Error; err != nil {
			return "", nil, err
		}
	}
	return setID, ids, nil
}
