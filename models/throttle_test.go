package models_test

import (
	"fmt"
	"testing"
	"time"

	"chartroom/internal/testutil"
	"chartroom/models"
)

// A client address's bucket takes IPFreeFailures at once, forgives one
// failure every IPLeak, pauses the address for IPLockWindow when full and
// audits the pause once; the sweep prunes drained rows.
func TestThrottleIPBucketLeaksPausesOnceAndPrunes(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *models.DB) {
		t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		n := 0
		fail := func(at time.Time) {
			t.Helper()
			n++
			if _, err := db.RecordLoginFailure(ctx, fmt.Sprintf("u%d@example.edu", n), "203.0.113.7", 0, at, ""); err != nil {
				t.Fatal(err)
			}
		}
		blocked := func(at time.Time) bool {
			t.Helper()
			until, err := db.LoginIPBlockedUntil(ctx, "203.0.113.7", at)
			if err != nil {
				t.Fatal(err)
			}
			return !until.IsZero()
		}
		for range models.IPFreeFailures - 1 {
			fail(t0)
		}
		// One failure has leaked away by now, so this one does not fill it.
		fail(t0.Add(models.IPLeak + time.Second))
		if blocked(t0.Add(models.IPLeak + time.Second)) {
			t.Fatal("blocked before the bucket is full")
		}
		fail(t0.Add(models.IPLeak + 2*time.Second))
		at := t0.Add(models.IPLeak + 2*time.Second)
		if !blocked(at) {
			t.Fatal("not blocked with a full bucket")
		}
		fail(at.Add(time.Second)) // already on its way when the pause began
		if blocked(at.Add(models.IPLockWindow + time.Second)) {
			t.Fatal("still blocked after the window")
		}
		if other, _ := db.LoginIPBlockedUntil(ctx, "203.0.113.8", at); !other.IsZero() {
			t.Fatal("another address is blocked")
		}
		var audits int64
		db.R.Table("audit_log").Where("action = ? AND ip = ?", "login.throttled", "203.0.113.7").Count(&audits)
		if audits != 1 {
			t.Fatalf("pause audited %d times", audits)
		}
		var at0 models.AuditEntry
		db.R.Where("action = ?", "login.throttled").First(&at0)
		if !at0.At.Equal(at) {
			t.Errorf("audited at %v, want the caller's clock %v", at0.At, at)
		}
		if _, err := db.PruneLoginThrottle(ctx, at.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if !blocked(at.Add(time.Minute)) {
			t.Fatal("the sweep pruned a live pause")
		}
		if _, err := db.PruneLoginThrottle(ctx, at.Add(25*time.Hour)); err != nil {
			t.Fatal(err)
		}
		var rows int64
		db.R.Table("login_throttle").Count(&rows)
		if rows != 0 {
			t.Fatalf("%d rows left after a quiet day", rows)
		}
	})
}
