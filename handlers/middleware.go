package handlers

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/sessions"

	"chartroom/models"
)

// Context keys.
const (
	ctxSession   = "session"
	ctxUser      = "user"
	ctxRequestID = "request_id"
	ctxClock     = "clock" // the app's clock, for actor(c)
)

// requestLog gives each request an id and logs it once with log/slog. It
// logs the route pattern ("/reset/:token"), never the path itself, so
// secrets in a path stay out of the logs.
func (a *App) requestLog(c *gin.Context) {
	start := time.Now()
	id := models.RandomToken(9)
	c.Set(ctxRequestID, id)
	c.Set(ctxClock, a.cfg.Now)
	c.Header("X-Request-Id", id)
	defer func() {
		if r := recover(); r != nil {
			a.log.Error("panic", "request_id", id, "panic", r, "path", logPath(c))
			if !c.Writer.Written() {
				a.renderError(c, http.StatusInternalServerError)
			}
			c.Abort()
		}
		status := c.Writer.Status()
		attrs := []any{
			"request_id", id, "method", c.Request.Method, "path", logPath(c),
			"status", status, "latency_ms", float64(time.Since(start).Microseconds()) / 1000, "bytes", c.Writer.Size(),
		}
		if u := currentUser(c); u != nil {
			attrs = append(attrs, "user_id", u.ID)
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		a.log.Log(c.Request.Context(), level, "request", attrs...)
	}()
	c.Next()
}

// logPath is what logs show of a request's address: the route pattern,
// or for an unknown address the path with anything that looks like a
// secret cut out (a mistyped reset link still carries its token). The
// query string is never logged.
func logPath(c *gin.Context) string {
	if p := c.FullPath(); p != "" {
		return p
	}
	return redactPath(c.Request.URL.Path)
}

// redactPath replaces path segments that look like tokens: 20 or more
// characters that are not a lowercase slug such as a lesson's.
func redactPath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if len(s) >= 20 && strings.ContainsFunc(s, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.')
		}) {
			segs[i] = "REDACTED"
		}
	}
	return strings.Join(segs, "/")
}

// crossOrigin refuses unsafe cross-site requests from browsers (Go's
// http.CrossOriginProtection) with the friendly 403 page. It runs inside
// the router, after requestLog and securityHeaders, so a refusal is logged
// and carries the same headers as every other page.
func (a *App) crossOrigin(c *gin.Context) {
	if err := a.cop.Check(c.Request); err != nil {
		a.log.Warn("cross-origin request refused", "method", c.Request.Method, "path", logPath(c),
			"origin", c.GetHeader("Origin"), "ip", clientIP(c.Request), "request_id", c.GetString(ctxRequestID))
		a.renderErrorMsg(c, http.StatusForbidden, "This request came from another site, so Chartroom refused it. Go back to Chartroom, reload the page and try again.")
		c.Abort()
		return
	}
	c.Next()
}

// securityHeaders applies to every response.
func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	c.Next()
}

// loadSession attaches the session and, when signed in, the user. Activity
// refreshes the idle timer at most once a minute, so that reading pages
// does not turn into a write per request.
func (a *App) loadSession(c *gin.Context) {
	sess, err := a.store.Get(c.Request, cookieName)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Set(ctxSession, sess)
	if u, ok := sess.Values[keyUser].(*models.User); ok && u != nil {
		c.Set(ctxUser, u)
		if row, ok := sess.Values[keyRow].(models.Session); ok && a.now().Sub(row.LastSeenAt) > time.Minute {
			if err := a.db.TouchSession(c.Request.Context(), row.ID, a.now()); err != nil {
				a.log.Warn("touch session", "err", err)
			}
		}
	}
	c.Next()
}

// csrfCheck refuses unsafe requests without the session's token (form field
// csrf_token, or the X-CSRF-Token header for fetch calls). It runs after
// http.CrossOriginProtection, which has already refused cross-site browser
// requests; the token also covers old browsers and same-site attackers.
func (a *App) csrfCheck(c *gin.Context) {
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		c.Next()
		return
	}
	token := c.GetHeader("X-CSRF-Token")
	if token == "" {
		token = c.PostForm("csrf_token")
	}
	if !csrfOK(session(c), token) {
		a.log.Warn("csrf token missing or wrong", "path", logPath(c), "ip", clientIP(c.Request))
		a.renderErrorMsg(c, http.StatusForbidden, "This form has expired or did not come from Chartroom. Go back, reload the page and try again.")
		c.Abort()
		return
	}
	c.Next()
}

// requireUser sends anonymous visitors to the sign-in page and back after.
func (a *App) requireUser(c *gin.Context) {
	if currentUser(c) == nil {
		if c.Request.Method == http.MethodGet {
			c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
		} else {
			c.Redirect(http.StatusSeeOther, "/login")
		}
		c.Abort()
		return
	}
	c.Next()
}

// requireRole refuses users without one of the roles (after requireUser).
func (a *App) requireRole(roles ...models.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		if u := currentUser(c); u == nil || !u.Is(roles...) {
			a.renderError(c, http.StatusForbidden)
			c.Abort()
			return
		}
		c.Next()
	}
}

func session(c *gin.Context) *sessions.Session {
	s, _ := c.Get(ctxSession)
	sess, _ := s.(*sessions.Session)
	if sess == nil {
		sess = sessions.NewSession(nil, cookieName)
		sess.IsNew = true
	}
	return sess
}

// currentUser is the signed-in user, or nil.
func currentUser(c *gin.Context) *models.User {
	u, _ := c.Get(ctxUser)
	user, _ := u.(*models.User)
	return user
}

// actor describes the current request for the audit log, stamped with
// the app's clock.
func actor(c *gin.Context) models.Actor {
	a := models.Actor{IP: clientIP(c.Request)}
	if now, ok := c.Value(ctxClock).(func() time.Time); ok { // set by requestLog
		a.At = now()
	}
	if u := currentUser(c); u != nil {
		a.ID, a.Email = u.ID, u.Email
	}
	return a
}

// clientIP is the peer address. Chartroom does not trust X-Forwarded-For:
// behind a proxy, configure the proxy to pass the client's address.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// safeNext accepts only a local path as a redirect target.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n\\") {
		return "/dashboard"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/dashboard"
	}
	return next
}

var errBadID = errors.New("bad id")
