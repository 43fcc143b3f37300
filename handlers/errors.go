package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"chartroom/models"
)

// The one mapping from domain errors to HTTP responses.
func (a *App) fail(c *gin.Context, err error) {
	var ve *models.ValidationError
	switch {
	case errors.Is(err, models.ErrNotFound), errors.Is(err, errBadID):
		a.renderError(c, http.StatusNotFound)
	case errors.Is(err, models.ErrForbidden):
		a.renderError(c, http.StatusForbidden)
	case errors.Is(err, models.ErrConflict):
		a.renderErrorMsg(c, http.StatusConflict, "That changed while you were looking at it. Reload the page and try again.")
	case errors.As(err, &ve):
		a.renderErrorMsg(c, http.StatusBadRequest, ve.Error())
	case errors.Is(err, context.Canceled):
		c.Status(499) // the client went away; nothing to show
	default:
		a.log.Error("request failed", "err", err, "path", logPath(c), "request_id", c.GetString(ctxRequestID))
		a.renderError(c, http.StatusInternalServerError)
	}
	c.Abort()
}

var errorTexts = map[int][2]string{
	http.StatusBadRequest:          {"That did not work", "Something in the request was not right."},
	http.StatusForbidden:           {"Not for your account", "Your account does not have access to this page. If you think it should, ask your instructor or administrator."},
	http.StatusNotFound:            {"Page not found", "There is nothing at this address. It may have moved, or the link may be mistyped."},
	http.StatusConflict:            {"Changed meanwhile", "Reload the page and try again."},
	http.StatusTooManyRequests:     {"Slow down", "Too many attempts from your network. Wait a few minutes and try again."},
	http.StatusInternalServerError: {"Something went wrong", "Chartroom hit an error. Your saved work is safe. Try again in a moment; if it keeps happening, tell your administrator the reference below."},
}

func (a *App) renderError(c *gin.Context, status int) { a.renderErrorMsg(c, status, "") }

func (a *App) renderErrorMsg(c *gin.Context, status int, msg string) {
	t, ok := errorTexts[status]
	if !ok {
		t = [2]string{http.StatusText(status), ""}
	}
	if msg == "" {
		msg = t[1]
	}
	if wantsJSON(c) {
		c.JSON(status, gin.H{"error": msg})
		return
	}
	a.render(c, status, "error", D{"Status": status, "Title": t[0], "Message": msg})
}

func wantsJSON(c *gin.Context) bool {
	return c.GetHeader("Accept") == "application/json" || c.GetHeader("X-CSRF-Token") != ""
}

// idParam parses a numeric path parameter.
func idParam(c *gin.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errBadID
	}
	return id, nil
}

// fieldErrors extracts per-field messages for re-rendering a form.
func fieldErrors(err error) (map[string]string, bool) {
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return ve.Fields, true
	}
	return nil, false
}
