package handlers

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
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
func questionFromForm(c *gin.Context) questionForm {
	q := exam.Question{
		ID: "", Type: exam.QType(c.PostForm("type")), Domain: exam.Domain(c.PostForm("domain")), Topic: strings.TrimSpace(c.PostForm("topic")),
		Level: c.PostForm("level"), Stem: c.PostForm("stem"), Rationale: c.PostForm("rationale"), System: c.PostForm("system"),
	}
	q.Difficulty, _ = strconv.Atoi(c.PostForm("difficulty"))
	f := questionForm{Refs: c.PostForm("references"), Tags: c.PostForm("tags"), Codes: c.PostForm("codes"), Status: c.PostForm("status")}
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
	for _, k := range c.PostFormArray("key") {
		keys[k] = true
	}
	for i := 0; i < maxOptions; i++ {
		l := exam.Letter(i)
		row := optionRow{Letter: l, Text: c.PostForm("opt_" + l), Rationale: c.PostForm("rat_" + l), Key: keys[l]}
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
			q.Select, _ = strconv.Atoi(c.PostForm("select"))
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
		r, _, ok := a.questionParam(c)
		if !ok {
			return
		}
		if !models.CanEdit(u, r) {
			a.fail(c, models.ErrNotFound)
			return
		}
		row, f.Q.ID, title = r, r.ID, "Question "+r.ID
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

func (a *App) duplicateQuestion(c *gin.Context) {
	id, err := a.db.Duplicate(c.Request.Context(), currentUser(c), c.Param("id"))
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
