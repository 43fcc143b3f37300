package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"chartroom/exam"
	"chartroom/models"
)

// A replacement blueprint: a shorter exam with other ranges, so a mock
// drawn to it is easy to tell from one drawn to the shipped default.
const newBlueprintYAML = `version: "2027.1"
outline: "Test outline, revised"
effective: "2027-01-15"
source: "Written for the test."
items: 100
scored: 90
pretest: 10
minutes: 120
domains:
  - {domain: data, min: 20, max: 30}
  - {domain: access, min: 10, max: 20}
  - {domain: analytics, min: 10, max: 20}
  - {domain: revenue, min: 15, max: 25}
  - {domain: compliance, min: 10, max: 20}
  - {domain: leadership, min: 10, max: 20}
`

func activeBlueprint(t *testing.T, e *env) (*models.BlueprintRow, *exam.Blueprint) {
	t.Helper()
	row, bp, err := e.db.ActiveBlueprint(ctxT(), e.app.lib.Blueprint)
	if err != nil {
		t.Fatal(err)
	}
	return row, bp
}

func TestAdminReplacesBlueprint(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		admin, _ := e.loggedIn(models.RoleAdmin, "a@example.edu")
		student, su := e.loggedIn(models.RoleStudent, "s@example.edu")
		inst, _ := e.loggedIn(models.RoleInstructor, "i@example.edu")

		// Admins only.
		expect(t, student.get("/admin/blueprint"), http.StatusForbidden)
		expect(t, inst.get("/admin/blueprint"), http.StatusForbidden)
		expect(t, student.post("/admin/blueprint", url.Values{"body": {newBlueprintYAML}}), http.StatusForbidden)
		expectRedirect(t, e.client().get("/admin/blueprint"), "/login")

		// The page shows the active blueprint, with its version and ranges.
		page := admin.get("/admin/blueprint")
		expect(t, page, 200, "version 2026.1", "Effective Nov 24, 2026", "<dd>150</dd>", "<dd>130</dd>", "<dd>210</dd>",
			"Data Content, Structure &amp; Information Governance", "24–28%", `name="csrf_token"`, `name="body"`, `name="file"`,
			"shipped default", "active")
		expect(t, admin.get("/admin"), 200, `href="/admin/blueprint"`)
		before, _ := activeBlueprint(t, e)

		// Invalid input changes nothing and says why.
		for name, tc := range map[string]struct{ body, want string }{
			"not YAML":      {"version: [unclosed", "Line 1"},
			"unknown field": {strings.Replace(newBlueprintYAML, "minutes: 120", "minutes: 120\nseconds: 5", 1), "field seconds not found"},
			"no version":    {strings.Replace(newBlueprintYAML, `version: "2027.1"`, "", 1), "version is required"},
			"minimums above 100%": {strings.Replace(newBlueprintYAML, "{domain: leadership, min: 10, max: 20}", "{domain: leadership, min: 40, max: 50}", 1),
				"minimums add up to 105%"},
			"bad counts": {strings.Replace(newBlueprintYAML, "pretest: 10", "pretest: 12", 1), "items (100) must equal scored (90)"},
			"empty":      {"  ", "Paste the blueprint YAML"},
		} {
			r := admin.post("/admin/blueprint", url.Values{"body": {tc.body}})
			if r.StatusCode != http.StatusBadRequest {
				t.Fatalf("%s: status %d, want 400", name, r.StatusCode)
			}
			expect(t, r, http.StatusBadRequest, "Nothing was changed", tc.want)
			if after, _ := activeBlueprint(t, e); after.ID != before.ID {
				t.Fatalf("%s: the invalid blueprint replaced the active one", name)
			}
		}
		if n := count(t, e.db, "blueprints", ""); n != 1 {
			t.Fatalf("%d blueprints stored after invalid input, want 1", n)
		}
		if n := count(t, e.db, "audit_log", "action = ?", "blueprint.replace"); n != 0 {
			t.Fatalf("%d audit rows for invalid input", n)
		}

		// A valid file replaces it, audited.
		r := admin.upload("/admin/blueprint", "file", "rhit-2027.yaml", []byte(newBlueprintYAML), nil)
		expectRedirect(t, r, "/admin/blueprint")
		page = admin.get("/admin/blueprint")
		expect(t, page, 200, "Blueprint version 2027.1 is now active", "version 2027.1", "<dd>100</dd>", "<dd>120</dd>", "20–30%", "replaced", "a Tester")
		row, bp := activeBlueprint(t, e)
		if row.ID == before.ID || bp.Version != "2027.1" || bp.Items != 100 {
			t.Fatalf("active after replace: row %d %+v", row.ID, bp)
		}
		if n := count(t, e.db, "audit_log", "action = ? AND detail LIKE ?", "blueprint.replace", "%2027.1%"); n != 1 {
			t.Fatalf("%d audit rows for the replacement, want 1", n)
		}

		// The student's next mock is drawn to it.
		id := start(t, student, url.Values{"mode": {"mock"}})
		at, err := e.db.OwnAttempt(ctxT(), su.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		if at.Items != 100 || at.ScoredItems != 90 || at.Deadline.Sub(at.StartedAt) != 120*time.Minute || at.BlueprintID == nil || *at.BlueprintID != row.ID {
			t.Fatalf("mock after replace: %d items, %d scored, %v, blueprint %v", at.Items, at.ScoredItems, at.Deadline.Sub(at.StartedAt), at.BlueprintID)
		}
		items, _ := e.db.Items(ctxT(), id)
		scored := map[exam.Domain]int{}
		for _, it := range items {
			if it.Scored {
				q, _ := e.db.Version(ctxT(), it.VersionID)
				scored[q.Domain]++
			}
		}
		for _, d := range exam.Domains {
			if lo, hi := bp.Range(d, 90); scored[d] < lo || scored[d] > hi {
				t.Errorf("%s: %d scored items, outside %d-%d of the new blueprint", d, scored[d], lo, hi)
			}
		}

		// Pasting works too, and the list keeps every version.
		expectRedirect(t, admin.post("/admin/blueprint", url.Values{"body": {strings.Replace(newBlueprintYAML, "2027.1", "2027.2", 1)}}), "/admin/blueprint")
		page = admin.get("/admin/blueprint")
		expect(t, page, 200, "version 2027.2", "2027.1", "2026.1")
		if n := count(t, e.db, "blueprints", "active = ?", true); n != 1 {
			t.Fatalf("%d active blueprints", n)
		}
	})
}
