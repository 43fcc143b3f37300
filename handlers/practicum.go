package handlers

import (
	"encoding/csv"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"chartroom/exam"
	"chartroom/models"
)

// checkItem is a competency of a placement's checklist with its ratings.
type checkItem struct {
	ID, Domain, Title, Description string
	Cohort                         bool
	models.CompetencyRating
}

// placementData loads everything the placement page, the record and the
// exports show, for a placement the user may see.
type placementData struct {
	P         *models.PlacementView
	Logs      []models.HourLog
	Totals    models.Totals
	Weeks     []models.Week
	Checklist []checkItem
	Evals     map[string]*models.Evaluation
	known     func(string) bool
}

func (a *App) loadPlacement(c *gin.Context, param string) (*placementData, bool) {
	id, err := idParam(c, param)
	if err != nil {
		a.fail(c, err)
		return nil, false
	}
	ctx := c.Request.Context()
	p, err := a.db.PlacementFor(ctx, currentUser(c), id)
	if err != nil {
		a.fail(c, err)
		return nil, false
	}
	d := &placementData{P: p}
	if d.Logs, err = a.db.Logs(ctx, p.ID); err != nil {
		a.fail(c, err)
		return nil, false
	}
	d.Totals = models.ComputeTotals(&p.Placement, d.Logs)
	d.Weeks = models.WeeklyHours(&p.Placement, d.Logs)
	ratings, err := a.db.Ratings(ctx, p.ID)
	if err != nil {
		a.fail(c, err)
		return nil, false
	}
	var extra []models.CohortCompetency
	if p.CohortID != nil {
		if extra, err = a.db.CohortCompetencies(ctx, *p.CohortID); err != nil {
			a.fail(c, err)
			return nil, false
		}
	}
	d.Checklist = a.checklist(extra, ratings)
	ids := map[string]bool{}
	for _, item := range d.Checklist {
		ids[item.ID] = true
	}
	d.known = func(id string) bool { return ids[id] }
	if d.Evals, err = a.db.Evaluations(ctx, p.ID); err != nil {
		a.fail(c, err)
		return nil, false
	}
	return d, true
}

// checklist is a placement's competency checklist — the built-in items,
// then its cohort's own (extra) — each with the placement's ratings. The
// placement page and the supervisor's dashboard count from it.
func (a *App) checklist(extra []models.CohortCompetency, ratings map[string]models.CompetencyRating) []checkItem {
	out := make([]checkItem, 0, len(a.lib.Competencies)+len(extra))
	for _, comp := range a.lib.Competencies {
		out = append(out, checkItem{ID: comp.ID, Domain: string(comp.Domain), Title: comp.Title, Description: comp.Description, CompetencyRating: ratings[comp.ID]})
	}
	for _, comp := range extra {
		out = append(out, checkItem{ID: comp.ID, Domain: comp.Domain, Title: comp.Title, Description: comp.Description, Cohort: true, CompetencyRating: ratings[comp.ID]})
	}
	return out
}

// placementBase is the URL prefix of a placement for the current role.
func placementBase(u *models.User, id int64) string {
	switch u.Role {
	case models.RoleStudent:
		return fmt.Sprintf("/practicum/%d", id)
	case models.RoleSupervisor:
		return fmt.Sprintf("/supervise/%d", id)
	}
	return fmt.Sprintf("/teach/placements/%d", id)
}

func (a *App) renderPlacement(c *gin.Context, d *placementData, status int, extra D) {
	u := currentUser(c)
	data := D{"Title": "Practicum · " + d.P.StudentName, "D": d, "Base": placementBase(u, d.P.ID), "Chart": hoursChart(d.Weeks),
		"Ratings": models.CompetencyRatings, "SelfRatings": models.SelfRatings, "Today": models.LogToday(a.now()),
		"IsStudent": u.Role == models.RoleStudent, "IsSupervisor": u.Role == models.RoleSupervisor}
	if u.Role == models.RoleSupervisor {
		r, err := a.domainStrength(c, d.P.StudentID)
		if err != nil {
			a.fail(c, err)
			return
		}
		data["Readiness"] = r
	}
	if u.Role == models.RoleStudent {
		data["Form"] = models.LogInput{Day: models.LogToday(a.now()), Setting: "onsite"}
	}
	for k, v := range extra {
		data[k] = v
	}
	a.render(c, status, "placement", data)
}

