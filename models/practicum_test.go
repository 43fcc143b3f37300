package models

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
)

func TestComputeTotalsAndCap(t *testing.T) {
	p := &Placement{RequiredHours: 90, VirtualCapHours: 10, StartDate: "2026-09-07", EndDate: "2026-12-11"}
	logs := []HourLog{
		{Day: "2026-09-08", Minutes: 8 * 60, Setting: "onsite", Status: LogApproved},
		{Day: "2026-09-09", Minutes: 7*60 + 45, Setting: "onsite", Status: LogApproved},
		{Day: "2026-09-10", Minutes: 6 * 60, Setting: "virtual", Status: LogApproved},
		{Day: "2026-09-15", Minutes: 6 * 60, Setting: "virtual", Status: LogApproved}, // 12 virtual, cap 10
		{Day: "2026-09-16", Minutes: 4 * 60, Setting: "onsite", Status: LogPending},
		{Day: "2026-09-17", Minutes: 90, Setting: "onsite", Status: LogReturned},
	}
	tot := ComputeTotals(p, logs)
	want := Totals{Required: 90, VirtualCap: 10, ApprovedOnsite: 15.75, ApprovedVirt: 12, Counted: 25.75, Pending: 4, Returned: 1.5,
		OverCap: 2, Remaining: 64.25, Percent: 100 * 25.75 / 90, LastActivity: "2026-09-17"}
	if tot != want {
		t.Fatalf("totals\n got %+v\nwant %+v", tot, want)
	}
	// Over the requirement: remaining 0, percent capped.
	big := append(logs, HourLog{Day: "2026-10-01", Minutes: 70 * 60, Setting: "onsite", Status: LogApproved})
	if tt := ComputeTotals(p, big); tt.Remaining != 0 || tt.Percent != 100 {
		t.Fatalf("over requirement: %+v", tt)
	}
	weeks := WeeklyHours(p, logs)
	if len(weeks) != 2 || weeks[0].Start != "2026-09-07" || weeks[0].Approved != 15.75 || weeks[0].ApprovedVirtual != 6 ||
		weeks[1].Start != "2026-09-14" || weeks[1].Pending != 4 || weeks[1].ApprovedVirtual != 6 {
		t.Fatalf("weeks %+v", weeks)
	}
}

