package models

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Actor is who did something, for the audit log, and when: At is the
// app's clock where the caller has one (handlers' actor(c) sets it); zero
// means the wall clock.
type Actor struct {
	ID    int64
	Email string
	IP    string
	At    time.Time
}

// AuditEntry is one row of the append-only audit log.
type AuditEntry struct {
	ID         int64
	At         time.Time
	ActorID    *int64
	ActorEmail string
	Action     string
	TargetType string
	TargetID   string
	IP         string
	Detail     string
}

// TableName is the audit log's table.
func (AuditEntry) TableName() string { return "audit_log" }

// Audit actions recorded by the app.
var AuditActions = []string{
	"login.success", "login.failure", "login.locked", "login.throttled", "logout",
	"setup.admin", "user.create", "user.register", "user.role", "user.disable", "user.enable", "user.email_changed",
	"password.change", "password.reset.issue", "password.reset.use",
	"cohort.create", "cohort.code", "cohort.remove", "cohort.join", "placement.create",
	"settings.change", "blueprint.replace", "codes.import",
	"attempt.reopen", "attempt.extend", "attempt.extra", "grade.regrade",
	"practicum.approve", "practicum.return", "practicum.reopen", "practicum.signoff", "practicum.evaluation",
}

// Audit appends a row inside tx, so the record commits (or not) with the
// change it describes.
func Audit(tx *gorm.DB, a Actor, action, targetType string, targetID any, detail string) error {
	at := a.At
	if at.IsZero() {
		at = time.Now()
	}
	e := AuditEntry{At: at.UTC(), ActorEmail: a.Email, Action: action, TargetType: targetType, IP: a.IP, Detail: detail}
	if a.ID != 0 {
		id := a.ID
		e.ActorID = &id
	}
	switch v := targetID.(type) {
	case int64:
		if v != 0 {
			e.TargetID = strconv.FormatInt(v, 10)
		}
	case nil:
	default:
		e.TargetID = fmt.Sprint(v)
	}
	return tx.Create(&e).Error
}

// AuditFilter narrows the audit log view.
type AuditFilter struct {
	Action string // exact, or a prefix ending in "."
	Actor  string // e-mail contains
	User   int64  // rows by this account or about it (actor_id, or target user)
	From   time.Time
	To     time.Time
	Limit  int
	Before int64 // id cursor for paging (rows with smaller ids)
}

func (db *DB) auditQuery(ctx context.Context, f AuditFilter) *gorm.DB {
	q := db.R.WithContext(ctx).Model(&AuditEntry{})
	if f.Action != "" {
		if strings.HasSuffix(f.Action, ".") {
			q = q.Where("action LIKE ?", escapeLike(f.Action)+"%")
		} else {
			q = q.Where("action = ?", f.Action)
		}
	}
	if f.Actor != "" {
		q = q.Where("actor_email LIKE ? ESCAPE '\\'", "%"+escapeLike(strings.ToLower(f.Actor))+"%")
	}
	if f.User != 0 {
		q = q.Where("(actor_id = ? OR (target_type = 'user' AND target_id = ?))", f.User, strconv.FormatInt(f.User, 10))
	}
	if !f.From.IsZero() {
		q = q.Where("at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("at < ?", f.To.UTC())
	}
	return q
}

// AuditLog returns matching rows, newest first.
func (db *DB) AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	q := db.auditQuery(ctx, f)
	if f.Before > 0 {
		q = q.Where("id < ?", f.Before)
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	var out []AuditEntry
	err := q.Order("id DESC").Limit(f.Limit).Find(&out).Error
	return out, err
}

// EachAudit streams matching rows oldest first (CSV export).
func (db *DB) EachAudit(ctx context.Context, f AuditFilter, fn func(AuditEntry) error) error {
	rows, err := db.auditQuery(ctx, f).Order("id").Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e AuditEntry
		if err := db.R.ScanRows(rows, &e); err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}