// practicum is a student's own practicum: straight to the placement when
// there is one.
func (a *App) practicum(c *gin.Context) {
	ps, err := a.db.PlacementsFor(c.Request.Context(), currentUser(c))
	if err != nil {
		a.fail(c, err)
		return
	}
	if len(ps) == 1 {
		c.Redirect(http.StatusSeeOther, fmt.Sprintf("/practicum/%d", ps[0].ID))
		return
	}
	a.render(c, http.StatusOK, "practicum", D{"Title": "Practicum", "Placements": ps})
}

func (a *App) placementPage(c *gin.Context) {
	d, ok := a.loadPlacement(c, "id")
	if !ok {
		return
	}
	a.renderPlacement(c, d, http.StatusOK, nil)
}

func logInput(c *gin.Context) models.LogInput {
	return models.LogInput{Day: c.PostForm("day"), Hours: c.PostForm("hours"), Setting: c.PostForm("setting"),
		Activities: c.PostForm("activities"), Competencies: c.PostFormArray("competency")}
}

func (a *App) createLog(c *gin.Context) {
	d, ok := a.loadPlacement(c, "id")
	if !ok {
		return
	}
	in := logInput(c)
	_, err := a.db.CreateLog(c.Request.Context(), &d.P.Placement, in, d.known, a.now())
	if fe, ok := fieldErrors(err); ok {
		a.renderPlacement(c, d, http.StatusBadRequest, D{"Errors": fe, "Form": in})
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	a.done(c, "Hours logged and sent to your supervisor.", fmt.Sprintf("/practicum/%d", d.P.ID))
}

func (a *App) logParam(c *gin.Context, d *placementData) (*models.HourLog, bool) {
	id, err := idParam(c, "log")
	if err != nil {
		a.fail(c, err)
		return nil, false
	}
	for i := range d.Logs {
		if d.Logs[i].ID == id {
			return &d.Logs[i], true
		}
	}
	a.fail(c, models.ErrNotFound)
	return nil, false
}

func (a *App) editLogForm(c *gin.Context) {
	d, ok := a.loadPlacement(c, "id")
	if !ok {
		return
	}
	l, ok := a.logParam(c, d)
	if !ok {
		return
	}
	in := models.LogInput{Day: l.Day, Hours: strconv.FormatFloat(l.Hours(), 'f', -1, 64), Setting: l.Setting, Activities: l.Activities, Competencies: l.CompetencyIDs()}
	a.render(c, http.StatusOK, "log_edit", D{"Title": "Edit hours", "D": d, "Log": l, "Form": in})
}

func (a *App) updateLog(c *gin.Context) {
	d, ok := a.loadPlacement(c, "id")
	if !ok {
		return
	}
	l, ok := a.logParam(c, d)
	if !ok {
		return
	}
	in := logInput(c)
	err := a.db.UpdateLog(c.Request.Context(), &d.P.Placement, l.ID, in, d.known, a.now())
	if fe, ok := fieldErrors(err); ok {
		a.render(c, http.StatusBadRequest, "log_edit", D{"Title": "Edit hours", "D": d, "Log": l, "Form": in, "Errors": fe})
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	a.done(c, "Entry updated and sent for review again.", fmt.Sprintf("/practicum/%d", d.P.ID))
}

func (a *App) deleteLog(c *gin.Context) {
	d, ok := a.loadPlacement(c, "id")
	if !ok {
		return
	}
	l, ok := a.logParam(c, d)
	if !ok {
		return
	}
	if err := a.db.DeleteLog(c.Request.Context(), &d.P.Placement, l.ID); err != nil {
		if fe, ok := fieldErrors(err); ok {
			a.flash(c, "error", strings.Join(values(fe), " "))
			redirect(c, fmt.Sprintf("/practicum/%d", d.P.ID))
			return
		}
		a.fail(c, err)
		return
	}
	a.done(c, "Entry deleted.", fmt.Sprintf("/practicum/%d", d.P.ID))
}

func (a *App) selfRate(c *gin.Context) {
	d, ok := a.loadPlacement(c, "id")
	if !ok {
		return
	}
	ratings := map[string]string{}
	for _, item := range d.Checklist {
		if v, ok := c.GetPostForm(models.SelfRateField(item.ID)); ok {
			ratings[item.ID] = v
		}
	}
	err := a.db.SelfRate(c.Request.Context(), d.P.ID, ratings, d.known, a.now())
	if fe, ok := fieldErrors(err); ok {
		// Nothing was stored: show the page again with the student's
		// choices and a message beside each rating at fault.
		a.renderPlacement(c, d, http.StatusBadRequest, D{"SelfErrors": fe, "SelfForm": ratings})
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	a.done(c, "Your self-ratings are saved.", fmt.Sprintf("/practicum/%d#competencies", d.P.ID))
}

// Supervisors.

// superviseRow is one student on a supervisor's dashboard.
type superviseRow struct {
	models.PlacementView
	Totals    models.Totals
	Signed    int // checklist items signed off
	Checklist int // items on the placement's checklist, cohort items included
	Readiness []weakDomain
}

// supervise lists the supervisor's students. Hours, ratings and cohort
// checklists are loaded for all placements in one query each; readiness
// comes from the practice engine's domainStrength, once per student.
func (a *App) supervise(c *gin.Context) {
	u := currentUser(c)
	ctx := c.Request.Context()
	ps, err := a.db.PlacementsFor(ctx, u)
	if err != nil {
		a.fail(c, err)
		return
	}
	var ids, cohorts []int64
	for _, p := range ps {
		ids = append(ids, p.ID)
		if p.CohortID != nil {
			cohorts = append(cohorts, *p.CohortID)
		}
	}
	logs, err := a.db.LogsByPlacement(ctx, ids)
	if err != nil {
		a.fail(c, err)
		return
	}
	ratings, err := a.db.RatingsByPlacement(ctx, ids)
	if err != nil {
		a.fail(c, err)
		return
	}
	extra, err := a.db.CohortCompetenciesByCohort(ctx, cohorts)
	if err != nil {
		a.fail(c, err)
		return
	}
	readiness := map[int64][]weakDomain{}
	var rows []superviseRow
	for _, p := range ps {
		var own []models.CohortCompetency
		if p.CohortID != nil {
			own = extra[*p.CohortID]
		}
		items := a.checklist(own, ratings[p.ID])
		signed := 0
		for _, item := range items {
			if item.SignedAt != nil {
				signed++
			}
		}
		r, ok := readiness[p.StudentID]
		if !ok {
			if r, err = a.domainStrength(c, p.StudentID); err != nil {
				a.fail(c, err)
				return
			}
			readiness[p.StudentID] = r
		}
		rows = append(rows, superviseRow{PlacementView: p, Totals: models.ComputeTotals(&p.Placement, logs[p.ID]), Signed: signed, Checklist: len(items), Readiness: r})
	}
	pending, err := a.db.PendingFor(ctx, u.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "supervise", D{"Title": "Your practicum students", "Rows": rows, "PendingCount": len(pending)})
}

func (a *App) superviseQueue(c *gin.Context) {
	pending, err := a.db.PendingFor(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "supervise_queue", D{"Title": "Hours to review", "Pending": pending})
}

func (a *App) reviewQueue(c *gin.Context) {
	var ids []int64
	for _, s := range c.PostFormArray("id") {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			ids = append(ids, n)
		}
	}
	approve := c.PostForm("action") == "approve"
	n, err := a.db.ReviewLogs(c.Request.Context(), actor(c), ids, approve, c.PostForm("comment"), a.now())
	if fe, ok := fieldErrors(err); ok {
		pending, _ := a.db.PendingFor(c.Request.Context(), currentUser(c).ID)
		a.render(c, http.StatusBadRequest, "supervise_queue", D{"Title": "Hours to review", "Pending": pending, "Errors": fe})
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	verb := "approved"
	if !approve {
		verb = "returned to the student"
	}
	to := "/supervise/queue"
	if back := c.PostForm("back"); strings.HasPrefix(back, "/supervise/") {
		to = back
	}
	a.done(c, fmt.Sprintf("%d entr%s %s.", n, map[bool]string{true: "y", false: "ies"}[n == 1], verb), to)
}

func (a *App) reopenLog(c *gin.Context) {
	d, ok := a.loadPlacement(c, "id")
	if !ok {
		return
	}
	l, ok := a.logParam(c, d)
	if !ok {
		return
	}
	err := a.db.ReopenLog(c.Request.Context(), actor(c), l.ID, c.PostForm("reason"), a.now())
	if fe, ok := fieldErrors(err); ok {
		a.flash(c, "error", strings.Join(values(fe), " "))
		redirect(c, fmt.Sprintf("/supervise/%d", d.P.ID))
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	a.done(c, "The entry is open for the student to correct.", fmt.Sprintf("/supervise/%d", d.P.ID))
}

func (a *App) signOff(c *gin.Context) {
	d, ok := a.loadPlacement(c, "id")
	if !ok {
		return
	}
	err := a.db.SignOff(c.Request.Context(), currentUser(c), clientIP(c.Request), &d.P.Placement, c.Param("cid"), c.PostForm("rating"), c.PostForm("signature"), d.known, a.now())
	if fe, ok := fieldErrors(err); ok {
		a.renderPlacement(c, d, http.StatusBadRequest, D{"SignErrors": fe, "SignFor": c.Param("cid")})
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	a.done(c, "Competency signed off.", fmt.Sprintf("/supervise/%d#competencies", d.P.ID))
}

// Evaluations (supervisor: midterm, final; student: site).

func (a *App) evaluationForm(c *gin.Context) {
	d, ok := a.loadPlacement(c, "id")
	if !ok {
		return
	}
	kind := c.Param("kind")
	if !a.mayEvaluate(c, d, kind) {
		return
	}
	a.renderEvaluation(c, d, kind, http.StatusOK, nil)
}

func (a *App) mayEvaluate(c *gin.Context, d *placementData, kind string) bool {
	u := currentUser(c)
	ok := (kind == "midterm" || kind == "final") && u.ID == d.P.SupervisorID || kind == "site" && u.ID == d.P.StudentID
	if !ok {
		a.fail(c, models.ErrNotFound)
	}
	return ok
}

func (a *App) renderEvaluation(c *gin.Context, d *placementData, kind string, status int, extra D) {
	scale := models.ScaleLabels
	if kind == "site" {
		scale = models.SiteScaleLabels
	}
	titles := map[string]string{"midterm": "Midterm evaluation", "final": "Final evaluation", "site": "Site evaluation"}
	data := D{"Title": titles[kind], "D": d, "Kind": kind, "Criteria": models.CriteriaFor(kind), "Scale": scale, "Eval": d.Evals[kind],
		"Base": placementBase(currentUser(c), d.P.ID)}
	for k, v := range extra {
		data[k] = v
	}
	a.render(c, status, "evaluation", data)
}

func (a *App) signEvaluation(c *gin.Context) {
	d, ok := a.loadPlacement(c, "id")
	if !ok {
		return
	}
	kind := c.Param("kind")
	if !a.mayEvaluate(c, d, kind) {
		return
	}
	answers := map[string]int{}
	for _, cr := range models.CriteriaFor(kind) {
		if s := c.PostForm("q_" + cr.Key); s != "" {
			n, err := strconv.Atoi(s)
			if err == nil {
				answers[cr.Key] = n
			}
		}
	}
	_, err := a.db.SignEvaluation(c.Request.Context(), currentUser(c), clientIP(c.Request), &d.P.Placement, kind, answers, c.PostForm("comments"), c.PostForm("signature"))
	if fe, ok := fieldErrors(err); ok {
		a.renderEvaluation(c, d, kind, http.StatusBadRequest, D{"Errors": fe, "Answers": answers, "Comments": c.PostForm("comments")})
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	a.done(c, "Evaluation signed.", placementBase(currentUser(c), d.P.ID)+"/evaluations/"+kind)
}

func (a *App) addAddendum(c *gin.Context) {
	d, ok := a.loadPlacement(c, "id")
	if !ok {
		return
	}
	kind := c.Param("kind")
	if !a.mayEvaluate(c, d, kind) {
		return
	}
	e := d.Evals[kind]
	if e == nil {
		a.fail(c, models.ErrNotFound)
		return
	}
	err := a.db.AddAddendum(c.Request.Context(), currentUser(c), clientIP(c.Request), e.ID, c.PostForm("text"), c.PostForm("signature"))
	if fe, ok := fieldErrors(err); ok {
		a.renderEvaluation(c, d, kind, http.StatusBadRequest, D{"AddErrors": fe, "AddText": c.PostForm("text")})
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	a.done(c, "Addendum added.", placementBase(currentUser(c), d.P.ID)+"/evaluations/"+kind)
}

// Records and exports (every role that may see the placement).

func (a *App) completionRecord(c *gin.Context) {
	d, ok := a.loadPlacement(c, "id")
	if !ok {
		return
	}
	a.render(c, http.StatusOK, "record", D{"Title": "Practicum completion record · " + d.P.StudentName, "D": d, "Generated": a.now(),
		"StudentCriteria": models.StudentCriteria, "Scale": models.ScaleLabels, "Base": placementBase(currentUser(c), d.P.ID)})
}

func (a *App) hoursCSV(c *gin.Context) {
	d, ok := a.loadPlacement(c, "id")
	if !ok {
		return
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="practicum-hours-%d.csv"`, d.P.ID))
	w := csv.NewWriter(c.Writer)
	writeHoursCSV(w, []placementData{*d}, true)
	w.Flush()
}

func writeHoursCSV(w *csv.Writer, ds []placementData, header bool) {
	if header {
		w.Write([]string{"student", "site", "date", "hours", "setting", "status", "activities", "competencies", "reviewed_at_utc", "review_comment"})
	}
	for _, d := range ds {
		for i := len(d.Logs) - 1; i >= 0; i-- {
			l := d.Logs[i]
			rev := ""
			if l.ReviewedAt != nil {
				rev = l.ReviewedAt.UTC().Format(time.RFC3339)
			}
			w.Write([]string{csvSafe(d.P.StudentName), csvSafe(d.P.SiteName), l.Day, strconv.FormatFloat(l.Hours(), 'f', 2, 64), l.Setting, l.Status,
				csvSafe(l.Activities), l.Competencies, rev, csvSafe(l.ReviewComment)})
		}
	}
}

// Instructors.

// cohortPracticum shows a cohort's practicum at a glance; students behind
// the pace their dates call for are highlighted.
func (a *App) cohortPracticum(c *gin.Context) {
	co, ok := a.cohortParam(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	ps, err := a.db.PlacementsFor(ctx, currentUser(c))
	if err != nil {
		a.fail(c, err)
		return
	}
	type row struct {
		models.PlacementView
		Totals   models.Totals
		Expected float64
		Behind   bool
	}
	var rows []row
	today := models.LogToday(a.now())
	for _, p := range ps {
		if p.CohortID == nil || *p.CohortID != co.ID {
			continue
		}
		logs, err := a.db.Logs(ctx, p.ID)
		if err != nil {
			a.fail(c, err)
			return
		}
		t := models.ComputeTotals(&p.Placement, logs)
		exp := expectedHours(&p.Placement, today)
		rows = append(rows, row{PlacementView: p, Totals: t, Expected: exp, Behind: t.Counted+t.Pending < 0.8*exp})
	}
	comps, err := a.db.CohortCompetencies(ctx, co.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "cohort_practicum", D{"Title": "Practicum · " + co.Name, "Cohort": co, "Rows": rows, "Extra": comps, "Domains": exam.Domains,
		"Errors": c.GetStringMapString("errors")})
}

// expectedHours is how many hours a steady pace would have reached by today.
func expectedHours(p *models.Placement, today string) float64 {
	start, err1 := time.Parse(models.DateLayout, p.StartDate)
	end, err2 := time.Parse(models.DateLayout, p.EndDate)
	now, err3 := time.Parse(models.DateLayout, today)
	if err1 != nil || err2 != nil || err3 != nil || !end.After(start) {
		return 0
	}
	if now.Before(start) {
		return 0
	}
	frac := min(1, now.Sub(start).Hours()/end.Sub(start).Hours())
	return frac * float64(p.RequiredHours)
}

func (a *App) cohortHoursCSV(c *gin.Context) {
	co, ok := a.cohortParam(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	ps, err := a.db.PlacementsFor(ctx, currentUser(c))
	if err != nil {
		a.fail(c, err)
		return
	}
	var ds []placementData
	for _, p := range ps {
		if p.CohortID == nil || *p.CohortID != co.ID {
			continue
		}
		logs, err := a.db.Logs(ctx, p.ID)
		if err != nil {
			a.fail(c, err)
			return
		}
		pv := p
		ds = append(ds, placementData{P: &pv, Logs: logs})
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="practicum-hours-cohort-%d.csv"`, co.ID))
	w := csv.NewWriter(c.Writer)
	writeHoursCSV(w, ds, true)
	w.Flush()
}

func (a *App) addCohortCompetency(c *gin.Context) {
	co, ok := a.cohortParam(c)
	if !ok {
		return
	}
	_, err := a.db.AddCohortCompetency(c.Request.Context(), actor(c), co.ID, c.PostForm("domain"), c.PostForm("title"), c.PostForm("description"))
	if fe, ok := fieldErrors(err); ok {
		a.flash(c, "error", strings.Join(values(fe), " "))
		redirect(c, fmt.Sprintf("/teach/cohorts/%d/practicum", co.ID))
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	a.done(c, "Competency added to this cohort's checklist.", fmt.Sprintf("/teach/cohorts/%d/practicum", co.ID))
}

func (a *App) siteEvaluations(c *gin.Context) {
	sums, err := a.db.SiteEvaluations(c.Request.Context(), currentUser(c))
	if err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "sites", D{"Title": "Site evaluations", "Sites": sums, "Criteria": models.SiteCriteria, "Min": models.MinSiteResponses})
}

// hoursChart draws weekly hours as stacked bars: approved on site, approved
// virtual, pending. Server-rendered, with a table of the same numbers.
func hoursChart(weeks []models.Week) template.HTML {
	if len(weeks) == 0 {
		return ""
	}
	maxH := 1.0
	for _, w := range weeks {
		maxH = max(maxH, w.Approved+w.ApprovedVirtual+w.Pending)
	}
	const h, left, bottom, top = 200, 36, 24, 10
	bw := 28
	width := left + len(weeks)*(bw+8) + 10
	y := func(v float64) float64 { return top + (h-top-bottom)*(1-v/maxH) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="hours-chart" viewBox="0 0 %d %d" role="img" aria-labelledby="hc-t" xmlns="http://www.w3.org/2000/svg"><title id="hc-t">Hours per week: approved on site, approved virtual, pending (the table below has the numbers)</title>`, width, h)
	for _, g := range []float64{0, maxH / 2, maxH} {
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#c9d1d9"/><text x="%d" y="%.1f" font-size="10" text-anchor="end" fill="#4a5562">%.0f</text>`, left, width-6, y(g), y(g), left-4, y(g)+3, g)
	}
	for i, w := range weeks {
		x := left + 6 + i*(bw+8)
		base := 0.0
		for _, seg := range []struct {
			v    float64
			fill string
		}{{w.Approved, `fill="#0b5c66"`}, {w.ApprovedVirtual, `fill="#5b3a99"`}, {w.Pending, `fill="#ffffff" stroke="#1f5fa6" stroke-width="2" stroke-dasharray="3 2"`}} {
			if seg.v <= 0 {
				continue
			}
			fmt.Fprintf(&b, `<rect x="%d" y="%.1f" width="%d" height="%.1f" %s/>`, x, y(base+seg.v), bw, y(base)-y(base+seg.v), seg.fill)
			base += seg.v
		}
		if t, err := time.Parse(models.DateLayout, w.Start); err == nil {
			fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="9" text-anchor="middle" fill="#4a5562">%s</text>`, x+bw/2, h-8, t.Format("Jan 2"))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
