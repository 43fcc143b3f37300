package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"chartroom/models"
)

// The same words for every failed sign-in, so the response never tells
// whether an address has an account or is locked.
const loginFailed = "That e-mail and password did not match an account, or sign-in is paused after several failures. Check them and try again in a few minutes."

func (a *App) loginForm(c *gin.Context) {
	if currentUser(c) != nil {
		redirect(c, "/dashboard")
		return
	}
	if err := a.ensureSession(c); err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "login", D{"Title": "Sign in", "Next": safeNext(c.Query("next"))})
}

func (a *App) login(c *gin.Context) {
	email := models.NormalizeEmail(c.PostForm("email"))
	pw := c.PostForm("password")
	next := safeNext(c.PostForm("next"))
	ip := clientIP(c.Request)
	ctx := c.Request.Context()
	again := func(status int) {
		a.render(c, status, "login", D{"Title": "Sign in", "Next": next, "Email": email, "Error": loginFailed})
	}
	// A paused address is refused before any password is checked; the
	// pause itself was audited once when it began.
	if until, err := a.db.LoginIPBlockedUntil(ctx, ip, a.now()); err != nil {
		a.fail(c, err)
		return
	} else if !until.IsZero() {
		a.log.Warn("sign-in refused: too many failures from address", "ip", ip, "until", until)
		again(http.StatusTooManyRequests)
		return
	}
	lockedUntil, err := a.db.LoginLockedUntil(ctx, email, a.now())
	if err != nil {
		a.fail(c, err)
		return
	}
	u, err := a.db.UserByEmail(ctx, email)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		a.fail(c, err)
		return
	}
	hash := ""
	if u != nil {
		hash = u.PasswordHash
	}
	// Always pay for one bcrypt comparison, account or not.
	ok := models.PasswordMatches(hash, pw) && lockedUntil.IsZero() && u != nil && !u.Disabled
	if !ok {
		var uid int64
		if u != nil {
			uid = u.ID
		}
		if _, err := a.db.RecordLoginFailure(ctx, email, ip, uid, a.now(), ""); err != nil {
			a.fail(c, err)
			return
		}
		again(http.StatusUnauthorized)
		return
	}
	sess := session(c)
	if err := a.store.rotate(ctx, sess); err != nil {
		a.fail(c, err)
		return
	}
	sess.Values[keyUser] = u
	err = a.db.Write(ctx, func(tx *gorm.DB) error {
		if err := models.ClearLoginFailures(tx, email); err != nil {
			return err
		}
		if err := tx.Model(&models.User{}).Where("id = ?", u.ID).Update("last_login_at", a.now().UTC()).Error; err != nil {
			return err
		}
		return models.Audit(tx, models.Actor{ID: u.ID, Email: u.Email, IP: ip, At: a.now()}, "login.success", "user", u.ID, "")
	})
	if err != nil {
		a.fail(c, err)
		return
	}
	if err := sess.Save(c.Request, c.Writer); err != nil {
		a.fail(c, err)
		return
	}
	redirect(c, next)
}

func (a *App) logout(c *gin.Context) {
	sess := session(c)
	u := currentUser(c)
	if err := a.db.Write(c.Request.Context(), func(tx *gorm.DB) error {
		return models.Audit(tx, actor(c), "logout", "user", u.ID, "")
	}); err != nil {
		a.fail(c, err)
		return
	}
	sess.Options.MaxAge = -1
	if err := sess.Save(c.Request, c.Writer); err != nil {
		a.fail(c, err)
		return
	}
	redirect(c, "/login?signed_out=1")
}

func (a *App) registerForm(c *gin.Context) {
	if currentUser(c) != nil {
		redirect(c, "/dashboard")
		return
	}
	if err := a.ensureSession(c); err != nil {
		a.fail(c, err)
		return
	}
	open, err := a.db.Setting(c.Request.Context(), models.SettingOpenRegistration)
	if err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "register", D{"Title": "Create your account", "Open": open == "1", "JoinCode": c.Query("code")})
}

