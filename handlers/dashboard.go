package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"chartroom/models"
)

// dashboard shows each role what it needs first.
func (a *App) dashboard(c *gin.Context) {
	u := currentUser(c)
	ctx := c.Request.Context()
	data := D{"Title": "Dashboard", "Now": a.now()}
	var err error
	switch u.Role {
	case models.RoleStudent:
		err = a.studentDashboard(c, u, data)
	case models.RoleInstructor:
		data["Cohorts"], err = a.db.CohortsFor(ctx, u)
	case models.RoleSupervisor:
		data["Placements"], err = a.db.PlacementsFor(ctx, u)
	case models.RoleAdmin:
		err = a.adminCounts(c, data)
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "dashboard", data)
}

func (a *App) studentDashboard(c *gin.Context, u *models.User, data D) error {
	ctx := c.Request.Context()
	cs, err := a.db.StudentCohorts(ctx, u.ID)
	if err != nil {
		return err
	}
	data["Cohorts"] = cs
	ps, err := a.db.PlacementsFor(ctx, u)
	if err != nil {
		return err
	}
	data["Placements"] = ps
	if data["Assigned"], err = a.db.StudentAssignments(ctx, u.ID); err != nil {
		return err
	}
	prog, err := a.db.Progress(ctx, u.ID)
	if err != nil {
		return err
	}
	data["Resume"] = resumeLesson(a.lib, prog)
	attempts, err := a.db.AttemptsFor(ctx, u.ID, 8)
	if err != nil {
		return err
	}
	var active, recent []models.AttemptSummary
	for _, at := range attempts {
		if at.Status == models.AttemptActive {
			active = append(active, at)
		} else {
			recent = append(recent, at)
		}
	}
	data["InProgress"], data["RecentAttempts"] = active, recent
	due, _, err := a.db.CardCounts(ctx, u.ID, a.now())
	if err != nil {
		return err
	}
	data["DueCards"] = due
	return nil
}

func (a *App) adminCounts(c *gin.Context, data D) error {
	ctx := c.Request.Context()
	counts := map[models.Role]int64{}
	for _, r := range models.Roles {
		n, err := a.db.CountUsers(ctx, r)
		if err != nil {
			return err
		}
		counts[r] = n
	}
	data["RoleCounts"] = counts
	n, err := a.db.CountCohorts(ctx)
	if err != nil {
		return err
	}
	data["CohortCount"] = n
	if data["AttemptCount"], err = a.db.CountAttempts(ctx); err != nil {
		return err
	}
	recent, err := a.db.AuditLog(ctx, models.AuditFilter{Limit: 10})
	if err != nil {
		return err
	}
	data["Recent"] = recent
	return nil
}
