package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"chartroom/exam"
	"chartroom/models"
)

// setTopic is the topic of the test sets' items: no built-in question
// uses it, so a rule on it draws only them.
const setTopic = "records-request-case"

const setCase = "Ms. **Rivera** (synthetic patient) emails the HIM department on 3 March asking for a copy of her discharged inpatient record <script>alert(1)</script>."

// setItemForm is one complete single-answer item of a scenario set.
func setItemForm(stem string) url.Values {
	f := accessQuestion(stem, "")
	f.Del("status")
	f.Set("topic", setTopic)
	return f
}

// setFormValues is the set editor's form: the case, then the items in
// order, each under its block prefix ("i1-stem"); ids maps a block to the
// stored item it edits.
func setFormValues(title, caseText, status string, ids map[int]string, items ...url.Values) url.Values {
	f := url.Values{"set_title": {title}, "case": {caseText}, "status": {status}, "blocks": {itoa(models.MaxSetItems)}}
	for i, it := range items {
		p := blockPrefix(i + 1)
		for k, v := range it {
			f[p+k] = append([]string(nil), v...)
		}
		if id := ids[i+1]; id != "" {
			f.Set(p+"id", id)
		}
	}
	return f
}

// newSet posts the set editor and returns the new set's id.
func newSet(t *testing.T, c *client, form url.Values) string {
	t.Helper()
	c.get("/teach/sets/new")
	r := c.post("/teach/sets", form)
	expectRedirect(t, r, "/teach/sets/u")
	id, _ := url.PathUnescape(strings.TrimPrefix(r.Header.Get("Location"), "/teach/sets/"))
	return id
}

