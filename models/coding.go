package models

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"chartroom/exam"
)

// CodingAttempt is one graded try at a coding case.
type CodingAttempt struct {
	ID         int64
	UserID     int64
	CaseID     string
	FiscalYear int
	Setting    string
	Chapter    int
	Topics     string // comma-separated
	Dx         string // as entered, one per line
	Pcs        string
	Points     float64
	MaxPoints  float64
	Result     string // JSON of exam.CaseResult
	CreatedAt  time.Time
}

// Percent is the score.
func (a *CodingAttempt) Percent() float64 {
	if a.MaxPoints == 0 {
		return 0
	}
	return 100 * a.Points / a.MaxPoints
}

// Parsed returns the stored grading.
func (a *CodingAttempt) Parsed() (exam.CaseResult, error) {
	var r exam.CaseResult
	err := json.Unmarshal([]byte(a.Result), &r)
	return r, err
}

// SaveCodingAttempt stores a graded attempt.
func (db *DB) SaveCodingAttempt(ctx context.Context, a *CodingAttempt, r exam.CaseResult) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	a.Result, a.Points, a.MaxPoints = string(b), r.Points, r.Max
	if a.CreatedAt.IsZero() {
		a.CreatedAt = time.Now().UTC()
	}
	return db.Write(ctx, func(tx *gorm.DB) error { return tx.Create(a).Error })
}

// OwnCodingAttempt loads one of the user's attempts.
func (db *DB) OwnCodingAttempt(ctx context.Context, userID, id int64) (*CodingAttempt, error) {
	var a CodingAttempt
	if err := db.R.WithContext(ctx).Where("id = ? AND user_id = ?", id, userID).First(&a).Error; err != nil {
		return nil, notFound(err)
	}
	return &a, nil
}

// CodingAttempts lists a student's coding attempts, oldest first.
func (db *DB) CodingAttempts(ctx context.Context, userID int64) ([]CodingAttempt, error) {
	var out []CodingAttempt
	err := db.R.WithContext(ctx).Where("user_id = ?", userID).Order("created_at, id").Find(&out).Error
	return out, err
}

// Accuracy is the share of points earned in a group of coding attempts.
// A group with no attempts has no accuracy (Max is 0): show it as empty,
// never as 0%.
type Accuracy struct {
	Key      string
	Attempts int
	Points   float64
	Max      float64
}

// Percent is points over max (0 when there is nothing to measure; check
// HasData first).
func (a Accuracy) Percent() float64 {
	if a.Max == 0 {
		return 0
	}
	return 100 * a.Points / a.Max
}

// HasData reports whether the group has any graded attempt.
func (a Accuracy) HasData() bool { return a.Attempts > 0 && a.Max > 0 }

func (a *Accuracy) add(at CodingAttempt) {
	a.Attempts++
	a.Points += at.Points
	a.Max += at.MaxPoints
}

// ISOWeek is an ISO 8601 week (Monday to Sunday), in UTC like every time the
// server shows.
type ISOWeek struct {
	Year, Week int
	Start      time.Time // Monday 00:00 UTC
}

// WeekOf is the ISO week an instant falls in.
func WeekOf(t time.Time) ISOWeek {
	t = t.UTC()
	y, w := t.ISOWeek()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return ISOWeek{Year: y, Week: w, Start: day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))}
}

// Label is the ISO name of the week, "2026-W02".
func (w ISOWeek) Label() string { return fmt.Sprintf("%d-W%02d", w.Year, w.Week) }

// Short is the week's Monday, "Jan 5".
func (w ISOWeek) Short() string { return w.Start.Format("Jan 2") }

// Span is the week's dates, "Jan 5 – Jan 11, 2026".
func (w ISOWeek) Span() string {
	end := w.Start.AddDate(0, 0, 6)
	return w.Start.Format("Jan 2") + " – " + end.Format("Jan 2, 2006")
}

