package handlers

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"chartroom/models"
)

// practicumEnv: a cohort, a student placed with a supervisor, and a second
// supervisor with a student of their own.
type practicumEnv struct {
	*env
	student, supervisor, other *client
	otherStudent               *client
	p, otherP                  *models.Placement
	cohort                     *models.Cohort
	instructor                 *client
}

func newPracticum(t *testing.T, e *env) *practicumEnv {
	pe := &practicumEnv{env: e}
	var inst *models.User
	pe.instructor, inst = e.loggedIn(models.RoleInstructor, "i@example.edu")
	stu := e.user(models.RoleStudent, "s@example.edu")
	sup := e.user(models.RoleSupervisor, "v@example.edu")
	stu2 := e.user(models.RoleStudent, "s2@example.edu")
	sup2 := e.user(models.RoleSupervisor, "v2@example.edu")
	start := e.clock.Now().AddDate(0, 0, -20).Format(models.DateLayout)
	end := e.clock.Now().AddDate(0, 0, 40).Format(models.DateLayout)
	pe.cohort = &models.Cohort{Name: "HIT 290", JoinCode: "PRAC-TICE", RequiredHours: 90, InstructorID: inst.ID}
	err := e.db.Write(ctxT(), func(tx *gorm.DB) error {
		if err := tx.Create(pe.cohort).Error; err != nil {
			return err
		}
		for _, u := range []*models.User{stu, stu2} {
			if err := tx.Create(&models.CohortMember{CohortID: pe.cohort.ID, UserID: u.ID, JoinedAt: time.Now()}).Error; err != nil {
				return err
			}
		}
		pe.p = &models.Placement{StudentID: stu.ID, SupervisorID: sup.ID, CohortID: &pe.cohort.ID, SiteName: "North Clinic", StartDate: start, EndDate: end,
			RequiredHours: 90, VirtualCapHours: 10, CreatedBy: inst.ID}
		pe.otherP = &models.Placement{StudentID: stu2.ID, SupervisorID: sup2.ID, CohortID: &pe.cohort.ID, SiteName: "South Hospital", StartDate: start, EndDate: end,
			RequiredHours: 90, VirtualCapHours: 10, CreatedBy: inst.ID}
		if err := tx.Create(pe.p).Error; err != nil {
			return err
		}
		return tx.Create(pe.otherP).Error
	})
	if err != nil {
		t.Fatal(err)
	}
	pe.student = e.client().login("s@example.edu", testPassword)
	pe.supervisor = e.client().login("v@example.edu", testPassword)
	pe.other = e.client().login("v2@example.edu", testPassword)
	pe.otherStudent = e.client().login("s2@example.edu", testPassword)
	return pe
}

func (pe *practicumEnv) day(offset int) string {
	return pe.clock.Now().AddDate(0, 0, offset).Format(models.DateLayout)
}

func (pe *practicumEnv) logHours(t *testing.T, c *client, p *models.Placement, day, hours, setting string) *resp {
	t.Helper()
	c.get(fmt.Sprintf("/practicum/%d", p.ID))
	return c.post(fmt.Sprintf("/practicum/%d/logs", p.ID), url.Values{"day": {day}, "hours": {hours}, "setting": {setting}, "activities": {"Abstracted discharged records"}})
}

