package handlers

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"chartroom/codes"
	"chartroom/exam"
	"chartroom/markup"
	"chartroom/models"
)

// Practice modes and their defaults.
const (
	modeTutor  = "tutor"
	modeTimed  = "timed"
	modeMock   = "mock"
	modeCustom = "custom"
	modeReview = "review"
	maxCount   = 100
)

var modeTitles = map[string]string{
	modeTutor: "Tutor practice", modeTimed: "Timed practice", modeMock: "RHIT mock exam",
	modeCustom: "Custom practice", modeReview: "Spaced review", "quiz": "Quiz",
}

// practiceSettings are stored with an attempt.
type practiceSettings struct {
	Domains []exam.Domain `json:"domains,omitempty"`
	Topics  []string      `json:"topics,omitempty"`
	Lesson  string        `json:"lesson,omitempty"`
}

func (a *App) practice(c *gin.Context) {
	u := currentUser(c)
	ctx := c.Request.Context()
	attempts, err := a.db.AttemptsFor(ctx, u.ID, 10)
	if err != nil {
		a.fail(c, err)
		return
	}
	topics, err := a.db.Topics(ctx, 0)
	if err != nil {
		a.fail(c, err)
		return
	}
	_, bp, err := a.db.ActiveBlueprint(ctx, a.lib.Blueprint)
	if err != nil {
		a.fail(c, err)
		return
	}
	var active, recent []models.AttemptSummary
	for _, at := range attempts {
		if at.Status == models.AttemptActive {
			active = append(active, at)
		} else {
			recent = append(recent, at)
		}
	}
	a.render(c, http.StatusOK, "practice", D{"Title": "Practice", "Active": active, "Recent": recent, "Topics": topics,
		"Blueprint": bp, "SecondsPerItem": exam.SecondsPerItem, "Error": c.Query("error")})
}