func (a *App) register(c *gin.Context) {
	ctx := c.Request.Context()
	open, err := a.db.Setting(ctx, models.SettingOpenRegistration)
	if err != nil {
		a.fail(c, err)
		return
	}
	in := models.NewUser{Email: c.PostForm("email"), Name: c.PostForm("name"), Role: models.RoleStudent, Password: c.PostForm("password")}
	code := strings.TrimSpace(c.PostForm("join_code"))
	var u *models.User
	err = a.db.Write(ctx, func(tx *gorm.DB) error {
		v := &models.ValidationError{}
		if c.PostForm("password") != c.PostForm("password2") {
			v.Add("password2", "the two passwords differ")
		}
		if code == "" && open != "1" {
			v.Add("join_code", "enter the join code your instructor gave you")
		}
		if err := v.Err(); err != nil {
			return err
		}
		var err error
		if u, err = models.CreateUser(tx, in); err != nil {
			return err
		}
		act := models.Actor{ID: u.ID, Email: u.Email, IP: clientIP(c.Request), At: a.now()}
		if code != "" {
			if _, err := models.JoinCohort(tx, act, u.ID, code); err != nil {
				return err
			}
		}
		return models.Audit(tx, act, "user.register", "user", u.ID, "join code "+models.NormalizeJoinCode(code))
	})
	if fe, ok := fieldErrors(err); ok {
		a.render(c, http.StatusBadRequest, "register", D{"Title": "Create your account", "Open": open == "1", "Errors": fe,
			"Name": in.Name, "Email": in.Email, "JoinCode": code})
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	a.signIn(c, u, "Welcome to Chartroom.", "/dashboard")
}

// signIn rotates the session onto u and redirects.
func (a *App) signIn(c *gin.Context, u *models.User, msg, to string) {
	sess := session(c)
	if err := a.store.rotate(c.Request.Context(), sess); err != nil {
		a.fail(c, err)
		return
	}
	sess.Values[keyUser] = u
	sess.AddFlash(Flash{Kind: "success", Msg: msg})
	if err := sess.Save(c.Request, c.Writer); err != nil {
		a.fail(c, err)
		return
	}
	redirect(c, to)
}

// First start: an empty database prints a one-time /setup link.
func (a *App) setupForm(c *gin.Context) {
	if _, err := a.db.PeekToken(c.Request.Context(), models.TokenSetup, c.Query("token"), a.now()); err != nil {
		a.renderErrorMsg(c, http.StatusNotFound, "This setup link is not valid: it was used already, or it expired. Restart Chartroom on an empty database to print a new one, or run `chartroom user create`.")
		return
	}
	if err := a.ensureSession(c); err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "setup", D{"Title": "Set up Chartroom", "Token": c.Query("token")})
}

func (a *App) setup(c *gin.Context) {
	token := c.PostForm("token")
	in := models.NewUser{Email: c.PostForm("email"), Name: c.PostForm("name"), Role: models.RoleAdmin, Password: c.PostForm("password")}
	var u *models.User
	err := a.db.Write(c.Request.Context(), func(tx *gorm.DB) error {
		if c.PostForm("password") != c.PostForm("password2") {
			return models.Invalid("password2", "the two passwords differ")
		}
		var n int64
		if err := tx.Model(&models.User{}).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return models.ErrNotFound // setup is over once an account exists
		}
		if _, err := models.UseToken(tx, models.TokenSetup, token, a.now()); err != nil {
			return err
		}
		var err error
		if u, err = models.CreateUser(tx, in); err != nil {
			return err
		}
		return models.Audit(tx, models.Actor{ID: u.ID, Email: u.Email, IP: clientIP(c.Request), At: a.now()}, "setup.admin", "user", u.ID, "first administrator")
	})
	if fe, ok := fieldErrors(err); ok {
		a.render(c, http.StatusBadRequest, "setup", D{"Title": "Set up Chartroom", "Token": token, "Errors": fe, "Name": in.Name, "Email": in.Email})
		return
	}
	if errors.Is(err, models.ErrNotFound) {
		a.renderErrorMsg(c, http.StatusNotFound, "This setup link is not valid any more.")
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	a.signIn(c, u, "Chartroom is set up. You are its first administrator.", "/admin")
}

// Password reset links are issued by an admin (no mail server is assumed).
func (a *App) resetForm(c *gin.Context) {
	if _, err := a.db.PeekToken(c.Request.Context(), models.TokenReset, c.Param("token"), a.now()); err != nil {
		a.renderErrorMsg(c, http.StatusNotFound, "This password-reset link is not valid: it was used already or it expired (links last 24 hours). Ask your administrator for a new one.")
		return
	}
	if err := a.ensureSession(c); err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "reset", D{"Title": "Choose a new password"})
}

