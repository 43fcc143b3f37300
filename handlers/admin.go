package handlers

import (
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"chartroom/models"
)

func (a *App) adminHome(c *gin.Context) {
	data := D{"Title": "Administration"}
	if err := a.adminCounts(c, data); err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "admin", data)
}

func (a *App) adminUsers(c *gin.Context) {
	page, _ := strconv.Atoi(c.Query("page"))
	f := models.UserFilter{Q: c.Query("q"), Role: models.Role(c.Query("role")), Page: max(page, 1), PerPage: 50}
	if !f.Role.Valid() {
		f.Role = ""
	}
	users, total, err := a.db.ListUsers(c.Request.Context(), f)
	if err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "admin_users", D{"Title": "Users", "Users": users, "Total": total, "Filter": f,
		"HasNext": int64(f.Page*f.PerPage) < total, "Next": f.Page + 1, "Prev": f.Page - 1})
}

func (a *App) adminNewUserForm(c *gin.Context) {
	a.render(c, http.StatusOK, "admin_user_new", D{"Title": "New account", "Form": models.NewUser{Role: models.RoleStudent}})
}

func (a *App) adminCreateUser(c *gin.Context) {
	in := models.NewUser{Email: c.PostForm("email"), Name: c.PostForm("name"), Role: models.Role(c.PostForm("role")), Password: c.PostForm("password")}
	var u *models.User
	err := a.db.Write(c.Request.Context(), func(tx *gorm.DB) error {
		var err error
		if u, err = models.CreateUser(tx, in); err != nil {
			return err
		}
		return models.Audit(tx, actor(c), "user.create", "user", u.ID, fmt.Sprintf("%s as %s", u.Email, u.Role))
	})
	if fe, ok := fieldErrors(err); ok {
		in.Password = ""
		a.render(c, http.StatusBadRequest, "admin_user_new", D{"Title": "New account", "Form": in, "Errors": fe})
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	a.done(c, "Account created for "+u.Email+".", "/admin/users/"+strconv.FormatInt(u.ID, 10))
}

func (a *App) adminUserParam(c *gin.Context) (*models.User, bool) {
	id, err := idParam(c, "id")
	if err != nil {
		a.fail(c, err)
		return nil, false
	}
	u, err := a.db.UserByID(c.Request.Context(), id)
	if err != nil {
		a.fail(c, err)
		return nil, false
	}
	return u, true
}

func (a *App) adminUser(c *gin.Context) {
	u, ok := a.adminUserParam(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	log, err := a.db.AuditLog(ctx, models.AuditFilter{User: u.ID, Limit: 20})
	if err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "admin_user", D{"Title": u.Name, "Subject": u, "Log": log})
}

func (a *App) adminSetRole(c *gin.Context) {
	u, ok := a.adminUserParam(c)
	if !ok {
		return
	}
	err := a.db.SetRole(c.Request.Context(), actor(c), u.ID, models.Role(c.PostForm("role")))
	if ve, ok := fieldErrors(err); ok {
		a.flash(c, "error", strings.Join(values(ve), " "))
		redirect(c, "/admin/users/"+strconv.FormatInt(u.ID, 10))
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	a.done(c, "Role changed.", "/admin/users/"+strconv.FormatInt(u.ID, 10))
}

func values(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, strings.ToUpper(v[:1])+v[1:]+".")
	}
	return out
}

