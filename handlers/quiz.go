package handlers

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"chartroom/exam"
	"chartroom/markup"
	"chartroom/models"
)

// Instructor quizzes: the builder (settings, fixed list, rules or the RHIT
// blueprint), assignments to cohorts, and the per-assignment page with
// moderation and quiz-level accommodations.

// maxRules is how many rule rows the builder offers.
const maxRules = 6

var (
	quizKinds = []struct{ Value, Label, Hint string }{
		{models.QuizFixed, "A fixed list of questions", "You choose the questions and their order."},
		{models.QuizRules, "Rules", "Each student gets N questions drawn from a domain, topic or difficulty."},
		{models.QuizBlueprint, "The RHIT blueprint", "Questions drawn to the exam's domain weights."},
	}
	quizModes = []struct{ Value, Label string }{
		{"tutor", "Tutor — students check each answer and see its rationale"},
		{"timed", "Timed — results at the end, released by the review policy"},
	}
	gradingMethods = []struct{ Value, Label string }{
		{models.GradeHighest, "Highest attempt"}, {models.GradeLast, "Last attempt"},
		{models.GradeAverage, "Average of attempts"}, {models.GradeFirst, "First attempt"},
	}
	reviewPolicies = []struct{ Value, Label string }{
		{models.ReviewImmediately, "Immediately after each attempt"},
		{models.ReviewAfterClose, "After the quiz closes"},
		{models.ReviewNever, "Never (students see only that they submitted)"},
	}
)

func quizInputFromForm(c *gin.Context) models.QuizInput {
	in := models.QuizInput{Title: c.PostForm("title"), Description: c.PostForm("description"), Kind: c.PostForm("kind"), Mode: c.PostForm("mode"),
		TimeLimitMinutes: formInt(c, "time_limit_minutes"), AttemptsAllowed: formInt(c, "attempts_allowed"), Grading: c.PostForm("grading"),
		Shuffle: c.PostForm("shuffle") == "1", ReviewPolicy: c.PostForm("review_policy"), BlueprintItems: formInt(c, "blueprint_items")}
	for i := 0; i < maxRules; i++ {
		n := formInt(c, fmt.Sprintf("rule_count_%d", i))
		if n == 0 {
			continue
		}
		in.Rules = append(in.Rules, models.DrawRule{Count: n, Domain: exam.Domain(c.PostForm(fmt.Sprintf("rule_domain_%d", i))),
			Topic: strings.TrimSpace(c.PostForm(fmt.Sprintf("rule_topic_%d", i))), Difficulty: formInt(c, fmt.Sprintf("rule_difficulty_%d", i))})
	}
	return in
}

func inputFromQuiz(q *models.Quiz) models.QuizInput {
	return models.QuizInput{Title: q.Title, Description: q.Description, Kind: q.Kind, Mode: q.Mode, TimeLimitMinutes: q.TimeLimitMinutes,
		AttemptsAllowed: q.AttemptsAllowed, Grading: q.Grading, Shuffle: q.Shuffle, ReviewPolicy: q.ReviewPolicy, Rules: q.DrawRules(), BlueprintItems: q.BlueprintItems}
}

// ruleRows pads the rules to the builder's rows.
func ruleRows(rs []models.DrawRule) []models.DrawRule {
	out := append([]models.DrawRule(nil), rs...)
	for len(out) < maxRules {
		out = append(out, models.DrawRule{})
	}
	return out
}

func (a *App) settingsData(c *gin.Context, data D, in models.QuizInput) error {
	topics, err := a.db.Topics(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		return err
	}
	data["Form"], data["RuleRows"], data["Topics"] = in, ruleRows(in.Rules), topics
	data["Kinds"], data["Modes"], data["Gradings"], data["Policies"] = quizKinds, quizModes, gradingMethods, reviewPolicies
	return nil
}

func (a *App) quizzes(c *gin.Context) {
	qs, err := a.db.QuizzesFor(c.Request.Context(), currentUser(c))
	if err != nil {
		a.fail(c, err)
		return
	}
	data := D{"Title": "Quizzes", "Quizzes": qs}
	in := models.QuizInput{Kind: models.QuizFixed, Mode: "timed", TimeLimitMinutes: 30, AttemptsAllowed: 1, Grading: models.GradeHighest,
		Shuffle: true, ReviewPolicy: models.ReviewAfterClose, BlueprintItems: 50}
	if err := a.settingsData(c, data, in); err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "quizzes", data)
}

