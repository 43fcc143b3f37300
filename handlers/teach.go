package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"chartroom/models"
)

func (a *App) teach(c *gin.Context) {
	cs, err := a.db.CohortsFor(c.Request.Context(), currentUser(c))
	if err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "teach", D{"Title": "Teach", "Cohorts": cs, "Form": D{"RequiredHours": models.DefaultRequiredHours}})
}

func formInt(c *gin.Context, name string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(c.PostForm(name)))
	return n
}

func formInt64(c *gin.Context, name string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(c.PostForm(name)), 10, 64)
	return n
}

func (a *App) createCohort(c *gin.Context) {
	in := models.CohortInput{Name: c.PostForm("name"), Term: c.PostForm("term"), RequiredHours: formInt(c, "required_hours")}
	co, err := a.db.CreateCohort(c.Request.Context(), actor(c), in)
	if fe, ok := fieldErrors(err); ok {
		cs, _ := a.db.CohortsFor(c.Request.Context(), currentUser(c))
		a.render(c, http.StatusBadRequest, "teach", D{"Title": "Teach", "Cohorts": cs, "Errors": fe, "Form": in})
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	a.done(c, "Cohort created. Give your students the join code "+co.JoinCode+".", "/teach/cohorts/"+strconv.FormatInt(co.ID, 10))
}

// cohortParam loads the :id cohort if the user runs it (404 otherwise).
func (a *App) cohortParam(c *gin.Context) (*models.Cohort, bool) {
	id, err := idParam(c, "id")
	if err != nil {
		a.fail(c, err)
		return nil, false
	}
	co, err := a.db.CohortForInstructor(c.Request.Context(), currentUser(c), id)
	if err != nil {
		a.fail(c, err)
		return nil, false
	}
	return co, true
}

func (a *App) cohort(c *gin.Context) {
	co, ok := a.cohortParam(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	roster, err := a.db.Roster(ctx, co.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	placements, err := a.db.PlacementsFor(ctx, currentUser(c))
	if err != nil {
		a.fail(c, err)
		return
	}
	var mine []models.PlacementView
	for _, p := range placements {
		if p.CohortID != nil && *p.CohortID == co.ID {
			mine = append(mine, p)
		}
	}
	assigned, err := a.db.CohortAssignments(ctx, co.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	data := D{"Title": co.Name, "Cohort": co, "Roster": roster, "Placements": mine, "Assignments": assigned}
	a.render(c, http.StatusOK, "cohort", data)
}

func (a *App) regenerateCode(c *gin.Context) {
	co, ok := a.cohortParam(c)
	if !ok {
		return
	}
	code, err := a.db.RegenerateJoinCode(c.Request.Context(), actor(c), co.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	a.done(c, "New join code: "+code+". The old code no longer works.", "/teach/cohorts/"+strconv.FormatInt(co.ID, 10))
}

func (a *App) removeStudent(c *gin.Context) {
	co, ok := a.cohortParam(c)
	if !ok {
		return
	}
	if err := a.db.RemoveMember(c.Request.Context(), actor(c), co.ID, formInt64(c, "user_id")); err != nil {
		a.fail(c, err)
		return
	}
	a.done(c, "The student was removed from the cohort.", "/teach/cohorts/"+strconv.FormatInt(co.ID, 10))
}

func (a *App) placementFormData(c *gin.Context, data D) error {
	ctx := c.Request.Context()
	u := currentUser(c)
	cs, err := a.db.CohortsFor(ctx, u)
	if err != nil {
		return err
	}
	sups, err := a.db.UsersByRole(ctx, models.RoleSupervisor)
	if err != nil {
		return err
	}
	// Instructors place the students of their cohorts; admins anyone.
	var studs []models.User
	if u.Role == models.RoleAdmin {
		studs, err = a.db.UsersByRole(ctx, models.RoleStudent)
		if err != nil {
			return err
		}
	} else {
		seen := map[int64]bool{}
		for _, co := range cs {
			r, err := a.db.Roster(ctx, co.ID)
			if err != nil {
				return err
			}
			for _, s := range r {
				if !seen[s.ID] {
					seen[s.ID] = true
					studs = append(studs, s.User)
				}
			}
		}
	}
	data["Title"] = "New practicum placement"
	data["Cohorts"], data["Supervisors"], data["Students"], data["SiteTypes"] = cs, sups, studs, models.SiteTypes
	return nil
}

func (a *App) placementForm(c *gin.Context) {
	data := D{"Form": models.PlacementInput{CohortID: func() int64 { n, _ := strconv.ParseInt(c.Query("cohort"), 10, 64); return n }()}}
	if err := a.placementFormData(c, data); err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "placement_new", data)
}

func (a *App) createPlacement(c *gin.Context) {
	in := models.PlacementInput{
		StudentID: formInt64(c, "student_id"), SupervisorID: formInt64(c, "supervisor_id"), CohortID: formInt64(c, "cohort_id"),
		SiteName: c.PostForm("site_name"), SiteAddress: c.PostForm("site_address"), SiteType: c.PostForm("site_type"),
		StartDate: c.PostForm("start_date"), EndDate: c.PostForm("end_date"),
		RequiredHours: formInt(c, "required_hours"), VirtualCapHours: formInt(c, "virtual_cap_hours"),
	}
	ctx := c.Request.Context()
	u := currentUser(c)
	// An instructor may only place students of their own cohorts.
	if u.Role != models.RoleAdmin {
		allowed := false
		if in.CohortID != 0 {
			if _, err := a.db.CohortForInstructor(ctx, u, in.CohortID); err == nil {
				allowed, _ = a.db.IsMember(ctx, in.CohortID, in.StudentID)
			}
		}
		if !allowed {
			err := models.Invalid("student_id", "choose a cohort you run and one of its students")
			data := D{"Form": in, "Errors": err.Fields}
			if e := a.placementFormData(c, data); e != nil {
				a.fail(c, e)
				return
			}
			a.render(c, http.StatusBadRequest, "placement_new", data)
			return
		}
	}
	p, err := a.db.CreatePlacement(ctx, actor(c), in)
	if fe, ok := fieldErrors(err); ok {
		data := D{"Form": in, "Errors": fe}
		if e := a.placementFormData(c, data); e != nil {
			a.fail(c, e)
			return
		}
		a.render(c, http.StatusBadRequest, "placement_new", data)
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	to := "/teach"
	if p.CohortID != nil {
		to = "/teach/cohorts/" + strconv.FormatInt(*p.CohortID, 10)
	}
	a.done(c, "Placement created.", to)
}
