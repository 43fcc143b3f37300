package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"chartroom/exam"
	"chartroom/interchange"
	"chartroom/models"
)

var previewID = regexp.MustCompile(`name="preview" value="([^"]+)"`)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../interchange/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// authoredStems lists the stems of an instructor's questions, sorted.
func authoredStems(t *testing.T, e *env, u *models.User) []string {
	t.Helper()
	rows, err := e.db.Bank(ctxT(), u, models.BankFilter{Author: "mine", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r.Stem)
	}
	slices.Sort(out)
	return out
}

func TestImportPreviewCommitErrorsAndRoundTrip(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		inst, iu := e.loggedIn(models.RoleInstructor, "i@example.edu")
		other, _ := e.loggedIn(models.RoleInstructor, "other@example.edu")
		gift := readTestdata(t, "sample.gift")
		want := interchange.Parse(interchange.GIFT, gift)
		if len(want.Errors) > 0 || len(want.Items) == 0 || len(want.Unsupported) == 0 {
			t.Fatalf("sample.gift: %d items, %d unsupported, errors %v", len(want.Items), len(want.Unsupported), want.Errors)
		}

		// Upload: a preview, and nothing stored yet.
		inst.get("/teach/questions/import")
		r := inst.upload("/teach/questions/import", "file", "him110.gift", gift, url.Values{"format": {"auto"}, "domain": {"data"}, "topic": {"health-record-content"}, "level": {"recall"}, "difficulty": {"2"}})
		expect(t, r, 200, "Check the import", fmt.Sprintf("Import %d question(s)", len(want.Items)), fmt.Sprintf("Not importable (%d)", len(want.Unsupported)))
		for _, u := range want.Unsupported {
			expect(t, r, 200, fmt.Sprintf("Line %d: ", u.Line))
		}
		if n := count(t, e.db, "questions", "source = ?", "authored"); n != 0 {
			t.Fatalf("%d questions stored before confirming", n)
		}
		m := previewID.FindStringSubmatch(r.body)
		if m == nil {
			t.Fatal("no preview id")
		}
		// Another instructor cannot confirm it.
		other.get("/teach/questions/import")
		expectRedirect(t, other.post("/teach/questions/import/commit", url.Values{"preview": {m[1]}}), "/teach/questions/import")
		if n := count(t, e.db, "questions", "source = ?", "authored"); n != 0 {
			t.Fatal("another instructor committed the import")
		}
		// Confirm: every question becomes the instructor's draft, with the defaults.
		expectRedirect(t, inst.post("/teach/questions/import/commit", url.Values{"preview": {m[1]}}), "/teach/questions?author=mine")
		if n := count(t, e.db, "questions", "source = ? AND author_id = ? AND status = ?", "authored", iu.ID, models.StatusDraft); n != int64(len(want.Items)) {
			t.Fatalf("%d drafts imported, want %d", n, len(want.Items))
		}
		if n := count(t, e.db, "questions", "source = ? AND domain = ?", "authored", "data"); n != int64(len(want.Items)) {
			t.Fatalf("the default domain was applied to %d", n)
		}
		if n := count(t, e.db, "audit_log", "action = ?", "question.import"); n != 1 {
			t.Fatal("import not audited")
		}
		// A preview is used once.
		expectRedirect(t, inst.post("/teach/questions/import/commit", url.Values{"preview": {m[1]}}), "/teach/questions/import")
		if n := count(t, e.db, "questions", "source = ?", "authored"); n != int64(len(want.Items)) {
			t.Fatal("the preview was imported twice")
		}

		// One bad question: nothing imported, the line reported.
		bad := append(append([]byte{}, gift...), []byte("\n\n::Broken:: Which form is used? {=Form A ~Form B\n")...)
		badRes := interchange.Parse(interchange.GIFT, bad)
		if len(badRes.Errors) == 0 {
			t.Fatal("the broken file parses")
		}
		r = inst.upload("/teach/questions/import", "file", "broken.gift", bad, nil)
		expect(t, r, http.StatusBadRequest, "Nothing was imported", fmt.Sprintf("Line %d: ", badRes.Errors[0].Line))
		if n := count(t, e.db, "questions", "source = ?", "authored"); n != int64(len(want.Items)) {
			t.Fatal("a file with an error imported something")
		}
		// Each error file in the parser's test data is refused the same way.
		for _, name := range []string{"gift-unclosed.gift", "aiken-no-answer.txt", "xml-malformed.xml"} {
			expect(t, inst.upload("/teach/questions/import", "file", name, readTestdata(t, "errors/"+name), nil), http.StatusBadRequest, "Nothing was imported", "Line ")
		}
		if n := count(t, e.db, "questions", "source = ?", "authored"); n != int64(len(want.Items)) {
			t.Fatal("an error file imported something")
		}

		// Moodle XML and Aiken previews list what is and is not importable.
		xml := readTestdata(t, "sample-moodle.xml")
		wantX := interchange.Parse(interchange.MoodleXML, xml)
		expect(t, inst.upload("/teach/questions/import", "file", "export.xml", xml, nil), 200, "Moodle XML", fmt.Sprintf("Import %d question(s)", len(wantX.Items)), fmt.Sprintf("Not importable (%d)", len(wantX.Unsupported)))
		aiken := readTestdata(t, "sample-aiken.txt")
		wantA := interchange.Parse(interchange.Aiken, aiken)
		expect(t, inst.upload("/teach/questions/import", "file", "quiz.txt", aiken, nil), 200, "(Aiken)", fmt.Sprintf("Import %d question(s)", len(wantA.Items)))

		// Round trip: export my questions, import the file, get the same questions again.
		before := authoredStems(t, e, iu)
		r = inst.get("/teach/questions/export?format=gift&author=mine")
		expect(t, r, 200)
		if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") {
			t.Fatalf("export disposition %q", cd)
		}
		back := interchange.Parse(interchange.GIFT, []byte(r.body))
		if len(back.Errors) > 0 || len(back.Items) != len(before) {
			t.Fatalf("exported file reads back as %d items, errors %v", len(back.Items), back.Errors)
		}
		r = inst.upload("/teach/questions/import", "file", "export.gift", []byte(r.body), nil)
		expect(t, r, 200, fmt.Sprintf("Import %d question(s)", len(before)))
		expectRedirect(t, inst.post("/teach/questions/import/commit", url.Values{"preview": {previewID.FindStringSubmatch(r.body)[1]}}), "/teach/questions")
		after := authoredStems(t, e, iu)
		var doubled []string
		for _, s := range before {
			doubled = append(doubled, s, s)
		}
		slices.Sort(doubled)
		if !slices.Equal(after, doubled) {
			t.Fatalf("after the round trip the stems differ:\n%q\n%q", after, doubled)
		}
		// Same content, not just the same stems: compare full questions by stem.
		rows, _ := e.db.Bank(ctxT(), iu, models.BankFilter{Author: "mine", Limit: 1000})
		byStem := map[string][]exam.Question{}
		for _, row := range rows {
			_, q, err := e.db.QuestionFor(ctxT(), iu, row.ID)
			if err != nil {
				t.Fatal(err)
			}
			q.ID = ""
			byStem[q.Stem] = append(byStem[q.Stem], *q)
		}
		for stem, qs := range byStem {
			if len(qs) != 2 || fmt.Sprintf("%+v", qs[0]) != fmt.Sprintf("%+v", qs[1]) {
				t.Fatalf("round trip changed %q:\n%+v", stem, qs)
			}
		}
		// Moodle XML export of a quiz works too, and others cannot export it.
		expect(t, inst.get("/teach/questions/export?format=moodlexml&author=mine"), 200, "<quiz>")
	})
}