func TestParseHours(t *testing.T) {
	for in, want := range map[string]int{"7.5": 450, "3.25": 195, "12": 720, "0.25": 15, "7,5": 450} {
		if got, ok := parseHours(in); !ok || got != want {
			t.Errorf("parseHours(%q) = %d %v, want %d", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "7.3", "abc", "1.1", "7.5h", "NaN", "1e400"} {
		if _, ok := parseHours(bad); ok {
			t.Errorf("parseHours(%q) accepted", bad)
		}
	}
}

// openPracticumDB is a migrated SQLite database in the test's temp dir with
// a student placed with a supervisor (PostgreSQL is covered by the handler
// tests).
func openPracticumDB(t *testing.T, start, end string) (*DB, *Placement) {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "test.db"), Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	p := &Placement{SiteName: "North Clinic", StartDate: start, EndDate: end, RequiredHours: 90, VirtualCapHours: 10}
	err = db.Write(ctx, func(tx *gorm.DB) error {
		stu := &User{Email: "s@example.edu", Name: "S", Role: RoleStudent, PasswordHash: "-"}
		sup := &User{Email: "v@example.edu", Name: "V", Role: RoleSupervisor, PasswordHash: "-"}
		for _, u := range []*User{stu, sup} {
			if err := tx.Create(u).Error; err != nil {
				return err
			}
		}
		p.StudentID, p.SupervisorID, p.CreatedBy = stu.ID, sup.ID, sup.ID
		return tx.Create(p).Error
	})
	if err != nil {
		t.Fatal(err)
	}
	return db, p
}

func TestPracticumDayTotalMessageShowsExactHours(t *testing.T) {
	now := time.Date(2026, 9, 20, 15, 0, 0, 0, time.UTC)
	db, p := openPracticumDB(t, "2026-09-01", "2026-12-11")
	ctx := context.Background()
	known := func(string) bool { return true }
	for day, tc := range map[string]struct{ first, second, want string }{
		"2026-09-14": {"11.75", "0.5", "2026-09-14 already has 11.75 hours logged"}, // %.2g said "12"
		"2026-09-15": {"7.25", "5", "2026-09-15 already has 7.25 hours logged"},     // %.2g said "7.2"
		"2026-09-16": {"8", "4.25", "2026-09-16 already has 8 hours logged"},
	} {
		if _, err := db.CreateLog(ctx, p, LogInput{Day: day, Hours: tc.first, Setting: "onsite", Activities: "x"}, known, now); err != nil {
			t.Fatal(err)
		}
		_, err := db.CreateLog(ctx, p, LogInput{Day: day, Hours: tc.second, Setting: "virtual", Activities: "x"}, known, now)
		var ve *ValidationError
		if !errors.As(err, &ve) || !strings.HasPrefix(ve.Fields["hours"], tc.want+";") {
			t.Errorf("%s: %v, want %q", day, err, tc.want)
		}
	}
}

func TestPracticumLogTodayIsTheUSCalendarDay(t *testing.T) {
	for _, tc := range []struct {
		now  string
		want string
	}{
		{"2026-10-01T01:30:00Z", "2026-09-30"}, // 21:30 EDT, 18:30 PDT on Sep 30: UTC's Oct 1 is their tomorrow
		{"2026-10-01T03:59:59Z", "2026-09-30"},
		{"2026-10-01T04:00:00Z", "2026-10-01"}, // midnight in Puerto Rico (and New York, in summer)
		{"2026-10-01T12:00:00Z", "2026-10-01"},
		{"2026-10-01T23:59:00Z", "2026-10-01"}, // 13:59 in Hawaii
		{"2026-01-15T04:30:00Z", "2026-01-15"}, // 23:30 EST: a New York student may log the coming day half an hour early
	} {
		now, _ := time.Parse(time.RFC3339, tc.now)
		if got := LogToday(now); got != tc.want {
			t.Errorf("LogToday(%s) = %s, want %s", tc.now, got, tc.want)
		}
		// The instant's own zone does not matter.
		if got := LogToday(now.In(time.FixedZone("UTC+9", 9*3600))); got != tc.want {
			t.Errorf("LogToday(%s in UTC+9) = %s, want %s", tc.now, got, tc.want)
		}
	}
	// validateLog refuses the day after LogToday and accepts LogToday, at
	// 01:30 UTC (evening in the United States).
	now := time.Date(2026, 10, 1, 1, 30, 0, 0, time.UTC)
	db, p := openPracticumDB(t, "2026-09-01", "2026-12-11")
	known := func(string) bool { return true }
	_, err := db.CreateLog(context.Background(), p, LogInput{Day: "2026-10-01", Hours: "4", Setting: "onsite", Activities: "x"}, known, now)
	var ve *ValidationError
	if !errors.As(err, &ve) || !strings.Contains(ve.Fields["day"], "in the future") {
		t.Fatalf("UTC's date, the US's tomorrow: %v", err)
	}
	if _, err := db.CreateLog(context.Background(), p, LogInput{Day: "2026-09-30", Hours: "4", Setting: "onsite", Activities: "x"}, known, now); err != nil {
		t.Fatalf("the US's today: %v", err)
	}
}

func TestSignoffSelfRateNamesTheFieldAndChangesNothing(t *testing.T) {
	db, p := openPracticumDB(t, "2026-09-01", "2026-12-11")
	ctx := context.Background()
	known := func(id string) bool { return id == "a" || id == "b" }
	err := db.SelfRate(ctx, p.ID, map[string]string{"a": "confident", "b": "superb"}, known, time.Now())
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Fields[SelfRateField("b")] == "" || len(ve.Fields) != 1 {
		t.Fatalf("invalid value: %v", err)
	}
	if r, err := db.Ratings(ctx, p.ID); err != nil || len(r) != 0 {
		t.Fatalf("something was stored: %v %v", r, err)
	}
	if err := db.SelfRate(ctx, p.ID, map[string]string{"a": "confident", "b": ""}, known, time.Now()); err != nil {
		t.Fatal(err)
	}
	if r, _ := db.Ratings(ctx, p.ID); r["a"].SelfRating != "confident" {
		t.Fatalf("ratings %+v", r)
	}
}
