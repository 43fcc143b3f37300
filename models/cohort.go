package models

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Cohort is a group of students an instructor runs (a class, a term).
type Cohort struct {
	ID            int64
	Name          string
	Term          string
	JoinCode      string
	RequiredHours int
	InstructorID  int64
	Archived      bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// CohortMember links a student to a cohort.
type CohortMember struct {
	CohortID int64 `gorm:"primaryKey;autoIncrement:false"`
	UserID   int64 `gorm:"primaryKey;autoIncrement:false"`
	JoinedAt time.Time
}

// DefaultRequiredHours is the usual length of an HIM practicum.
const DefaultRequiredHours = 90

// joinAlphabet avoids look-alike characters (0/O, 1/I/L).
const joinAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// NewJoinCode returns a code like "K7QX-M2PA".
func NewJoinCode() string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	out := make([]byte, 0, 9)
	for i, c := range b {
		if i == 4 {
			out = append(out, '-')
		}
		out = append(out, joinAlphabet[int(c)%len(joinAlphabet)])
	}
	return string(out)
}

// NormalizeJoinCode accepts what a person types ("k7qx m2pa").
func NormalizeJoinCode(s string) string {
	s = strings.ToUpper(strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, s))
	if len(s) == 8 {
		return s[:4] + "-" + s[4:]
	}
	return s
}

// CohortInput is the cohort form.
type CohortInput struct {
	Name          string
	Term          string
	RequiredHours int
}

func (in *CohortInput) validate() error {
	v := &ValidationError{}
	in.Name, in.Term = strings.TrimSpace(in.Name), strings.TrimSpace(in.Term)
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 100 {
		v.Add("name", "enter a name (up to 100 characters)")
	}
	if utf8.RuneCountInString(in.Term) > 50 {
		v.Add("term", "use at most 50 characters")
	}
	if in.RequiredHours < 1 || in.RequiredHours > 1000 {
		v.Add("required_hours", "enter the required practicum hours (1-1000)")
	}
	return v.Err()
}

// CreateCohort creates a cohort owned by the instructor.
func (db *DB) CreateCohort(ctx context.Context, actor Actor, in CohortInput) (*Cohort, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	c := &Cohort{Name: in.Name, Term: in.Term, RequiredHours: in.RequiredHours, InstructorID: actor.ID, JoinCode: NewJoinCode()}
	err := db.Write(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(c).Error; err != nil {
			return fmt.Errorf("create cohort: %w", err)
		}
		return Audit(tx, actor, "cohort.create", "cohort", c.ID, c.Name)
	})
	return c, err
}

