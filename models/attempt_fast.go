package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The queries in this file run on every exam request (item pages and
// autosaves), so they are single round trips scanned by hand instead of
// through gorm's reflection. The load test in cmd/loadtest measures them.

const attemptCols = `a.id, a.user_id, a.mode, a.title, a.status, a.started_at, a.deadline, a.finished_at, a.items, a.scored_items,
	a.correct, a.score, a.current_item, a.blueprint_id, a.feedback, a.settings, a.assignment_id`

const itemCols = `i.attempt_id, i.n, i.question_id, i.version_id, i.option_order, i.scored, i.answer, i.seq, i.flagged,
	i.answered_at, i.revealed, i.correct, i.time_ms`

func scanAttempt(a *Attempt) []any {
	return []any{&a.ID, &a.UserID, &a.Mode, &a.Title, &a.Status, &a.StartedAt, nullTime{&a.Deadline}, nullTime{&a.FinishedAt},
		&a.Items, &a.ScoredItems, nullInt{&a.Correct}, nullFloat{&a.Score}, &a.CurrentItem, nullInt64{&a.BlueprintID}, &a.Feedback, &a.Settings, nullInt64{&a.AssignmentID}}
}

func scanItem(it *AttemptItem) []any {
	return []any{&it.AttemptID, &it.N, &it.QuestionID, &it.VersionID, &it.OptionOrder, &it.Scored, &it.Answer, &it.Seq,
		&it.Flagged, nullTime{&it.AnsweredAt}, &it.Revealed, nullBool{&it.Correct}, &it.TimeMs}
}

// stmt returns a prepared statement for a hot read query, preparing it once
// per process (database/sql re-prepares it per connection as needed).
// SQLite takes about as long to prepare a small query as to run it.
func (db *DB) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := db.stmts.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	conn, err := db.R.DB()
	if err != nil {
		return nil, err
	}
	s, err := conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare %.60s: %w", query, err)
	}
	if prev, loaded := db.stmts.LoadOrStore(query, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}

// OwnAttempt loads an attempt of the user; anyone else's is "not found".
func (db *DB) OwnAttempt(ctx context.Context, userID, id int64) (*Attempt, error) {
	st, err := db.stmt(ctx, "SELECT "+attemptCols+" FROM attempts a WHERE a.id = "+db.placeholder(1)+" AND a.user_id = "+db.placeholder(2))
	if err != nil {
		return nil, err
	}
	var a Attempt
	err = st.QueryRowContext(ctx, id, userID).Scan(scanAttempt(&a)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load attempt %d: %w", id, err)
	}
	return &a, nil
}