func (a *App) createQuiz(c *gin.Context) {
	in := quizInputFromForm(c)
	q, err := a.db.SaveQuiz(c.Request.Context(), currentUser(c), 0, in)
	if fe, ok := fieldErrors(err); ok {
		qs, _ := a.db.QuizzesFor(c.Request.Context(), currentUser(c))
		data := D{"Title": "Quizzes", "Quizzes": qs, "Errors": fe}
		if e := a.settingsData(c, data, in); e != nil {
			a.fail(c, e)
			return
		}
		a.render(c, http.StatusBadRequest, "quizzes", data)
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	msg := "Quiz created."
	if q.Kind == models.QuizFixed {
		msg += " Add its questions below."
	}
	a.done(c, msg, quizURL(q.ID))
}

func quizURL(id int64) string { return "/teach/quizzes/" + strconv.FormatInt(id, 10) }

// quizParam loads :id if the user owns it (or is an admin).
func (a *App) quizParam(c *gin.Context) (*models.Quiz, bool) {
	id, err := idParam(c, "id")
	if err != nil {
		a.fail(c, err)
		return nil, false
	}
	q, err := a.db.QuizFor(c.Request.Context(), currentUser(c), id)
	if err != nil {
		a.fail(c, err)
		return nil, false
	}
	return q, true
}

// poolSize counts the questions a rule (or the whole quiz) can draw from.
func (a *App) poolSize(ctx context.Context, owner int64, r models.DrawRule) (int, error) {
	f := r.Filter(owner)
	cands, err := a.db.Candidates(ctx, 0, f)
	return len(cands), err
}

func (a *App) quizData(c *gin.Context, q *models.Quiz, data D) error {
	ctx := c.Request.Context()
	u := currentUser(c)
	data["Title"], data["Quiz"] = q.Title, q
	if _, ok := data["Form"]; !ok {
		if err := a.settingsData(c, data, inputFromQuiz(q)); err != nil {
			return err
		}
	} else if err := a.settingsData(c, data, data["Form"].(models.QuizInput)); err != nil {
		return err
	}
	switch q.Kind {
	case models.QuizFixed:
		ids, err := a.db.QuizQuestions(ctx, q.ID)
		if err != nil {
			return err
		}
		list, err := a.quizQuestionViews(ctx, u, ids)
		if err != nil {
			return err
		}
		data["List"] = list
		f := bankFilter(c)
		f.Status, f.Limit = models.StatusReady, 50
		if f.Text != "" || f.Domain != "" || f.Topic != "" || f.Author != "" || f.Type != "" {
			rows, err := a.db.Bank(ctx, u, f)
			if err != nil {
				return err
			}
			var found []bankView
			for _, r := range rows {
				if !slices.Contains(ids, r.ID) {
					found = append(found, bankView{BankRow: r, Stem: truncateWords(markup.PlainText(r.Stem), 24)})
				}
			}
			data["Found"], data["Searched"] = found, true
		}
		data["Filter"] = f
	case models.QuizRules:
		type ruleView struct {
			models.DrawRule
			Pool int
		}
		var rules []ruleView
		for _, r := range q.DrawRules() {
			n, err := a.poolSize(ctx, q.OwnerID, r)
			if err != nil {
				return err
			}
			rules = append(rules, ruleView{r, n})
		}
		data["Rules"] = rules
	case models.QuizBlueprint:
		_, bp, err := a.db.ActiveBlueprint(ctx, a.lib.Blueprint)
		if err != nil {
			return err
		}
		targets, err := bp.Targets(q.BlueprintItems)
		if err != nil {
			return err
		}
		type domainView struct {
			Domain exam.Domain
			Target int
			Pool   int
		}
		var ds []domainView
		for _, d := range exam.Domains {
			n, err := a.poolSize(ctx, q.OwnerID, models.DrawRule{Domain: d})
			if err != nil {
				return err
			}
			ds = append(ds, domainView{d, targets[d], n})
		}
		data["BlueprintDomains"] = ds
	}
	as, err := a.db.QuizAssignments(ctx, q.ID)
	if err != nil {
		return err
	}
	data["Assignments"] = as
	cs, err := a.db.CohortsFor(ctx, u)
	if err != nil {
		return err
	}
	data["Cohorts"] = cs
	if _, ok := data["AssignForm"]; !ok {
		opens := a.now().UTC().Truncate(time.Hour).Add(time.Hour)
		data["AssignForm"] = D{"OpensAt": opens, "ClosesAt": opens.Add(7 * 24 * time.Hour)}
	}
	return nil
}

type quizQuestionView struct {
	ID, Stem, Status string
	Domain           exam.Domain
	Topic            string
}

func (a *App) quizQuestionViews(ctx context.Context, u *models.User, ids []string) ([]quizQuestionView, error) {
	var out []quizQuestionView
	for _, id := range ids {
		row, q, err := a.db.QuestionFor(ctx, u, id)
		if err != nil {
			// The question is gone from this user's view (e.g. an admin's
			// quiz listing another instructor's question): show the id.
			out = append(out, quizQuestionView{ID: id, Status: "unavailable"})
			continue
		}
		out = append(out, quizQuestionView{ID: id, Stem: truncateWords(markup.PlainText(q.Stem), 24), Status: row.Status, Domain: q.Domain, Topic: q.Topic})
	}
	return out, nil
}

func (a *App) quizPage(c *gin.Context) {
	q, ok := a.quizParam(c)
	if !ok {
		return
	}
	data := D{}
	if err := a.quizData(c, q, data); err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "quiz", data)
}