func (a *App) reset(c *gin.Context) {
	token := c.Param("token")
	err := a.db.Write(c.Request.Context(), func(tx *gorm.DB) error {
		if c.PostForm("password") != c.PostForm("password2") {
			return models.Invalid("password2", "the two passwords differ")
		}
		t, err := models.UseToken(tx, models.TokenReset, token, a.now())
		if err != nil {
			return err
		}
		var u models.User
		if err := tx.First(&u, *t.UserID).Error; err != nil {
			return err
		}
		return models.SetPassword(tx, models.Actor{ID: u.ID, Email: u.Email, IP: clientIP(c.Request), At: a.now()}, &u, c.PostForm("password"), "", "password.reset.use")
	})
	a.db.ForgetSessions() // the account's sessions were revoked
	if fe, ok := fieldErrors(err); ok {
		a.render(c, http.StatusBadRequest, "reset", D{"Title": "Choose a new password", "Errors": fe})
		return
	}
	if errors.Is(err, models.ErrNotFound) {
		a.renderErrorMsg(c, http.StatusNotFound, "This password-reset link is not valid any more. Ask your administrator for a new one.")
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	a.flash(c, "success", "Your password is changed. Sign in with the new one.")
	redirect(c, "/login")
}

func (a *App) account(c *gin.Context) {
	u := currentUser(c)
	data := D{"Title": "Your account"}
	if u.Role == models.RoleStudent {
		cs, err := a.db.StudentCohorts(c.Request.Context(), u.ID)
		if err != nil {
			a.fail(c, err)
			return
		}
		data["Cohorts"] = cs
	}
	a.render(c, http.StatusOK, "account", data)
}

func (a *App) accountError(c *gin.Context, err error) {
	fe, ok := fieldErrors(err)
	if !ok {
		a.fail(c, err)
		return
	}
	data := D{"Title": "Your account", "Errors": fe}
	if u := currentUser(c); u.Role == models.RoleStudent {
		data["Cohorts"], _ = a.db.StudentCohorts(c.Request.Context(), u.ID)
	}
	a.render(c, http.StatusBadRequest, "account", data)
}

// updateProfile saves name and e-mail. A new e-mail needs the current
// password: whoever holds a session must not be able to move the account
// to an address they control.
func (a *App) updateProfile(c *gin.Context) {
	u := currentUser(c)
	if models.NormalizeEmail(c.PostForm("email")) != u.Email {
		if err := a.checkCurrentPassword(c, u, "email_password", "e-mail change"); err != nil {
			a.accountError(c, err)
			return
		}
	}
	if err := a.db.UpdateProfile(c.Request.Context(), actor(c), u.ID, c.PostForm("name"), c.PostForm("email")); err != nil {
		a.accountError(c, err)
		return
	}
	a.done(c, "Your profile is saved.", "/account")
}

func (a *App) changePassword(c *gin.Context) {
	u := currentUser(c)
	sess := session(c)
	ctx := c.Request.Context()
	if err := a.checkCurrentPassword(c, u, "current", "password change"); err != nil {
		a.accountError(c, err)
		return
	}
	if c.PostForm("password") != c.PostForm("password2") {
		a.accountError(c, models.Invalid("password2", "the two passwords differ"))
		return
	}
	// Every other session of the account is revoked in the same
	// transaction; this one is rotated so its old cookie dies too.
	oldID := models.HashToken(sess.ID)
	err := a.db.Write(ctx, func(tx *gorm.DB) error {
		return models.SetPassword(tx, actor(c), u, c.PostForm("password"), oldID, "password.change")
	})
	a.db.ForgetSessions() // the account's other sessions were revoked
	if err != nil {
		a.accountError(c, err)
		return
	}
	fresh, err := a.db.UserByID(ctx, u.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	a.signIn(c, fresh, "Your password is changed. Other devices have been signed out.", "/account")
}

// checkCurrentPassword confirms the signed-in user's password (form field
// field) before a sensitive change. It goes through the sign-in throttle:
// a wrong password counts as a failed sign-in of the account (audited,
// with what in the detail), and a locked account is refused even with the
// right one, so a borrowed session cannot be used to guess the password.
func (a *App) checkCurrentPassword(c *gin.Context, u *models.User, field, what string) error {
	ctx := c.Request.Context()
	lockedUntil, err := a.db.LoginLockedUntil(ctx, u.Email, a.now())
	if err != nil {
		return err
	}
	if !models.PasswordMatches(u.PasswordHash, c.PostForm(field)) {
		if _, err := a.db.RecordLoginFailure(ctx, u.Email, clientIP(c.Request), u.ID, a.now(), "wrong current password ("+what+")"); err != nil {
			return err
		}
		return models.Invalid(field, "your current password is not right")
	}
	if !lockedUntil.IsZero() {
		return models.Invalid(field, "too many wrong passwords for this account: wait a few minutes, then try again")
	}
	return nil
}

func (a *App) joinCohort(c *gin.Context) {
	co, err := a.db.JoinByCode(c.Request.Context(), actor(c), c.PostForm("join_code"))
	if err != nil {
		a.accountError(c, err)
		return
	}
	a.done(c, fmt.Sprintf("You joined %s.", co.Name), "/account")
}

// resetTTL is how long an admin-issued reset link works.
const resetTTL = 24 * time.Hour