func TestScenarioSetAuthorReorderDrawAndEditAnItem(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		inst, iu := e.loggedIn(models.RoleInstructor, "i@example.edu")
		stu, _ := e.loggedIn(models.RoleStudent, "s@example.edu")
		stems := []string{
			"Item A: by when must the hospital act on Ms. Rivera's request?",
			"Item B: how long may the hospital extend that deadline, at most?",
			"Item C: which deadline applies if the record is stored off site?",
		}
		var items []url.Values
		for _, s := range stems {
			items = append(items, setItemForm(s))
		}
		expect(t, inst.get("/teach/sets/new"), 200, `name="i1-stem"`, `name="i5-stem"`, `name="case"`)
		setID := newSet(t, inst, setFormValues("A records request", setCase, "ready", nil, items...))

		s, err := e.db.LoadSet(ctxT(), iu, setID)
		if err != nil || len(s.Rows) != 3 || s.Case != strings.TrimSpace(setCase) || s.Title != "A records request" || s.Status() != models.StatusReady {
			t.Fatalf("set %+v %v", s, err)
		}
		ids := []string{s.Rows[0].ID, s.Rows[1].ID, s.Rows[2].ID}
		for i, q := range s.Items {
			if q.Stem != stems[i] || q.SetID != setID || q.SetCase != s.Case || s.Rows[i].SetPos != i || !models.CanEdit(iu, &s.Rows[i]) {
				t.Fatalf("item %d: %+v %+v", i, s.Rows[i], q)
			}
		}

		// The set page shows the case sanitised, and the bank shows membership.
		r := inst.get("/teach/sets/" + setID)
		expect(t, r, 200, "<strong>Rivera</strong>", `value="`+ids[1]+`"`, "Move up")
		if strings.Contains(r.body, "<script>alert") {
			t.Fatal("the case preview is not sanitised")
		}
		expect(t, inst.get("/teach/questions?q=records-request"), 200, "Item 2 of scenario set", `href="/teach/sets/`+setID+`"`, "A records request")

		// Move up re-shows the form in the new order and saves nothing.
		r = inst.post("/teach/sets/"+setID, func() url.Values {
			f := setFormValues("A records request", setCase, "ready", map[int]string{1: ids[0], 2: ids[1], 3: ids[2]}, items...)
			f.Set("action", "up-2")
			return f
		}())
		expect(t, r, 200, "not saved yet", `name="i1-id" value="`+ids[1]+`"`, `name="i2-id" value="`+ids[0]+`"`)
		if a, b := strings.Index(r.body, "Item A:"), strings.Index(r.body, "Item B:"); a < 0 || b < 0 || b > a {
			t.Fatal("item B is not shown first after moving it up")
		}
		var pos int
		e.db.R.Model(&models.Question{}).Where("id = ?", ids[1]).Pluck("set_pos", &pos)
		if pos != 1 {
			t.Fatal("moving saved the order")
		}
		// Saving the new order changes positions only: no new versions.
		expectRedirect(t, inst.post("/teach/sets/"+setID, setFormValues("A records request", setCase, "ready",
			map[int]string{1: ids[1], 2: ids[0], 3: ids[2]}, items[1], items[0], items[2])), "/teach/sets/"+setID)
		for _, id := range ids {
			if vs, _ := e.db.QuestionVersions(ctxT(), id); len(vs) != 1 {
				t.Fatalf("%s has %d versions after a reorder", id, len(vs))
			}
		}

		// A rules quiz on the set's topic draws the whole set, together,
		// in order, each item with the case. (Instructors' questions reach
		// students through quizzes only; practice draws the built-in bank.
		// Without "shuffle": the quiz shuffle permutes single items.)
		co := cohortWith(t, e, inst, "HIT 160", stu)
		quiz := newQuiz(t, inst, quizForm("kind", "rules", "rule_count_0", "3", "rule_topic_0", setTopic, "shuffle", ""))
		as := assign(t, e, inst, quiz, co, e.clock.Now().Add(-time.Minute), e.clock.Now().Add(time.Hour))
		at := startQuiz(t, stu, as)
		want := []string{ids[1], ids[0], ids[2]}
		for n := 1; n <= 3; n++ {
			it, q := itemOf(t, e, at, n)
			if it.QuestionID != want[n-1] || q.SetID != setID || q.SetCase != s.Case {
				t.Fatalf("item %d is %s (set %q), want %s of %s", n, it.QuestionID, q.SetID, want[n-1], setID)
			}
		}
		expect(t, stu.get(fmt.Sprintf("/attempts/%d?item=2", at)), 200, "Case: A records request", "<strong>Rivera</strong>", "Item A:")
		// Drawn among every other access question, the set stays together.
		pool, err := e.db.Candidates(ctxT(), 0, models.DrawFilter{Owner: iu.ID, Domains: []exam.Domain{exam.DomainAccess}})
		if err != nil {
			t.Fatal(err)
		}
		all := newQuiz(t, inst, quizForm("kind", "rules", "rule_count_0", itoa(len(pool)), "rule_domain_0", "access", "shuffle", ""))
		at2 := startQuiz(t, stu, assign(t, e, inst, all, co, e.clock.Now().Add(-time.Minute), e.clock.Now().Add(time.Hour)))
		first := 0
		for n := 1; n <= len(pool); n++ {
			if it, _ := itemOf(t, e, at2, n); it.QuestionID == want[0] {
				first = n
			}
		}
		for k := range want {
			if first == 0 || first+k > len(pool) {
				t.Fatalf("the set is not in the draw of %d access questions", len(pool))
			}
			if it, _ := itemOf(t, e, at2, first+k); it.QuestionID != want[k] {
				t.Fatalf("item %d is %s, want set item %s: the set was split", first+k, it.QuestionID, want[k])
			}
		}

		// Editing one item in the question editor keeps its set and case.
		expect(t, inst.get("/teach/questions/"+ids[0]), 200, "Item 2 of", "<strong>Rivera</strong>", `href="/teach/sets/`+setID+`"`)
		edited := setItemForm(stems[0] + " (edited)")
		edited.Set("status", "ready")
		expectRedirect(t, inst.post("/teach/questions/"+ids[0], edited), "/teach/questions/"+ids[0])
		row, q, err := e.db.QuestionFor(ctxT(), iu, ids[0])
		if err != nil || q.SetID != setID || q.SetCase != s.Case || q.SetTitle != "A records request" || row.SetID != setID || row.SetPos != 1 {
			t.Fatalf("edited item lost its set: %+v %+v %v", row, q, err)
		}
		// An invalid edit re-shows the form with the case still beside it.
		edited.Set("domain", "")
		expect(t, inst.post("/teach/questions/"+ids[0], edited), http.StatusBadRequest, "choose a domain", "<strong>Rivera</strong>")

		// A changed case makes a new version of every item; the attempt
		// keeps the case it showed.
		newCase := "Ms. Rivera (synthetic patient) asks on 3 March, **in writing**, for an electronic copy."
		cur := []url.Values{setItemForm(stems[1]), edited, setItemForm(stems[2])}
		cur[1].Set("domain", "access")
		cur[1].Del("status")
		expectRedirect(t, inst.post("/teach/sets/"+setID, setFormValues("A records request", newCase, "ready",
			map[int]string{1: ids[1], 2: ids[0], 3: ids[2]}, cur...)), "/teach/sets/"+setID)
		for _, id := range ids {
			_, q, _ := e.db.QuestionFor(ctxT(), iu, id)
			if q.SetCase != newCase {
				t.Fatalf("%s still has the old case", id)
			}
		}
		if vs, _ := e.db.QuestionVersions(ctxT(), ids[2]); len(vs) != 2 {
			t.Fatalf("%d versions of an item after the case changed, want 2", len(vs))
		}
		_, q = itemOf(t, e, at, 1)
		if q.SetCase != s.Case {
			t.Fatal("the attempt's item changed its case")
		}
	})
}

