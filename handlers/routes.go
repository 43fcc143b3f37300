package handlers

import (
	"github.com/gin-gonic/gin"

	"chartroom/models"
)

// Role groups. Every route below sits in exactly one group; reading this
// file tells you who can reach what.
var (
	everyone    = []models.Role{models.RoleStudent, models.RoleInstructor, models.RoleSupervisor, models.RoleAdmin}
	students    = []models.Role{models.RoleStudent}
	instructors = []models.Role{models.RoleInstructor, models.RoleAdmin}
	supervisors = []models.Role{models.RoleSupervisor}
	admins      = []models.Role{models.RoleAdmin}
)

func (a *App) routes(r *gin.Engine) {
	r.Use(a.requestLog, securityHeaders)
	r.NoRoute(a.loadSession, func(c *gin.Context) { a.renderError(c, 404) })

	// No session: health checks and assets.
	r.GET("/healthz", a.healthz)
	r.HEAD("/healthz", a.healthz)
	r.GET("/static/*file", a.static)
	r.GET("/favicon.ico", a.favicon)

	// Everything else has a session and CSRF protection.
	s := r.Group("/", a.loadSession, a.csrfCheck)

	// Public.
	s.GET("/", a.home)
	s.GET("/login", a.loginForm)
	s.POST("/login", a.login)
	s.GET("/register", a.registerForm)
	s.POST("/register", a.register)
	s.GET("/setup", a.setupForm)
	s.POST("/setup", a.setup)
	s.GET("/reset/:token", a.resetForm)
	s.POST("/reset/:token", a.reset)

	// Signed in, any role.
	in := s.Group("/", a.requireUser, a.requireRole(everyone...))
	in.POST("/logout", a.logout)
	in.GET("/dashboard", a.dashboard)
	in.GET("/account", a.account)
	in.POST("/account/profile", a.updateProfile)
	in.POST("/account/password", a.changePassword)
	in.GET("/learn", a.learn)
	in.GET("/learn/:module", a.module)
	in.GET("/learn/:module/:lesson", a.lesson)
	in.GET("/glossary", a.glossary)
	in.GET("/search", a.search)
	in.GET("/codes", a.codeLookup)
	in.GET("/codes/changes", a.codeChanges)
	in.GET("/codes/:system/:code", a.codePage)

	// Students.
	st := s.Group("/", a.requireUser, a.requireRole(students...))
	st.POST("/account/join", a.joinCohort)
	st.POST("/learn/:module/:lesson/complete", a.completeLesson)
	st.GET("/practice", a.practice)
	st.POST("/practice/start", a.startPractice)
	st.GET("/practice/history", a.history)
	st.GET("/review", a.review)
	st.GET("/attempts/:id", a.attemptItem)
	st.POST("/attempts/:id/items/:n", a.saveItem)
	st.GET("/attempts/:id/review", a.attemptReview)
	st.POST("/attempts/:id/submit", a.submitAttempt)
	st.GET("/attempts/:id/result", a.attemptResult)
	st.GET("/coding", a.coding)
	st.GET("/coding/progress", a.codingProgress)
	st.GET("/coding/cases/:id", a.codingCase)
	st.POST("/coding/cases/:id", a.gradeCodingCase)
	st.GET("/coding/attempts/:id", a.codingResult)
	st.GET("/practicum", a.practicum)
	st.GET("/practicum/:id", a.placementPage)
	st.POST("/practicum/:id/logs", a.createLog)
	st.GET("/practicum/:id/logs/:log", a.editLogForm)
	st.POST("/practicum/:id/logs/:log", a.updateLog)
	st.POST("/practicum/:id/logs/:log/delete", a.deleteLog)
	st.POST("/practicum/:id/self", a.selfRate)
	st.GET("/practicum/:id/evaluations/:kind", a.evaluationForm)
	st.POST("/practicum/:id/evaluations/:kind", a.signEvaluation)
	st.POST("/practicum/:id/evaluations/:kind/addendum", a.addAddendum)
	st.GET("/practicum/:id/record", a.completionRecord)
	st.GET("/practicum/:id/record.pdf", a.completionPDF)
	st.GET("/practicum/:id/hours.csv", a.hoursCSV)

	// Practicum supervisors.
	sv := s.Group("/supervise", a.requireUser, a.requireRole(supervisors...))
	sv.GET("", a.supervise)
	sv.GET("/queue", a.superviseQueue)
	sv.POST("/queue", a.reviewQueue)
	sv.GET("/:id", a.placementPage)
	sv.POST("/:id/logs/:log/reopen", a.reopenLog)
	sv.POST("/:id/competencies/:cid", a.signOff)
	sv.GET("/:id/evaluations/:kind", a.evaluationForm)
	sv.POST("/:id/evaluations/:kind", a.signEvaluation)
	sv.POST("/:id/evaluations/:kind/addendum", a.addAddendum)
	sv.GET("/:id/record", a.completionRecord)
	sv.GET("/:id/record.pdf", a.completionPDF)
	sv.GET("/:id/hours.csv", a.hoursCSV)

	// Instructors (and admins, who may run any cohort).
	t := s.Group("/teach", a.requireUser, a.requireRole(instructors...))
	t.GET("", a.teach)
	t.POST("/cohorts", a.createCohort)
	t.GET("/cohorts/:id", a.cohort)
	t.POST("/cohorts/:id/code", a.regenerateCode)
	t.POST("/cohorts/:id/remove", a.removeStudent)
	t.GET("/cohorts/:id/progress", a.cohortProgress)
	t.GET("/cohorts/:id/practicum", a.cohortPracticum)
	t.GET("/cohorts/:id/hours.csv", a.cohortHoursCSV)
	t.POST("/cohorts/:id/competencies", a.addCohortCompetency)
	t.GET("/placements/new", a.placementForm)
	t.POST("/placements", a.createPlacement)
	t.GET("/placements/:id", a.placementPage)
	t.GET("/placements/:id/record", a.completionRecord)
	t.GET("/placements/:id/record.pdf", a.completionPDF)
	t.GET("/placements/:id/hours.csv", a.hoursCSV)
	t.GET("/sites", a.siteEvaluations)

	// Admins.
	ad := s.Group("/admin", a.requireUser, a.requireRole(admins...))
	ad.GET("", a.adminHome)
	ad.GET("/users", a.adminUsers)
	ad.GET("/users/new", a.adminNewUserForm)
	ad.POST("/users", a.adminCreateUser)
	ad.GET("/users/:id", a.adminUser)
	ad.POST("/users/:id/role", a.adminSetRole)
	ad.POST("/users/:id/disable", a.adminDisable)
	ad.POST("/users/:id/enable", a.adminEnable)
	ad.POST("/users/:id/reset", a.adminIssueReset)
	ad.GET("/audit", a.adminAudit)
	ad.GET("/audit.csv", a.adminAuditCSV)
	ad.GET("/codes", a.adminCodes)
	ad.POST("/codes/import", a.adminImportCodes)
	ad.GET("/codes/jobs/:id", a.adminCodeJob)
	ad.GET("/settings", a.adminSettings)
	ad.POST("/settings", a.adminSaveSettings)
}
