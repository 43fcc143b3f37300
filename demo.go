package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"gorm.io/gorm"

	"chartroom/content"
	"chartroom/exam"
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
	var placement *models.Placement
	var student, supervisor, instructor *models.User
	var cohortID int64
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
		placement = p
		student, supervisor, instructor = users[demoStudent], users[demoSupervisor], users[demoInstructor]
		cohortID = cohort.ID
		return nil
	})
	if err != nil {
		return err
	}
	if err := seedDemoHistory(ctx, db, lib, student, supervisor, placement, now); err != nil {
		return err
	}
	if err := seedDemoQuiz(ctx, db, instructor, student, cohortID, now); err != nil {
		return err
	}
	log.Info("demo data seeded", "accounts", []string{demoAdmin, demoInstructor, demoSupervisor, demoStudent}, "password", demoPassword, "join_code", demoJoinCode)
	return nil
}

// seedDemoHistory gives the demo student some activity, through the same
// model functions the app uses: lessons read, finished practice sets, a
// few coded cases, hours logged (some approved) and a competency signed off.
func seedDemoHistory(ctx context.Context, db *models.DB, lib *content.Library, student, supervisor *models.User, p *models.Placement, now time.Time) error {
	m := lib.Modules[0]
	for i, l := range m.Lessons[:min(4, len(m.Lessons))] {
		if err := db.LessonViewed(ctx, student.ID, l.Key(), now.Add(time.Duration(i-10)*time.Hour)); err != nil {
			return err
		}
		if i < 3 {
			if err := db.SetLessonComplete(ctx, student.ID, l.Key(), true, now.Add(time.Duration(i-10)*time.Hour)); err != nil {
				return err
			}
		}
	}
	// Four finished timed sets over three weeks, each with two questions
	// from every domain, getting better: a trend and a readiness profile.
	byDomain := map[exam.Domain][]exam.Question{}
	for _, q := range lib.Questions {
		if q.Type == exam.TypeSingle && q.SetID == "" {
			byDomain[q.Domain] = append(byDomain[q.Domain], q)
		}
	}
	for set, s := range []struct {
		daysAgo  int
		wrongMod int // every wrongMod-th answer is wrong
	}{{20, 2}, {13, 3}, {6, 4}, {2, 6}} {
		var items []models.NewItem
		var qs []exam.Question
		for _, d := range exam.Domains {
			for k := 0; k < 2; k++ {
				pool := byDomain[d]
				if len(pool) == 0 {
					continue
				}
				q := pool[(set*2+k)%len(pool)]
				vs, err := db.CurrentVersions(ctx, []string{q.ID})
				if err != nil {
					return err
				}
				items = append(items, models.NewItem{QuestionID: q.ID, VersionID: vs[q.ID], OptionOrder: "ABCD", Scored: true})
				qs = append(qs, q)
			}
		}
		started := now.Add(-time.Duration(s.daysAgo) * 24 * time.Hour)
		dl := started.Add(time.Duration(len(items)*exam.SecondsPerItem) * time.Second)
		at, err := db.CreateAttempt(ctx, models.NewAttempt{UserID: student.ID, Mode: "timed", Title: "Timed practice", Feedback: models.FeedbackEnd, Deadline: &dl, Items: items}, started)
		if err != nil {
			return err
		}
		for i, q := range qs {
			ans := q.Key[0]
			if (i+set)%s.wrongMod == 0 {
				ans = string("ABCD"[(strings.Index("ABCD", ans)+1)%4])
			}
			if _, err := db.SaveAnswer(ctx, models.Save{AttemptID: at.ID, UserID: student.ID, N: i + 1, Answer: exam.Answer(ans), Seq: 1, TimeMs: 55000 + int64(i)*1000}, started.Add(time.Duration(i+1)*time.Minute)); err != nil {
				return err
			}
		}
		if _, err := db.FinishAttempt(ctx, at.ID, models.AttemptSubmitted, started.Add(time.Duration(len(qs)+2)*time.Minute)); err != nil {
			return err
		}
	}
	// Coded cases over the same weeks: the last code of the key left out
	// of the early ones, complete later.
	lookup := func(year int) exam.Lookup {
		return func(system, code string) (exam.CodeInfo, bool) {
			ix, _, err := db.CodeIndex(ctx, system, year)
			if err != nil {
				return exam.CodeInfo{}, false
			}
			e, ok := ix.Lookup(code)
			return exam.CodeInfo{Exists: ok, Billable: e.Billable, Title: e.Long}, true
		}
	}
	for i, daysAgo := range []int{19, 12, 8, 3, 1} {
		if i >= len(lib.Cases) {
			break
		}
		cc := lib.Cases[i*7%len(lib.Cases)]
		key := cc.Key()
		dx := key.Diagnoses
		if i < 2 && len(dx) > 1 {
			dx = dx[:len(dx)-1]
		}
		res := exam.GradeCase(key, dx, key.Procedures, lookup(cc.FiscalYear))
		ch := 0
		if c := cc.Chapter(); c != nil {
			ch = c.Number
		}
		if err := db.SaveCodingAttempt(ctx, &models.CodingAttempt{UserID: student.ID, CaseID: cc.ID, FiscalYear: cc.FiscalYear, Setting: cc.Setting,
			Chapter: ch, Topics: strings.Join(cc.Topics, ","), Dx: strings.Join(dx, "\n"), Pcs: strings.Join(key.Procedures, "\n"),
			CreatedAt: now.Add(-time.Duration(daysAgo) * 24 * time.Hour)}, res); err != nil {
			return err
		}
	}
	// Practicum: six days logged, four approved.
	known := func(string) bool { return true }
	var logIDs []int64
	for i, d := range []struct {
		days    int
		hours   string
		setting string
		what    string
	}{
		{-25, "8", "onsite", "Orientation; HIPAA training; toured the HIM department"},
		{-24, "7.5", "onsite", "Quantitative analysis of 30 discharged records; filed deficiencies"},
		{-18, "8", "onsite", "Release-of-information requests with the ROI specialist"},
		{-17, "4", "virtual", "Remote coding of 12 outpatient records in the coding system's training environment"},
		{-10, "8", "onsite", "MPI duplicate review and merge requests"},
		{-3, "6.5", "onsite", "Abstracted cancer registry cases with the registrar"},
	} {
		l, err := db.CreateLog(ctx, p, models.LogInput{Day: now.AddDate(0, 0, d.days).Format(models.DateLayout), Hours: d.hours, Setting: d.setting, Activities: d.what}, known, now)
		if err != nil {
			return fmt.Errorf("demo log %d: %w", i, err)
		}
		logIDs = append(logIDs, l.ID)
	}
	sup := models.Actor{ID: supervisor.ID, Email: supervisor.Email}
	if _, err := db.ReviewLogs(ctx, sup, logIDs[:4], true, "", now); err != nil {
		return err
	}
	return db.SignOff(ctx, supervisor, "", p, "record-deficiency-analysis", "meets", supervisor.Name, func(id string) bool { return id == "record-deficiency-analysis" }, now)
}

