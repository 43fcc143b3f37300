package handlers

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"chartroom/codes"
	"chartroom/content"
	"chartroom/exam"
	"chartroom/internal/shareddata"
	"chartroom/models"
)

func TestCodeLookupOnTheShippedSubset(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		c, _ := e.loggedIn(models.RoleStudent, "s@example.edu")
		r := c.get("/codes?q=e11.65")
		expect(t, r, 200, "E11.65", "curated subset", "billable")
		expect(t, c.get("/codes?q=sepsis"), 200, "A41.9")
		r = c.get("/codes/icd10cm/E11.65")
		expect(t, r, 200, "Type 2 diabetes mellitus with hyperglycemia", "Above it", ">E11<", "4. Endocrine")
		expect(t, c.get("/codes/icd10cm/E11"), 200, "Below it", "header")
		expect(t, c.get("/codes/icd10pcs/0DTJ4ZZ"), 200, "Resection of Appendix", "Medical and Surgical")
		expect(t, c.get("/codes/icd10cm/ZZZ99"), http.StatusNotFound)
		expect(t, c.get("/codes/nonsense/E11"), http.StatusNotFound)
	})
}

// upload posts a file to the admin import form.
func (c *client) upload(path, field, name string, data []byte, extra url.Values) *resp {
	c.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("csrf_token", c.csrf)
	for k, vs := range extra {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	fw, _ := w.CreateFormFile(field, name)
	fw.Write(data)
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.e.srv.URL+path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.do(req)
}

func TestAdminImportsInTheBrowser(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	admin, _ := e.loggedIn(models.RoleAdmin, "a@example.edu")
	student, _ := e.loggedIn(models.RoleStudent, "s@example.edu")
	expect(t, student.get("/admin/codes"), http.StatusForbidden)
	admin.get("/admin/codes")
	// A file with one bad line imports nothing and says which line.
	bad := "00001 A00     0 Cholera                                                      Cholera\r\n" +
		"00002 A000    9 Cholera due to Vibrio cholerae 01, biovar cholerae           Cholera due\r\n"
	r := admin.upload("/admin/codes/import", "file", "icd10cm_order_2030.txt", []byte(bad), nil)
	expectRedirect(t, r, "/admin/codes")
	expect(t, admin.get("/admin/codes"), 200, "line 2", "Nothing was changed")
	if _, err := e.db.ActiveSet(ctxT(), codes.ICD10CM, 2030); err == nil {
		t.Fatal("a failed upload created a code set")
	}
	// The real FY2025 file imports in the background with progress.
	data, err := os.ReadFile(shareddata.SharedFile(t, "data/icd10cm_order_2025.txt"))
	if err != nil {
		t.Fatal(err)
	}
	r = admin.upload("/admin/codes/import", "file", "icd10cm_order_2025.txt", data, nil)
	expectRedirect(t, r, "/admin/codes/jobs/")
	job := r.Header.Get("Location")
	var page *resp
	for i := 0; i < 100; i++ {
		page = admin.get(job)
		if !strings.Contains(page.body, `http-equiv="refresh"`) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	expect(t, page, 200, "Imported ICD-10-CM FY2025: 97584 codes, 74260 billable")
	if n := count(t, e.db, "audit_log", "action = ?", "codes.import"); n < 1 {
		t.Fatal("import not audited")
	}
}

// The annual-update page lists exactly the addenda's changes.
func TestAnnualUpdatePage(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	for _, f := range []string{"icd10cm_order_2025.txt", "icd10cm_order_2026.txt"} {
		fh, err := os.Open(shareddata.SharedFile(t, "data/"+f))
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := codes.ReadFile(f, fh, "", 0)
		fh.Close()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.db.ImportCodeSet(ctxT(), models.Actor{}, models.ImportInput{System: parsed.System, Year: parsed.Year, Release: parsed.Release,
			Source: parsed.Name, Sha256: parsed.Sha256, Entries: parsed.Entries}, nil); err != nil {
			t.Fatal(err)
		}
	}
	c, _ := e.loggedIn(models.RoleStudent, "s@example.edu")
	r := c.get("/codes/changes?system=icd10cm&from=2025&to=2026")
	expect(t, r, 200, "<strong>630</strong> added", "<strong>28</strong> deleted", "<strong>45</strong> revised", "Infestation by Demodex mites")
	// The lookup now uses the full release, not the subset.
	expect(t, c.get("/codes?q=QA0.0101&year=2026"), 200, "QA0.0101")
}

func TestCodingCaseGradingAndIsolation(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		c, _ := e.loggedIn(models.RoleStudent, "s@example.edu")
		cc := e.app.lib.Cases[0]
		for _, x := range e.app.lib.Cases {
			if x.Inpatient() && len(x.Procedures) > 0 && len(x.Diagnoses) >= 2 {
				cc = x
				break
			}
		}
		expect(t, c.get("/coding/cases/"+cc.ID), 200, cc.Title, "ICD-10-PCS procedure codes")
		var dx, pcs []string
		for _, d := range cc.Diagnoses {
			dx = append(dx, d.Code)
		}
		for _, p := range cc.Procedures {
			pcs = append(pcs, p.Code)
		}
		r := c.post("/coding/cases/"+cc.ID, url.Values{"dx": {strings.Join(dx, "\n")}, "pcs": {strings.Join(pcs, ", ")}})
		expectRedirect(t, r, "/coding/attempts/")
		res := r.Header.Get("Location")
		expect(t, c.get(res), 200, "Your coding: 100%")
		// Swapped order, a header code and an extra: partial credit with reasons.
		dx2 := append([]string{dx[1], dx[0]}, dx[2:]...)
		dx2 = append(dx2, codes.Category(dx[0]), "Z00.00")
		r = c.post("/coding/cases/"+cc.ID, url.Values{"dx": {strings.Join(dx2, "\n")}})
		page := c.get(r.Header.Get("Location"))
		// The extra code's feedback names the guideline (an inpatient case: Section III).
		expect(t, page, 200, "belongs first", "not billable", "not supported", "Section III")
		if strings.Contains(page.body, "Your coding: 100%") {
			t.Fatal("a mis-sequenced answer got full marks")
		}
		// Empty answers are refused with a message.
		expect(t, c.post("/coding/cases/"+cc.ID, url.Values{"dx": {"  "}}), http.StatusBadRequest, "enter at least one diagnosis code")
		// Another student cannot open the result.
		other, _ := e.loggedIn(models.RoleStudent, "o@example.edu")
		expect(t, other.get(res), http.StatusNotFound)
		expect(t, c.get("/coding/progress"), 200, "By chapter", "By guideline topic")
		expect(t, c.get("/coding?setting=inpatient"), 200, cc.Title)
	})
}

