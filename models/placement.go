package models

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// DateLayout is how calendar dates are stored and typed.
const DateLayout = "2006-01-02"

// Placement links a student to a practicum site and supervisor.
type Placement struct {
	ID              int64
	StudentID       int64
	SupervisorID    int64
	CohortID        *int64
	SiteName        string
	SiteAddress     string
	SiteType        string
	StartDate       string
	EndDate         string
	RequiredHours   int
	VirtualCapHours int
	CreatedBy       int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// PlacementView is a placement with the names people need to see.
type PlacementView struct {
	Placement
	StudentName     string
	StudentEmail    string
	SupervisorName  string
	SupervisorEmail string
	CohortName      string
}

// SiteTypes are the kinds of practicum site.
var SiteTypes = []string{"Acute care hospital", "Physician practice", "Ambulatory surgery center", "Long-term care", "Behavioral health", "Health information vendor", "Payer", "Public health agency", "Other"}

// PlacementInput is the placement form.
type PlacementInput struct {
	StudentID       int64
	SupervisorID    int64
	CohortID        int64
	SiteName        string
	SiteAddress     string
	SiteType        string
	StartDate       string
	EndDate         string
	RequiredHours   int // 0: the cohort's requirement, or 90
	VirtualCapHours int
}

// CreatePlacement validates and stores a placement.
func (db *DB) CreatePlacement(ctx context.Context, actor Actor, in PlacementInput) (*Placement, error) {
	v := &ValidationError{}
	in.SiteName, in.SiteAddress, in.SiteType = strings.TrimSpace(in.SiteName), strings.TrimSpace(in.SiteAddress), strings.TrimSpace(in.SiteType)
	if in.SiteName == "" || utf8.RuneCountInString(in.SiteName) > 150 {
		v.Add("site_name", "enter the site's name (up to 150 characters)")
	}
	if utf8.RuneCountInString(in.SiteAddress) > 300 {
		v.Add("site_address", "use at most 300 characters")
	}
	okType := in.SiteType == ""
	for _, t := range SiteTypes {
		okType = okType || t == in.SiteType
	}
	if !okType {
		v.Add("site_type", "choose a site type from the list")
	}
	start, err1 := time.Parse(DateLayout, in.StartDate)
	end, err2 := time.Parse(DateLayout, in.EndDate)
	if err1 != nil {
		v.Add("start_date", "enter a date as YYYY-MM-DD")
	}
	if err2 != nil {
		v.Add("end_date", "enter a date as YYYY-MM-DD")
	}
	if err1 == nil && err2 == nil && end.Before(start) {
		v.Add("end_date", "the end date is before the start date")
	}
	if in.RequiredHours < 0 || in.RequiredHours > 1000 {
		v.Add("required_hours", "enter 1-1000 hours, or leave empty for the cohort's requirement")
	}
	if in.VirtualCapHours < 0 {
		v.Add("virtual_cap_hours", "enter 0 or more hours")
	}
	p := &Placement{SiteName: in.SiteName, SiteAddress: in.SiteAddress, SiteType: in.SiteType,
		StartDate: in.StartDate, EndDate: in.EndDate, RequiredHours: in.RequiredHours, VirtualCapHours: in.VirtualCapHours, CreatedBy: actor.ID}
	err := db.Write(ctx, func(tx *gorm.DB) error {
		var student, supervisor User
		if err := tx.First(&student, in.StudentID).Error; err != nil || student.Role != RoleStudent {
			v.Add("student_id", "choose a student")
		}
		if err := tx.First(&supervisor, in.SupervisorID).Error; err != nil || supervisor.Role != RoleSupervisor || supervisor.Disabled {
			v.Add("supervisor_id", "choose a practicum supervisor")
		}
		if in.CohortID != 0 {
			var c Cohort
			if err := tx.First(&c, in.CohortID).Error; err != nil {
				v.Add("cohort_id", "choose a cohort")
			} else {
				p.CohortID = &c.ID
				if p.RequiredHours == 0 {
					p.RequiredHours = c.RequiredHours
				}
			}
		}
		if p.RequiredHours == 0 {
			p.RequiredHours = DefaultRequiredHours
		}
		if p.VirtualCapHours > p.RequiredHours {
			v.Add("virtual_cap_hours", "the virtual cap cannot exceed the required hours")
		}
		if err := v.Err(); err != nil {
			return err
		}
		p.StudentID, p.SupervisorID = student.ID, supervisor.ID
		if err := tx.Create(p).Error; err != nil {
			return fmt.Errorf("create placement: %w", err)
		}
		return Audit(tx, actor, "placement.create", "placement", p.ID,
			fmt.Sprintf("%s with %s at %s", student.Email, supervisor.Email, p.SiteName))
	})
	return p, err
}

func (db *DB) placementViews(ctx context.Context) *gorm.DB {
	return db.R.WithContext(ctx).Table("placements p").
		Select("p.*, s.name AS student_name, s.email AS student_email, v.name AS supervisor_name, v.email AS supervisor_email, COALESCE(c.name, '') AS cohort_name").
		Joins("JOIN users s ON s.id = p.student_id").
		Joins("JOIN users v ON v.id = p.supervisor_id").
		Joins("LEFT JOIN cohorts c ON c.id = p.cohort_id")
}

// scopePlacements limits q to the placements u may see: a student's own, a
// supervisor's own students, an instructor's cohorts (and those they
// created), everything for an admin.
func scopePlacements(q *gorm.DB, u *User) (*gorm.DB, error) {
	switch u.Role {
	case RoleStudent:
		return q.Where("p.student_id = ?", u.ID), nil
	case RoleSupervisor:
		return q.Where("p.supervisor_id = ?", u.ID), nil
	case RoleInstructor:
		return q.Where("(p.created_by = ? OR c.instructor_id = ?)", u.ID, u.ID), nil
	case RoleAdmin:
		return q, nil
	}
	return nil, ErrForbidden
}

// PlacementsFor lists the placements u may see.
func (db *DB) PlacementsFor(ctx context.Context, u *User) ([]PlacementView, error) {
	q, err := scopePlacements(db.placementViews(ctx), u)
	if err != nil {
		return nil, err
	}
	var out []PlacementView
	err = q.Order("p.start_date DESC, p.id DESC").Scan(&out).Error
	return out, err
}

// PlacementFor loads one placement if u may see it; otherwise ErrNotFound,
// so that guessing ids reveals nothing.
func (db *DB) PlacementFor(ctx context.Context, u *User, id int64) (*PlacementView, error) {
	q, err := scopePlacements(db.placementViews(ctx), u)
	if err != nil {
		return nil, err
	}
	var out []PlacementView
	if err := q.Where("p.id = ?", id).Limit(1).Scan(&out).Error; err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, ErrNotFound
	}
	return &out[0], nil
}
