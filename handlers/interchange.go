package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"regexp"
	"strings"

	"github.com/gin-gonic/gin"

	"chartroom/exam"
	"chartroom/interchange"
	"chartroom/markup"
	"chartroom/models"
)

// Import (upload, preview, confirm) and export of questions in GIFT, Aiken
// and Moodle XML.

// maxQuestionFile is the largest question file accepted (the parser's own limit).
const maxQuestionFile = 20 << 20

var formatNames = map[interchange.Format]string{interchange.GIFT: "GIFT", interchange.Aiken: "Aiken", interchange.MoodleXML: "Moodle XML"}

// importDefaults fill what a file does not say (GIFT and Aiken carry no
// domain or topic).
type importDefaults struct {
	Domain     exam.Domain `json:"domain"`
	Topic      string      `json:"topic"`
	Level      string      `json:"level"`
	Difficulty int         `json:"difficulty"`
	Ready      bool        `json:"ready"`
}

// importPreview is what is stored between the upload and the confirmation.
type importPreview struct {
	Items       []interchange.Item    `json:"items"`
	Unsupported []interchange.Problem `json:"unsupported"`
	Defaults    importDefaults        `json:"defaults"`
}

func (a *App) importForm(c *gin.Context) {
	a.renderImport(c, http.StatusOK, D{"Defaults": importDefaults{Level: exam.LevelRecall, Difficulty: 2}})
}

func (a *App) renderImport(c *gin.Context, status int, data D) {
	topics, err := a.db.Topics(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	data["Title"], data["Topics"] = "Import questions", topics
	data["Levels"] = []string{exam.LevelRecall, exam.LevelApplication, exam.LevelAnalysis}
	a.render(c, status, "import", data)
}

var aikenAnswer = regexp.MustCompile(`(?m)^ANSWER:\s*[A-Z]\s*$`)

// detectFormat picks a format from the file name, then the content.
func detectFormat(name string, data []byte) interchange.Format {
	switch strings.ToLower(path.Ext(name)) {
	case ".xml":
		return interchange.MoodleXML
	case ".gift":
		return interchange.GIFT
	}
	trimmed := bytes.TrimSpace(data)
	if bytes.HasPrefix(trimmed, []byte("<?xml")) || bytes.HasPrefix(trimmed, []byte("<quiz")) {
		return interchange.MoodleXML
	}
	if aikenAnswer.Match(data) && !bytes.ContainsAny(data, "{}") {
		return interchange.Aiken
	}
	return interchange.GIFT
}

func (a *App) importUpload(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxQuestionFile+1<<20)
	defaults := importDefaults{Domain: exam.Domain(c.PostForm("domain")), Topic: strings.TrimSpace(c.PostForm("topic")),
		Level: c.PostForm("level"), Difficulty: formInt(c, "difficulty"), Ready: c.PostForm("ready") == "1"}
	data := D{"Defaults": defaults}
	fail := func(msg string) {
		data["Errors"] = map[string]string{"file": msg}
		a.renderImport(c, http.StatusBadRequest, data)
	}
	if defaults.Domain != "" && !defaults.Domain.Valid() {
		fail("choose one of the six domains, or none")
		return
	}
	fh, err := c.FormFile("file")
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			fail("the file is larger than 20 MB; split it into smaller files")
			return
		}
		fail("choose a GIFT, Aiken or Moodle XML file to upload")
		return
	}
	f, err := fh.Open()
	if err != nil {
		a.fail(c, err)
		return
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxQuestionFile+1))
	if err != nil {
		a.fail(c, err)
		return
	}
	format := interchange.Format(c.PostForm("format"))
	if format == "" || format == "auto" {
		format = detectFormat(fh.Filename, raw)
	}
	if _, ok := formatNames[format]; !ok {
		fail("choose GIFT, Aiken or Moodle XML")
		return
	}
	res := interchange.Parse(format, raw)
	data["Filename"], data["Format"], data["FormatName"] = fh.Filename, format, formatNames[format]
	if len(res.Errors) > 0 {
		// One bad question stops the whole file: nothing is imported.
		data["ParseErrors"], data["Unsupported"] = res.Errors, res.Unsupported
		a.renderImport(c, http.StatusBadRequest, data)
		return
	}
	if len(res.Items) == 0 {
		data["Unsupported"] = res.Unsupported
		fail("the file has no questions Chartroom can import")
		return
	}
	for i := range res.Items {
		applyDefaults(&res.Items[i].Question, defaults)
	}
	body, err := json.Marshal(importPreview{Items: res.Items, Unsupported: res.Unsupported, Defaults: defaults})
	if err != nil {
		a.fail(c, err)
		return
	}
	id, err := a.db.SaveImportPreview(c.Request.Context(), currentUser(c).ID, fh.Filename, string(format), string(body))
	if err != nil {
		a.fail(c, err)
		return
	}
	a.renderPreview(c, id, fh.Filename, format, res.Items, res.Unsupported, defaults)
}