// AccuracyTrend is a group's accuracy over all its attempts and per week.
type AccuracyTrend struct {
	Accuracy
	Weeks []Accuracy // one per CodingProgress.Weeks; empty where the group had no attempt that week
}

// CodingProgress is a student's coding accuracy over time: overall, by
// chapter of the principal code and by guideline topic, per ISO week.
type CodingProgress struct {
	Weeks    []ISOWeek // weeks with at least one attempt, oldest first
	Overall  AccuracyTrend
	Chapters []AccuracyTrend // Key is the chapter number; in chapter order
	Topics   []AccuracyTrend // Key is the topic; weakest first, then by name
}

// CodingAccuracy groups a student's attempts (any order) by ISO week, and
// by chapter and topic within each week.
func CodingAccuracy(attempts []CodingAttempt) CodingProgress {
	var p CodingProgress
	type yw struct{ y, w int }
	weekIdx := map[yw]int{}
	for _, a := range attempts {
		w := WeekOf(a.CreatedAt)
		if _, ok := weekIdx[yw{w.Year, w.Week}]; !ok {
			weekIdx[yw{w.Year, w.Week}] = 0
			p.Weeks = append(p.Weeks, w)
		}
	}
	sort.Slice(p.Weeks, func(i, j int) bool { return p.Weeks[i].Start.Before(p.Weeks[j].Start) })
	for i, w := range p.Weeks {
		weekIdx[yw{w.Year, w.Week}] = i
	}
	newTrend := func(key string) *AccuracyTrend {
		return &AccuracyTrend{Accuracy: Accuracy{Key: key}, Weeks: make([]Accuracy, len(p.Weeks))}
	}
	p.Overall = *newTrend("all")
	chapters, topics := map[int]*AccuracyTrend{}, map[string]*AccuracyTrend{}
	for _, a := range attempts {
		w := WeekOf(a.CreatedAt)
		wi := weekIdx[yw{w.Year, w.Week}]
		groups := []*AccuracyTrend{&p.Overall}
		ch := chapters[a.Chapter]
		if ch == nil {
			ch = newTrend(strconv.Itoa(a.Chapter))
			chapters[a.Chapter] = ch
		}
		groups = append(groups, ch)
		seen := map[string]bool{}
		for _, t := range strings.Split(a.Topics, ",") {
			if t = strings.TrimSpace(t); t == "" || seen[t] {
				continue
			}
			seen[t] = true
			tp := topics[t]
			if tp == nil {
				tp = newTrend(t)
				topics[t] = tp
			}
			groups = append(groups, tp)
		}
		for _, g := range groups {
			g.add(a)
			g.Weeks[wi].add(a)
		}
	}
	for _, n := range slices.Sorted(maps.Keys(chapters)) {
		p.Chapters = append(p.Chapters, *chapters[n])
	}
	for _, t := range topics {
		p.Topics = append(p.Topics, *t)
	}
	sort.Slice(p.Topics, func(i, j int) bool {
		a, b := p.Topics[i], p.Topics[j]
		if a.Percent() != b.Percent() {
			return a.Percent() < b.Percent()
		}
		return a.Key < b.Key
	})
	return p
}

// Recent keeps the last n weeks of the series (totals stay all-time).
func (p CodingProgress) Recent(n int) CodingProgress {
	cut := max(0, len(p.Weeks)-n)
	if cut == 0 {
		return p
	}
	trim := func(ts []AccuracyTrend) []AccuracyTrend {
		out := make([]AccuracyTrend, len(ts))
		for i, t := range ts {
			out[i] = AccuracyTrend{Accuracy: t.Accuracy, Weeks: t.Weeks[cut:]}
		}
		return out
	}
	p.Weeks = p.Weeks[cut:]
	p.Overall = trim([]AccuracyTrend{p.Overall})[0]
	p.Chapters, p.Topics = trim(p.Chapters), trim(p.Topics)
	return p
}
