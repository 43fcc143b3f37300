package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
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

// LoadSession reads a session and its user in one query. It runs on every
// request, so it scans by hand rather than through gorm's reflection.
func (db *DB) LoadSession(ctx context.Context, id string) (*SessionWithUser, error) {
	seq, cached := db.sessions.get(id, time.Now())
	if cached != nil {
		return cached, nil
	}
	out, err := db.loadSession(ctx, id)
	if err == nil {
		db.sessions.put(id, out, seq, time.Now())
	}
	return out, err
}

func (db *DB) loadSession(ctx context.Context, id string) (*SessionWithUser, error) {
	st, err := db.stmt(ctx, `SELECT s.id, s.user_id, s.csrf_token, s.data, s.ip, s.user_agent, s.created_at, s.last_seen_at, s.expires_at,
		u.email, u.name, u.role, u.password_hash, u.disabled, u.password_changed_at, u.last_login_at, u.created_at, u.updated_at
		FROM sessions s LEFT JOIN users u ON u.id = s.user_id WHERE s.id = `+db.placeholder(1))
	if err != nil {
		return nil, err
	}
	var s Session
	var uid sql.NullInt64
	var email, name, role, hash sql.NullString
	var disabled sql.NullBool
	var pwChanged, lastLogin, created, updated sql.NullTime
	err = st.QueryRowContext(ctx, id).Scan(
		&s.ID, &uid, &s.CSRFToken, &s.Data, &s.IP, &s.UserAgent, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt,
		&email, &name, &role, &hash, &disabled, &pwChanged, &lastLogin, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load session: %w", err)
	}
	out := &SessionWithUser{Session: s}
	if uid.Valid {
		id := uid.Int64
		out.Session.UserID = &id
		if !email.Valid {
			return nil, ErrNotFound // the account is gone
		}
		u := &User{ID: id, Email: email.String, Name: name.String, Role: Role(role.String), PasswordHash: hash.String,
			Disabled: disabled.Bool, PasswordChangedAt: pwChanged.Time, CreatedAt: created.Time, UpdatedAt: updated.Time}
		if lastLogin.Valid {
			t := lastLogin.Time
			u.LastLoginAt = &t
		}
		out.User = u
	}
	return out, nil
}

// SaveSession inserts or replaces a session row.
func (db *DB) SaveSession(ctx context.Context, s *Session) error {
	defer db.sessions.forget(s.ID)
	return db.Write(ctx, func(tx *gorm.DB) error { return tx.Save(s).Error })
}

// TouchSession records activity (callers throttle how often).
func (db *DB) TouchSession(ctx context.Context, id string, at time.Time) error {
	defer db.sessions.forget(id)
	return db.Write(ctx, func(tx *gorm.DB) error {
		return tx.Model(&Session{}).Where("id = ?", id).Update("last_seen_at", at.UTC()).Error
	})
}

// DeleteSession revokes one session.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	defer db.sessions.forget(id)
	return db.Write(ctx, func(tx *gorm.DB) error { return tx.Where("id = ?", id).Delete(&Session{}).Error })
}

// DeleteExpiredSessions removes sessions past their absolute expiry or idle
// for longer than idle; anonymous sessions (login forms) expire after anonIdle.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time, idle, anonIdle time.Duration) (int64, error) {
	defer db.ForgetSessions()
	var n int64
	err := db.Write(ctx, func(tx *gorm.DB) error {
		r := tx.Where("expires_at < ? OR last_seen_at < ? OR (user_id IS NULL AND last_seen_at < ?)",
			now.UTC(), now.Add(-idle).UTC(), now.Add(-anonIdle).UTC()).Delete(&Session{})
		n = r.RowsAffected
		return r.Error
	})
	return n, err
}

// sessionTTL bounds how long a cached session row may be reused. Every
// change this process makes to a session or an account drops the cache at
// once (ForgetSessions and the session writes above), so the TTL only
// matters for a change made behind the app's back.
const sessionTTL = time.Second

// sessionCache keeps recently loaded sessions (with their user) on SQLite,
// where this process is the database's only writer: reading the session is
// a third of the cost of an autosave. PostgreSQL deployments run several
// instances, any of which may revoke a session, so there it stays off.
type sessionCache struct {
	on  bool
	mu  sync.Mutex
	seq uint64 // bumped by every invalidation: a load that saw an older seq is not kept
	m   map[string]sessionEntry
}

type sessionEntry struct {
	v  SessionWithUser
	at time.Time
}

// get returns a copy of a fresh cached session, or nil and the sequence
// number to hand to put after loading it.
func (c *sessionCache) get(id string, now time.Time) (uint64, *SessionWithUser) {
	if !c.on {
		return 0, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || now.Sub(e.at) > sessionTTL {
		return c.seq, nil
	}
	v := e.v
	if v.User != nil {
		u := *v.User
		v.User = &u
	}
	return c.seq, &v
}

func (c *sessionCache) put(id string, v *SessionWithUser, seq uint64, now time.Time) {
	if !c.on {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if seq != c.seq {
		return // something changed while it was being read
	}
	if c.m == nil || len(c.m) > 50000 {
		c.m = map[string]sessionEntry{}
	}
	e := sessionEntry{v: *v, at: now}
	if v.User != nil {
		u := *v.User
		e.v.User = &u
	}
	c.m[id] = e
}

// forget drops one session ("" drops them all).
func (c *sessionCache) forget(id string) {
	if !c.on {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	if id == "" {
		c.m = nil
		return
	}
	delete(c.m, id)
}

// ForgetSessions drops every cached session: call it after changing an
// account (role, status, e-mail, password) or deleting sessions in bulk.
func (db *DB) ForgetSessions() { db.sessions.forget("") }
