package handlers

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"chartroom/codes"
	"chartroom/content"
	"chartroom/exam"
	"chartroom/models"
)

// caseRow is a coding case in the list, with the student's best score.
type caseRow struct {
	*content.CodingCase
	Chapter *codes.Chapter
	Best    float64
	Tries   int
}

func (a *App) coding(c *gin.Context) {
	u := currentUser(c)
	attempts, err := a.db.CodingAttempts(c.Request.Context(), u.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	best := map[string]float64{}
	tries := map[string]int{}
	for _, at := range attempts {
		tries[at.CaseID]++
		best[at.CaseID] = max(best[at.CaseID], at.Percent())
	}
	setting, topic := c.Query("setting"), c.Query("topic")
	chapter, _ := strconv.Atoi(c.Query("chapter"))
	var list []caseRow
	topics := map[string]bool{}
	chapters := map[int]*codes.Chapter{}
	for _, cc := range a.lib.Cases {
		ch := cc.Chapter()
		if ch != nil {
			chapters[ch.Number] = ch
		}
		for _, t := range cc.Topics {
			topics[t] = true
		}
		if setting != "" && cc.Setting != setting || topic != "" && !contains(cc.Topics, topic) || chapter != 0 && (ch == nil || ch.Number != chapter) {
			continue
		}
		list = append(list, caseRow{CodingCase: cc, Chapter: ch, Best: best[cc.ID], Tries: tries[cc.ID]})
	}
	var topicList []string
	for t := range topics {
		topicList = append(topicList, t)
	}
	sort.Strings(topicList)
	var chapterList []*codes.Chapter
	for _, ch := range chapters {
		chapterList = append(chapterList, ch)
	}
	sort.Slice(chapterList, func(i, j int) bool { return chapterList[i].Number < chapterList[j].Number })
	a.render(c, http.StatusOK, "coding", D{"Title": "Coding practice", "Cases": list, "Topics": topicList, "Chapters": chapterList,
		"Setting": setting, "Topic": topic, "Chapter": chapter, "Total": len(a.lib.Cases)})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (a *App) codingCase(c *gin.Context) {
	cc := a.lib.Case(c.Param("id"))
	if cc == nil {
		a.fail(c, models.ErrNotFound)
		return
	}
	a.render(c, http.StatusOK, "coding_case", D{"Title": cc.Title, "Case": cc, "Chapter": cc.Chapter()})
}

// lookupFor answers code questions from the loaded set of the case's year.
// With only the curated subset loaded, a code outside it is "not checked"
// rather than "does not exist".
func (a *App) lookupFor(ctx context.Context, year int) exam.Lookup {
	return func(system, code string) (exam.CodeInfo, bool) {
		ix, set, err := a.db.CodeIndex(ctx, system, year)
		if err != nil {
			return exam.CodeInfo{}, false
		}
		e, ok := ix.Lookup(code)
		if !ok && set.Subset {
			return exam.CodeInfo{}, false
		}
		return exam.CodeInfo{Exists: ok, Billable: e.Billable, Title: e.Long}, true
	}
}

func (a *App) gradeCodingCase(c *gin.Context) {
	cc := a.lib.Case(c.Param("id"))
	if cc == nil {
		a.fail(c, models.ErrNotFound)
		return
	}
	dx, pcs := c.PostForm("dx"), c.PostForm("pcs")
	if strings.TrimSpace(dx) == "" {
		a.render(c, http.StatusBadRequest, "coding_case", D{"Title": cc.Title, "Case": cc, "Chapter": cc.Chapter(),
			"Errors": map[string]string{"dx": "enter at least one diagnosis code, the principal or first-listed one first"}, "Dx": dx, "Pcs": pcs})
		return
	}
	if len(dx) > 2000 || len(pcs) > 2000 {
		a.fail(c, models.Invalid("dx", "too long"))
		return
	}
	if !cc.Inpatient() {
		pcs = "" // procedures are coded with ICD-10-PCS for inpatients only
	}
	ctx := c.Request.Context()
	key := cc.Key()
	res := exam.GradeCase(key, []string{dx}, []string{pcs}, a.lookupFor(ctx, cc.FiscalYear))
	ch := 0
	if x := cc.Chapter(); x != nil {
		ch = x.Number
	}
	at := &models.CodingAttempt{UserID: currentUser(c).ID, CaseID: cc.ID, FiscalYear: cc.FiscalYear, Setting: cc.Setting,
		Chapter: ch, Topics: strings.Join(cc.Topics, ","), Dx: dx, Pcs: pcs}
	if err := a.db.SaveCodingAttempt(ctx, at, res); err != nil {
		a.fail(c, err)
		return
	}
	redirect(c, fmt.Sprintf("/coding/attempts/%d", at.ID))
}

func (a *App) codingResult(c *gin.Context) {
	id, err := idParam(c, "id")
	if err != nil {
		a.fail(c, err)
		return
	}
	at, err := a.db.OwnCodingAttempt(c.Request.Context(), currentUser(c).ID, id)
	if err != nil {
		a.fail(c, err)
		return
	}
	cc := a.lib.Case(at.CaseID)
	if cc == nil {
		a.fail(c, models.ErrNotFound)
		return
	}
	res, err := at.Parsed()
	if err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "coding_result", D{"Title": "Result · " + cc.Title, "Case": cc, "Attempt": at, "Result": res})
}

// progressWeeks is how many of the latest weeks (with attempts) the
// coding accuracy page shows.
const progressWeeks = 10

// chapterTrend is a chapter's row in the coding accuracy tables.
type chapterTrend struct {
	Chapter *codes.Chapter // nil for codes outside the chapters
	models.AccuracyTrend
}

// codingProgress shows coding accuracy per ISO week, overall, by chapter of
// the principal code and by guideline topic: a chart and the tables behind it.
func (a *App) codingProgress(c *gin.Context) {
	attempts, err := a.db.CodingAttempts(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	all := models.CodingAccuracy(attempts)
	prog := all.Recent(progressWeeks)
	var chapters []chapterTrend
	for _, t := range prog.Chapters {
		row := chapterTrend{AccuracyTrend: t}
		for i := range codes.Chapters {
			if strconv.Itoa(codes.Chapters[i].Number) == t.Key {
				row.Chapter = &codes.Chapters[i]
			}
		}
		chapters = append(chapters, row)
	}
	// The chart: all cases, and the chapters coded most (as many as there
	// are line styles); the tables hold every value.
	chart := percentChart{ID: "coding-trend", Title: "Coding accuracy per week", N: len(prog.Weeks)}
	for _, w := range prog.Weeks {
		chart.XLabels = append(chart.XLabels, w.Short())
	}
	type line struct {
		Label, Colour, Dash string
	}
	var legend []line
	var desc []string
	addLine := func(label string, t models.AccuracyTrend, style int) {
		s := chartSeries{Colour: trendStyles[style].colour, Dash: trendStyles[style].dash}
		var vals []string
		for i, wk := range t.Weeks {
			if wk.HasData() {
				s.Points = append(s.Points, chartPoint{X: i, Y: wk.Percent()})
				vals = append(vals, fmt.Sprintf("%s %.0f%%", prog.Weeks[i].Short(), wk.Percent()))
			}
		}
		if len(s.Points) == 0 {
			return
		}
		chart.Series = append(chart.Series, s)
		legend = append(legend, line{label, s.Colour, s.Dash})
		desc = append(desc, label+": "+strings.Join(vals, ", "))
	}
	addLine("All cases", prog.Overall, 0)
	top := make([]int, len(chapters))
	for i := range top {
		top[i] = i
	}
	sort.SliceStable(top, func(i, j int) bool { return chapters[top[i]].Attempts > chapters[top[j]].Attempts })
	for k, i := range top[:min(len(top), len(trendStyles)-1)] {
		addLine(chapterName(chapters[i].Chapter), chapters[i].AccuracyTrend, k+1)
	}
	chart.Desc = strings.Join(desc, "; ") + ". Weeks without a case have no point. The tables below list every value."
	recent := attempts
	if len(recent) > 15 {
		recent = recent[len(recent)-15:]
	}
	a.render(c, http.StatusOK, "coding_progress", D{"Title": "Coding accuracy", "Progress": prog, "Chapters": chapters,
		"Total": prog.Overall.Accuracy, "Chart": percentChartSVG(chart), "Legend": legend, "Trimmed": len(all.Weeks) > len(prog.Weeks), "Recent": recent, "Lib": a.lib})
}

func chapterName(ch *codes.Chapter) string {
	if ch == nil {
		return "Other codes"
	}
	return fmt.Sprintf("Chapter %d, %s", ch.Number, ch.Title)
}