func TestScenarioSetValidation(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		inst, _ := e.loggedIn(models.RoleInstructor, "i@example.edu")
		inst.get("/teach/sets/new")

		// One item and no case: nothing is saved; the messages sit beside the fields.
		r := inst.post("/teach/sets", setFormValues("", "  ", "draft", nil, setItemForm("What is the deadline?")))
		expect(t, r, http.StatusBadRequest, `id="f-case-error"`, "write the case", `id="f-items-error"`, "a scenario set has 2 to 5 items (has 1)",
			`href="#f-items"`, "What is the deadline?")
		if n := count(t, e.db, "questions", "source = ?", "authored"); n != 0 {
			t.Fatalf("%d questions saved from an invalid set", n)
		}

		// Item problems go beside that item's fields, in its block.
		bad := setItemForm("Select TWO: which apply?")
		bad.Set("type", "multiple")
		bad.Set("domain", "")
		bad.Set("opt_E", "Five days")
		bad.Set("rat_E", "No five-day rule exists.")
		r = inst.post("/teach/sets", setFormValues("T", setCase, "ready", nil, setItemForm("What is the deadline?"), bad))
		expect(t, r, http.StatusBadRequest, `id="f-i2-domain-error"`, "choose a domain", `id="f-i2-select-error"`, "say how many options to select (2 or more)")
		if strings.Contains(r.body, "exactly 0 option") || strings.Contains(r.body, `unknown domain ""`) {
			t.Fatal("old validation wording")
		}
		if n := count(t, e.db, "questions", "source = ?", "authored"); n != 0 {
			t.Fatalf("%d questions saved from an invalid set", n)
		}

		// The preview saves nothing and is sanitised.
		pv := setFormValues("T", setCase, "draft", nil, setItemForm("**Which** deadline?"), setItemForm("Which extension?"))
		pv.Set("action", "preview")
		r = inst.post("/teach/sets", pv)
		expect(t, r, 200, "Not saved yet", "<strong>Rivera</strong>", "<strong>Which</strong> deadline?")
		if strings.Contains(r.body, "<script>alert") {
			t.Fatal("set preview not sanitised")
		}
		if n := count(t, e.db, "questions", "source = ?", "authored"); n != 0 {
			t.Fatal("the preview saved a set")
		}
	})
}

// builtinSet returns a built-in scenario set's id and its item ids in order.
func builtinSet(t *testing.T, e *env) (string, []string) {
	t.Helper()
	for _, q := range e.app.lib.Questions {
		if q.SetID == "" {
			continue
		}
		var ids []string
		for _, x := range e.app.lib.Questions {
			if x.SetID == q.SetID {
				ids = append(ids, x.ID)
			}
		}
		return q.SetID, ids
	}
	t.Fatal("no built-in scenario set")
	return "", nil
}

