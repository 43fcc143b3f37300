package handlers

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"chartroom/internal/testutil"
	"chartroom/models"
)

// benchEnv is a student with a 150-item mock in progress, and the cookie
// and CSRF token to act as them.
func benchEnv(b *testing.B) (*env, *http.Cookie, string, int64) {
	t := &testing.T{}
	e := newEnv(t, testutil.OpenDB(b, models.SQLite))
	c, _ := e.loggedIn(models.RoleStudent, "bench@example.edu")
	id := start(t, c, url.Values{"mode": {"mock"}})
	c.get(fmt.Sprintf("/attempts/%d", id))
	return e, c.cookie(cookieName), c.csrf, id
}

// BenchmarkItemPage measures one item page of a mock through the router
// (session, queries, rendering), without the network.
func BenchmarkItemPage(b *testing.B) {
	e, ck, _, id := benchEnv(b)
	h := e.app.Handler()
	path := fmt.Sprintf("/attempts/%d?item=75", id)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.AddCookie(ck)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("status %d", w.Code)
		}
	}
}

// BenchmarkAutosave measures one autosave through the router, including
// the group commit (synchronous=NORMAL in tests).
func BenchmarkAutosave(b *testing.B) {
	e, ck, csrf, id := benchEnv(b)
	h := e.app.Handler()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		form := url.Values{"answer": {"B"}, "seq": {fmt.Sprint(i + 1)}, "go": {"1"}}
		req := httptest.NewRequest(http.MethodPost, fmt.Sprintf("/attempts/%d/items/1", id), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-CSRF-Token", csrf)
		req.AddCookie(ck)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("status %d: %s", w.Code, w.Body.String())
		}
	}
}
