package models

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Hour-log statuses.
const (
	LogPending  = "pending"
	LogApproved = "approved"
	LogReturned = "returned"
)

// Practicum limits.
const (
	MaxMinutesPerDay = 12 * 60
	MinuteStep       = 15
)

// HourLog is one day of practicum work a student logs.
type HourLog struct {
	ID            int64
	PlacementID   int64
	Day           string // YYYY-MM-DD
	Minutes       int
	Setting       string // onsite or virtual
	Activities    string
	Competencies  string // comma-separated competency ids
	Status        string
	ReviewComment string
	ReviewedBy    *int64
	ReviewedAt    *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Hours is the entry's length in hours.
func (l *HourLog) Hours() float64 { return float64(l.Minutes) / 60 }

// CompetencyIDs lists the competencies practised.
func (l *HourLog) CompetencyIDs() []string {
	if l.Competencies == "" {
		return nil
	}
	return strings.Split(l.Competencies, ",")
}

// Editable reports whether the student may still change the entry.
func (l *HourLog) Editable() bool { return l.Status == LogPending || l.Status == LogReturned }

// LogInput is the hour-log form.
type LogInput struct {
	Day          string
	Hours        string // typed, e.g. "7.5" or "7.25"
	Setting      string
	Activities   string
	Competencies []string
}

// parseHours turns "7.25" (or "7,25") into 435 minutes, in quarter-hour steps.
func parseHours(s string) (int, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", ".")
	h, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(h) || math.IsInf(h, 0) {
		return 0, false
	}
	m := h * 60
	if m != float64(int(m)) || int(m)%MinuteStep != 0 {
		return 0, false
	}
	return int(m), true
}

// formatHours writes hours exactly as typed in quarter-hour steps: 7.25,
// 11.75, 12 (never rounded to "7.2" or "12").
func formatHours(h float64) string { return strconv.FormatFloat(h, 'f', -1, 64) }

// logDayZone decides which calendar day is "today" for hour logs.
// Chartroom stores no time zone for users or placement sites, so the server
// cannot know a student's own date. Practicum sites are in the United
// States, and Atlantic Standard Time (UTC-4 all year: Puerto Rico, the U.S.
// Virgin Islands; equal to Eastern daylight time) is the easternmost zone of
// the states and Caribbean territories: a student's own today, anywhere from
// Atlantic to Hawaii time, has always begun there, and a date that has not
// begun there has not begun for any of them. See docs/architecture.md.
var logDayZone = time.FixedZone("UTC-4", -4*60*60)

// LogToday is the latest day an hour log may be for at the instant now
// (YYYY-MM-DD): today in logDayZone. The log form offers it as the default
// and the maximum.
func LogToday(now time.Time) string { return now.In(logDayZone).Format(DateLayout) }

// validateLog checks a log against the placement and the other entries of
// the same day. known says which competency ids exist.
func validateLog(tx *gorm.DB, p *Placement, in LogInput, exceptID int64, known func(string) bool, now time.Time) (*HourLog, error) {
	v := &ValidationError{}
	in.Activities = strings.TrimSpace(in.Activities)
	day, err := time.Parse(DateLayout, in.Day)
	today, _ := time.Parse(DateLayout, LogToday(now))
	switch {
	case err != nil:
		v.Add("day", "enter the date as YYYY-MM-DD")
	case day.After(today):
		v.Add("day", "you cannot log hours for a date in the future")
	case in.Day < p.StartDate || in.Day > p.EndDate:
		v.Add("day", fmt.Sprintf("the placement runs from %s to %s", p.StartDate, p.EndDate))
	}
	minutes, ok := parseHours(in.Hours)
	switch {
	case !ok:
		v.Add("hours", "enter hours in quarter-hour steps, such as 7.5 or 3.25")
	case minutes <= 0:
		v.Add("hours", "enter more than 0 hours")
	case minutes > MaxMinutesPerDay:
		v.Add("hours", "at most 12 hours can be logged for one day")
	}
	if in.Setting != "onsite" && in.Setting != "virtual" {
		v.Add("setting", "choose on site or virtual")
	}
	if in.Activities == "" {
		v.Add("activities", "describe what you did")
	} else if utf8.RuneCountInString(in.Activities) > 2000 {
		v.Add("activities", "use at most 2,000 characters")
	}
	var comps []string
	for _, c := range in.Competencies {
		if c == "" {
			continue
		}
		if !known(c) {
			v.Add("competencies", "choose competencies from the checklist")
			break
		}
		comps = append(comps, c)
	}
	if ok && err == nil && v.Fields["day"] == "" {
		var used int
		if err := tx.Model(&HourLog{}).Where("placement_id = ? AND day = ? AND id <> ?", p.ID, in.Day, exceptID).
			Select("COALESCE(SUM(minutes), 0)").Scan(&used).Error; err != nil {
			return nil, err
		}
		if used+minutes > MaxMinutesPerDay {
			v.Add("hours", fmt.Sprintf("%s already has %s hours logged; a day holds at most 12", in.Day, formatHours(float64(used)/60)))
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return &HourLog{PlacementID: p.ID, Day: in.Day, Minutes: minutes, Setting: in.Setting, Activities: in.Activities,
		Competencies: strings.Join(comps, ",")}, nil
}

// CreateLog stores a student's new entry (pending review).
func (db *DB) CreateLog(ctx context.Context, p *Placement, in LogInput, known func(string) bool, now time.Time) (*HourLog, error) {
	var out *HourLog
	err := db.Write(ctx, func(tx *gorm.DB) error {
		l, err := validateLog(tx, p, in, 0, known, now)
		if err != nil {
			return err
		}
		l.Status, l.CreatedAt, l.UpdatedAt = LogPending, now.UTC(), now.UTC()
		out = l
		return tx.Create(l).Error
	})
	return out, err
}

// UpdateLog changes a pending or returned entry; it goes back to pending.
func (db *DB) UpdateLog(ctx context.Context, p *Placement, id int64, in LogInput, known func(string) bool, now time.Time) error {
	return db.Write(ctx, func(tx *gorm.DB) error {
		var cur HourLog
		if err := tx.Where("id = ? AND placement_id = ?", id, p.ID).First(&cur).Error; err != nil {
			return notFound(err)
		}
		if !cur.Editable() {
			return Invalid("status", "an approved entry is locked; ask your supervisor to reopen it, or log a correction as a new entry")
		}
		l, err := validateLog(tx, p, in, id, known, now)
		if err != nil {
			return err
		}
		return tx.Model(&HourLog{}).Where("id = ?", id).Updates(map[string]any{"day": l.Day, "minutes": l.Minutes, "setting": l.Setting,
			"activities": l.Activities, "competencies": l.Competencies, "status": LogPending, "updated_at": now.UTC()}).Error
	})
}

// DeleteLog removes a pending or returned entry.
func (db *DB) DeleteLog(ctx context.Context, p *Placement, id int64) error {
	return db.Write(ctx, func(tx *gorm.DB) error {
		r := tx.Where("id = ? AND placement_id = ? AND status IN ?", id, p.ID, []string{LogPending, LogReturned}).Delete(&HourLog{})
		if r.Error != nil {
			return r.Error
		}
		if r.RowsAffected == 0 {
			return Invalid("status", "only entries not yet approved can be deleted")
		}
		return nil
	})
}

// Logs lists a placement's entries, newest day first.
func (db *DB) Logs(ctx context.Context, placementID int64) ([]HourLog, error) {
	var out []HourLog
	err := db.R.WithContext(ctx).Where("placement_id = ?", placementID).Order("day DESC, id DESC").Find(&out).Error
	return out, err
}

// LogsByPlacement lists the entries of several placements at once (one
// query), each placement's newest day first.
func (db *DB) LogsByPlacement(ctx context.Context, placementIDs []int64) (map[int64][]HourLog, error) {
	out := make(map[int64][]HourLog, len(placementIDs))
	if len(placementIDs) == 0 {
		return out, nil
	}
	var logs []HourLog
	if err := db.R.WithContext(ctx).Where("placement_id IN ?", placementIDs).Order("day DESC, id DESC").Find(&logs).Error; err != nil {
		return nil, fmt.Errorf("hour logs: %w", err)
	}
	for _, l := range logs {
		out[l.PlacementID] = append(out[l.PlacementID], l)
	}
	return out, nil
}

// ReviewLogs approves or returns entries of the supervisor's own students.
// Entries that are not pending, or belong to someone else's students, are
// not touched; the number reviewed is returned. Each review is audited.
func (db *DB) ReviewLogs(ctx context.Context, a Actor, ids []int64, approve bool, comment string, now time.Time) (int, error) {
	comment = strings.TrimSpace(comment)
	if !approve && comment == "" {
		return 0, Invalid("comment", "say what needs fixing when you return an entry")
	}
	if len(ids) == 0 {
		return 0, Invalid("ids", "choose at least one entry")
	}
	status, action := LogApproved, "practicum.approve"
	if !approve {
		status, action = LogReturned, "practicum.return"
	}
	n := 0
	err := db.Write(ctx, func(tx *gorm.DB) error {
		var logs []HourLog
		if err := tx.Table("hour_logs l").Select("l.*").Joins("JOIN placements p ON p.id = l.placement_id").
			Where("l.id IN ? AND p.supervisor_id = ? AND l.status = ?", ids, a.ID, LogPending).Find(&logs).Error; err != nil {
			return err
		}
		for _, l := range logs {
			if err := tx.Model(&HourLog{}).Where("id = ?", l.ID).Updates(map[string]any{"status": status, "review_comment": comment,
				"reviewed_by": a.ID, "reviewed_at": now.UTC(), "updated_at": now.UTC()}).Error; err != nil {
				return err
			}
			detail := fmt.Sprintf("placement %d, %s, %.2f h %s", l.PlacementID, l.Day, l.Hours(), l.Setting)
			if comment != "" {
				detail += ": " + comment
			}
			if err := Audit(tx, a, action, "hour_log", l.ID, detail); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// ReopenLog returns an approved entry to pending (a correction), audited.
func (db *DB) ReopenLog(ctx context.Context, a Actor, id int64, reason string, now time.Time) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Invalid("reason", "say why the entry is reopened")
	}
	return db.Write(ctx, func(tx *gorm.DB) error {
		var l HourLog
		err := tx.Table("hour_logs l").Select("l.*").Joins("JOIN placements p ON p.id = l.placement_id").
			Where("l.id = ? AND p.supervisor_id = ?", id, a.ID).First(&l).Error
		if err != nil {
			return notFound(err)
		}
		if l.Status != LogApproved {
			return Invalid("status", "only approved entries are reopened")
		}
		if err := tx.Model(&HourLog{}).Where("id = ?", id).Updates(map[string]any{"status": LogPending, "review_comment": "Reopened: " + reason, "updated_at": now.UTC()}).Error; err != nil {
			return err
		}
		return Audit(tx, a, "practicum.reopen", "hour_log", id, fmt.Sprintf("placement %d, %s: %s", l.PlacementID, l.Day, reason))
	})
}

// PendingFor lists the entries waiting for a supervisor, oldest first.
func (db *DB) PendingFor(ctx context.Context, supervisorID int64) ([]PendingLog, error) {
	var out []PendingLog
	err := db.R.WithContext(ctx).Table("hour_logs l").
		Select("l.*, s.name AS student_name, p.site_name").
		Joins("JOIN placements p ON p.id = l.placement_id").
		Joins("JOIN users s ON s.id = p.student_id").
		Where("p.supervisor_id = ? AND l.status = ?", supervisorID, LogPending).
		Order("l.day, l.id").Scan(&out).Error
	return out, err
}

// PendingLog is an entry in a supervisor's queue.
type PendingLog struct {
	HourLog
	StudentName string
	SiteName    string
}

// Totals is the arithmetic of a placement's hours.
type Totals struct {
	Required       float64
	VirtualCap     float64
	ApprovedOnsite float64
	ApprovedVirt   float64
	Counted        float64 // approved on-site + approved virtual up to the cap
	Pending        float64
	Returned       float64
	OverCap        float64 // approved virtual hours beyond the cap (not counted)
	Remaining      float64
	Percent        float64 // counted / required, capped at 100
	LastActivity   string  // latest day logged
}

// ComputeTotals adds up a placement's entries against its requirement and
// its cap on virtual hours.
func ComputeTotals(p *Placement, logs []HourLog) Totals {
	t := Totals{Required: float64(p.RequiredHours), VirtualCap: float64(p.VirtualCapHours)}
	var onsite, virt, pending, returned int
	for _, l := range logs {
		switch l.Status {
		case LogApproved:
			if l.Setting == "virtual" {
				virt += l.Minutes
			} else {
				onsite += l.Minutes
			}
		case LogPending:
			pending += l.Minutes
		case LogReturned:
			returned += l.Minutes
		}
		if l.Day > t.LastActivity {
			t.LastActivity = l.Day
		}
	}
	t.ApprovedOnsite, t.ApprovedVirt = float64(onsite)/60, float64(virt)/60
	t.Pending, t.Returned = float64(pending)/60, float64(returned)/60
	countedVirt := min(t.ApprovedVirt, t.VirtualCap)
	t.OverCap = t.ApprovedVirt - countedVirt
	t.Counted = t.ApprovedOnsite + countedVirt
	t.Remaining = max(0, t.Required-t.Counted)
	if t.Required > 0 {
		t.Percent = min(100, 100*t.Counted/t.Required)
	}
	return t
}

// Week is one week of a placement's hours, for the chart.
type Week struct {
	Start           string // Monday, YYYY-MM-DD
	Approved        float64
	ApprovedVirtual float64
	Pending         float64
}

// WeeklyHours groups entries by ISO week (Monday first), oldest first,
// including empty weeks between the placement's start and the last entry.
func WeeklyHours(p *Placement, logs []HourLog) []Week {
	monday := func(day string) (time.Time, bool) {
		d, err := time.Parse(DateLayout, day)
		if err != nil {
			return time.Time{}, false
		}
		return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7)), true
	}
	byWeek := map[string]*Week{}
	last := ""
	for _, l := range logs {
		m, ok := monday(l.Day)
		if !ok {
			continue
		}
		k := m.Format(DateLayout)
		w := byWeek[k]
		if w == nil {
			w = &Week{Start: k}
			byWeek[k] = w
		}
		switch {
		case l.Status == LogApproved && l.Setting == "virtual":
			w.ApprovedVirtual += l.Hours()
		case l.Status == LogApproved:
			w.Approved += l.Hours()
		case l.Status == LogPending:
			w.Pending += l.Hours()
		}
		if k > last {
			last = k
		}
	}
	start, ok := monday(p.StartDate)
	if !ok || last == "" {
		return nil
	}
	var out []Week
	for d := start; d.Format(DateLayout) <= last; d = d.AddDate(0, 0, 7) {
		k := d.Format(DateLayout)
		if w := byWeek[k]; w != nil {
			out = append(out, *w)
		} else {
			out = append(out, Week{Start: k})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	return out
}
