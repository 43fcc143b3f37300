package exam

import (
	"math"
	"time"
)

// Grace is how long after the deadline answers are still accepted, for
// requests already on their way when time ran out.
const Grace = 60 * time.Second

// SecondsPerItem is the default pace of timed practice (the RHIT allows
// 210 minutes for 150 items: 84 s each).
const SecondsPerItem = 84

// Timing is what sets an attempt's deadline.
type Timing struct {
	Limit      time.Duration // 0 = untimed
	Multiplier float64       // accommodation, e.g. 1.5; 0 means 1
	Extra      time.Duration // accommodation: extra minutes
	CloseAt    *time.Time    // a quiz's close time caps the deadline
}

// Deadline returns start + limit x multiplier + extra, capped by the close
// time; nil for an untimed attempt with no close time.
func Deadline(start time.Time, t Timing) *time.Time {
	var d *time.Time
	if t.Limit > 0 {
		m := t.Multiplier
		if m <= 0 {
			m = 1
		}
		x := start.Add(time.Duration(math.Round(float64(t.Limit)*m)) + t.Extra).UTC()
		d = &x
	}
	if t.CloseAt != nil && (d == nil || t.CloseAt.Before(*d)) {
		x := t.CloseAt.UTC()
		d = &x
	}
	return d
}

// Accepting reports whether answers may still be saved at now.
func Accepting(deadline *time.Time, now time.Time) bool {
	return deadline == nil || !now.After(deadline.Add(Grace))
}

// Remaining is the time left on the clock shown to the student (never negative).
func Remaining(deadline *time.Time, now time.Time) time.Duration {
	if deadline == nil {
		return 0
	}
	return max(0, deadline.Sub(now))
}
