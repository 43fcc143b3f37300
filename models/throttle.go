package models

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Login throttling lives in the database, so that every instance behind a
// load balancer sees the same counters. login_throttle holds two kinds of
// row:
//
//   - "email:<address>": failures of an address as typed (normalised),
//     whether or not an account exists, so the response to a locked address
//     is the same as to an unknown one. FreeFailures are free; then the
//     address locks with growing delays. A success clears the row.
//   - "ip:<address>": failures from one client address, a leaky bucket:
//     IPFreeFailures in a burst (a classroom shares one address), one
//     forgiven every IPLeak. A full bucket pauses sign-in from the address
//     for IPLockWindow; the pause is audited once ("login.throttled"), so an
//     attacker hammering a paused address adds nothing to the log.
type loginThrottle struct {
	Key         string `gorm:"primaryKey"`
	Failures    int
	LockedUntil *time.Time
	// Set from the app's clock, not gorm's: an "ip:" bucket leaks from it.
	UpdatedAt time.Time `gorm:"autoUpdateTime:false"`
}

func (loginThrottle) TableName() string { return "login_throttle" }

func throttleKey(email string) string { return "email:" + NormalizeEmail(email) }
func ipThrottleKey(ip string) string  { return "ip:" + ip }

// FreeFailures is how many failed sign-ins an address gets before it is
// locked; each further failure doubles the lock, from 1 minute up to an hour.
const FreeFailures = 5

// Per client address: a burst of IPFreeFailures failures, one forgiven
// every IPLeak; a full bucket pauses the address for IPLockWindow.
const (
	IPFreeFailures = 20
	IPLeak         = 10 * time.Second
	IPLockWindow   = 5 * time.Minute
)

// Rows nobody has failed on for this long are pruned by the sweeper (an
// address's count starts again after a quiet day).
const (
	emailThrottleStale = 24 * time.Hour
	ipThrottleStale    = time.Hour
)

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
	return db.throttledUntil(ctx, throttleKey(email), now)
}

// LoginIPBlockedUntil reports when sign-in from a client address may
// resume (zero if now).
func (db *DB) LoginIPBlockedUntil(ctx context.Context, ip string, now time.Time) (time.Time, error) {
	return db.throttledUntil(ctx, ipThrottleKey(ip), now)
}

func (db *DB) throttledUntil(ctx context.Context, key string, now time.Time) (time.Time, error) {
	var t loginThrottle
	err := db.R.WithContext(ctx).Where("key = ?", key).First(&t).Error
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

// lockThrottle returns key's row inside tx, creating it if missing and
// locking it (PostgreSQL; SQLite's single writer already serialises), so
// that simultaneous failures on several instances all count.
func lockThrottle(tx *gorm.DB, key string, now time.Time) (*loginThrottle, error) {
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&loginThrottle{Key: key, UpdatedAt: now.UTC()}).Error; err != nil {
		return nil, err
	}
	var t loginThrottle
	if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("key = ?", key).First(&t).Error; err != nil {
		return nil, err
	}
	return &t, nil
}

// RecordLoginFailure counts a failed password check against the address
// and the client address, locks either when due, and audits all of it
// (detail says where the password was typed, empty for the sign-in form).
func (db *DB) RecordLoginFailure(ctx context.Context, email, ip string, userID int64, now time.Time, detail string) (locked time.Duration, err error) {
	err = db.Write(ctx, func(tx *gorm.DB) error {
		t, err := lockThrottle(tx, throttleKey(email), now)
		if err != nil {
			return err
		}
		t.Failures++
		t.UpdatedAt = now.UTC()
		locked = LockDuration(t.Failures)
		if locked > 0 {
			until := now.Add(locked).UTC()
			t.LockedUntil = &until
		}
		if err := tx.Save(t).Error; err != nil {
			return err
		}
		a := Actor{Email: NormalizeEmail(email), IP: ip, ID: userID, At: now}
		if err := Audit(tx, a, "login.failure", "user", userID, detail); err != nil {
			return err
		}
		if locked > 0 {
			if err := Audit(tx, a, "login.locked", "user", userID, "locked for "+locked.String()); err != nil {
				return err
			}
		}
		if ip == "" {
			return nil
		}
		return countIPFailure(tx, ip, now)
	})
	return locked, err
}

// countIPFailure adds a failure to the address's bucket and pauses the
// address when the bucket is full (once per pause: failures already on
// their way while it is paused neither extend it nor audit again).
func countIPFailure(tx *gorm.DB, ip string, now time.Time) error {
	t, err := lockThrottle(tx, ipThrottleKey(ip), now)
	if err != nil {
		return err
	}
	t.leak(now)
	t.Failures = min(t.Failures+1, IPFreeFailures)
	trip := t.Failures >= IPFreeFailures && (t.LockedUntil == nil || !t.LockedUntil.After(now))
	if trip {
		until := now.Add(IPLockWindow).UTC()
		t.LockedUntil = &until
	}
	if err := tx.Save(t).Error; err != nil {
		return err
	}
	if !trip {
		return nil
	}
	return Audit(tx, Actor{IP: ip, At: now}, "login.throttled", "ip", ip,
		"too many failed sign-ins from this address; sign-in paused for "+IPLockWindow.String())
}

// leak forgives one failure per IPLeak since the bucket last leaked,
// keeping the remainder so that steady failures drain at the right rate.
func (t *loginThrottle) leak(now time.Time) {
	var n int
	if d := now.Sub(t.UpdatedAt); d > 0 {
		n = int(d / IPLeak)
	}
	if n >= t.Failures {
		t.Failures, t.UpdatedAt = 0, now.UTC()
		return
	}
	t.Failures -= n
	t.UpdatedAt = t.UpdatedAt.Add(time.Duration(n) * IPLeak).UTC()
}

// ClearLoginFailures resets the counter after a successful sign-in.
func ClearLoginFailures(tx *gorm.DB, email string) error {
	return tx.Where("key = ?", throttleKey(email)).Delete(&loginThrottle{}).Error
}

// PruneLoginThrottle deletes rows that no longer hold anything back: not
// locked, and quiet for a day (e-mail rows) or an hour (a client address's
// bucket has long drained by then).
func (db *DB) PruneLoginThrottle(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := db.Write(ctx, func(tx *gorm.DB) error {
		r := tx.Where("(locked_until IS NULL OR locked_until < ?) AND ((key LIKE 'ip:%' AND updated_at < ?) OR (key NOT LIKE 'ip:%' AND updated_at < ?))",
			now.UTC(), now.Add(-ipThrottleStale).UTC(), now.Add(-emailThrottleStale).UTC()).Delete(&loginThrottle{})
		n = r.RowsAffected
		return r.Error
	})
	return n, err
}
