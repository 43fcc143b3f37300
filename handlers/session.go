package handlers

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"chartroom/models"
)

// Session value keys.
const (
	cookieName = "chartroom_session"
	keyUser    = "user"   // *models.User, loaded from the row, never serialised
	keyRow     = "row"    // models.Session as loaded
	keyCSRF    = "csrf"   // string
	keyFlashes = "_flash" // gorilla's default flash key
)

// Flash is a one-time message shown on the next page.
type Flash struct {
	Kind string `json:"kind"` // success, error, info
	Msg  string `json:"msg"`
}

// sessionData is what the row's data column holds.
type sessionData struct {
	Flashes []Flash `json:"flashes,omitempty"`
}

// dbStore is a gorilla/sessions Store whose sessions live in the database:
// the cookie holds a signed random token; the row (keyed by the token's
// hash) holds the user, the CSRF token and flash messages. Logout, a password
// change or disabling an account delete rows, which revokes the cookie.
type dbStore struct {
	db       *models.DB
	codecs   []securecookie.Codec
	secure   bool
	idle     time.Duration
	absolute time.Duration
	now      func() time.Time
}

func newStore(db *models.DB, keys [][]byte, secure bool, idle, absolute time.Duration, now func() time.Time) *dbStore {
	codecs := securecookie.CodecsFromPairs(func() [][]byte {
		var pairs [][]byte
		for _, k := range keys {
			pairs = append(pairs, k, nil)
		}
		return pairs
	}()...)
	for _, c := range codecs {
		if sc, ok := c.(*securecookie.SecureCookie); ok {
			sc.MaxAge(int(absolute / time.Second))
			sc.SetSerializer(securecookie.JSONEncoder{}) // the value is one string; gob is slower
		}
	}
	return &dbStore{db: db, codecs: codecs, secure: secure, idle: idle, absolute: absolute, now: now}
}

func (s *dbStore) options(r *http.Request) *sessions.Options {
	// Explicit on purpose: gorilla's defaults (SameSite=None, Secure)
	// silently break plain-HTTP localhost.
	return &sessions.Options{
		Path:     "/",
		MaxAge:   0, // a browser-session cookie; the server enforces expiry
		HttpOnly: true,
		Secure:   s.secure || r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	}
}

// Get returns the request's session, loading it once per request.
func (s *dbStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New loads the session named by the cookie, or starts a new one.
func (s *dbStore) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := sessions.NewSession(s, name)
	sess.Options = s.options(r)
	sess.IsNew = true
	c, err := r.Cookie(name)
	if err != nil {
		return sess, nil
	}
	var token string
	if err := securecookie.DecodeMulti(name, c.Value, &token, s.codecs...); err != nil {
		return sess, nil // forged, expired or from an old key: start afresh
	}
	row, err := s.db.LoadSession(r.Context(), models.HashToken(token))
	if errors.Is(err, models.ErrNotFound) {
		return sess, nil
	}
	if err != nil {
		return sess, err
	}
	now := s.now()
	if now.After(row.ExpiresAt) || now.Sub(row.LastSeenAt) > s.idle || (row.User != nil && row.User.Disabled) {
		_ = s.db.DeleteSession(r.Context(), row.ID)
		return sess, nil
	}
	sess.ID = token
	sess.IsNew = false
	sess.Values[keyRow] = row.Session
	sess.Values[keyCSRF] = row.CSRFToken
	if row.User != nil {
		sess.Values[keyUser] = row.User
	}
	var data sessionData
	if row.Data != "" && json.Unmarshal([]byte(row.Data), &data) == nil {
		for _, f := range data.Flashes {
			sess.AddFlash(f)
		}
	}
	return sess, nil
}

// Save writes the row and the cookie. A session with MaxAge < 0 is deleted.
func (s *dbStore) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	ctx := r.Context()
	if sess.Options.MaxAge < 0 {
		if sess.ID != "" {
			if err := s.db.DeleteSession(ctx, models.HashToken(sess.ID)); err != nil {
				return err
			}
		}
		http.SetCookie(w, sessions.NewCookie(sess.Name(), "", sess.Options))
		return nil
	}
	now := s.now().UTC()
	row, _ := sess.Values[keyRow].(models.Session)
	if sess.ID == "" {
		sess.ID = models.RandomToken(32)
		row = models.Session{CreatedAt: now, ExpiresAt: now.Add(s.absolute)}
		if _, ok := sess.Values[keyCSRF].(string); !ok {
			sess.Values[keyCSRF] = models.RandomToken(32)
		}
	}
	row.ID = models.HashToken(sess.ID)
	row.CSRFToken, _ = sess.Values[keyCSRF].(string)
	row.LastSeenAt = now
	row.IP = clientIP(r)
	row.UserAgent = truncate(r.UserAgent(), 200)
	row.UserID = nil
	if u, ok := sess.Values[keyUser].(*models.User); ok && u != nil {
		row.UserID = &u.ID
	}
	var data sessionData
	pending, _ := sess.Values[keyFlashes].([]interface{})
	for _, f := range pending {
		if fl, ok := f.(Flash); ok {
			data.Flashes = append(data.Flashes, fl)
		}
	}
	b, _ := json.Marshal(data)
	row.Data = string(b)
	if err := s.db.SaveSession(ctx, &row); err != nil {
		return err
	}
	sess.Values[keyRow] = row
	enc, err := securecookie.EncodeMulti(sess.Name(), sess.ID, s.codecs...)
	if err != nil {
		return err
	}
	http.SetCookie(w, sessions.NewCookie(sess.Name(), enc, sess.Options))
	return nil
}

// rotate replaces the session's token and CSRF token (on sign-in), deleting
// the old row so the old cookie is worthless.
func (s *dbStore) rotate(ctx context.Context, sess *sessions.Session) error {
	if sess.ID != "" {
		if err := s.db.DeleteSession(ctx, models.HashToken(sess.ID)); err != nil {
			return err
		}
	}
	sess.ID = ""
	delete(sess.Values, keyRow)
	sess.Values[keyCSRF] = models.RandomToken(32)
	return nil
}

// csrfOK compares the submitted token with the session's in constant time.
func csrfOK(sess *sessions.Session, submitted string) bool {
	want, _ := sess.Values[keyCSRF].(string)
	if sess.IsNew || want == "" || submitted == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(submitted)) == 1
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
