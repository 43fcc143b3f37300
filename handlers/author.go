package handlers

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"chartroom/exam"
	"chartroom/internal/textdiff"
	"chartroom/markup"
	"chartroom/models"
)

// Question authoring: the bank browser, the editor with its server-side
// preview, version history, duplicate and bulk changes.

// maxOptions is how many option rows the editor offers.
const maxOptions = 6

var questionTypes = []struct{ Value, Label string }{
	{string(exam.TypeSingle), "Single best answer"},
	{string(exam.TypeMultiple), "Multiple response (select N)"},
	{string(exam.TypeCode), "Code entry (ICD-10-CM or ICD-10-PCS)"},
}

func bankFilter(c *gin.Context) models.BankFilter {
	return models.BankFilter{Domain: c.Query("domain"), Topic: c.Query("topic"), Type: c.Query("type"),
		Status: c.Query("status"), Author: c.Query("author"), Text: c.Query("q")}
}

// filterQuery keeps the bank filters across links and redirects.
func filterQuery(f models.BankFilter) string {
	v := url.Values{}
	for k, x := range map[string]string{"domain": f.Domain, "topic": f.Topic, "type": f.Type, "status": f.Status, "author": f.Author, "q": f.Text} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v.Encode()
}

func (a *App) bank(c *gin.Context) {
	ctx := c.Request.Context()
	u := currentUser(c)
	f := bankFilter(c)
	rows, err := a.db.Bank(ctx, u, f)
	if err != nil {
		a.fail(c, err)
		return
	}
	topics, err := a.db.Topics(ctx, u.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	views := make([]bankView, len(rows))
	for i := range rows {
		views[i] = bankView{BankRow: rows[i], Stem: truncateWords(markup.PlainText(rows[i].Stem), 20), Editable: models.CanEdit(u, &rows[i].Question)}
	}
	a.render(c, http.StatusOK, "bank", D{"Title": "Question bank", "Rows": views, "Filter": f, "Topics": topics, "Types": questionTypes,
		"Query": filterQuery(f), "Limited": len(rows) >= 300})
}

type bankView struct {
	models.BankRow
	Stem     string
	Editable bool
}

// bulkQuestions tags or retires the ticked questions the user may edit.
func (a *App) bulkQuestions(c *gin.Context) {
	ids := c.PostFormArray("id")
	back := "/teach/questions"
	if q := c.PostForm("back"); q != "" {
		back += "?" + q
	}
	if len(ids) == 0 {
		a.flash(c, "error", "Tick at least one question first.")
		redirect(c, back)
		return
	}
	retire := c.PostForm("action") == "retire"
	n, err := a.db.BulkUpdate(c.Request.Context(), currentUser(c), ids, retire, c.PostForm("tag"))
	if fe, ok := fieldErrors(err); ok {
		a.flash(c, "error", fe["tag"])
		redirect(c, back)
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	msg := fmt.Sprintf("Tagged %d question(s).", n)
	if retire {
		msg = fmt.Sprintf("Retired %d question(s). Attempts that used them keep them; new quizzes and draws do not.", n)
	}
	if skipped := len(ids) - n; skipped > 0 {
		msg += fmt.Sprintf(" %d built-in or other instructors' question(s) were left alone.", skipped)
	}
	a.done(c, msg, back)
}

// questionForm is the editor's state: the question as typed, the form-row
// view of its options, and which status the user asked for.
type questionForm struct {
	Q       exam.Question
	Options []optionRow
	Refs    string
	Tags    string
	Codes   string
	Status  string
	// In the scenario-set editor a question is one block of a bigger form:
	// P prefixes its field names and ids ("i2-stem"), N is its 1-based
	// block number, ItemID the stored question it edits ("" for a new
	// item), Remove whether it is to leave the set.
	P      string
	N      int
	ItemID string
	Remove bool
}

type optionRow struct {
	Letter, Text, Rationale string
	Key                     bool
}

// formFromQuestion fills the editor from a stored question.
func formFromQuestion(q *exam.Question, status string) questionForm {
	f := questionForm{Q: *q, Status: status, Refs: strings.Join(q.References, "\n"), Tags: strings.Join(q.Tags, ", ")}
	if q.Type == exam.TypeCode {
		f.Codes = strings.Join(q.Key, "\n")
	}
	for i := 0; i < maxOptions; i++ {
		row := optionRow{Letter: exam.Letter(i)}
		if i < len(q.Options) {
			row.Text, row.Rationale = q.Options[i].Text, q.Options[i].Rationale
			row.Key = q.IsKey(row.Letter)
		}
		f.Options = append(f.Options, row)
	}
	return f
}

// questionFromForm reads the editor. Empty option rows are dropped and the
// key follows its rows, so leaving row C empty makes D the new C.
func questionFromForm(c *gin.Context) questionForm { return questionFromPrefix(c, "") }

// questionFromPrefix reads the question whose field names start with p.
func questionFromPrefix(c *gin.Context, p string) questionForm {
	get := func(name string) string { return c.PostForm(p + name) }
	q := exam.Question{
		ID: "", Type: exam.QType(get("type")), Domain: exam.Domain(get("domain")), Topic: strings.TrimSpace(get("topic")),
		Level: get("level"), Stem: get("stem"), Rationale: get("rationale"), System: get("system"),
	}
	q.Difficulty, _ = strconv.Atoi(get("difficulty"))
	f := questionForm{Refs: get("references"), Tags: get("tags"), Codes: get("codes"), Status: get("status"), P: p}
	if p != "" {
		f.ItemID, f.Remove = strings.TrimSpace(get("id")), get("remove") != ""
	}
	for _, line := range strings.Split(f.Refs, "\n") {
		if s := strings.TrimSpace(line); s != "" {
			q.References = append(q.References, s)
		}
	}
	for _, t := range strings.Split(f.Tags, ",") {
		if s := strings.Trim(strings.ToLower(strings.TrimSpace(t)), "-"); s != "" {
			q.Tags = append(q.Tags, s)
		}
	}
	keys := map[string]bool{}
	for _, k := range c.PostFormArray(p + "key") {
		keys[k] = true
	}
	for i := 0; i < maxOptions; i++ {
		l := exam.Letter(i)
		row := optionRow{Letter: l, Text: get("opt_" + l), Rationale: get("rat_" + l), Key: keys[l]}
		f.Options = append(f.Options, row)
	}
	switch q.Type {
	case exam.TypeCode:
		for _, line := range strings.FieldsFunc(f.Codes, func(r rune) bool { return r == '\n' || r == ',' || r == ';' }) {
			if s := exam.NormalizeCode(line); s != "" {
				q.Key = append(q.Key, string(s))
			}
		}
	default:
		for _, row := range f.Options {
			if strings.TrimSpace(row.Text) == "" && strings.TrimSpace(row.Rationale) == "" {
				continue
			}
			if row.Key {
				q.Key = append(q.Key, exam.Letter(len(q.Options)))
			}
			q.Options = append(q.Options, exam.Option{Text: strings.TrimSpace(row.Text), Rationale: strings.TrimSpace(row.Rationale)})
		}
		if q.Type == exam.TypeMultiple {
			q.Select, _ = strconv.Atoi(get("select"))
		}
	}
	f.Q = q
	return f
}

// editorErrors turns the validator's field names into the editor's input
// ids ("options[B].text" -> "options-B-text", "key[0]" -> "codes").
func editorErrors(fields map[string]string, qtype exam.QType) map[string]string {
	out := map[string]string{}
	for k, v := range fields {
		id := k
		switch {
		case strings.HasPrefix(k, "key") && qtype == exam.TypeCode:
			id = "codes"
		case strings.HasPrefix(k, "key"):
			id = "key"
		case strings.HasPrefix(k, "references"):
			id = "references"
		case strings.HasPrefix(k, "options["):
			id = strings.NewReplacer("[", "-", "]", "", ".", "-").Replace(k)
		}
		if _, ok := out[id]; !ok {
			out[id] = v
		}
	}
	return out
}

// previewView renders a question as a student would see it, with the key
// and rationales, from the editor's current (unsaved) text. Everything is
// sanitised Markdown.
func (a *App) previewView(q *exam.Question) D {
	type opt struct {
		Letter     string
		HTML, Rat  any
		Key        bool
		HasContent bool
	}
	var opts []opt
	for i, o := range q.Options {
		opts = append(opts, opt{Letter: exam.Letter(i), HTML: markup.Inline(o.Text), Rat: markup.Render(o.Rationale), Key: q.IsKey(exam.Letter(i))})
	}
	return D{"Stem": markup.Render(q.Stem), "Options": opts, "Rationale": markup.Render(q.Rationale), "Q": q,
		"Empty": strings.TrimSpace(q.Stem) == ""}
}

// questionPreview answers the editor's live preview (a fetch with the form).
func (a *App) questionPreview(c *gin.Context) {
	f := questionFromForm(c)
	t := a.views.pages["question_edit"]
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "question-preview", a.previewView(&f.Q)); err != nil {
		a.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
}

func (a *App) editorData(c *gin.Context, title string, f questionForm, row *models.Question) (D, error) {
	topics, err := a.db.Topics(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		return nil, err
	}
	return D{"Title": title, "Form": f, "Row": row, "Types": questionTypes, "Topics": topics, "Levels": []string{exam.LevelRecall, exam.LevelApplication, exam.LevelAnalysis},
		"Preview": a.previewView(&f.Q)}, nil
}

func (a *App) newQuestion(c *gin.Context) {
	qt := exam.QType(c.DefaultQuery("type", string(exam.TypeSingle)))
	q := exam.Question{Type: qt, Difficulty: 2, Level: exam.LevelRecall}
	if qt == exam.TypeCode {
		q.System = "icd10cm"
	}
	data, err := a.editorData(c, "New question", formFromQuestion(&q, models.StatusDraft), nil)
	if err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "question_edit", data)
}

// questionParam loads :id if the user may see it.
func (a *App) questionParam(c *gin.Context) (*models.Question, *exam.Question, bool) {
	row, q, err := a.db.QuestionFor(c.Request.Context(), currentUser(c), c.Param("id"))
	if err != nil {
		a.fail(c, err)
		return nil, nil, false
	}
	return row, q, true
}

func (a *App) editQuestion(c *gin.Context) {
	row, q, ok := a.questionParam(c)
	if !ok {
		return
	}
	data, err := a.editorData(c, "Question "+row.ID, formFromQuestion(q, row.Status), row)
	if err != nil {
		a.fail(c, err)
		return
	}
	data["ReadOnly"] = !models.CanEdit(currentUser(c), row)
	a.render(c, http.StatusOK, "question_edit", data)
}

// saveQuestion creates (no :id) or edits a question. The "preview" button
// re-shows the form with the preview and saves nothing (the no-JavaScript
// path of the live preview).
func (a *App) saveQuestion(c *gin.Context) {
	u := currentUser(c)
	f := questionFromForm(c)
	var row *models.Question
	title := "New question"
	if id := c.Param("id"); id != "" {
		r, stored, ok := a.questionParam(c)
		if !ok {
			return
		}
		if !models.CanEdit(u, r) {
			a.fail(c, models.ErrNotFound)
			return
		}
		row, f.Q.ID, title = r, r.ID, "Question "+r.ID
		// The editor does not change set membership (SaveAuthored keeps
		// it); carry the case so a re-shown form still shows it.
		f.Q.SetID, f.Q.SetCase, f.Q.SetTitle = stored.SetID, stored.SetCase, stored.SetTitle
	}
	if c.PostForm("action") == "preview" {
		data, err := a.editorData(c, title, f, row)
		if err != nil {
			a.fail(c, err)
			return
		}
		data["Previewed"] = true
		a.render(c, http.StatusOK, "question_edit", data)
		return
	}
	id, err := a.db.SaveAuthored(c.Request.Context(), u, f.Q, f.Status)
	if fe, ok := fieldErrors(err); ok {
		data, e := a.editorData(c, title, f, row)
		if e != nil {
			a.fail(c, e)
			return
		}
		data["Errors"] = editorErrors(fe, f.Q.Type)
		a.render(c, http.StatusBadRequest, "question_edit", data)
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	msg := "Question saved as a draft."
	if f.Status == models.StatusReady {
		msg = "Question saved and ready to use in quizzes."
	}
	a.done(c, msg, "/teach/questions/"+url.PathEscape(id))
}

// duplicateQuestion copies a question; an item of a scenario set is copied
// with its whole set and case.
func (a *App) duplicateQuestion(c *gin.Context) {
	row, q, ok := a.questionParam(c)
	if !ok {
		return
	}
	if q.SetID != "" && row.Status != models.StatusRetired {
		a.duplicateWholeSet(c, q.SetID)
		return
	}
	id, err := a.db.Duplicate(c.Request.Context(), currentUser(c), row.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	a.done(c, "Copied into a new draft of your own. Edit it and mark it ready.", "/teach/questions/"+url.PathEscape(id))
}

// questionText is a question as plain lines, for diffs between versions.
func questionText(q *exam.Question) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Type: %s\nDomain: %s\nTopic: %s\nLevel: %s\nDifficulty: %d\n", q.Type, q.Domain, q.Topic, q.Level, q.Difficulty)
	b.WriteString("Stem:\n" + q.Stem + "\n")
	for i, o := range q.Options {
		fmt.Fprintf(&b, "%s. %s\n   Rationale: %s\n", exam.Letter(i), o.Text, o.Rationale)
	}
	if q.Select > 0 {
		fmt.Fprintf(&b, "Select: %d\n", q.Select)
	}
	if q.System != "" {
		b.WriteString("Code system: " + q.System + "\n")
	}
	b.WriteString("Key: " + strings.Join(q.Key, ", ") + "\n")
	if q.Rationale != "" {
		b.WriteString("Rationale:\n" + q.Rationale + "\n")
	}
	b.WriteString("References: " + strings.Join(q.References, "; ") + "\n")
	if len(q.Tags) > 0 {
		b.WriteString("Tags: " + strings.Join(q.Tags, ", ") + "\n")
	}
	return b.String()
}

func (a *App) questionHistory(c *gin.Context) {
	row, _, ok := a.questionParam(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	vs, err := a.db.QuestionVersions(ctx, row.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	type versionView struct {
		models.QuestionVersion
		Diff    []textdiff.Line
		Current bool
		First   bool
	}
	views := make([]versionView, len(vs))
	prev := ""
	for i, v := range vs {
		q, err := a.db.Version(ctx, v.ID)
		if err != nil {
			a.fail(c, err)
			return
		}
		text := questionText(q)
		views[i] = versionView{QuestionVersion: v, Diff: textdiff.Lines(prev, text), Current: row.CurrentVersion != nil && *row.CurrentVersion == v.ID, First: i == 0}
		prev = text
	}
	// Newest first.
	for i, j := 0, len(views)-1; i < j; i, j = i+1, j-1 {
		views[i], views[j] = views[j], views[i]
	}
	a.render(c, http.StatusOK, "question_history", D{"Title": "History of " + row.ID, "Row": row, "Versions": views})
}

// Scenario sets: one page edits the case and every item of a set, so the
// set is checked and saved whole (2-5 items, a case) and nothing is saved
// while anything is invalid. The form always offers at least
// models.MaxSetItems item blocks; blank blocks are room for new items and
// are ignored. Move up/down and preview re-show the form without saving,
// like the question editor's preview button.

// maxSetBlocks bounds the blocks read from a form (a stored set may hold
// more than MaxSetItems items, e.g. from an import, until it is fixed).
const maxSetBlocks = 12

// setForm is the set editor's state.
type setForm struct {
	ID                  string // "" for a new set
	Title, Case, Status string
	Blocks              []questionForm
}

func blockPrefix(n int) string { return fmt.Sprintf("i%d-", n) }

// number gives each block its position-based prefix (after a move).
func (f *setForm) number() {
	for i := range f.Blocks {
		f.Blocks[i].N, f.Blocks[i].P = i+1, blockPrefix(i+1)
	}
}

// pad adds blank blocks up to the minimum number offered.
func (f *setForm) pad() {
	for len(f.Blocks) < models.MaxSetItems {
		f.Blocks = append(f.Blocks, formFromQuestion(&exam.Question{Type: exam.TypeSingle, Difficulty: 2, Level: exam.LevelRecall}, ""))
	}
	f.number()
}

// blank reports a block with nothing typed into it (the classification
// selects always hold a value, so they do not count).
func (b *questionForm) blank() bool {
	if b.ItemID != "" {
		return false
	}
	for _, s := range []string{b.Q.Stem, b.Q.Rationale, b.Refs, b.Tags, b.Codes} {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	for _, o := range b.Options {
		if strings.TrimSpace(o.Text) != "" || strings.TrimSpace(o.Rationale) != "" {
			return false
		}
	}
	return true
}

func setFromForm(c *gin.Context) setForm {
	f := setForm{Title: c.PostForm("set_title"), Case: c.PostForm("case"), Status: c.PostForm("status")}
	n, _ := strconv.Atoi(c.PostForm("blocks"))
	n = min(max(n, models.MaxSetItems), maxSetBlocks)
	for i := 1; i <= n; i++ {
		f.Blocks = append(f.Blocks, questionFromPrefix(c, blockPrefix(i)))
	}
	f.number()
	return f
}

// input is what SaveSet needs, and the block of each item it lists.
func (f *setForm) input() (models.SetInput, []int) {
	in := models.SetInput{Title: f.Title, Case: f.Case, Status: f.Status}
	var blocks []int
	for i, b := range f.Blocks {
		switch {
		case b.Remove && b.ItemID != "":
			in.Removed = append(in.Removed, b.ItemID)
		case b.blank():
		default:
			q := b.Q
			q.ID = b.ItemID
			in.Items = append(in.Items, q)
			blocks = append(blocks, i)
		}
	}
	return in, blocks
}

// setErrors places SaveSet's messages: set fields keep their names, an
// item's go beside its block's inputs ("items.1.stem" -> "i3-stem").
func setErrors(fields map[string]string, f *setForm, blocks []int) map[string]string {
	out := map[string]string{}
	per := map[int]map[string]string{}
	for k, v := range fields {
		if n, field, ok := models.ParseSetItemField(k); ok && n < len(blocks) {
			b := blocks[n]
			if per[b] == nil {
				per[b] = map[string]string{}
			}
			per[b][field] = v
			continue
		}
		out[k] = v
	}
	for b, m := range per {
		for id, msg := range editorErrors(m, f.Blocks[b].Q.Type) {
			out[f.Blocks[b].P+id] = msg
		}
	}
	return out
}

// setPreview renders the case and the items as students see them after
// answering (sanitised Markdown, like the question preview).
func (a *App) setPreview(f *setForm) D {
	var items []D
	for _, b := range f.Blocks {
		if b.blank() || b.Remove {
			continue
		}
		items = append(items, a.previewView(&b.Q))
	}
	return D{"Title": strings.TrimSpace(f.Title), "Case": markup.Render(f.Case), "Empty": strings.TrimSpace(f.Case) == "", "Items": items}
}

func (a *App) setEditorData(c *gin.Context, title string, f setForm) (D, error) {
	topics, err := a.db.Topics(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		return nil, err
	}
	return D{"Title": title, "Form": f, "Types": questionTypes, "Topics": topics, "Levels": []string{exam.LevelRecall, exam.LevelApplication, exam.LevelAnalysis},
		"Preview": a.setPreview(&f), "Min": models.MinSetItems, "Max": models.MaxSetItems}, nil
}

func setTitle(f *setForm) string {
	if f.ID == "" {
		return "New scenario set"
	}
	if t := strings.TrimSpace(f.Title); t != "" {
		return "Scenario set: " + t
	}
	return "Scenario set " + f.ID
}

func (a *App) newSet(c *gin.Context) {
	f := setForm{Status: models.StatusDraft}
	f.pad()
	data, err := a.setEditorData(c, setTitle(&f), f)
	if err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "question_set", data)
}

// setParam loads the set :id if the user may see it.
func (a *App) setParam(c *gin.Context) (*models.ScenarioSet, bool) {
	s, err := a.db.LoadSet(c.Request.Context(), currentUser(c), c.Param("id"))
	if err != nil {
		a.fail(c, err)
		return nil, false
	}
	return s, true
}

func (a *App) editSet(c *gin.Context) {
	s, ok := a.setParam(c)
	if !ok {
		return
	}
	f := setForm{ID: s.ID, Title: s.Title, Case: s.Case, Status: s.Status()}
	for i, q := range s.Items {
		b := formFromQuestion(q, s.Rows[i].Status)
		b.ItemID = s.Rows[i].ID
		f.Blocks = append(f.Blocks, b)
	}
	f.pad()
	data, err := a.setEditorData(c, setTitle(&f), f)
	if err != nil {
		a.fail(c, err)
		return
	}
	data["Set"] = s
	data["ReadOnly"] = !s.Editable(currentUser(c))
	a.render(c, http.StatusOK, "question_set", data)
}

// saveSet creates (no :id) or edits a scenario set. The action buttons
// "preview", "up-N" and "down-N" re-show the form and save nothing.
func (a *App) saveSet(c *gin.Context) {
	u := currentUser(c)
	f := setFromForm(c)
	if c.Param("id") != "" {
		s, ok := a.setParam(c)
		if !ok {
			return
		}
		if !s.Editable(u) {
			a.fail(c, models.ErrNotFound)
			return
		}
		f.ID = s.ID
	}
	reshow := func(status int, extra D) {
		data, err := a.setEditorData(c, setTitle(&f), f)
		if err != nil {
			a.fail(c, err)
			return
		}
		for k, v := range extra {
			data[k] = v
		}
		a.render(c, status, "question_set", data)
	}
	action := c.PostForm("action")
	if action == "preview" {
		reshow(http.StatusOK, D{"Previewed": true})
		return
	}
	if dir, n, ok := strings.Cut(action, "-"); ok && (dir == "up" || dir == "down") {
		i, _ := strconv.Atoi(n)
		j := i - 2 // the block above, 0-based
		if dir == "down" {
			j = i
		}
		if i >= 1 && i <= len(f.Blocks) && j >= 0 && j < len(f.Blocks) {
			f.Blocks[i-1], f.Blocks[j] = f.Blocks[j], f.Blocks[i-1]
			f.number()
		}
		reshow(http.StatusOK, D{"Moved": true})
		return
	}
	in, blocks := f.input()
	id, err := a.db.SaveSet(c.Request.Context(), u, f.ID, in)
	if fe, ok := fieldErrors(err); ok {
		reshow(http.StatusBadRequest, D{"Errors": setErrors(fe, &f, blocks)})
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	msg := fmt.Sprintf("Scenario set saved as a draft with %d items.", len(in.Items))
	if in.Status == models.StatusReady {
		msg = fmt.Sprintf("Scenario set saved with %d items and ready to use in quizzes.", len(in.Items))
	}
	if len(in.Removed) > 0 {
		msg += fmt.Sprintf(" %d item(s) left the set and were retired; attempts that used them keep them.", len(in.Removed))
	}
	a.done(c, msg, "/teach/sets/"+url.PathEscape(id))
}

func (a *App) duplicateSet(c *gin.Context) { a.duplicateWholeSet(c, c.Param("id")) }

// duplicateWholeSet copies every item of a set, with its case, into a new
// draft set of the user's own.
func (a *App) duplicateWholeSet(c *gin.Context, setID string) {
	id, ids, err := a.db.DuplicateSet(c.Request.Context(), currentUser(c), setID)
	if fe, ok := fieldErrors(err); ok {
		a.flash(c, "error", "This set cannot be copied as it is: "+strings.Join(sortedValues(fe), "; "))
		redirect(c, "/teach/sets/"+url.PathEscape(setID))
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	a.done(c, fmt.Sprintf("Copied the scenario set with its case and %d items into a new draft set of your own. Edit it and mark it ready.", len(ids)),
		"/teach/sets/"+url.PathEscape(id))
}

func sortedValues(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}