func (pe *practicumEnv) logIDs(t *testing.T, p *models.Placement) []int64 {
	logs, err := pe.db.Logs(ctxT(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, l := range logs {
		ids = append(ids, l.ID)
	}
	return ids
}

func TestHourLogValidation(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		pe := newPracticum(t, e)
		base := fmt.Sprintf("/practicum/%d", pe.p.ID)
		for name, tc := range map[string]struct {
			form url.Values
			msg  string
		}{
			"future":        {url.Values{"day": {pe.day(2)}, "hours": {"4"}, "setting": {"onsite"}, "activities": {"x"}}, "in the future"},
			"before start":  {url.Values{"day": {pe.day(-30)}, "hours": {"4"}, "setting": {"onsite"}, "activities": {"x"}}, "the placement runs from"},
			"bad date":      {url.Values{"day": {"yesterday"}, "hours": {"4"}, "setting": {"onsite"}, "activities": {"x"}}, "YYYY-MM-DD"},
			"quarter hours": {url.Values{"day": {pe.day(-1)}, "hours": {"4.1"}, "setting": {"onsite"}, "activities": {"x"}}, "quarter-hour steps"},
			"too many":      {url.Values{"day": {pe.day(-1)}, "hours": {"12.25"}, "setting": {"onsite"}, "activities": {"x"}}, "at most 12 hours"},
			"zero":          {url.Values{"day": {pe.day(-1)}, "hours": {"0"}, "setting": {"onsite"}, "activities": {"x"}}, "more than 0"},
			"setting":       {url.Values{"day": {pe.day(-1)}, "hours": {"4"}, "setting": {"moon"}, "activities": {"x"}}, "on site or virtual"},
			"activities":    {url.Values{"day": {pe.day(-1)}, "hours": {"4"}, "setting": {"onsite"}, "activities": {"  "}}, "describe what you did"},
			"competency":    {url.Values{"day": {pe.day(-1)}, "hours": {"4"}, "setting": {"onsite"}, "activities": {"x"}, "competency": {"made-up"}}, "from the checklist"},
		} {
			pe.student.get(base)
			r := pe.student.post(base+"/logs", tc.form)
			if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, tc.msg) {
				t.Errorf("%s: status %d, want 400 with %q", name, r.StatusCode, tc.msg)
			}
		}
		if ids := pe.logIDs(t, pe.p); len(ids) != 0 {
			t.Fatalf("invalid entries were stored: %v", ids)
		}
		// The 12-hour limit counts every entry of the day.
		expectRedirect(t, pe.logHours(t, pe.student, pe.p, pe.day(-1), "8", "onsite"), base)
		expect(t, pe.logHours(t, pe.student, pe.p, pe.day(-1), "4.25", "virtual"), http.StatusBadRequest, "a day holds at most 12")
		expectRedirect(t, pe.logHours(t, pe.student, pe.p, pe.day(-1), "4", "virtual"), base)
	})
}

func TestSupervisorsSeeAndApproveOnlyTheirStudents(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		pe := newPracticum(t, e)
		pe.logHours(t, pe.student, pe.p, pe.day(-2), "6", "onsite")
		pe.logHours(t, pe.otherStudent, pe.otherP, pe.day(-2), "5", "onsite")
		mine, theirs := pe.logIDs(t, pe.p), pe.logIDs(t, pe.otherP)
		// By URL guessing: the other supervisor's student is "not found".
		for _, path := range []string{"", "/record", "/record.pdf", "/hours.csv", "/evaluations/midterm"} {
			expect(t, pe.supervisor.get(fmt.Sprintf("/supervise/%d%s", pe.otherP.ID, path)), http.StatusNotFound)
		}
		expect(t, pe.student.get(fmt.Sprintf("/practicum/%d", pe.otherP.ID)), http.StatusNotFound)
		expect(t, pe.student.get(fmt.Sprintf("/supervise/%d", pe.p.ID)), http.StatusForbidden)
		q := pe.supervisor.get("/supervise/queue")
		if strings.Contains(q.body, "s2 Tester") {
			t.Fatal("the queue shows another supervisor's student")
		}
		// Approving someone else's entry by id changes nothing.
		r := pe.supervisor.post("/supervise/queue", url.Values{"action": {"approve"}, "id": {itoa(theirs[0]), itoa(mine[0])}})
		expectRedirect(t, r, "/supervise/queue")
		expect(t, pe.supervisor.get("/supervise/queue"), 200, "1 entry approved")
		var l models.HourLog
		e.db.R.Where("id = ?", theirs[0]).First(&l)
		if l.Status != models.LogPending {
			t.Fatal("a supervisor approved another supervisor's student")
		}
		sig := pe.supervisor.post(fmt.Sprintf("/supervise/%d/competencies/record-deficiency-analysis", pe.otherP.ID), url.Values{"rating": {"meets"}, "signature": {"v Tester"}})
		expect(t, sig, http.StatusNotFound)
	})
}

