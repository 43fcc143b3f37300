package handlers

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"chartroom/content"
	"chartroom/exam"
)

// maxBlueprintFile bounds an uploaded blueprint; the shipped one is under
// 2 KB.
const maxBlueprintFile = 64 << 10

// blueprintDomainRow is one domain of the active blueprint as the admin
// page shows it: the share and what it means in whole items.
type blueprintDomainRow struct {
	Domain             exam.Domain
	Min, Max           float64
	ItemsLo, ItemsHi   int // of the full form
	ScoredLo, ScoredHi int // of the scored items
}

// adminBlueprint shows the active RHIT blueprint, the form that replaces
// it and every stored version.
func (a *App) adminBlueprint(c *gin.Context) {
	a.renderBlueprint(c, http.StatusOK, D{})
}

func (a *App) renderBlueprint(c *gin.Context, status int, data D) {
	ctx := c.Request.Context()
	row, bp, err := a.db.ActiveBlueprint(ctx, a.lib.Blueprint)
	if err != nil {
		a.fail(c, err)
		return
	}
	history, err := a.db.BlueprintHistory(ctx)
	if err != nil {
		a.fail(c, err)
		return
	}
	var rows []blueprintDomainRow
	for _, d := range bp.Domains {
		r := blueprintDomainRow{Domain: d.Domain, Min: d.Min, Max: d.Max}
		r.ItemsLo, r.ItemsHi = bp.Range(d.Domain, bp.Items)
		r.ScoredLo, r.ScoredHi = bp.Range(d.Domain, bp.Scored)
		rows = append(rows, r)
	}
	data["Title"] = "Exam blueprint"
	data["Row"], data["Current"], data["Domains"], data["History"] = row, bp, rows, history
	if _, ok := data["Body"]; !ok {
		data["Body"] = blueprintYAML(bp)
	}
	a.render(c, status, "admin_blueprint", data)
}

// adminReplaceBlueprint checks an uploaded or pasted blueprint with the
// same rules as content/blueprint.yaml and, only when it passes, makes it
// the active one (audited). Attempts already started keep theirs.
func (a *App) adminReplaceBlueprint(c *gin.Context) {
	raw, problem := blueprintInput(c)
	if problem != "" {
		a.renderBlueprint(c, http.StatusBadRequest, D{"Problems": []string{problem}, "Body": c.PostForm("body")})
		return
	}
	bp, err := content.ParseBlueprint([]byte(raw))
	var le *content.LoadError
	if errors.As(err, &le) {
		a.renderBlueprint(c, http.StatusBadRequest, D{"Problems": blueprintProblems(le), "Body": raw})
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	err = a.db.ReplaceBlueprint(c.Request.Context(), actor(c), bp)
	if fe, ok := fieldErrors(err); ok {
		var problems []string
		for _, msg := range fe {
			problems = append(problems, strings.Split(msg, "\n")...)
		}
		a.renderBlueprint(c, http.StatusBadRequest, D{"Problems": problems, "Body": raw})
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	a.done(c, fmt.Sprintf("Blueprint version %s is now active. Mocks and blueprint quizzes started from now on are drawn to it; attempts already started keep theirs.", bp.Version), "/admin/blueprint")
}

// blueprintInput reads the replacement: a chosen file wins over the text
// box. It returns the text, or a message saying what is missing.
func blueprintInput(c *gin.Context) (string, string) {
	if fh, err := c.FormFile("file"); err == nil && fh.Size > 0 {
		if fh.Size > maxBlueprintFile {
			return "", fmt.Sprintf("The file is larger than %d KB; a blueprint is a short YAML file.", maxBlueprintFile>>10)
		}
		f, err := fh.Open()
		if err != nil {
			return "", "The uploaded file could not be read. Choose it again."
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, maxBlueprintFile))
		if err != nil {
			return "", "The uploaded file could not be read. Choose it again."
		}
		return string(b), ""
	}
	body := c.PostForm("body")
	if strings.TrimSpace(body) == "" {
		return "", "Paste the blueprint YAML into the text box or choose a file."
	}
	if len(body) > maxBlueprintFile {
		return "", fmt.Sprintf("The text is longer than %d KB; a blueprint is a short YAML file.", maxBlueprintFile>>10)
	}
	return body, ""
}

// blueprintProblems turns the loader's problems into sentences for the page,
// one per line, with the YAML line where there is one.
func blueprintProblems(le *content.LoadError) []string {
	var out []string
	for _, p := range le.Problems {
		for _, msg := range strings.Split(p.Msg, "\n") {
			if msg = strings.TrimSpace(msg); msg == "" {
				continue
			}
			if p.Line > 0 {
				msg = "Line " + strconv.Itoa(p.Line) + ": " + msg
			}
			out = append(out, msg)
		}
	}
	return out
}

// blueprintYAML writes a blueprint in the layout of content/blueprint.yaml,
// to start the text box from what is active.
func blueprintYAML(bp *exam.Blueprint) string {
	var b strings.Builder
	for _, f := range [][2]string{{"version", bp.Version}, {"outline", bp.Outline}, {"effective", bp.Effective}, {"source", bp.Source}} {
		fmt.Fprintf(&b, "%s: %s\n", f[0], strconv.Quote(f[1]))
	}
	fmt.Fprintf(&b, "items: %d\nscored: %d\npretest: %d\nminutes: %d\ndomains:\n", bp.Items, bp.Scored, bp.Pretest, bp.Minutes)
	for _, d := range bp.Domains {
		fmt.Fprintf(&b, "  - {domain: %s, min: %s, max: %s}\n", d.Domain, strconv.FormatFloat(d.Min, 'f', -1, 64), strconv.FormatFloat(d.Max, 'f', -1, 64))
	}
	return b.String()
}