func (a *App) saveQuizSettings(c *gin.Context) {
	q, ok := a.quizParam(c)
	if !ok {
		return
	}
	in := quizInputFromForm(c)
	_, err := a.db.SaveQuiz(c.Request.Context(), currentUser(c), q.ID, in)
	if fe, ok := fieldErrors(err); ok {
		data := D{"Errors": fe, "Form": in}
		if e := a.quizData(c, q, data); e != nil {
			a.fail(c, e)
			return
		}
		a.render(c, http.StatusBadRequest, "quiz", data)
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	a.done(c, "Quiz settings saved. Attempts already started keep their questions and time.", quizURL(q.ID))
}

// editQuizQuestions changes a fixed quiz's list: add the ticked questions,
// or move one up or down, or remove it. Plain form buttons, so the list
// can be arranged without JavaScript and from the keyboard.
func (a *App) editQuizQuestions(c *gin.Context) {
	q, ok := a.quizParam(c)
	if !ok {
		return
	}
	if q.Kind != models.QuizFixed {
		a.fail(c, models.Invalid("kind", "only a fixed-list quiz has its own list of questions"))
		return
	}
	ctx := c.Request.Context()
	ids, err := a.db.QuizQuestions(ctx, q.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	op, arg, _ := strings.Cut(c.PostForm("op"), ":")
	i := slices.Index(ids, arg)
	msg := ""
	switch {
	case op == "add":
		added := 0
		for _, id := range c.PostFormArray("add") {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
				added++
			}
		}
		msg = fmt.Sprintf("Added %d question(s).", added)
	case op == "up" && i > 0:
		ids[i-1], ids[i] = ids[i], ids[i-1]
		msg = fmt.Sprintf("Moved %s up to position %d.", arg, i)
	case op == "down" && i >= 0 && i < len(ids)-1:
		ids[i+1], ids[i] = ids[i], ids[i+1]
		msg = fmt.Sprintf("Moved %s down to position %d.", arg, i+2)
	case op == "remove" && i >= 0:
		ids = slices.Delete(ids, i, i+1)
		msg = "Removed " + arg + "."
	default:
		redirect(c, quizURL(q.ID)+"#questions")
		return
	}
	err = a.db.SetQuizQuestions(ctx, currentUser(c), q.ID, ids)
	if fe, ok := fieldErrors(err); ok {
		a.flash(c, "error", fe["questions"])
		redirect(c, quizURL(q.ID)+"#questions")
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	a.done(c, msg, quizURL(q.ID)+"#questions")
}

// formTime reads a datetime-local field. app.js sends the instant in UTC
// as <name>_utc (the browser knows the user's time zone); without
// JavaScript the value is taken as UTC, which the form says.
func formTime(c *gin.Context, name string) (time.Time, bool) {
	if s := c.PostForm(name + "_utc"); s != "" {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t.UTC(), true
		}
	}
	t, err := time.Parse("2006-01-02T15:04", c.PostForm(name))
	return t.UTC(), err == nil
}

func (a *App) assignQuiz(c *gin.Context) {
	q, ok := a.quizParam(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	u := currentUser(c)
	opens, ok1 := formTime(c, "opens_at")
	closes, ok2 := formTime(c, "closes_at")
	fe := map[string]string{}
	co, err := a.db.CohortForInstructor(ctx, u, formInt64(c, "cohort_id"))
	if err != nil {
		fe["cohort_id"] = "choose one of your cohorts"
	}
	if !ok1 {
		fe["opens_at"] = "enter when the quiz opens"
	}
	if !ok2 {
		fe["closes_at"] = "enter when the quiz closes"
	}
	if len(fe) == 0 {
		_, err = a.db.AssignAt(ctx, actor(c), q.ID, co.ID, opens, closes, a.now())
		if e, ok := fieldErrors(err); ok {
			fe = e
		} else if err != nil {
			a.fail(c, err)
			return
		}
	}
	if len(fe) > 0 {
		data := D{"Errors": fe, "AssignForm": D{"CohortID": formInt64(c, "cohort_id"), "OpensAt": opens, "ClosesAt": closes}}
		if e := a.quizData(c, q, data); e != nil {
			a.fail(c, e)
			return
		}
		a.render(c, http.StatusBadRequest, "quiz", data)
		return
	}
	a.done(c, "Assigned to "+co.Name+". Students see it on their dashboard.", quizURL(q.ID)+"#assignments")
}

// assignmentParam loads :id if it belongs to a cohort the user runs.
func (a *App) assignmentParam(c *gin.Context) (*models.AssignmentView, bool) {
	id, err := idParam(c, "id")
	if err != nil {
		a.fail(c, err)
		return nil, false
	}
	as, err := a.db.AssignmentByID(c.Request.Context(), id)
	if err == nil && !runsCohort(currentUser(c), as.InstructorID) {
		err = models.ErrNotFound
	}
	if err != nil {
		a.fail(c, err)
		return nil, false
	}
	return as, true
}

func runsCohort(u *models.User, instructorID int64) bool {
	return u.Role == models.RoleAdmin || u.ID == instructorID
}

// assignmentRow is one student on the assignment page.
type assignmentRow struct {
	Student      models.RosterEntry
	Attempts     []models.Attempt
	Grade        float64
	Graded       bool
	Allowed      int // 0: unlimited
	Accommodated models.Accommodation
	HasAcc       bool
	Override     *models.OverrideRow
}

func (a *App) assignmentPage(c *gin.Context) {
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
	all, err := a.db.AssignmentAttempts(ctx, as.ID, 0)
	if err != nil {
		a.fail(c, err)
		return
	}
	overrides, err := a.db.Overrides(ctx, as.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	var rows []assignmentRow
	for _, s := range roster {
		r := assignmentRow{Student: s}
		var scores []float64
		for _, at := range all {
			if at.UserID == s.ID {
				r.Attempts = append(r.Attempts, at)
				if !at.Active() && at.Score != nil {
					scores = append(scores, *at.Score)
				}
			}
		}
		r.Grade, r.Graded = models.GradeBy(as.Quiz.Grading, scores)
		acc, err := a.db.AccommodationFor(ctx, as, s.ID)
		if err != nil {
			a.fail(c, err)
			return
		}
		r.Accommodated, r.HasAcc = acc, acc.TimeMultiplier > 1 || acc.ExtraMinutes > 0 || acc.AddedAttempts() > 0
		if as.Quiz.AttemptsAllowed > 0 {
			r.Allowed = as.Quiz.AttemptsAllowed + acc.AddedAttempts()
		}
		if o, ok := overrides[s.ID]; ok {
			r.Override = &o
		}
		rows = append(rows, r)
	}
	a.render(c, http.StatusOK, "assignment", D{"Title": as.QuizTitle + " · " + as.CohortName, "A": as, "Rows": rows,
		"Open": as.Open(a.now()), "Closed": !a.now().Before(as.ClosesAt), "Form": D{"OpensAt": as.OpensAt, "ClosesAt": as.ClosesAt}})
}

func assignmentURL(id int64) string { return "/teach/assignments/" + strconv.FormatInt(id, 10) }

// rescheduleAssignment moves the window; closing early ends attempts in
// progress at the new close time.
func (a *App) rescheduleAssignment(c *gin.Context) {
	as, ok := a.assignmentParam(c)
	if !ok {
		return
	}
	opens, ok1 := formTime(c, "opens_at")
	closes, ok2 := formTime(c, "closes_at")
	if !ok1 || !ok2 {
		a.flash(c, "error", "Enter both the opening and the closing time.")
		redirect(c, assignmentURL(as.ID))
		return
	}
	_, err := a.db.AssignAt(c.Request.Context(), actor(c), as.QuizID, as.CohortID, opens, closes, a.now())
	if fe, ok := fieldErrors(err); ok {
		a.flash(c, "error", "Not changed: "+fe["closes_at"])
		redirect(c, assignmentURL(as.ID))
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	a.done(c, "Dates changed. Deadlines of attempts in progress follow the close time.", assignmentURL(as.ID))
}

// studentOf checks that the posted user_id is in the assignment's cohort.
func (a *App) studentOf(c *gin.Context, cohortID int64) (int64, bool) {
	uid := formInt64(c, "user_id")
	ok, err := a.db.IsMember(c.Request.Context(), cohortID, uid)
	if err != nil {
		a.fail(c, err)
		return 0, false
	}
	if !ok {
		a.fail(c, models.ErrNotFound)
		return 0, false
	}
	return uid, true
}

func formFloat(c *gin.Context, name string) float64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(c.PostForm(name)), 64)
	if err != nil {
		return -1
	}
	return f
}

func (a *App) setOverride(c *gin.Context) {
	as, ok := a.assignmentParam(c)
	if !ok {
		return
	}
	uid, ok := a.studentOf(c, as.CohortID)
	if !ok {
		return
	}
	err := a.db.SetOverride(c.Request.Context(), actor(c), as.ID, uid, formFloat(c, "time_multiplier"), formInt(c, "extra_minutes"), formInt(c, "extra_attempts"))
	if ve, ok := fieldErrors(err); ok {
		a.flash(c, "error", "Not saved: "+strings.Join(mapValues(ve), "; "))
		redirect(c, assignmentURL(as.ID))
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	a.done(c, "Quiz accommodation saved. It applies from the student's next attempt; a larger cohort accommodation still wins.", assignmentURL(as.ID))
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

func (a *App) grantAttempt(c *gin.Context) {
	as, ok := a.assignmentParam(c)
	if !ok {
		return
	}
	uid, ok := a.studentOf(c, as.CohortID)
	if !ok {
		return
	}
	if err := a.db.GrantExtraAttempt(c.Request.Context(), actor(c), as.ID, uid); err != nil {
		a.fail(c, err)
		return
	}
	a.done(c, "One more attempt granted.", assignmentURL(as.ID))
}

// instructorAttempt loads :id if it is a quiz attempt in a cohort the user runs.
func (a *App) instructorAttempt(c *gin.Context) (*models.Attempt, bool) {
	id, err := idParam(c, "id")
	if err != nil {
		a.fail(c, err)
		return nil, false
	}
	at, err := a.db.AttemptForInstructor(c.Request.Context(), currentUser(c), id)
	if err != nil {
		a.fail(c, err)
		return nil, false
	}
	return at, true
}

func (a *App) reopenAttempt(c *gin.Context) {
	at, ok := a.instructorAttempt(c)
	if !ok {
		return
	}
	minutes := formInt(c, "minutes")
	if minutes < 1 || minutes > 10080 {
		a.flash(c, "error", "Reopen for 1 minute to 7 days (10,080 minutes).")
		redirect(c, assignmentURL(*at.AssignmentID))
		return
	}
	err := a.db.ReopenAttempt(c.Request.Context(), actor(c), at.ID, a.now().Add(time.Duration(minutes)*time.Minute))
	if fe, ok := fieldErrors(err); ok {
		a.flash(c, "error", fe["attempt"])
		redirect(c, assignmentURL(*at.AssignmentID))
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	a.done(c, fmt.Sprintf("Attempt reopened for %d minutes. It is graded again when the student submits or time runs out.", minutes), assignmentURL(*at.AssignmentID))
}

func (a *App) extendAttempt(c *gin.Context) {
	at, ok := a.instructorAttempt(c)
	if !ok {
		return
	}
	err := a.db.ExtendAttempt(c.Request.Context(), actor(c), at.ID, formInt(c, "minutes"))
	if fe, ok := fieldErrors(err); ok {
		a.flash(c, "error", strings.Join(mapValues(fe), "; "))
		redirect(c, assignmentURL(*at.AssignmentID))
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	a.done(c, "Deadline extended.", assignmentURL(*at.AssignmentID))
}

// teachAttempt shows an instructor a student's quiz attempt in full.
func (a *App) teachAttempt(c *gin.Context) {
	at, ok := a.instructorAttempt(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	items, err := a.db.Items(ctx, at.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	ids := make([]int64, len(items))
	for i, it := range items {
		ids[i] = it.VersionID
	}
	versions, err := a.db.Versions(ctx, ids)
	if err != nil {
		a.fail(c, err)
		return
	}
	views := make([]itemView, len(items))
	for i := range items {
		views[i] = a.buildItemView(&items[i], versions[items[i].VersionID], true)
	}
	student, err := a.db.UserByID(ctx, at.UserID)
	if err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "teach_attempt", D{"Title": at.Title + " · " + student.Name, "Attempt": at, "Student": student, "Items": views})
}