func TestScenarioSetDuplicateBuiltin(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		inst, iu := e.loggedIn(models.RoleInstructor, "i@example.edu")
		bset, bids := builtinSet(t, e)
		src, err := e.db.LoadSet(ctxT(), iu, bset)
		if err != nil {
			t.Fatal(err)
		}
		// Built-in sets and their items are read-only and show the case.
		expect(t, inst.get("/teach/sets/"+bset), 200, "read-only", "Duplicate the whole set", bids[len(bids)-1])
		expect(t, inst.get("/teach/questions/"+bids[1]), 200, "Item 2 of", "Duplicate the whole set", `href="/teach/sets/`+bset+`"`)
		expect(t, inst.post("/teach/sets/"+bset, setFormValues("x", "y", "draft", nil, setItemForm("a"), setItemForm("b"))), http.StatusNotFound)

		check := func(setID string) {
			t.Helper()
			cp, err := e.db.LoadSet(ctxT(), iu, setID)
			if err != nil || setID == bset || len(cp.Rows) != len(bids) || cp.Case != src.Case || cp.Title != src.Title || cp.Status() != models.StatusDraft || !cp.Editable(iu) {
				t.Fatalf("copy of %s: %+v %v", bset, cp, err)
			}
			for i := range cp.Items {
				if cp.Items[i].Stem != src.Items[i].Stem || cp.Rows[i].SetPos != i || cp.Rows[i].ID == bids[i] || cp.Items[i].SetCase != src.Case {
					t.Fatalf("copied item %d: %+v", i, cp.Rows[i])
				}
			}
		}
		// Duplicating one item copies the whole set; so does the set's button.
		r := inst.post("/teach/questions/"+bids[1]+"/duplicate", nil)
		expectRedirect(t, r, "/teach/sets/u")
		check(strings.TrimPrefix(r.Header.Get("Location"), "/teach/sets/"))
		r = inst.post("/teach/sets/"+bset+"/duplicate", nil)
		expectRedirect(t, r, "/teach/sets/u")
		copyID := strings.TrimPrefix(r.Header.Get("Location"), "/teach/sets/")
		check(copyID)
		expect(t, inst.get("/teach/sets/"+copyID), 200, "Your set", "Save the set", src.Items[0].Stem[:20])
		// The built-in set is untouched.
		if n := count(t, e.db, "questions", "set_id = ? AND source = ?", bset, "builtin"); n != int64(len(bids)) {
			t.Fatalf("built-in set has %d items", n)
		}
		// Copies are instructors' questions: never in practice draws.
		cands, err := e.db.Candidates(ctxT(), 0, models.DrawFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cands {
			if c.SetID == copyID {
				t.Fatal("a copied set is in the practice pool")
			}
		}
	})
}

func TestScenarioSetBelongsToItsInstructor(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		a, au := e.loggedIn(models.RoleInstructor, "a@example.edu")
		b, _ := e.loggedIn(models.RoleInstructor, "b@example.edu")
		setID := newSet(t, a, setFormValues("Mine", setCase, "draft", nil, setItemForm("First?"), setItemForm("Second?")))
		s, err := e.db.LoadSet(ctxT(), au, setID)
		if err != nil {
			t.Fatal(err)
		}
		b.get("/teach/sets/new")
		expect(t, b.get("/teach/sets/"+setID), http.StatusNotFound)
		expect(t, b.post("/teach/sets/"+setID, setFormValues("Hijacked", setCase, "draft", map[int]string{1: s.Rows[0].ID, 2: s.Rows[1].ID},
			setItemForm("First?"), setItemForm("Second?"))), http.StatusNotFound)
		expect(t, b.post("/teach/sets/"+setID+"/duplicate", nil), http.StatusNotFound)
		expect(t, b.get("/teach/questions/"+s.Rows[0].ID), http.StatusNotFound)
		// Nor can a new set of b's adopt a's items by id.
		expect(t, b.post("/teach/sets", setFormValues("Adopt", setCase, "draft", map[int]string{1: s.Rows[0].ID},
			setItemForm("First?"), setItemForm("Second?"))), http.StatusNotFound)
		if n := count(t, e.db, "questions", "author_id <> ?", au.ID); n != 0 {
			t.Fatalf("%d questions saved by the other instructor", n)
		}
		_, q, _ := e.db.QuestionFor(ctxT(), au, s.Rows[0].ID)
		if q.SetTitle != "Mine" {
			t.Fatal("the other instructor changed the set")
		}

		// The owner takes an item out: it is retired and leaves the set;
		// a set left with one item is refused.
		a.get("/teach/sets/" + setID)
		f := setFormValues("Mine", setCase, "draft", map[int]string{1: s.Rows[0].ID, 2: s.Rows[1].ID}, setItemForm("First?"), setItemForm("Second?"))
		f.Set("i2-remove", "1")
		expect(t, a.post("/teach/sets/"+setID, f), http.StatusBadRequest, "has 1")
		for k, v := range setItemForm("Third?") {
			f["i3-"+k] = v
		}
		expectRedirect(t, a.post("/teach/sets/"+setID, f), "/teach/sets/"+setID)
		s2, _ := e.db.LoadSet(ctxT(), au, setID)
		var st string
		e.db.R.Model(&models.Question{}).Where("id = ?", s.Rows[1].ID).Pluck("status", &st)
		if len(s2.Rows) != 2 || s2.Items[1].Stem != "Third?" || st != models.StatusRetired {
			t.Fatalf("after removing: %d items, removed one is %s", len(s2.Rows), st)
		}
	})
}

