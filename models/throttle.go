package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// Login throttling by account. The key is the e-mail as typed (normalised),
// whether or not an account exists, so the response to a locked address is
// the same as to an unknown one.
type loginThrottle struct {
	Key         string `gorm:"primaryKey"`
	Failures    int
	LockedUntil *time.Time
	UpdatedAt   time.Time
}

func (loginThrottle) TableName() string { return "login_throttle" }

func throttleKey(email string) string { return "email:" + NormalizeEmail(email) }

// FreeFailures is how many failed sign-ins an address gets before it is
// locked; each further failure doubles the lock, from 1 minute up to an hour.
const FreeFailures = 5

// LockDuration returns the lock after the nth consecutive failure.
func LockDuration(failures int) time.Duration {
	if failures < FreeFailures {
		return 0
	}
	d := time.Minute << min(failures-FreeFailures, 6)
	return min(d, time.Hour)
}

// LoginLockedUntil reports when the address may try again (zero if now).
func (db *DB) LoginLockedUntil(ctx context.Context, email string, now time.Time) (time.Time, error) {
	var t loginThrottle
	err := db.R.WithContext(ctx).Where("key = ?", throttleKey(email)).First(&t).Error
	if err != nil {
		if notFound(err) == ErrNotFound {
			return time.Time{}, nil
		}
		return time.Time{}, err
	}
	if t.LockedUntil != nil && t.LockedUntil.After(now) {
		return *t.LockedUntil, nil
	}
	return time.Time{}, nil
}

// RecordLoginFailure counts a failure, locks the address when due, and
// audits both.
func (db *DB) RecordLoginFailure(ctx context.Context, email, ip string, userID int64, now time.Time) (locked time.Duration, err error) {
	err = db.Write(ctx, func(tx *gorm.DB) error {
		var t loginThrottle
		key := throttleKey(email)
		if err := tx.Where("key = ?", key).First(&t).Error; err != nil {
			if notFound(err) != ErrNotFound {
				return err
			}
			t = loginThrottle{Key: key}
		}
		t.Failures++
		t.UpdatedAt = now.UTC()
		locked = LockDuration(t.Failures)
		if locked > 0 {
			until := now.Add(locked).UTC()
			t.LockedUntil = &until
		}
		if err := tx.Save(&t).Error; err != nil {
			return err
		}
		a := Actor{Email: NormalizeEmail(email), IP: ip, ID: userID}
		if err := Audit(tx, a, "login.failure", "user", userID, ""); err != nil {
			return err
		}
		if locked > 0 {
			return Audit(tx, a, "login.locked", "user", userID, "locked for "+locked.String())
		}
		return nil
	})
	return locked, err
}

// ClearLoginFailures resets the counter after a successful sign-in.
func ClearLoginFailures(tx *gorm.DB, email string) error {
	return tx.Where("key = ?", throttleKey(email)).Delete(&loginThrottle{}).Error
}
