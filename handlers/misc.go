package handlers

import (
	"io/fs"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"chartroom/static"
)

// healthz answers 200 when the database does.
func (a *App) healthz(c *gin.Context) {
	if err := a.db.Ping(c.Request.Context()); err != nil {
		a.log.Error("healthz", "err", err)
		c.String(http.StatusServiceUnavailable, "database unavailable\n")
		return
	}
	c.String(http.StatusOK, "ok\n")
}

// static serves embedded assets. A URL carrying the file's current hash
// (?v=...) is cached for a year; anything else revalidates.
func (a *App) static(c *gin.Context) {
	name := strings.TrimPrefix(c.Param("file"), "/")
	b, err := fs.ReadFile(static.Files, name)
	if err != nil {
		c.Status(http.StatusNotFound)
		return
	}
	hash := a.views.assets[name]
	if c.Query("v") == hash {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Header("Cache-Control", "no-cache")
	}
	c.Header("ETag", `"`+hash+`"`)
	if c.GetHeader("If-None-Match") == `"`+hash+`"` {
		c.Status(http.StatusNotModified)
		return
	}
	ct := "application/octet-stream"
	switch {
	case strings.HasSuffix(name, ".css"):
		ct = "text/css; charset=utf-8"
	case strings.HasSuffix(name, ".js"):
		ct = "text/javascript; charset=utf-8"
	case strings.HasSuffix(name, ".svg"):
		ct = "image/svg+xml"
	}
	c.Data(http.StatusOK, ct, b)
}

func (a *App) favicon(c *gin.Context) {
	c.Redirect(http.StatusMovedPermanently, "/static/logo.svg?v="+a.views.assets["logo.svg"])
}

// home sends signed-in users to their dashboard and shows everyone else
// what Chartroom is.
func (a *App) home(c *gin.Context) {
	if currentUser(c) != nil {
		c.Redirect(http.StatusSeeOther, "/dashboard")
		return
	}
	a.render(c, http.StatusOK, "home", D{"Title": "Chartroom", "Modules": a.lib.Modules})
}