func TestImportedSetIsTheInstructorsOwnAndKeepsItsCaseOnEdit(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		inst, iu := e.loggedIn(models.RoleInstructor, "i@example.edu")
		bset, _ := builtinSet(t, e)
		// An exported built-in set carries the built-in set id; imported,
		// it becomes a new set of the instructor's, in file order.
		var qs []exam.Question
		for _, stem := range []string{"Imported first?", "Imported second?"} {
			f := setItemForm(stem)
			q := exam.Question{Type: exam.TypeSingle, Domain: exam.DomainAccess, Topic: setTopic, Level: exam.LevelRecall, Difficulty: 2, Stem: stem,
				Key: []string{"A"}, References: []string{f.Get("references")}, SetID: bset, SetTitle: "Imported case", SetCase: "An imported *case*."}
			for _, l := range []string{"A", "B", "C", "D"} {
				q.Options = append(q.Options, exam.Option{Text: f.Get("opt_" + l), Rationale: f.Get("rat_" + l)})
			}
			qs = append(qs, q)
		}
		ids, err := e.db.ImportQuestions(ctxT(), models.Actor{ID: iu.ID}, iu, qs, true, "test.gift")
		if err != nil {
			t.Fatal(err)
		}
		row, q, err := e.db.QuestionFor(ctxT(), iu, ids[1])
		if err != nil || q.SetID == bset || !strings.HasPrefix(q.SetID, "u") || row.SetID != q.SetID || row.SetPos != 1 {
			t.Fatalf("imported item: %+v %+v %v", row, q, err)
		}
		s, err := e.db.LoadSet(ctxT(), iu, q.SetID)
		if err != nil || len(s.Rows) != 2 || !s.Editable(iu) || s.Case != "An imported *case*." {
			t.Fatalf("imported set %+v %v", s, err)
		}
		expect(t, inst.get("/teach/sets/"+q.SetID), 200, "Save the set", "<em>case</em>", "Imported second?")
		// Editing an imported item keeps its case.
		edit := setItemForm("Imported second, edited?")
		edit.Set("status", "ready")
		expectRedirect(t, inst.post("/teach/questions/"+ids[1], edit), "/teach/questions/"+ids[1])
		if _, q2, _ := e.db.QuestionFor(ctxT(), iu, ids[1]); q2.SetID != q.SetID || q2.SetCase != q.SetCase || q2.SetTitle != "Imported case" {
			t.Fatalf("edit dropped the case: %+v", q2)
		}
		// No page of the set editor shows a template slip.
		for _, p := range []string{"/teach/sets/new", "/teach/sets/" + q.SetID, "/teach/sets/" + bset, "/teach/questions/" + ids[0], "/teach/questions?author=mine"} {
			r := inst.get(p)
			for _, slip := range []string{"%!", "<no value>", "0xc0"} {
				if r.StatusCode != 200 || strings.Contains(r.body, slip) {
					t.Fatalf("GET %s: %d, slip %q", p, r.StatusCode, slip)
				}
			}
		}
	})
}
