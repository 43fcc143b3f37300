// Package handlers is Chartroom's HTTP layer: routes (routes.go lists them
// all), middleware, rendering and one file per area. Handlers read the
// request, call models and exam, and render or redirect.
package handlers

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"chartroom/content"
	"chartroom/models"
)

// Config is what the HTTP layer needs from the command line.
type Config struct {
	SecureCookies bool
	SessionKey    string        // base64; generated and stored in the database when empty
	SessionIdle   time.Duration // sign out after this long without a request
	SessionMax    time.Duration // and after this long in any case
	BaseURL       string        // for links printed in logs ("http://127.0.0.1:8080")
	Now           func() time.Time
}

// App holds the dependencies of every handler. It is built once in main.
type App struct {
	db     *models.DB
	lib    *content.Library
	log    *slog.Logger
	cfg    Config
	store  *dbStore
	views  *views
	engine *gin.Engine

	cop *http.CrossOriginProtection

	renders sync.Map // question version id -> *renderedVersion (immutable)

	statsKick chan struct{} // a quiz attempt finished: recompute item analysis soon
}

// New builds the app: templates are parsed and the session key loaded here,
// so that a broken template or database fails at start, not at request time.
func New(ctx context.Context, db *models.DB, lib *content.Library, log *slog.Logger, cfg Config) (*App, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SessionIdle == 0 {
		cfg.SessionIdle = 2 * time.Hour
	}
	if cfg.SessionMax == 0 {
		cfg.SessionMax = 12 * time.Hour
	}
	key := cfg.SessionKey
	if key == "" {
		var err error
		key, err = db.SettingOrCreate(ctx, models.SettingSessionKey, func() string { return models.RandomToken(32) })
		if err != nil {
			return nil, fmt.Errorf("session key: %w", err)
		}
	}
	raw, err := base64.RawURLEncoding.DecodeString(key)
	if err != nil || len(raw) < 32 {
		return nil, fmt.Errorf("the session key must be at least 32 bytes, URL-safe base64")
	}
	v, err := loadViews(lib)
	if err != nil {
		return nil, err
	}
	a := &App{
		db: db, lib: lib, log: log, cfg: cfg, views: v,
		store:     newStore(db, [][]byte{raw}, cfg.SecureCookies, cfg.SessionIdle, cfg.SessionMax, cfg.Now),
		cop:       http.NewCrossOriginProtection(),
		statsKick: make(chan struct{}, 1),
	}
	gin.SetMode(gin.ReleaseMode)
	a.engine = gin.New()
	a.engine.RedirectTrailingSlash = true
	a.engine.HandleMethodNotAllowed = false
	a.routes(a.engine)
	return a, nil
}

// Handler is the whole app. Go's cross-origin protection (which rejects
// unsafe cross-site requests from browsers) runs as the router's first
// check after logging and security headers (crossOrigin).
func (a *App) Handler() http.Handler { return a.engine }

// now is the app's clock (tests move it).
func (a *App) now() time.Time { return a.cfg.Now() }

// RunSweepers runs periodic maintenance until ctx ends: expired sessions
// and attempts and stale sign-in throttle rows every minute, and item analysis of quizzes shortly after
// their attempts finish.
func (a *App) RunSweepers(ctx context.Context) {
	go a.runStats(ctx)
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		a.sweep(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// statsDelay gathers a burst of submissions (a whole cohort finishing at
// the close) into one recomputation.
const statsDelay = 5 * time.Second

// runStats recomputes queued item analyses when kicked, and every minute in
// case another instance queued one.
func (a *App) runStats(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.statsKick:
			select {
			case <-ctx.Done():
				return
			case <-time.After(statsDelay):
			}
		case <-t.C:
		}
		if _, err := a.RecomputeStats(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("item analysis", "err", err)
		}
	}
}

// RecomputeStats analyses every quiz with new submissions.
func (a *App) RecomputeStats(ctx context.Context) (int, error) {
	n, err := a.db.RecomputeDirtyStats(ctx)
	if n > 0 {
		a.log.Info("item analysis updated", "quizzes", n)
	}
	return n, err
}

// kickStats asks for a recomputation soon (never blocks).
func (a *App) kickStats() {
	select {
	case a.statsKick <- struct{}{}:
	default:
	}
}

func (a *App) sweep(ctx context.Context) {
	if n, err := a.db.DeleteExpiredSessions(ctx, a.now(), a.cfg.SessionIdle, time.Hour); err != nil {
		a.log.Error("sweep sessions", "err", err)
	} else if n > 0 {
		a.log.Info("swept sessions", "deleted", n)
	}
	if n, err := a.db.SweepExpired(ctx, a.now()); err != nil {
		a.log.Error("sweep attempts", "err", err)
	} else if n > 0 {
		a.log.Info("finalised expired attempts", "count", n)
		a.kickStats()
	}
	if _, err := a.db.SweepImportPreviews(ctx, a.now()); err != nil {
		a.log.Error("sweep import previews", "err", err)
	}
	if n, err := a.db.PruneLoginThrottle(ctx, a.now()); err != nil {
		a.log.Error("sweep login throttle", "err", err)
	} else if n > 0 {
		a.log.Info("pruned login throttle rows", "deleted", n)
	}
}