func TestApprovalLocksReturnNeedsCommentReopenIsAudited(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		pe := newPracticum(t, e)
		base := fmt.Sprintf("/practicum/%d", pe.p.ID)
		pe.logHours(t, pe.student, pe.p, pe.day(-3), "7.5", "onsite")
		pe.logHours(t, pe.student, pe.p, pe.day(-2), "6", "virtual")
		ids := pe.logIDs(t, pe.p) // newest day first
		pe.supervisor.get("/supervise/queue")
		expect(t, pe.supervisor.post("/supervise/queue", url.Values{"action": {"return"}, "id": {itoa(ids[0])}}), http.StatusBadRequest, "say what needs fixing")
		expectRedirect(t, pe.supervisor.post("/supervise/queue", url.Values{"action": {"return"}, "id": {itoa(ids[0])}, "comment": {"Which records?"}}), "/supervise/queue")
		expectRedirect(t, pe.supervisor.post("/supervise/queue", url.Values{"action": {"approve"}, "id": {itoa(ids[1])}}), "/supervise/queue")
		// The approved entry is locked for the student.
		edit := pe.student.post(fmt.Sprintf("%s/logs/%d", base, ids[1]), url.Values{"day": {pe.day(-3)}, "hours": {"8"}, "setting": {"onsite"}, "activities": {"more"}})
		expect(t, edit, http.StatusBadRequest, "locked")
		pe.student.get(base)
		pe.student.post(fmt.Sprintf("%s/logs/%d/delete", base, ids[1]), nil)
		if n := len(pe.logIDs(t, pe.p)); n != 2 {
			t.Fatal("an approved entry was deleted")
		}
		// The returned one can be fixed; it goes back to pending.
		expect(t, pe.student.get(fmt.Sprintf("%s/logs/%d", base, ids[0])), 200, "Which records?")
		expectRedirect(t, pe.student.post(fmt.Sprintf("%s/logs/%d", base, ids[0]), url.Values{"day": {pe.day(-2)}, "hours": {"6"}, "setting": {"virtual"}, "activities": {"Coded 20 ED records"}}), base)
		l := func(id int64) models.HourLog {
			var x models.HourLog
			e.db.R.First(&x, id)
			return x
		}
		if x := l(ids[0]); x.Status != models.LogPending || x.Activities != "Coded 20 ED records" {
			t.Fatalf("after fixing: %+v", x)
		}
		// Reopen needs a reason and is audited.
		sb := fmt.Sprintf("/supervise/%d", pe.p.ID)
		pe.supervisor.get(sb)
		pe.supervisor.post(fmt.Sprintf("%s/logs/%d/reopen", sb, ids[1]), url.Values{"reason": {""}})
		if l(ids[1]).Status != models.LogApproved {
			t.Fatal("reopened without a reason")
		}
		expectRedirect(t, pe.supervisor.post(fmt.Sprintf("%s/logs/%d/reopen", sb, ids[1]), url.Values{"reason": {"wrong date"}}), sb)
		if l(ids[1]).Status != models.LogPending {
			t.Fatal("reopen did not reopen")
		}
		for action, want := range map[string]int64{"practicum.approve": 1, "practicum.return": 1, "practicum.reopen": 1} {
			if n := count(t, e.db, "audit_log", "action = ?", action); n != want {
				t.Errorf("%s audited %d times, want %d", action, n, want)
			}
		}
	})
}

