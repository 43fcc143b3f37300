package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"chartroom/content"
	"chartroom/models"
)

// Demo accounts (DESIGN.md "Stable surface"); all share DemoPassword.
const (
	demoPassword   = "chartroom-demo"
	demoAdmin      = "admin@chartroom.example"
	demoInstructor = "instructor@chartroom.example"
	demoSupervisor = "supervisor@chartroom.example"
	demoStudent    = "student@chartroom.example"
	demoJoinCode   = "DEMO-2026"
)

// seedDemo creates the demo accounts, cohort, placement and some history.
// It runs on every start with -demo and does nothing once the data exists.
func seedDemo(ctx context.Context, db *models.DB, lib *content.Library, log *slog.Logger) error {
	if _, err := db.UserByEmail(ctx, demoAdmin); err == nil {
		return nil
	} else if !errors.Is(err, models.ErrNotFound) {
		return err
	}
	now := time.Now().UTC()
	err := db.Write(ctx, func(tx *gorm.DB) error {
		users := map[string]*models.User{}
		for _, a := range []struct {
			email, name string
			role        models.Role
		}{
			{demoAdmin, "Avery Admin", models.RoleAdmin},
			{demoInstructor, "Irene Instructor", models.RoleInstructor},
			{demoSupervisor, "Sam Supervisor", models.RoleSupervisor},
			{demoStudent, "Stella Student", models.RoleStudent},
		} {
			u, err := models.CreateUser(tx, models.NewUser{Email: a.email, Name: a.name, Role: a.role, Password: demoPassword})
			if err != nil {
				return err
			}
			users[a.email] = u
		}
		act := models.Actor{ID: users[demoAdmin].ID, Email: demoAdmin}
		if err := models.Audit(tx, act, "user.create", "user", users[demoAdmin].ID, "demo accounts seeded"); err != nil {
			return err
		}
		cohort := &models.Cohort{Name: "HIT Demo Cohort", Term: "Demo term", JoinCode: demoJoinCode,
			RequiredHours: models.DefaultRequiredHours, InstructorID: users[demoInstructor].ID}
		if err := tx.Create(cohort).Error; err != nil {
			return err
		}
		if err := tx.Create(&models.CohortMember{CohortID: cohort.ID, UserID: users[demoStudent].ID, JoinedAt: now}).Error; err != nil {
			return err
		}
		p := &models.Placement{
			StudentID: users[demoStudent].ID, SupervisorID: users[demoSupervisor].ID, CohortID: &cohort.ID,
			SiteName: "Chartroom Demo Medical Center", SiteAddress: "100 Example Way, Demo City", SiteType: "Acute care hospital",
			StartDate: now.AddDate(0, 0, -28).Format(models.DateLayout), EndDate: now.AddDate(0, 0, 56).Format(models.DateLayout),
			RequiredHours: models.DefaultRequiredHours, VirtualCapHours: 20, CreatedBy: users[demoInstructor].ID,
		}
		if err := tx.Create(p).Error; err != nil {
			return err
		}
		return seedDemoHistory(tx, lib, users[demoStudent], users[demoSupervisor], p, now)
	})
	if err != nil {
		return err
	}
	log.Info("demo data seeded", "accounts", []string{demoAdmin, demoInstructor, demoSupervisor, demoStudent}, "password", demoPassword, "join_code", demoJoinCode)
	return nil
}

// seedDemoHistory adds the activity a demo student has: grows as areas land.
func seedDemoHistory(tx *gorm.DB, lib *content.Library, student, supervisor *models.User, p *models.Placement, now time.Time) error {
	return nil
}