// An extra code in an outpatient, office or emergency case cites Section
// IV.J, the outpatient rule, not the inpatient Section III.
func TestCodingExtraCodeOutpatientGuideline(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		c, _ := e.loggedIn(models.RoleStudent, "s@example.edu")
		var cc *content.CodingCase
		for _, x := range e.app.lib.Cases {
			if !x.Inpatient() && len(x.Diagnoses) > 0 && !slices.ContainsFunc(x.Diagnoses, func(d content.CaseCode) bool { return codes.Normalize(d.Code) == "Z0000" }) {
				cc = x
				break
			}
		}
		if cc == nil {
			t.Fatal("no outpatient case")
		}
		var dx []string
		for _, d := range cc.Diagnoses {
			dx = append(dx, d.Code)
		}
		r := c.post("/coding/cases/"+cc.ID, url.Values{"dx": {strings.Join(append(dx, "Z00.00"), "\n")}})
		expectRedirect(t, r, "/coding/attempts/")
		page := c.get(r.Header.Get("Location"))
		expect(t, page, 200, "not supported", "Section IV.J")
		if strings.Contains(page.body, "Section III (") || strings.Contains(page.body, "(Section III,") {
			t.Error("an outpatient case cites the inpatient rule for an extra code")
		}
	})
}

// The accuracy page is a dated series: a student who coded in two ISO
// weeks sees both weeks, each with its own percentage, and an empty week
// of a chapter shows as no cases, never 0%.
func TestCodingProgressPerWeek(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		c, u := e.loggedIn(models.RoleStudent, "s@example.edu")
		expect(t, c.get("/coding/progress"), 200, "No cases coded yet")
		cc := e.app.lib.Cases[0]
		save := func(at time.Time, chapter int, topics string, points, max float64) {
			t.Helper()
			a := &models.CodingAttempt{UserID: u.ID, CaseID: cc.ID, FiscalYear: 2026, Setting: "inpatient", Chapter: chapter, Topics: topics, Dx: "x", CreatedAt: at}
			if err := e.db.SaveCodingAttempt(context.Background(), a, exam.CaseResult{Points: points, Max: max}); err != nil {
				t.Fatal(err)
			}
		}
		// 2026-W02 (Jan 5-11): one chapter 1 case, 1 of 4 points.
		save(time.Date(2026, 1, 6, 15, 0, 0, 0, time.UTC), 1, "sepsis", 1, 4)
		// One attempt only: the page shows that week, with no "later 0%".
		page := c.get("/coding/progress")
		expect(t, page, 200, "2026-W02", "25% <small>(1)</small>", "<svg")
		if strings.Contains(page.body, `<td class="num">0%`) {
			t.Fatal("a single attempt shows a 0% in a table")
		}
		// 2026-W03 (Jan 12-18): chapter 1 at 2 of 5 and chapter 4 at 4 of 4.
		save(time.Date(2026, 1, 12, 0, 30, 0, 0, time.UTC), 1, "sepsis", 2, 5)
		save(time.Date(2026, 1, 18, 23, 0, 0, 0, time.UTC), 4, "diabetes", 4, 4)
		page = c.get("/coding/progress")
		expect(t, page, 200, "2026-W02", "2026-W03", "Jan 5 – Jan 11, 2026", "Jan 12 – Jan 18, 2026")
		row := func(name string) []string {
			t.Helper()
			m := regexp.MustCompile(`(?s)<tr><th scope="row">(?:<a [^>]*>)?` + regexp.QuoteMeta(name) + `.*?</tr>`).FindString(page.body)
			if m == "" {
				t.Fatalf("no row %q in\n%s", name, page.body)
			}
			var cells []string
			for _, td := range regexp.MustCompile(`<td class="num">(.*?)</td>`).FindAllStringSubmatch(m, -1) {
				cells = append(cells, td[1])
			}
			return cells
		}
		noCases := `<span aria-hidden="true">—</span><span class="visually-hidden">no cases</span>`
		for name, want := range map[string][]string{
			// cases, total, W02, W03
			"All cases": {"3", "54%", "25% <small>(1)</small>", "67% <small>(2)</small>"},
			"1. Certain infectious and parasitic diseases":     {"2", "33%", "25% <small>(1)</small>", "40% <small>(1)</small>"},
			"4. Endocrine, nutritional and metabolic diseases": {"1", "100%", noCases, "100% <small>(1)</small>"},
			"sepsis":   {"2", "33%", "25% <small>(1)</small>", "40% <small>(1)</small>"},
			"diabetes": {"1", "100%", noCases, "100% <small>(1)</small>"},
		} {
			if got := row(name); !slices.Equal(got, want) {
				t.Errorf("%s: cells %q, want %q", name, got, want)
			}
		}
		if strings.Contains(page.body, `<td class="num">0%`) {
			t.Error("an empty week shows as 0%")
		}
		// The chart has both weeks on its axis and a point per week with data.
		expect(t, page, 200, `aria-labelledby="coding-trend-title coding-trend-desc"`, ">Jan 5</text>", ">Jan 12</text>", "All cases: Jan 5 25%, Jan 12 67%")
		// Another student sees none of it.
		other, _ := e.loggedIn(models.RoleStudent, "o@example.edu")
		expect(t, other.get("/coding/progress"), 200, "No cases coded yet")
	})
}

var _ = fmt.Sprint
var _ = io.EOF
var _ = regexp.MustCompile