func TestProgressTotalsCapAndCSV(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		pe := newPracticum(t, e)
		pe.logHours(t, pe.student, pe.p, pe.day(-5), "8", "onsite")
		pe.logHours(t, pe.student, pe.p, pe.day(-4), "7", "virtual")
		pe.logHours(t, pe.student, pe.p, pe.day(-3), "6", "virtual") // 13 virtual > cap 10
		pe.logHours(t, pe.student, pe.p, pe.day(-2), "=cmd()", "onsite")
		pe.logHours(t, pe.student, pe.p, pe.day(-1), "4", "onsite")
		var ids []string
		for _, id := range pe.logIDs(t, pe.p)[1:] { // all but the newest
			ids = append(ids, itoa(id))
		}
		pe.supervisor.get("/supervise/queue")
		pe.supervisor.post("/supervise/queue", url.Values{"action": {"approve"}, "id": ids})
		page := pe.student.get(fmt.Sprintf("/practicum/%d", pe.p.ID))
		// 8 on site + 10 of 13 virtual = 18 counted; 4 pending; 3 over the cap.
		expect(t, page, 200, "18.00 of 90 hours", `value="18"`, "3.00 approved virtual hours are over the 10-hour cap", "<svg")
		csvResp := pe.student.get(fmt.Sprintf("/practicum/%d/hours.csv", pe.p.ID))
		rows, err := csv.NewReader(strings.NewReader(csvResp.body)).ReadAll()
		if err != nil || len(rows) != 5 || rows[0][2] != "date" || rows[1][3] != "8.00" {
			t.Fatalf("csv: %v %v", err, rows)
		}
		expect(t, pe.student.get(fmt.Sprintf("/practicum/%d/record", pe.p.ID)), 200, "Practicum completion record", "North Clinic")
		pdf := pe.student.get(fmt.Sprintf("/practicum/%d/record.pdf", pe.p.ID))
		if pdf.StatusCode != 200 || !strings.HasPrefix(pdf.body, "%PDF") {
			t.Fatalf("pdf: %d %.20q", pdf.StatusCode, pdf.body)
		}
		// The instructor sees the cohort at a glance and exports it.
		expect(t, pe.instructor.get(fmt.Sprintf("/teach/cohorts/%d/practicum", pe.cohort.ID)), 200, "s Tester", "s2 Tester", "behind")
		all := pe.instructor.get(fmt.Sprintf("/teach/cohorts/%d/hours.csv", pe.cohort.ID))
		if !strings.Contains(all.body, "North Clinic") {
			t.Fatal("cohort csv lacks the placement")
		}
	})
}

func TestSignOffsAndEvaluations(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		pe := newPracticum(t, e)
		sb := fmt.Sprintf("/supervise/%d", pe.p.ID)
		pe.supervisor.get(sb)
		// The typed name must be the signer's own.
		r := pe.supervisor.post(sb+"/competencies/mpi-maintenance", url.Values{"rating": {"meets"}, "signature": {"Someone Else"}})
		expect(t, r, http.StatusBadRequest, "type your name as it is on your account")
		expectRedirect(t, pe.supervisor.post(sb+"/competencies/mpi-maintenance", url.Values{"rating": {"developing"}, "signature": {"v tester"}}), sb)
		expectRedirect(t, pe.supervisor.post(sb+"/competencies/mpi-maintenance", url.Values{"rating": {"meets"}, "signature": {"v Tester"}}), sb)
		if n := count(t, e.db, "audit_log", "action = ? AND detail LIKE ?", "practicum.signoff", "mpi-maintenance%"); n != 2 {
			t.Fatalf("%d sign-offs audited, want 2", n)
		}
		expect(t, pe.student.get(fmt.Sprintf("/practicum/%d", pe.p.ID)), 200, "Meets expectations", "signed “v Tester”")
		// Midterm evaluation: signed once, then only addenda.
		form := url.Values{"comments": {"Strong start."}, "signature": {"v Tester"}}
		for _, c := range models.StudentCriteria {
			form.Set("q_"+c.Key, "4")
		}
		pe.supervisor.get(sb + "/evaluations/midterm")
		missing := url.Values{"signature": {"v Tester"}}
		expect(t, pe.supervisor.post(sb+"/evaluations/midterm", missing), http.StatusBadRequest, "rate this item")
		expectRedirect(t, pe.supervisor.post(sb+"/evaluations/midterm", form), sb+"/evaluations/midterm")
		form.Set("comments", "Changed my mind")
		pe.supervisor.get(sb + "/evaluations/midterm")
		pe.supervisor.post(sb+"/evaluations/midterm", form)
		evs, _ := e.db.Evaluations(ctxT(), pe.p.ID)
		if evs["midterm"].Comments != "Strong start." {
			t.Fatal("a signed evaluation was changed")
		}
		expectRedirect(t, pe.supervisor.post(sb+"/evaluations/midterm/addendum", url.Values{"text": {"Correction: attendance was perfect."}, "signature": {"v Tester"}}), sb)
		expect(t, pe.student.get(fmt.Sprintf("/practicum/%d/record", pe.p.ID)), 200, "Strong start.", "Correction: attendance was perfect.")
		// The student cannot fill in the supervisor's forms, nor the reverse.
		expect(t, pe.student.get(fmt.Sprintf("/practicum/%d/evaluations/midterm", pe.p.ID)), http.StatusNotFound)
		expect(t, pe.supervisor.get(sb+"/evaluations/site"), http.StatusNotFound)
	})
}

