package handlers

import (
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"chartroom/exam"
	"chartroom/markup"
	"chartroom/models"
)

// Results: the cohort gradebook, CSV exports, item analysis (computed in
// the background, read here), regrades and cohort accommodations.

func (a *App) gradebook(c *gin.Context) {
	co, ok := a.cohortParam(c)
	if !ok {
		return
	}
	g, err := a.db.CohortGradebook(c.Request.Context(), co.ID, a.now())
	if err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "gradebook", D{"Title": "Gradebook · " + co.Name, "Cohort": co, "G": g})
}

func csvHeaders(c *gin.Context, name string) *csv.Writer {
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Header("Cache-Control", "no-store")
	return csv.NewWriter(c.Writer)
}

func pct(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

func (a *App) gradebookCSV(c *gin.Context) {
	co, ok := a.cohortParam(c)
	if !ok {
		return
	}
	g, err := a.db.CohortGradebook(c.Request.Context(), co.ID, a.now())
	if err != nil {
		a.fail(c, err)
		return
	}
	w := csvHeaders(c, fmt.Sprintf("gradebook-cohort-%d.csv", co.ID))
	head := []string{"student", "email"}
	for _, as := range g.Assignments {
		t := csvSafe(as.QuizTitle)
		head = append(head, t+" grade (%)", t+" attempts", t+" status")
	}
	w.Write(head)
	for _, s := range g.Students {
		row := []string{csvSafe(s.Name), csvSafe(s.Email)}
		for _, as := range g.Assignments {
			cell := g.Cell(s.ID, as.ID)
			grade := ""
			if cell.Graded {
				grade = pct(cell.Grade)
			}
			row = append(row, grade, strconv.Itoa(cell.Attempts), cellStatus(cell))
		}
		w.Write(row)
	}
	w.Flush()
}

// cellStatus is a gradebook cell's marks in words.
func cellStatus(c *models.GradeCell) string {
	var out []string
	if c.InProgress {
		out = append(out, "in progress")
	}
	if c.Late {
		out = append(out, "late")
	}
	if c.Overdue {
		out = append(out, "overdue")
	}
	return strings.Join(out, "; ")
}

// assignmentCSV lists every attempt at one assignment.
func (a *App) assignmentCSV(c *gin.Context) {
	as, ok := a.assignmentParam(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	roster, err := a.db.Roster(ctx, as.CohortID)
	if err != nil {
		a.fail(c, err)
		return
	}
	attempts, err := a.db.AssignmentAttempts(ctx, as.ID, 0)
	if err != nil {
		a.fail(c, err)
		return
	}
	w := csvHeaders(c, fmt.Sprintf("quiz-%d-cohort-%d-results.csv", as.QuizID, as.CohortID))
	w.Write([]string{"student", "email", "attempt", "started_utc", "finished_utc", "status", "correct", "scored_items", "score_percent", "late"})
	for _, s := range roster {
		n := 0
		for _, at := range attempts {
			if at.UserID != s.ID {
				continue
			}
			n++
			fin, correct, score, late := "", "", "", ""
			if at.FinishedAt != nil {
				fin = at.FinishedAt.UTC().Format(time.RFC3339)
				if at.Status == models.AttemptSubmitted && at.FinishedAt.After(as.ClosesAt.Add(exam.Grace)) {
					late = "yes"
				}
			}
			if at.Correct != nil {
				correct = strconv.Itoa(*at.Correct)
			}
			if at.Score != nil {
				score = pct(*at.Score)
			}
			w.Write([]string{csvSafe(s.Name), csvSafe(s.Email), strconv.Itoa(n), at.StartedAt.UTC().Format(time.RFC3339), fin, at.Status,
				correct, strconv.Itoa(at.ScoredItems), score, late})
		}
	}
	w.Flush()
}

// statsItem is one row of the item analysis with its question.
type statsItem struct {
	exam.ItemStats
	Stem    string
	Q       *exam.Question
	Choices []choiceCount
	Other   []choiceCount // code answers
	Omitted int
}

type choiceCount struct {
	Letter, Text string
	Key          bool
	Count        int
	Percent      float64
}

// quizStats shows the stored item analysis; it never computes one (the
// background job does, after submissions).
func (a *App) quizStats(c *gin.Context) {
	q, ok := a.quizParam(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	data := D{"Title": "Item analysis · " + q.Title, "Quiz": q}
	pending, err := a.db.StatsPending(ctx, q.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	data["Pending"] = pending
	st, err := a.db.StatsFor(ctx, q.ID)
	if errors.Is(err, models.ErrNotFound) {
		a.render(c, http.StatusOK, "quiz_stats", data)
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	ts, err := st.Parsed()
	if err != nil {
		a.fail(c, err)
		return
	}
	ids := make([]string, len(ts.Items))
	for i, it := range ts.Items {
		ids[i] = it.Item
	}
	vids, err := a.db.CurrentVersions(ctx, ids)
	if err != nil {
		a.fail(c, err)
		return
	}
	list := make([]int64, 0, len(vids))
	for _, v := range vids {
		list = append(list, v)
	}
	versions, err := a.db.Versions(ctx, list)
	if err != nil {
		a.fail(c, err)
		return
	}
	flagged := 0
	items := make([]statsItem, len(ts.Items))
	for i, it := range ts.Items {
		si := statsItem{ItemStats: it, Omitted: it.Choices[""]}
		if len(it.Flags) > 0 {
			flagged++
		}
		if qv := versions[vids[it.Item]]; qv != nil {
			si.Q, si.Stem = qv, truncateWords(markup.PlainText(qv.Stem), 30)
			for j, o := range qv.Options {
				l := exam.Letter(j)
				n := it.Choices[l]
				si.Choices = append(si.Choices, choiceCount{Letter: l, Text: truncateWords(markup.PlainText(o.Text), 12), Key: qv.IsKey(l), Count: n, Percent: share(n, it.N)})
			}
			if qv.Type == exam.TypeCode {
				for ans, n := range it.Choices {
					if ans != "" {
						si.Other = append(si.Other, choiceCount{Text: ans, Key: qv.IsKey(ans), Count: n, Percent: share(n, it.N)})
					}
				}
			}
		}
		items[i] = si
	}
	sort.SliceStable(items, func(i, j int) bool { return len(items[i].Flags) > 0 && len(items[j].Flags) == 0 })
	data["Stats"], data["Items"], data["Computed"], data["Flagged"], data["MinForFlags"] = ts, items, st.ComputedAt, flagged, exam.MinForFlags
	a.render(c, http.StatusOK, "quiz_stats", data)
}

// questionStats shows one question's item statistics in every quiz of the
// user's that has an analysis containing it, read from the stored results of
// the background job (nothing is computed here).
func (a *App) questionStats(c *gin.Context) {
	ctx := c.Request.Context()
	u := currentUser(c)
	id := c.Param("id")
	row, q, err := a.db.QuestionFor(ctx, u, id)
	if err != nil {
		a.fail(c, err)
		return
	}
	rows, err := a.db.QuestionStats(ctx, u, id)
	if err != nil {
		a.fail(c, err)
		return
	}
	n := 0
	for _, r := range rows {
		n += r.Item.N
	}
	a.render(c, http.StatusOK, "question_stats", D{"Title": "Statistics · " + id, "Row": row, "Stem": truncateWords(markup.PlainText(q.Stem), 40),
		"Quizzes": rows, "Responses": n, "MinForFlags": exam.MinForFlags})
}

func share(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}

var regradePolicies = []struct{ Value, Label string }{
	{"both", "Give credit for the old key and the new key (no one loses a point)"},
	{"new", "Grade by the new key only (scores may go down)"},
}

// regrade previews (GET) or applies (POST) a regrade of one question.
func (a *App) regrade(c *gin.Context) {
	q, ok := a.quizParam(c)
	if !ok {
		return
	}
	apply := c.Request.Method == http.MethodPost
	qid, policy := c.Query("question"), c.DefaultQuery("policy", "both")
	if apply {
		qid, policy = c.PostForm("question"), c.PostForm("policy")
	}
	res, err := a.db.Regrade(c.Request.Context(), actor(c), q.ID, qid, policy, apply)
	if err != nil {
		a.fail(c, err)
		return
	}
	// res.ToVersion is a row id; people know versions by their number.
	version, err := a.db.VersionNumber(c.Request.Context(), res.ToVersion)
	if err != nil {
		a.fail(c, err)
		return
	}
	if apply {
		changed := 0
		for _, r := range res.Rows {
			if r.ItemBefore != r.ItemAfter {
				changed++
			}
		}
		a.done(c, fmt.Sprintf("Regraded %s against version %d: %d attempt(s) checked, %d changed. Item analysis will refresh shortly.", qid, version, len(res.Rows), changed),
			"/teach/quizzes/"+strconv.FormatInt(q.ID, 10)+"/stats")
		a.kickStats()
		return
	}
	a.render(c, http.StatusOK, "regrade", D{"Title": "Regrade " + qid, "Quiz": q, "R": res, "Version": version, "Policies": regradePolicies, "Policy": policy})
}

// cohortAccommodations lists and sets per-student accommodations that
// apply to every quiz of the cohort.
func (a *App) cohortAccommodations(c *gin.Context) {
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
	acc, err := a.db.Accommodations(ctx, co.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "accommodations", D{"Title": "Accommodations · " + co.Name, "Cohort": co, "Roster": roster, "Acc": acc})
}

func (a *App) setAccommodation(c *gin.Context) {
	co, ok := a.cohortParam(c)
	if !ok {
		return
	}
	uid, ok := a.studentOf(c, co.ID)
	if !ok {
		return
	}
	back := "/teach/cohorts/" + strconv.FormatInt(co.ID, 10) + "/accommodations"
	err := a.db.SetAccommodation(c.Request.Context(), actor(c), co.ID, uid, formFloat(c, "time_multiplier"), formInt(c, "extra_minutes"),
		formInt(c, "extra_attempts"), c.PostForm("note"))
	if fe, ok := fieldErrors(err); ok {
		a.flash(c, "error", "Not saved: "+strings.Join(mapValues(fe), "; "))
		redirect(c, back)
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	a.done(c, "Accommodation saved. It applies to every quiz of the cohort from the student's next attempt.", back)
}
