package models

import (
	"testing"
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