func TestSiteEvaluationsStayAnonymousBelowThree(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	pe := newPracticum(t, e)
	form := url.Values{"comments": {"Great orientation."}, "signature": {"s Tester"}}
	for _, c := range models.SiteCriteria {
		form.Set("q_"+c.Key, "5")
	}
	base := fmt.Sprintf("/practicum/%d", pe.p.ID)
	pe.student.get(base + "/evaluations/site")
	expectRedirect(t, pe.student.post(base+"/evaluations/site", form), base)
	r := pe.instructor.get("/teach/sites")
	expect(t, r, 200, "North Clinic", "1 response(s): shown once there are 3")
	if strings.Contains(r.body, "Great orientation.") || strings.Contains(r.body, "s Tester") {
		t.Fatal("a lone site evaluation is visible to the instructor")
	}
}

// setClock puts the app's clock at t.
func (e *env) setClock(t time.Time) {
	e.clock.mu.Lock()
	e.clock.t = t
	e.clock.mu.Unlock()
}

func TestPracticumHoursShownExactly(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		pe := newPracticum(t, e)
		base := fmt.Sprintf("/practicum/%d", pe.p.ID)
		// The same-day total in the message is exact (%.2g said "12" and "7.2").
		expectRedirect(t, pe.logHours(t, pe.student, pe.p, pe.day(-2), "11.75", "onsite"), base)
		expect(t, pe.logHours(t, pe.student, pe.p, pe.day(-2), "0.5", "virtual"), http.StatusBadRequest, pe.day(-2)+" already has 11.75 hours logged")
		expectRedirect(t, pe.logHours(t, pe.student, pe.p, pe.day(-1), "7.25", "onsite"), base)
		expect(t, pe.logHours(t, pe.student, pe.p, pe.day(-1), "5", "virtual"), http.StatusBadRequest, pe.day(-1)+" already has 7.25 hours logged")
		// Totals on the student's page, the supervisor's dashboard and the
		// instructor's overview are not rounded to tenths (7.25 was "7.2").
		ids := pe.logIDs(t, pe.p) // newest first: the 7.25 entry
		pe.supervisor.get("/supervise/queue")
		expectRedirect(t, pe.supervisor.post("/supervise/queue", url.Values{"action": {"approve"}, "id": {itoa(ids[0])}}), "/supervise/queue")
		expect(t, pe.student.get(base), 200, "7.25 of 90 hours", "<dd>11.75</dd>")
		expect(t, pe.supervisor.get("/supervise"), 200, "7.25 / 90", "11.75")
		expect(t, pe.instructor.get(fmt.Sprintf("/teach/cohorts/%d/practicum", pe.cohort.ID)), 200, "7.25 / 90", "11.75")
	})
}

// With no time zone stored for users or sites, "today" for an hour log is
// the date in the easternmost US zone (UTC-4): in the US evening, UTC's
// date is already tomorrow and must not be offered or accepted.
func TestPracticumNoFutureDateByTheUSCalendar(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.setClock(time.Date(2026, 10, 1, 3, 30, 0, 0, time.UTC)) // 23:30 in New York, 20:30 in Los Angeles on Sep 30
		pe := newPracticum(t, e)
		base := fmt.Sprintf("/practicum/%d", pe.p.ID)
		form := pe.student.get(base)
		expect(t, form, 200, `name="day" type="date" value="2026-09-30"`, `max="2026-09-30"`)
		expect(t, pe.logHours(t, pe.student, pe.p, "2026-10-01", "4", "onsite"), http.StatusBadRequest, "in the future")
		expectRedirect(t, pe.logHours(t, pe.student, pe.p, "2026-09-30", "4", "onsite"), base)
		// Midnight in Puerto Rico (and New York in summer): Oct 1 has begun.
		e.setClock(time.Date(2026, 10, 1, 4, 0, 0, 0, time.UTC))
		expect(t, pe.student.get(base), 200, `value="2026-10-01"`)
		expectRedirect(t, pe.logHours(t, pe.student, pe.p, "2026-10-01", "4", "onsite"), base)
		expect(t, pe.logHours(t, pe.student, pe.p, "2026-10-02", "4", "onsite"), http.StatusBadRequest, "in the future")
	})
}