func applyDefaults(q *exam.Question, d importDefaults) {
	q.ID = "" // imported questions are new questions of the instructor's
	if q.Domain == "" {
		q.Domain = d.Domain
	}
	if q.Topic == "" {
		q.Topic = d.Topic
	}
	if q.Level == "" {
		q.Level = d.Level
	}
	if q.Difficulty == 0 {
		q.Difficulty = d.Difficulty
	}
}

// previewItem is one question of an import preview.
type previewItem struct {
	interchange.Item
	Stem    string
	Options []choiceCount
	Ready   bool     // passes full validation: would be saved ready if asked
	Missing []string // what keeps it a draft
}

func (a *App) renderPreview(c *gin.Context, id, filename string, format interchange.Format, items []interchange.Item, unsupported []interchange.Problem, d importDefaults) {
	views := make([]previewItem, len(items))
	ready := 0
	for i, it := range items {
		q := it.Question
		q.ID = "preview"
		v := previewItem{Item: it, Stem: truncateWords(markup.PlainText(it.Question.Stem), 40)}
		for j, o := range q.Options {
			v.Options = append(v.Options, choiceCount{Letter: exam.Letter(j), Text: truncateWords(markup.PlainText(o.Text), 16), Key: q.IsKey(exam.Letter(j))})
		}
		seen := map[string]bool{}
		for _, e := range q.Validate() {
			f := e.Field
			if k := strings.IndexAny(f, "[."); k >= 0 {
				f = f[:k]
			}
			if strings.HasSuffix(e.Field, ".rationale") {
				f = "option rationales"
			}
			if !seen[f] {
				seen[f] = true
				v.Missing = append(v.Missing, f)
			}
		}
		v.Ready = len(v.Missing) == 0
		if v.Ready {
			ready++
		}
		views[i] = v
	}
	a.render(c, http.StatusOK, "import_preview", D{"Title": "Check the import", "ID": id, "Filename": filename, "FormatName": formatNames[format],
		"Items": views, "Unsupported": unsupported, "Defaults": d, "ReadyCount": ready})
}