// OwnAttemptItem loads an attempt of the user and one of its items in one
// query (the autosave path).
func (db *DB) OwnAttemptItem(ctx context.Context, userID, id int64, n int) (*Attempt, *AttemptItem, error) {
	st, err := db.stmt(ctx, "SELECT "+attemptCols+", "+itemCols+" FROM attempts a JOIN attempt_items i ON i.attempt_id = a.id"+
		" WHERE a.id = "+db.placeholder(1)+" AND a.user_id = "+db.placeholder(2)+" AND i.n = "+db.placeholder(3))
	if err != nil {
		return nil, nil, err
	}
	var a Attempt
	var it AttemptItem
	err = st.QueryRowContext(ctx, id, userID, n).Scan(append(scanAttempt(&a), scanItem(&it)...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, ErrNotFound
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load attempt %d item %d: %w", id, n, err)
	}
	return &a, &it, nil
}

// Item loads one item.
func (db *DB) Item(ctx context.Context, attemptID int64, n int) (*AttemptItem, error) {
	st, err := db.stmt(ctx, "SELECT "+itemCols+" FROM attempt_items i WHERE i.attempt_id = "+db.placeholder(1)+" AND i.n = "+db.placeholder(2))
	if err != nil {
		return nil, err
	}
	var it AttemptItem
	err = st.QueryRowContext(ctx, attemptID, n).Scan(scanItem(&it)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load item %d/%d: %w", attemptID, n, err)
	}
	return &it, nil
}

// Items loads every item of an attempt in order.
func (db *DB) Items(ctx context.Context, attemptID int64) ([]AttemptItem, error) {
	st, err := db.stmt(ctx, "SELECT "+itemCols+" FROM attempt_items i WHERE i.attempt_id = "+db.placeholder(1)+" ORDER BY i.n")
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, attemptID)
	if err != nil {
		return nil, fmt.Errorf("load items of %d: %w", attemptID, err)
	}
	defer rows.Close()
	var out []AttemptItem
	for rows.Next() {
		var it AttemptItem
		if err := rows.Scan(scanItem(&it)...); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// ItemState is what the navigator shows of one item.
type ItemState struct {
	N        int
	Answered bool
	Flagged  bool
}

// ItemStates loads the navigator's view of every item. The database folds
// the items into one string ("a" answered / "-", then "f" flagged / "-",
// per item in order): one row to scan instead of 150.
func (db *DB) ItemStates(ctx context.Context, attemptID int64) ([]ItemState, error) {
	agg := "group_concat"
	if db.Dialect == Postgres {
		agg = "string_agg"
	}
	st, err := db.stmt(ctx, "SELECT COALESCE("+agg+"(CASE WHEN answer <> '' THEN 'a' ELSE '-' END || CASE WHEN flagged THEN 'f' ELSE '-' END, '' ORDER BY n), '') FROM attempt_items WHERE attempt_id = "+db.placeholder(1))
	if err != nil {
		return nil, err
	}
	var packed string
	if err := st.QueryRowContext(ctx, attemptID).Scan(&packed); err != nil {
		return nil, fmt.Errorf("item states of %d: %w", attemptID, err)
	}
	out := make([]ItemState, len(packed)/2)
	for i := range out {
		out[i] = ItemState{N: i + 1, Answered: packed[2*i] == 'a', Flagged: packed[2*i+1] == 'f'}
	}
	return out, nil
}

// nullable scanners that write into pointer fields.
type nullTime struct{ p **time.Time }

func (n nullTime) Scan(v any) error {
	var t sql.NullTime
	if err := t.Scan(v); err != nil {
		return err
	}
	if t.Valid {
		x := t.Time.UTC()
		*n.p = &x
	} else {
		*n.p = nil
	}
	return nil
}

type nullInt struct{ p **int }

func (n nullInt) Scan(v any) error {
	var x sql.NullInt64
	if err := x.Scan(v); err != nil {
		return err
	}
	if x.Valid {
		i := int(x.Int64)
		*n.p = &i
	} else {
		*n.p = nil
	}
	return nil
}

type nullInt64 struct{ p **int64 }

func (n nullInt64) Scan(v any) error {
	var x sql.NullInt64
	if err := x.Scan(v); err != nil {
		return err
	}
	if x.Valid {
		i := x.Int64
		*n.p = &i
	} else {
		*n.p = nil
	}
	return nil
}

type nullFloat struct{ p **float64 }

func (n nullFloat) Scan(v any) error {
	var x sql.NullFloat64
	if err := x.Scan(v); err != nil {
		return err
	}
	if x.Valid {
		f := x.Float64
		*n.p = &f
	} else {
		*n.p = nil
	}
	return nil
}

type nullBool struct{ p **bool }

func (n nullBool) Scan(v any) error {
	var x sql.NullBool
	if err := x.Scan(v); err != nil {
		return err
	}
	if x.Valid {
		b := x.Bool
		*n.p = &b
	} else {
		*n.p = nil
	}
	return nil
}

// valuesList builds "(?, ?, ?), (?, ?, ?)" for rows of width columns, for
// gorm's Exec (which turns each ? into the dialect's placeholder).
func valuesList(rows, width int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", width), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(one+", ", rows), ", ")
}