func TestSupervisorDashboardReadinessAndFullChecklist(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		pe := newPracticum(t, e)
		comp, err := e.db.AddCohortCompetency(ctxT(), models.Actor{}, pe.cohort.ID, "data", "Scan and index loose documents", "")
		if err != nil {
			t.Fatal(err)
		}
		sb := fmt.Sprintf("/supervise/%d", pe.p.ID)
		pe.supervisor.get(sb)
		for _, cid := range []string{"mpi-maintenance", comp.ID} {
			expectRedirect(t, pe.supervisor.post(sb+"/competencies/"+cid, url.Values{"rating": {"meets"}, "signature": {"v Tester"}}), sb)
		}
		// The student practises five access questions and gets one right.
		id := start(t, pe.student, url.Values{"mode": {"timed"}, "count": {"5"}, "domain": {"access"}})
		for n := 1; n <= 5; n++ {
			it, q := itemOf(t, e, id, n)
			ans := wrongShown(it, q)
			if n == 1 {
				ans = keyShown(it, q)
			}
			pe.student.get(fmt.Sprintf("/attempts/%d?item=%d", id, n))
			pe.student.post(fmt.Sprintf("/attempts/%d/items/%d", id, n), url.Values{"answer": ans, "seq": {"1"}})
		}
		expectRedirect(t, pe.student.post(fmt.Sprintf("/attempts/%d/submit", id), url.Values{"confirm": {"1"}}), fmt.Sprintf("/attempts/%d/result", id))

		lib := testLibrary(t)
		total := len(lib.Competencies) + 1 // the cohort's item counts too
		page := pe.supervisor.get("/supervise")
		expect(t, page, 200, fmt.Sprintf("2 of %d", total), "Exam readiness",
			"Access, Disclosure, Privacy &amp; Security: 20% of 5 <span class=\"badge badge-bad\">weak</span>", "Revenue Cycle Management: no practice yet")
		// The per-student page shows the same numbers from the same function.
		expect(t, pe.supervisor.get(sb), 200, "20% of 5")
		// Another supervisor's student is not on the dashboard; theirs has no practice.
		other := pe.other.get("/supervise")
		expect(t, other, 200, "s2 Tester", fmt.Sprintf("0 of %d", total), "no practice yet")
		if strings.Contains(other.body, "20% of 5") || strings.Contains(other.body, "North Clinic") {
			t.Fatal("another supervisor sees this student's readiness")
		}
	})
}

func TestPracticumInvalidSelfRatingReRendersWithMessage(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		pe := newPracticum(t, e)
		base := fmt.Sprintf("/practicum/%d", pe.p.ID)
		pe.student.get(base)
		r := pe.student.post(base+"/self", url.Values{"self_mpi-maintenance": {"confident"}, "self_record-deficiency-analysis": {"superb"}})
		expect(t, r, http.StatusBadRequest, "Your self-ratings were not saved",
			`<p class="error-message" id="self-record-deficiency-analysis-error">`, "choose confident, still practising or not yet done",
			`name="self_record-deficiency-analysis" aria-invalid="true" aria-describedby="self-record-deficiency-analysis-error"`,
			`href="#self-record-deficiency-analysis"`, `<option value="confident" selected>`, `name="day"`)
		if strings.Contains(r.body, `id="self-mpi-maintenance-error"`) {
			t.Fatal("a valid rating is marked as an error")
		}
		if ratings, err := e.db.Ratings(ctxT(), pe.p.ID); err != nil || len(ratings) != 0 {
			t.Fatalf("an invalid self-rating form changed something: %v %v", ratings, err)
		}
		expectRedirect(t, pe.student.post(base+"/self", url.Values{"self_mpi-maintenance": {"confident"}, "self_record-deficiency-analysis": {"not_yet"}}), base)
		if ratings, _ := e.db.Ratings(ctxT(), pe.p.ID); ratings["record-deficiency-analysis"].SelfRating != "not_yet" {
			t.Fatalf("valid self-ratings not stored: %+v", ratings)
		}
	})
}
