package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"

	"gorm.io/gorm"
)

// Token kinds.
const (
	TokenSetup = "setup" // creates the first admin
	TokenReset = "reset" // sets a new password for an account
)

// Token is a one-time link secret, stored as its SHA-256.
type Token struct {
	ID        int64
	TokenHash string
	Kind      string
	UserID    *int64
	CreatedBy *int64
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// RandomToken returns n random bytes, URL-safe base64.
func RandomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken is how a secret is stored.
func HashToken(raw string) string {
	h := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(h[:])
}

// IssueToken creates a one-time token inside tx, valid for ttl from now,
// and returns the secret. Earlier unused tokens of the same kind for the
// same account are revoked.
func IssueToken(tx *gorm.DB, kind string, userID, createdBy *int64, ttl time.Duration, now time.Time) (string, error) {
	raw := RandomToken(32)
	now = now.UTC()
	q := tx.Model(&Token{}).Where("kind = ? AND used_at IS NULL", kind)
	if userID != nil {
		q = q.Where("user_id = ?", *userID)
	}
	if err := q.Update("expires_at", now).Error; err != nil {
		return "", err
	}
	t := Token{TokenHash: HashToken(raw), Kind: kind, UserID: userID, CreatedBy: createdBy, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	return raw, tx.Create(&t).Error
}

// PeekToken checks a token without using it (to show the form).
func (db *DB) PeekToken(ctx context.Context, kind, raw string, now time.Time) (*Token, error) {
	var t Token
	err := db.R.WithContext(ctx).Where("token_hash = ? AND kind = ?", HashToken(raw), kind).First(&t).Error
	if err != nil {
		return nil, notFound(err)
	}
	if t.UsedAt != nil || !t.ExpiresAt.After(now) {
		return nil, ErrNotFound
	}
	return &t, nil
}

// UseToken marks a token used inside tx; it fails with ErrNotFound when the
// token is unknown, used or expired, so it works exactly once.
func UseToken(tx *gorm.DB, kind, raw string, now time.Time) (*Token, error) {
	var t Token
	if err := tx.Where("token_hash = ? AND kind = ?", HashToken(raw), kind).First(&t).Error; err != nil {
		return nil, notFound(err)
	}
	if t.UsedAt != nil || !t.ExpiresAt.After(now) {
		return nil, ErrNotFound
	}
	r := tx.Model(&Token{}).Where("id = ? AND used_at IS NULL", t.ID).Update("used_at", now.UTC())
	if r.Error != nil {
		return nil, r.Error
	}
	if r.RowsAffected != 1 {
		return nil, ErrNotFound
	}
	return &t, nil
}

// SetupTTL is how long the first-start setup link works.
const SetupTTL = 24 * time.Hour

// IssueSetupLink creates a fresh one-time setup token (earlier ones stop
// working) for creating the first administrator.
func IssueSetupLink(ctx context.Context, db *DB, now time.Time) (string, error) {
	var raw string
	err := db.Write(ctx, func(tx *gorm.DB) error {
		var err error
		raw, err = IssueToken(tx, TokenSetup, nil, nil, SetupTTL, now)
		return err
	})
	return raw, err
}
