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
	res := exam.GradeCase(cc.Key(), []string{dx}, []string{pcs}, a.lookupFor(ctx, cc.FiscalYear))
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

// codingProgress shows coding accuracy by chapter and guideline topic.
func (a *App) codingProgress(c *gin.Context) {
	attempts, err := a.db.CodingAttempts(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	byCh, byTopic := models.CodingAccuracy(attempts)
	var chapters []struct {
		Chapter *codes.Chapter
		Acc     *models.Accuracy
	}
	for _, ch := range codes.Chapters {
		if acc, ok := byCh[strconv.Itoa(ch.Number)]; ok {
			chx := ch
			chapters = append(chapters, struct {
				Chapter *codes.Chapter
				Acc     *models.Accuracy
			}{&chx, acc})
		}
	}
	var topics []*models.Accuracy
	for _, t := range byTopic {
		topics = append(topics, t)
	}
	sort.Slice(topics, func(i, j int) bool { return topics[i].Percent() < topics[j].Percent() })
	total := models.Accuracy{}
	for _, at := range attempts {
		total.Points += at.Points
		total.Max += at.MaxPoints
		total.Attempts++
	}
	recent := attempts
	if len(recent) > 15 {
		recent = recent[len(recent)-15:]
	}
	a.render(c, http.StatusOK, "coding_progress", D{"Title": "Coding accuracy", "Chapters": chapters, "Topics": topics, "Total": total, "Recent": recent, "Lib": a.lib})
}