func (a *App) adminSetDisabled(c *gin.Context, disabled bool) {
	u, ok := a.adminUserParam(c)
	if !ok {
		return
	}
	err := a.db.SetDisabled(c.Request.Context(), actor(c), u.ID, disabled)
	if ve, ok := fieldErrors(err); ok {
		a.flash(c, "error", strings.Join(values(ve), " "))
		redirect(c, "/admin/users/"+strconv.FormatInt(u.ID, 10))
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	msg := "Account enabled."
	if disabled {
		msg = "Account disabled and signed out everywhere."
	}
	a.done(c, msg, "/admin/users/"+strconv.FormatInt(u.ID, 10))
}

func (a *App) adminDisable(c *gin.Context) { a.adminSetDisabled(c, true) }
func (a *App) adminEnable(c *gin.Context)  { a.adminSetDisabled(c, false) }

// adminIssueReset creates a one-time reset link the admin hands over.
func (a *App) adminIssueReset(c *gin.Context) {
	u, ok := a.adminUserParam(c)
	if !ok {
		return
	}
	var raw string
	act := actor(c)
	err := a.db.Write(c.Request.Context(), func(tx *gorm.DB) error {
		var err error
		raw, err = models.IssueToken(tx, models.TokenReset, &u.ID, &act.ID, resetTTL, a.now())
		if err != nil {
			return err
		}
		return models.Audit(tx, act, "password.reset.issue", "user", u.ID, u.Email)
	})
	if err != nil {
		a.fail(c, err)
		return
	}
	link := a.absURL(c, "/reset/"+raw)
	a.render(c, http.StatusOK, "admin_reset_link", D{"Title": "Password-reset link", "Subject": u, "Link": link, "Expires": a.now().Add(resetTTL)})
}

// absURL builds a full link for pages that show one to copy.
func (a *App) absURL(c *gin.Context, path string) string {
	if a.cfg.BaseURL != "" {
		return strings.TrimRight(a.cfg.BaseURL, "/") + path
	}
	scheme := "http"
	if c.Request.TLS != nil || a.cfg.SecureCookies {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host + path
}

func (a *App) auditFilter(c *gin.Context) (models.AuditFilter, error) {
	f := models.AuditFilter{Action: c.Query("action"), Actor: c.Query("actor")}
	if s := c.Query("from"); s != "" {
		t, err := time.Parse(models.DateLayout, s)
		if err != nil {
			return f, models.Invalid("from", "enter a date as YYYY-MM-DD")
		}
		f.From = t
	}
	if s := c.Query("to"); s != "" {
		t, err := time.Parse(models.DateLayout, s)
		if err != nil {
			return f, models.Invalid("to", "enter a date as YYYY-MM-DD")
		}
		f.To = t.AddDate(0, 0, 1)
	}
	return f, nil
}

func (a *App) adminAudit(c *gin.Context) {
	f, err := a.auditFilter(c)
	data := D{"Title": "Audit log", "Actions": models.AuditActions, "Q": c.Request.URL.Query()}
	if fe, ok := fieldErrors(err); ok {
		data["Errors"] = fe
		a.render(c, http.StatusBadRequest, "admin_audit", data)
		return
	}
	before, _ := strconv.ParseInt(c.Query("before"), 10, 64)
	f.Before, f.Limit = before, 100
	rows, err := a.db.AuditLog(c.Request.Context(), f)
	if err != nil {
		a.fail(c, err)
		return
	}
	data["Rows"] = rows
	if len(rows) == f.Limit {
		q := c.Request.URL.Query()
		q.Set("before", strconv.FormatInt(rows[len(rows)-1].ID, 10))
		data["NextQuery"] = q.Encode()
	}
	q := c.Request.URL.Query()
	q.Del("before")
	data["CSVQuery"] = q.Encode()
	a.render(c, http.StatusOK, "admin_audit", data)
}

func (a *App) adminAuditCSV(c *gin.Context) {
	f, err := a.auditFilter(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="chartroom-audit-`+a.now().UTC().Format("20060102")+`.csv"`)
	w := csv.NewWriter(c.Writer)
	w.Write([]string{"id", "at_utc", "actor_id", "actor_email", "action", "target_type", "target_id", "ip", "detail"})
	err = a.db.EachAudit(c.Request.Context(), f, func(e models.AuditEntry) error {
		actorID := ""
		if e.ActorID != nil {
			actorID = strconv.FormatInt(*e.ActorID, 10)
		}
		return w.Write([]string{strconv.FormatInt(e.ID, 10), e.At.UTC().Format(time.RFC3339), actorID, csvSafe(e.ActorEmail),
			e.Action, e.TargetType, e.TargetID, e.IP, csvSafe(e.Detail)})
	})
	w.Flush()
	if err == nil {
		err = w.Error()
	}
	if err != nil && !errors.Is(err, c.Request.Context().Err()) {
		a.log.Error("audit csv", "err", err)
	}
}

// csvSafe defuses spreadsheet formulas in text someone typed.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func (a *App) adminSettings(c *gin.Context) {
	open, err := a.db.Setting(c.Request.Context(), models.SettingOpenRegistration)
	if err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "admin_settings", D{"Title": "Settings", "Open": open == "1"})
}

func (a *App) adminSaveSettings(c *gin.Context) {
	open := "0"
	if c.PostForm("open_registration") == "1" {
		open = "1"
	}
	err := a.db.Write(c.Request.Context(), func(tx *gorm.DB) error {
		if err := models.SetSetting(tx, models.SettingOpenRegistration, open); err != nil {
			return err
		}
		return models.Audit(tx, actor(c), "settings.change", "setting", models.SettingOpenRegistration, open)
	})
	if err != nil {
		a.fail(c, err)
		return
	}
	a.done(c, "Settings saved.", "/admin/settings")
}