// startPractice draws questions and creates the attempt.
func (a *App) startPractice(c *gin.Context) {
	u := currentUser(c)
	ctx := c.Request.Context()
	mode := c.PostForm("mode")
	if _, ok := modeTitles[mode]; !ok || mode == "quiz" {
		a.practiceError(c, "Choose a practice mode.")
		return
	}
	count, _ := strconv.Atoi(c.PostForm("count"))
	var doms []exam.Domain
	for _, d := range c.PostFormArray("domain") {
		if exam.Domain(d).Valid() && !slices.Contains(doms, exam.Domain(d)) {
			doms = append(doms, exam.Domain(d))
		}
	}
	f := models.DrawFilter{Domains: doms}
	settings := practiceSettings{Domains: doms}
	spec := exam.DrawSpec{Count: count}
	feedback := models.FeedbackEnd
	var timing exam.Timing
	var blueprintID *int64
	title := modeTitles[mode]
	switch mode {
	case modeTutor:
		feedback = models.FeedbackImmediate
		if key := c.PostForm("lesson"); key != "" {
			l := a.lib.LessonByKey(key)
			if l == nil {
				a.fail(c, models.ErrNotFound)
				return
			}
			f = models.DrawFilter{IDs: l.Check}
			spec.Count = len(l.Check)
			settings = practiceSettings{Lesson: key}
			title = "Knowledge check: " + l.Title
		}
	case modeTimed:
		timing.Limit = time.Duration(spec.Count*exam.SecondsPerItem) * time.Second
	case modeMock:
		row, bp, err := a.db.ActiveBlueprint(ctx, a.lib.Blueprint)
		if err != nil {
			a.fail(c, err)
			return
		}
		f = models.DrawFilter{}
		settings = practiceSettings{}
		spec = exam.DrawSpec{Count: bp.Items, Blueprint: bp, Pretest: bp.Pretest}
		timing.Limit = time.Duration(bp.Minutes) * time.Minute
		blueprintID = &row.ID
	case modeCustom:
		for _, t := range c.PostFormArray("topic") {
			if t != "" {
				f.Topics = append(f.Topics, t)
			}
		}
		for _, s := range c.PostFormArray("difficulty") {
			if d, err := strconv.Atoi(s); err == nil && d >= 1 && d <= 3 {
				f.Difficulties = append(f.Difficulties, d)
			}
		}
		switch st := c.PostForm("status"); st {
		case "", "unseen", "wrong", "flagged":
			f.Status = st
		default:
			a.practiceError(c, "Choose a question status.")
			return
		}
		settings.Topics = f.Topics
		if c.PostForm("feedback") == models.FeedbackImmediate {
			feedback = models.FeedbackImmediate
		}
		if c.PostForm("timed") == "1" {
			timing.Limit = time.Duration(spec.Count*exam.SecondsPerItem) * time.Second
		}
	case modeReview:
		feedback = models.FeedbackImmediate
		due, err := a.db.DueCards(ctx, u.ID, a.now(), maxCount)
		if err != nil {
			a.fail(c, err)
			return
		}
		if len(due) == 0 {
			a.flash(c, "info", "Nothing is due for review right now.")
			redirect(c, "/review")
			return
		}
		ids := make([]string, len(due))
		for i, d := range due {
			ids[i] = d.QuestionID
		}
		f = models.DrawFilter{IDs: ids}
		spec.Count = min(len(ids), max(count, 10))
	}
	if spec.Blueprint == nil && (spec.Count < 1 || spec.Count > maxCount) {
		a.practiceError(c, fmt.Sprintf("Choose between 1 and %d questions.", maxCount))
		return
	}
	cands, err := a.db.Candidates(ctx, u.ID, f)
	if err != nil {
		a.fail(c, err)
		return
	}
	if mode != modeReview && mode != modeMock && settings.Lesson == "" {
		if cands, err = a.completeSets(ctx, u.ID, cands); err != nil {
			a.fail(c, err)
			return
		}
	}
	if mode == modeReview || settings.Lesson != "" {
		// Knowledge checks and reviews take exactly the listed questions.
		spec.Count = min(spec.Count, len(cands))
	}
	at, err := a.startAttempt(ctx, u.ID, mode, title, feedback, cands, spec, exam.Deadline(a.now(), timing), blueprintID, settings)
	var de *exam.DrawError
	if errors.As(err, &de) {
		a.practiceError(c, "Cannot start: "+de.Msg+". Widen the filters or choose fewer questions.")
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	redirect(c, "/attempts/"+strconv.FormatInt(at.ID, 10))
}

// completeSets brings in the rest of every scenario set that a filter
// (domain, topic, difficulty, status) matched only in part: a set is drawn
// whole, with its case, or not at all.
func (a *App) completeSets(ctx context.Context, userID int64, cands []exam.Candidate) ([]exam.Candidate, error) {
	if !slices.ContainsFunc(cands, func(c exam.Candidate) bool { return c.SetID != "" }) {
		return cands, nil
	}
	all, err := a.db.Candidates(ctx, userID, models.DrawFilter{})
	if err != nil {
		return nil, err
	}
	return exam.CompleteSets(cands, all), nil
}

// startAttempt draws, pins versions, shuffles options and stores the attempt.
func (a *App) startAttempt(ctx context.Context, userID int64, mode, title, feedback string, cands []exam.Candidate, spec exam.DrawSpec, deadline *time.Time, blueprintID *int64, settings any) (*models.Attempt, error) {
	rng := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	picked, err := exam.Draw(cands, spec, rng)
	if err != nil {
		return nil, err
	}
	items, err := a.pinItems(ctx, picked, rng, true)
	if err != nil {
		return nil, err
	}
	return a.db.CreateAttempt(ctx, models.NewAttempt{UserID: userID, Mode: mode, Title: title, Feedback: feedback,
		Deadline: deadline, BlueprintID: blueprintID, Settings: settings, Items: items}, a.now())
}

// pinItems fixes each picked question to its current ready version (an
// attempt keeps that version whatever edits follow) and, with shuffle, an
// option order. A question retired since it was picked is left out.
func (a *App) pinItems(ctx context.Context, picked []exam.Picked, rng *rand.Rand, shuffle bool) ([]models.NewItem, error) {
	ids := make([]string, len(picked))
	for i, p := range picked {
		ids[i] = p.ID
	}
	vids, err := a.db.ReadyVersions(ctx, ids)
	if err != nil {
		return nil, err
	}
	vlist := make([]int64, 0, len(vids))
	for _, v := range vids {
		vlist = append(vlist, v)
	}
	versions, err := a.db.Versions(ctx, vlist)
	if err != nil {
		return nil, err
	}
	items := make([]models.NewItem, 0, len(picked))
	for _, p := range picked {
		vid, ok := vids[p.ID]
		q := versions[vid]
		if !ok || q == nil {
			continue
		}
		r := rng
		if !shuffle {
			r = nil // options in their authored order
		}
		order := exam.Shuffle(q, r)
		items = append(items, models.NewItem{QuestionID: p.ID, VersionID: vid, OptionOrder: order, Scored: p.Scored})
	}
	return items, nil
}

func (a *App) practiceError(c *gin.Context, msg string) {
	a.flash(c, "error", msg)
	redirect(c, "/practice")
}

// attemptParam loads the :id attempt of the signed-in student. An attempt
// whose time is up is finalised here, on access, as well as by the sweeper.
func (a *App) attemptParam(c *gin.Context) (*models.Attempt, bool) {
	id, err := idParam(c, "id")
	if err != nil {
		a.fail(c, err)
		return nil, false
	}
	ctx := c.Request.Context()
	at, err := a.db.OwnAttempt(ctx, currentUser(c).ID, id)
	if err != nil {
		a.fail(c, err)
		return nil, false
	}
	if at.Active() && !exam.Accepting(at.Deadline, a.now()) {
		if _, err := a.db.FinishAttempt(ctx, at.ID, models.AttemptExpired, a.now()); err != nil {
			a.fail(c, err)
			return nil, false
		}
		if at, err = a.db.AttemptByID(ctx, at.ID); err != nil {
			a.fail(c, err)
			return nil, false
		}
	}
	return at, true
}

// optionView is one answer choice as displayed.
type optionView struct {
	Letter    string // as shown
	Original  string
	HTML      template.HTML
	Selected  bool
	Key       bool          // only filled when feedback is due
	Rationale template.HTML // only filled when feedback is due
}

// itemView is everything an item page shows.
type itemView struct {
	N          int
	Q          *exam.Question
	Stem       template.HTML
	Case       template.HTML
	Options    []optionView
	Code       string // code-entry answer as typed (display form)
	Flagged    bool
	Answered   bool
	Revealed   bool
	Correct    bool
	Feedback   bool // show key and rationales
	Rationale  template.HTML
	References []string
	KeyCodes   []string
	Seq        int64
	TimeMs     int64
	Scored     bool
}

// renderedVersion is a question version's Markdown rendered to HTML once:
// versions never change, and rendering (goldmark + sanitising) was most of
// an item page's cost.
type renderedVersion struct {
	Stem, Case, Rationale template.HTML
	Options, Rationales   []template.HTML
}

func (a *App) rendered(versionID int64, q *exam.Question) *renderedVersion {
	if r, ok := a.renders.Load(versionID); ok {
		return r.(*renderedVersion)
	}
	r := &renderedVersion{Stem: markup.Render(q.Stem), Rationale: markup.Render(q.Rationale)}
	if q.SetCase != "" {
		r.Case = markup.Render(q.SetCase)
	}
	for _, o := range q.Options {
		r.Options = append(r.Options, markup.Inline(o.Text))
		r.Rationales = append(r.Rationales, markup.Render(o.Rationale))
	}
	a.renders.Store(versionID, r)
	return r
}

func (a *App) buildItemView(it *models.AttemptItem, q *exam.Question, feedback bool) itemView {
	rv := a.rendered(it.VersionID, q)
	v := itemView{N: it.N, Q: q, Stem: rv.Stem, Case: rv.Case, Flagged: it.Flagged, Answered: it.Answered(),
		Revealed: it.Revealed, Feedback: feedback, Seq: it.Seq, TimeMs: it.TimeMs, Scored: it.Scored}
	ans := exam.Answer(it.Answer)
	if q.Type == exam.TypeCode {
		v.Code = it.Answer
		if it.Answer != "" {
			v.Code = codes.Display(q.System, it.Answer)
		}
	}
	for i := 0; i < len(it.OptionOrder); i++ {
		orig := it.OptionOrder[i : i+1]
		idx := strings.Index(exam.Letters, orig)
		if idx < 0 || idx >= len(q.Options) {
			continue
		}
		o := optionView{Letter: exam.Letter(i), Original: orig, HTML: rv.Options[idx], Selected: ans.Has(orig)}
		if feedback {
			o.Key = q.IsKey(orig)
			o.Rationale = rv.Rationales[idx]
		}
		v.Options = append(v.Options, o)
	}
	if feedback {
		v.Correct = exam.Correct(q, ans)
		if it.Correct != nil {
			v.Correct = *it.Correct // graded (and perhaps regraded) at the end
		}
		v.Rationale = rv.Rationale
		v.References = q.References
		if q.Type == exam.TypeCode {
			for _, k := range q.Key {
				v.KeyCodes = append(v.KeyCodes, codes.Display(q.System, k))
			}
		}
	}
	return v
}

// keysHint names the keys that choose among n options ("1–4 or A–D").
func keysHint(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("1–%d or A–%s", n, exam.Letter(n-1))
}

// navItem is one cell of the navigator.
type navItem struct {
	N        int
	Answered bool
	Flagged  bool
	Current  bool
}

func navigator(states []models.ItemState, current int) ([]navItem, int, int) {
	nav := make([]navItem, len(states))
	answered, flagged := 0, 0
	for i, st := range states {
		nav[i] = navItem{N: st.N, Answered: st.Answered, Flagged: st.Flagged, Current: st.N == current}
		if st.Answered {
			answered++
		}
		if st.Flagged {
			flagged++
		}
	}
	return nav, answered, flagged
}

// navigatorHTML renders the navigator's buttons. It is built here rather
// than in the template because it is 150 buttons on every mock page, and
// html/template's escaping made it most of the page's cost. Nothing in it
// comes from a user: numbers and fixed words.
func navigatorHTML(nav []navItem) template.HTML {
	var b strings.Builder
	b.Grow(len(nav) * 150)
	for _, it := range nav {
		n := strconv.Itoa(it.N)
		b.WriteString(`<li><button type="submit" name="go" value="` + n + `" class="nav-item`)
		if it.Answered {
			b.WriteString(" answered")
		}
		if it.Flagged {
			b.WriteString(" flagged")
		}
		b.WriteByte('"')
		if it.Current {
			b.WriteString(` aria-current="step"`)
		}
		b.WriteString(` aria-label="Question ` + n)
		if it.Answered {
			b.WriteString(", answered")
		} else {
			b.WriteString(", unanswered")
		}
		if it.Flagged {
			b.WriteString(", flagged")
		}
		b.WriteString(`">` + n + "</button></li>")
	}
	return template.HTML(b.String())
}

// attemptItem shows one item of an active attempt.
func (a *App) attemptItem(c *gin.Context) {
	at, ok := a.attemptParam(c)
	if !ok {
		return
	}
	if !at.Active() {
		redirect(c, fmt.Sprintf("/attempts/%d/result", at.ID))
		return
	}
	n := at.CurrentItem
	if s := c.Query("item"); s != "" {
		if v, err := strconv.Atoi(s); err == nil {
			n = v
		}
	}
	if n < 1 || n > at.Items {
		a.fail(c, models.ErrNotFound)
		return
	}
	ctx := c.Request.Context()
	states, err := a.db.ItemStates(ctx, at.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	it, err := a.db.Item(ctx, at.ID, n)
	if err != nil {
		a.fail(c, err)
		return
	}
	q, err := a.db.Version(ctx, it.VersionID)
	if err != nil {
		a.fail(c, err)
		return
	}
	// The key and rationales are in the page only for a tutor-mode item
	// whose answer has been checked.
	view := a.buildItemView(it, q, at.Feedback == models.FeedbackImmediate && it.Revealed)
	nav, answered, flagged := navigator(states, n)
	remaining := exam.Remaining(at.Deadline, a.now())
	a.render(c, http.StatusOK, "attempt_item", D{
		"Title": fmt.Sprintf("Question %d of %d · %s", n, at.Items, at.Title), "Attempt": at, "Item": view, "NavHTML": navigatorHTML(nav),
		"Answered": answered, "Flagged": flagged, "Timed": at.Deadline != nil, "RemainingSec": int(remaining.Seconds()),
		"RemainingText": durationText(remaining), "Deadline": at.Deadline, "Tutor": at.Feedback == models.FeedbackImmediate,
		"KeysHint": keysHint(len(view.Options)),
		"NextSeq":  it.Seq + 1, "Shown": a.now().UnixMilli(), "Last": n == at.Items,
	})
}

// saveItem stores an answer: a form post (no JavaScript) saves and moves on;
// an autosave (fetch with X-CSRF-Token) gets JSON back.
func (a *App) saveItem(c *gin.Context) {
	ajax := c.GetHeader("X-CSRF-Token") != ""
	id, err := idParam(c, "id")
	if err != nil {
		a.fail(c, err)
		return
	}
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil || n < 1 {
		a.fail(c, models.ErrNotFound)
		return
	}
	ctx := c.Request.Context()
	// The attempt and the item in one query: this is the autosave path.
	at, it, err := a.db.OwnAttemptItem(ctx, currentUser(c).ID, id, n)
	if err != nil {
		a.fail(c, err)
		return
	}
	if !at.Accepting(a.now()) {
		a.closedAttempt(c, at, ajax)
		return
	}
	q, err := a.db.Version(ctx, it.VersionID)
	if err != nil {
		a.fail(c, err)
		return
	}
	var ans exam.Answer
	if q.Type == exam.TypeCode {
		ans = exam.NormalizeCode(c.PostForm("answer"))
	} else {
		var orig []string
		for _, shown := range c.PostFormArray("answer") {
			if o := exam.Displayed(it.OptionOrder, shown); o != "" {
				orig = append(orig, o)
			}
		}
		ans = exam.NormalizeChoice(q, orig)
	}
	seq, _ := strconv.ParseInt(c.PostForm("seq"), 10, 64)
	if !ajax {
		// A form post is a deliberate act: it wins over whatever is stored.
		seq = max(seq, it.Seq+1)
	}
	base, _ := strconv.ParseInt(c.PostForm("base"), 10, 64)
	shown, _ := strconv.ParseInt(c.PostForm("shown"), 10, 64)
	spent := base
	if shown > 0 {
		spent += min(max(a.now().UnixMilli()-shown, 0), int64(30*time.Minute/time.Millisecond))
	}
	goTo := c.PostForm("go")
	target := n
	switch goTo {
	case "next":
		target = min(n+1, at.Items)
	case "prev":
		target = max(n-1, 1)
	default:
		if v, err := strconv.Atoi(goTo); err == nil && v >= 1 && v <= at.Items {
			target = v
		}
	}
	save := models.Save{AttemptID: at.ID, UserID: at.UserID, N: n, Answer: ans, Flagged: c.PostForm("flag") == "1", Seq: seq, TimeMs: spent}
	if target != at.CurrentItem {
		save.Current = target
	}
	var res models.SaveResult
	if it.Revealed {
		// A checked tutor item's answer is locked; its flag is still saved.
		res, err = a.db.SaveFlag(ctx, save, a.now())
	} else {
		res, err = a.db.SaveAnswer(ctx, save, a.now())
	}
	if err != nil {
		a.saveFailed(c, at, err, ajax)
		return
	}
	if ajax {
		c.JSON(http.StatusOK, gin.H{"ok": true, "applied": res.Applied, "seq": res.Seq})
		return
	}
	base0 := fmt.Sprintf("/attempts/%d", at.ID)
	switch goTo {
	case "check":
		if err := a.db.Reveal(ctx, at.ID, at.UserID, n, a.now()); err != nil {
			if fe, ok := fieldErrors(err); ok {
				a.flash(c, "error", "Choose an answer before checking it.")
				_ = fe
				redirect(c, fmt.Sprintf("%s?item=%d", base0, n))
				return
			}
			a.saveFailed(c, at, err, false)
			return
		}
		redirect(c, fmt.Sprintf("%s?item=%d#feedback", base0, n))
	case "review":
		redirect(c, base0+"/review")
	case "next":
		if n == at.Items {
			redirect(c, base0+"/review")
			return
		}
		redirect(c, fmt.Sprintf("%s?item=%d", base0, target))
	default:
		redirect(c, fmt.Sprintf("%s?item=%d", base0, target))
	}
}

func (a *App) saveFailed(c *gin.Context, at *models.Attempt, err error, ajax bool) {
	switch {
	case errors.Is(err, models.ErrAttemptClosed):
		a.closedAttempt(c, at, ajax)
	case errors.Is(err, models.ErrItemLocked):
		if ajax {
			c.JSON(http.StatusConflict, gin.H{"error": "This item is locked: its answer was checked."})
			return
		}
		redirect(c, fmt.Sprintf("/attempts/%d?item=%s", at.ID, c.Param("n")))
	default:
		a.fail(c, err)
	}
}

// closedAttempt answers a save that came too late.
func (a *App) closedAttempt(c *gin.Context, at *models.Attempt, ajax bool) {
	if at.Active() {
		if _, err := a.db.FinishAttempt(c.Request.Context(), at.ID, models.AttemptExpired, a.now()); err != nil {
			a.fail(c, err)
			return
		}
	}
	msg := "Time is up for this attempt. Answers saved before the deadline count."
	if ajax {
		c.JSON(http.StatusConflict, gin.H{"error": msg, "result": fmt.Sprintf("/attempts/%d/result", at.ID)})
		return
	}
	a.flash(c, "info", msg)
	redirect(c, fmt.Sprintf("/attempts/%d/result", at.ID))
}

// attemptReview is the pre-submit check of an active attempt, or the full
// review with keys and rationales of a finished one.
func (a *App) attemptReview(c *gin.Context) {
	at, ok := a.attemptParam(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	if at.Active() {
		states, err := a.db.ItemStates(ctx, at.ID)
		if err != nil {
			a.fail(c, err)
			return
		}
		nav, answered, flagged := navigator(states, 0)
		remaining := exam.Remaining(at.Deadline, a.now())
		a.render(c, http.StatusOK, "attempt_confirm", D{"Title": "Review before submitting", "Attempt": at, "Nav": nav,
			"Answered": answered, "Flagged": flagged, "Unanswered": at.Items - answered, "Timed": at.Deadline != nil,
			"RemainingSec": int(remaining.Seconds()), "RemainingText": durationText(remaining), "Deadline": at.Deadline})
		return
	}
	if err := a.reviewAllowed(c, at); err != nil {
		if errors.Is(err, errWithheld) {
			a.withheld(c, at)
			return
		}
		a.fail(c, err)
		return
	}
	items, err := a.db.Items(ctx, at.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	filter := c.Query("show")
	ids := make([]int64, len(items))
	for i, it := range items {
		ids[i] = it.VersionID
	}
	versions, err := a.db.Versions(ctx, ids)
	if err != nil {
		a.fail(c, err)
		return
	}
	var views []itemView
	for i := range items {
		it := &items[i]
		v := a.buildItemView(it, versions[it.VersionID], true)
		if filter == "wrong" && v.Correct || filter == "flagged" && !it.Flagged {
			continue
		}
		views = append(views, v)
	}
	a.render(c, http.StatusOK, "attempt_review", D{"Title": "Review · " + at.Title, "Attempt": at, "Items": views, "Show": filter})
}

// reviewAllowed applies a quiz's review policy to the full review (keys
// and rationales); practice attempts are always reviewable.
func (a *App) reviewAllowed(c *gin.Context, at *models.Attempt) error {
	ok, _, err := a.quizRelease(c.Request.Context(), at)
	if err != nil {
		return err
	}
	if !ok {
		return errWithheld
	}
	return nil
}

// errWithheld: the quiz's review policy hides results for now.
var errWithheld = errors.New("results withheld by the quiz's review policy")

func (a *App) submitAttempt(c *gin.Context) {
	at, ok := a.attemptParam(c)
	if !ok {
		return
	}
	if at.Active() {
		if c.PostForm("confirm") != "1" {
			redirect(c, fmt.Sprintf("/attempts/%d/review", at.ID))
			return
		}
		// Submitting twice is one submission: only the first finishes it.
		if _, err := a.db.FinishAttempt(c.Request.Context(), at.ID, models.AttemptSubmitted, a.now()); err != nil {
			a.fail(c, err)
			return
		}
		if at.AssignmentID != nil {
			a.kickStats()
		}
	}
	redirect(c, fmt.Sprintf("/attempts/%d/result", at.ID))
}

func (a *App) attemptResult(c *gin.Context) {
	at, ok := a.attemptParam(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	if at.Active() && at.Deadline != nil && !a.now().Before(*at.Deadline) {
		// The exam page sends the student here when the clock reaches
		// zero, after its last save: the attempt is over, so it is
		// finalised now rather than at the end of the grace period.
		if _, err := a.db.FinishAttempt(ctx, at.ID, models.AttemptExpired, a.now()); err != nil {
			a.fail(c, err)
			return
		}
		if at.AssignmentID != nil {
			a.kickStats()
		}
		var err error
		if at, err = a.db.AttemptByID(ctx, at.ID); err != nil {
			a.fail(c, err)
			return
		}
	}
	if at.Active() {
		redirect(c, fmt.Sprintf("/attempts/%d", at.ID))
		return
	}
	if err := a.reviewAllowed(c, at); err != nil {
		if errors.Is(err, errWithheld) {
			a.withheld(c, at)
			return
		}
		a.fail(c, err)
		return
	}
	items, err := a.db.Items(ctx, at.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	ids := make([]int64, len(items))
	for i, it := range items {
		ids[i] = it.VersionID
	}
	versions, err := a.db.Versions(ctx, ids)
	if err != nil {
		a.fail(c, err)
		return
	}
	results := make([]exam.ItemResult, len(items))
	var totalMs int64
	for i, it := range items {
		q := versions[it.VersionID]
		results[i] = exam.ItemResult{Domain: q.Domain, Scored: it.Scored, Answered: it.Answered(), Correct: it.Correct != nil && *it.Correct}
		totalMs += it.TimeMs
	}
	var bp *exam.Blueprint
	if at.BlueprintID != nil {
		if bp, err = a.db.BlueprintByID(ctx, *at.BlueprintID); err != nil {
			a.fail(c, err)
			return
		}
	}
	sum := exam.Summarize(results, bp)
	data := D{"Title": "Result · " + at.Title, "Attempt": at, "Summary": sum, "Items": items}
	if used, ok := timeUsed(at); ok {
		data["Used"] = used
	}
	if len(items) > 0 {
		data["PerItem"] = time.Duration(totalMs/int64(len(items))) * time.Millisecond
	}
	if at.Mode == modeMock {
		data["Estimate"] = exam.EstimateScaled(sum.Correct, sum.Scored)
		mocks, err := a.finishedMocks(ctx, at.UserID)
		if err != nil {
			a.fail(c, err)
			return
		}
		// An explicit flag: a likelihood that rounds to 0% is still shown.
		p, ok := exam.PassLikelihood(mocks)
		data["HasLikelihood"], data["PassLikelihood"] = ok, int(p*100+0.5)
		data["Mocks"] = len(mocks)
		data["MinMocks"] = exam.MinMocksForLikelihood
	}
	data["CanReview"] = true
	a.render(c, http.StatusOK, "attempt_result", data)
}

// withheld is the result page of a quiz attempt whose results the review
// policy does not show yet: it was received, and when results come.
func (a *App) withheld(c *gin.Context, at *models.Attempt) {
	_, as, err := a.quizRelease(c.Request.Context(), at)
	if err != nil {
		a.fail(c, err)
		return
	}
	_, when := released(&as.Quiz, as.ClosesAt, a.now())
	a.render(c, http.StatusOK, "attempt_withheld", D{"Title": "Submitted · " + at.Title, "Attempt": at, "A": as, "When": when})
}

// timeUsed is how long an attempt took: start to finish, never past its
// deadline (an answer saved in the grace period does not add time, and
// attempts expired before finished_at was capped read right too).
func timeUsed(at *models.Attempt) (time.Duration, bool) {
	if at.FinishedAt == nil {
		return 0, false
	}
	end := *at.FinishedAt
	if at.Deadline != nil && end.After(*at.Deadline) {
		end = *at.Deadline
	}
	return max(0, end.Sub(at.StartedAt)), true
}

// finishedMocks are the full mocks a pass likelihood is based on: submitted
// or expired, graded, with at least one answer. A mock abandoned with no
// answer says nothing about the student and would only drag the estimate
// down, so it does not count (here or in the "you have N" the page shows).
func (a *App) finishedMocks(ctx context.Context, userID int64) ([]exam.MockResult, error) {
	all, err := a.db.AttemptsFor(ctx, userID, 0)
	if err != nil {
		return nil, err
	}
	var out []exam.MockResult
	for _, at := range all {
		if countsAsMock(&at) {
			out = append(out, exam.MockResult{Correct: *at.Correct, Scored: at.ScoredItems})
		}
	}
	return out, nil
}

func countsAsMock(at *models.AttemptSummary) bool {
	return at.Mode == modeMock && (at.Status == models.AttemptSubmitted || at.Status == models.AttemptExpired) &&
		at.Correct != nil && at.Answered > 0
}
