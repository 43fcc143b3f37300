package models_test

import (
	"errors"
	"testing"
	"time"

	"chartroom/internal/testutil"
	"chartroom/models"
)

// A session read twice in a row may come from the cache, but every change
// the app makes to it or to its account shows at once.
func TestSessionChangesShowAtOnce(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *models.DB) {
		u := student(t, db, "s@example.edu")
		admin := student(t, db, "a@example.edu")
		now := time.Now().UTC().Truncate(time.Millisecond)
		id := models.HashToken(models.RandomToken(32))
		save := func(data string) {
			t.Helper()
			if err := db.SaveSession(ctx, &models.Session{ID: id, UserID: &u.ID, CSRFToken: "x", Data: data, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		load := func() *models.SessionWithUser {
			t.Helper()
			s, err := db.LoadSession(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		save("one")
		if s := load(); s.Data != "one" || s.User.Role != models.RoleStudent {
			t.Fatalf("first load: %q %s", s.Data, s.User.Role)
		}
		load().User.Name = "changed by a caller" // a copy: the cache is not shared
		if load().User.Name != "Student" {
			t.Fatal("a caller's change to a loaded session leaked into the next load")
		}
		save("two")
		if s := load(); s.Data != "two" {
			t.Fatalf("after save: %q", s.Data)
		}
		later := now.Add(2 * time.Minute)
		if err := db.TouchSession(ctx, id, later); err != nil {
			t.Fatal(err)
		}
		if s := load(); !s.LastSeenAt.Equal(later) {
			t.Fatalf("after touch: last seen %v, want %v", s.LastSeenAt, later)
		}
		if err := db.SetRole(ctx, models.Actor{ID: admin.ID, Email: admin.Email}, u.ID, models.RoleInstructor); err != nil {
			t.Fatal(err)
		}
		if s := load(); s.User.Role != models.RoleInstructor {
			t.Fatalf("after a role change: %s", s.User.Role)
		}
		if err := db.SetDisabled(ctx, models.Actor{ID: admin.ID, Email: admin.Email}, u.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := db.LoadSession(ctx, id); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("disabling the account left its session: %v", err)
		}
		save("three")
		load()
		if err := db.DeleteSession(ctx, id); err != nil {
			t.Fatal(err)
		}
		if _, err := db.LoadSession(ctx, id); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("a deleted session still loads: %v", err)
		}
	})
}