// seedDemoQuiz gives the instructor a quiz of ten built-in access and
// privacy questions, assigned to the demo cohort for the coming week, which
// the demo student has taken once (item analysis computed).
func seedDemoQuiz(ctx context.Context, db *models.DB, instructor, student *models.User, cohortID int64, now time.Time) error {
	q, err := db.SaveQuiz(ctx, instructor, 0, models.QuizInput{Title: "Unit 2 check: access and disclosure",
		Description: "Ten questions on the right of access, disclosures and authorizations. Two attempts; your best counts.",
		Kind:        models.QuizFixed, Mode: "timed", TimeLimitMinutes: 15, AttemptsAllowed: 2, Grading: models.GradeHighest, Shuffle: true,
		ReviewPolicy: models.ReviewImmediately})
	if err != nil {
		return err
	}
	var ids []string
	if err := db.R.WithContext(ctx).Model(&models.Question{}).Where("source = ? AND status = ? AND domain = ? AND set_id = '' AND qtype = ?",
		"builtin", models.StatusReady, "access", "single").Order("id").Limit(10).Pluck("id", &ids).Error; err != nil {
		return err
	}
	if err := db.SetQuizQuestions(ctx, instructor, q.ID, ids); err != nil {
		return err
	}
	act := models.Actor{ID: instructor.ID, Email: instructor.Email}
	as, err := db.Assign(ctx, act, q.ID, cohortID, now.Add(-48*time.Hour), now.Add(5*24*time.Hour))
	if err != nil {
		return err
	}
	vs, err := db.CurrentVersions(ctx, ids)
	if err != nil {
		return err
	}
	versions := make([]int64, 0, len(vs))
	for _, v := range vs {
		versions = append(versions, v)
	}
	bodies, err := db.Versions(ctx, versions)
	if err != nil {
		return err
	}
	var items []models.NewItem
	for _, id := range ids {
		items = append(items, models.NewItem{QuestionID: id, VersionID: vs[id], OptionOrder: "ABCD", Scored: true})
	}
	started := now.Add(-20 * time.Hour)
	dl := started.Add(15 * time.Minute)
	at, err := db.CreateAttempt(ctx, models.NewAttempt{AssignmentID: &as.ID, MaxAttempts: 2, UserID: student.ID, Mode: "quiz", Title: q.Title,
		Feedback: models.FeedbackEnd, Deadline: &dl, Items: items}, started)
	if err != nil {
		return err
	}
	for i, id := range ids {
		ans := bodies[vs[id]].Key[0]
		if i == 3 || i == 7 {
			ans = string("ABCD"[(strings.Index("ABCD", ans)+1)%4])
		}
		if _, err := db.SaveAnswer(ctx, models.Save{AttemptID: at.ID, UserID: student.ID, N: i + 1, Answer: exam.Answer(ans), Seq: 1, TimeMs: 45000}, started.Add(time.Minute)); err != nil {
			return err
		}
	}
	if _, err := db.FinishAttempt(ctx, at.ID, models.AttemptSubmitted, started.Add(9*time.Minute)); err != nil {
		return err
	}
	_, err = db.RecomputeDirtyStats(ctx)
	return err
}
