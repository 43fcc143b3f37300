package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// Session is a server-side session row. The cookie holds a random token;
// the row is keyed by the token's SHA-256, so a copy of the database does not
// hold usable session cookies.
type Session struct {
	ID         string
	UserID     *int64
	CSRFToken  string `gorm:"column:csrf_token"`
	Data       string
	IP         string
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// SessionWithUser is a session joined to its account (nil for anonymous).
type SessionWithUser struct {
	Session
	User *User
}

// LoadSession reads a session and its user in one round trip.
func (db *DB) LoadSession(ctx context.Context, id string) (*SessionWithUser, error) {
	var s Session
	if err := db.R.WithContext(ctx).Where("id = ?", id).First(&s).Error; err != nil {
		return nil, notFound(err)
	}
	out := &SessionWithUser{Session: s}
	if s.UserID != nil {
		u, err := db.UserByID(ctx, *s.UserID)
		if err != nil {
			return nil, err
		}
		out.User = u
	}
	return out, nil
}

// SaveSession inserts or replaces a session row.
func (db *DB) SaveSession(ctx context.Context, s *Session) error {
	return db.Write(ctx, func(tx *gorm.DB) error { return tx.Save(s).Error })
}

// TouchSession records activity (callers throttle how often).
func (db *DB) TouchSession(ctx context.Context, id string, at time.Time) error {
	return db.Write(ctx, func(tx *gorm.DB) error {
		return tx.Model(&Session{}).Where("id = ?", id).Update("last_seen_at", at.UTC()).Error
	})
}

// DeleteSession revokes one session.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	return db.Write(ctx, func(tx *gorm.DB) error { return tx.Where("id = ?", id).Delete(&Session{}).Error })
}

// DeleteExpiredSessions removes sessions past their absolute expiry or idle
// for longer than idle; anonymous sessions (login forms) expire after anonIdle.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time, idle, anonIdle time.Duration) (int64, error) {
	var n int64
	err := db.Write(ctx, func(tx *gorm.DB) error {
		r := tx.Where("expires_at < ? OR last_seen_at < ? OR (user_id IS NULL AND last_seen_at < ?)",
			now.UTC(), now.Add(-idle).UTC(), now.Add(-anonIdle).UTC()).Delete(&Session{})
		n = r.RowsAffected
		return r.Error
	})
	return n, err
}