// CohortByID loads a cohort.
func (db *DB) CohortByID(ctx context.Context, id int64) (*Cohort, error) {
	var c Cohort
	if err := db.R.WithContext(ctx).First(&c, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &c, nil
}

// CohortForInstructor loads a cohort the user may manage: its own
// instructor, or any admin.
func (db *DB) CohortForInstructor(ctx context.Context, u *User, id int64) (*Cohort, error) {
	c, err := db.CohortByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.InstructorID != u.ID && u.Role != RoleAdmin {
		return nil, ErrNotFound // do not confirm that someone else's cohort exists
	}
	return c, nil
}

// CohortSummary is a cohort with its roster size.
type CohortSummary struct {
	Cohort
	Students       int64
	InstructorName string
}

// CohortsFor lists the cohorts an instructor runs (admins: all).
func (db *DB) CohortsFor(ctx context.Context, u *User) ([]CohortSummary, error) {
	q := db.R.WithContext(ctx).Table("cohorts c").
		Select("c.*, (SELECT COUNT(*) FROM cohort_members m WHERE m.cohort_id = c.id) AS students, u.name AS instructor_name").
		Joins("JOIN users u ON u.id = c.instructor_id")
	if u.Role != RoleAdmin {
		q = q.Where("c.instructor_id = ?", u.ID)
	}
	var out []CohortSummary
	err := q.Order("c.archived, c.created_at DESC, c.id DESC").Scan(&out).Error
	return out, err
}

// StudentCohorts lists the cohorts a student belongs to.
func (db *DB) StudentCohorts(ctx context.Context, userID int64) ([]CohortSummary, error) {
	var out []CohortSummary
	err := db.R.WithContext(ctx).Table("cohorts c").
		Select("c.*, u.name AS instructor_name").
		Joins("JOIN cohort_members m ON m.cohort_id = c.id AND m.user_id = ?", userID).
		Joins("JOIN users u ON u.id = c.instructor_id").
		Order("c.created_at DESC").Scan(&out).Error
	return out, err
}

// RosterEntry is a student in a cohort.
type RosterEntry struct {
	User
	JoinedAt time.Time
}

// Roster lists a cohort's students.
func (db *DB) Roster(ctx context.Context, cohortID int64) ([]RosterEntry, error) {
	var out []RosterEntry
	err := db.R.WithContext(ctx).Table("users").Select("users.*, m.joined_at").
		Joins("JOIN cohort_members m ON m.user_id = users.id AND m.cohort_id = ?", cohortID).
		Order("users.name, users.id").Scan(&out).Error
	return out, err
}

// IsMember reports whether a student is in a cohort.
func (db *DB) IsMember(ctx context.Context, cohortID, userID int64) (bool, error) {
	var n int64
	err := db.R.WithContext(ctx).Model(&CohortMember{}).Where("cohort_id = ? AND user_id = ?", cohortID, userID).Count(&n).Error
	return n > 0, err
}

// JoinCohort adds a student to the cohort with the code, inside tx.
func JoinCohort(tx *gorm.DB, actor Actor, userID int64, code string) (*Cohort, error) {
	var c Cohort
	if err := tx.Where("join_code = ? AND archived = ?", NormalizeJoinCode(code), false).First(&c).Error; err != nil {
		if notFound(err) == ErrNotFound {
			return nil, Invalid("join_code", "no open cohort has this join code; check it with your instructor")
		}
		return nil, err
	}
	var n int64
	if err := tx.Model(&CohortMember{}).Where("cohort_id = ? AND user_id = ?", c.ID, userID).Count(&n).Error; err != nil {
		return nil, err
	}
	if n > 0 {
		return &c, nil
	}
	if err := tx.Create(&CohortMember{CohortID: c.ID, UserID: userID, JoinedAt: time.Now().UTC()}).Error; err != nil {
		return nil, err
	}
	return &c, Audit(tx, actor, "cohort.join", "cohort", c.ID, c.Name)
}

// JoinByCode lets a signed-in student join another cohort.
func (db *DB) JoinByCode(ctx context.Context, actor Actor, code string) (*Cohort, error) {
	var c *Cohort
	err := db.Write(ctx, func(tx *gorm.DB) error {
		var err error
		c, err = JoinCohort(tx, actor, actor.ID, code)
		return err
	})
	return c, err
}

// RemoveMember takes a student out of a cohort.
func (db *DB) RemoveMember(ctx context.Context, actor Actor, cohortID, userID int64) error {
	return db.Write(ctx, func(tx *gorm.DB) error {
		r := tx.Where("cohort_id = ? AND user_id = ?", cohortID, userID).Delete(&CohortMember{})
		if r.Error != nil {
			return r.Error
		}
		if r.RowsAffected == 0 {
			return ErrNotFound
		}
		return Audit(tx, actor, "cohort.remove", "cohort", cohortID, fmt.Sprintf("user %d", userID))
	})
}

// RegenerateJoinCode replaces a cohort's join code (the old one stops working).
func (db *DB) RegenerateJoinCode(ctx context.Context, actor Actor, cohortID int64) (string, error) {
	code := NewJoinCode()
	err := db.Write(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&Cohort{}).Where("id = ?", cohortID).Updates(map[string]any{"join_code": code, "updated_at": time.Now().UTC()}).Error; err != nil {
			return err
		}
		return Audit(tx, actor, "cohort.code", "cohort", cohortID, "join code regenerated")
	})
	return code, err
}

// CountCohorts counts all cohorts.
func (db *DB) CountCohorts(ctx context.Context) (int64, error) {
	var n int64
	return n, db.R.WithContext(ctx).Model(&Cohort{}).Count(&n).Error
}