func (a *App) importCommit(c *gin.Context) {
	ctx := c.Request.Context()
	u := currentUser(c)
	id := c.PostForm("preview")
	p, err := a.db.ImportPreviewFor(ctx, u.ID, id)
	if errors.Is(err, models.ErrNotFound) {
		a.flash(c, "error", "That import has expired or was already used. Upload the file again.")
		redirect(c, "/teach/questions/import")
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	if c.PostForm("action") == "cancel" {
		if err := a.db.DeleteImportPreview(ctx, u.ID, id); err != nil {
			a.fail(c, err)
			return
		}
		a.done(c, "Import cancelled; nothing was added.", "/teach/questions")
		return
	}
	var pv importPreview
	if err := json.Unmarshal([]byte(p.Body), &pv); err != nil {
		a.fail(c, err)
		return
	}
	qs := make([]exam.Question, len(pv.Items))
	for i, it := range pv.Items {
		qs[i] = it.Question
	}
	ids, err := a.db.ImportQuestions(ctx, actor(c), u, qs, pv.Defaults.Ready, p.Filename)
	if fe, ok := fieldErrors(err); ok {
		a.flash(c, "error", "Nothing was imported: "+strings.Join(mapValues(fe), "; "))
		redirect(c, "/teach/questions/import")
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	if err := a.db.DeleteImportPreview(ctx, u.ID, id); err != nil {
		a.log.Warn("delete import preview", "err", err)
	}
	a.done(c, fmt.Sprintf("Imported %d question(s) from %s. They are yours to edit; drafts need rationales and references before they are ready.", len(ids), p.Filename),
		"/teach/questions?author=mine")
}

// exportFormat reads ?format= (GIFT and Moodle XML; Aiken loses too much).
func exportFormat(c *gin.Context) (interchange.Format, string, bool) {
	switch interchange.Format(c.Query("format")) {
	case interchange.GIFT:
		return interchange.GIFT, ".gift.txt", true
	case interchange.MoodleXML:
		return interchange.MoodleXML, ".xml", true
	}
	return "", "", false
}

func (a *App) sendQuestions(c *gin.Context, f interchange.Format, ext, name string, ids []string) {
	ctx := c.Request.Context()
	vids, err := a.db.CurrentVersions(ctx, ids)
	if err != nil {
		a.fail(c, err)
		return
	}
	list := make([]int64, 0, len(vids))
	for _, v := range vids {
		list = append(list, v)
	}
	versions, err := a.db.Versions(ctx, list)
	if err != nil {
		a.fail(c, err)
		return
	}
	qs := make([]exam.Question, 0, len(ids))
	for _, id := range ids {
		if q := versions[vids[id]]; q != nil {
			qs = append(qs, *q)
		}
	}
	out, err := interchange.Write(f, qs)
	if err != nil {
		a.fail(c, err)
		return
	}
	ctype := "text/plain; charset=utf-8"
	if f == interchange.MoodleXML {
		ctype = "application/xml; charset=utf-8"
	}
	c.Header("Content-Disposition", `attachment; filename="`+name+ext+`"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, ctype, out)
}

// exportBank exports the questions the bank filters show.
func (a *App) exportBank(c *gin.Context) {
	f, ext, ok := exportFormat(c)
	if !ok {
		a.fail(c, models.Invalid("format", "choose gift or moodlexml"))
		return
	}
	filter := bankFilter(c)
	filter.Limit = 10000
	rows, err := a.db.Bank(c.Request.Context(), currentUser(c), filter)
	if err != nil {
		a.fail(c, err)
		return
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	a.sendQuestions(c, f, ext, "chartroom-questions", ids)
}

// exportQuiz exports a quiz's questions: a fixed list in order, or every
// ready question its rules or blueprint can draw.
func (a *App) exportQuiz(c *gin.Context) {
	q, ok := a.quizParam(c)
	if !ok {
		return
	}
	f, ext, ok := exportFormat(c)
	if !ok {
		a.fail(c, models.Invalid("format", "choose gift or moodlexml"))
		return
	}
	ids, err := a.quizPool(c.Request.Context(), q)
	if err != nil {
		a.fail(c, err)
		return
	}
	a.sendQuestions(c, f, ext, fmt.Sprintf("quiz-%d", q.ID), ids)
}

func (a *App) quizPool(ctx context.Context, q *models.Quiz) ([]string, error) {
	if q.Kind == models.QuizFixed {
		return a.db.QuizQuestions(ctx, q.ID)
	}
	rules := q.DrawRules()
	if q.Kind == models.QuizBlueprint {
		rules = []models.DrawRule{{}}
	}
	seen := map[string]bool{}
	var ids []string
	for _, r := range rules {
		f := r.Filter(q.OwnerID)
		cands, err := a.db.Candidates(ctx, 0, f)
		if err != nil {
			return nil, err
		}
		for _, x := range cands {
			if !seen[x.ID] {
				seen[x.ID] = true
				ids = append(ids, x.ID)
			}
		}
	}
	return ids, nil
}
