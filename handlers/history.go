package handlers

import (
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"chartroom/exam"
	"chartroom/models"
)

// trendPoint is one attempt's score in one domain.
type trendPoint struct {
	AttemptID int64
	At        time.Time
	Percent   float64
	Items     int
}

// domainTrend is a domain's line on the chart and its rows in the table.
type domainTrend struct {
	Domain exam.Domain
	Points []trendPoint
	Colour string
	Dash   string
	Path   string // SVG polyline points
	Mean   float64
}

// Colours and dash patterns tell the lines apart for colour-blind readers
// too; each passes 3:1 against white as non-text contrast requires.
var trendStyles = []struct{ colour, dash string }{
	{"#0b5c66", ""}, {"#a4161a", "6 3"}, {"#5b3a99", "2 3"}, {"#7a4b00", "10 4"}, {"#1f5fa6", "4 2 1 2"}, {"#2f6b1f", "1 2"},
}

func (a *App) history(c *gin.Context) {
	u := currentUser(c)
	ctx := c.Request.Context()
	attempts, err := a.db.AttemptsFor(ctx, u.ID, 0)
	if err != nil {
		a.fail(c, err)
		return
	}
	results, err := a.db.DomainResults(ctx, u.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	trends := buildTrends(results, 12)
	a.render(c, http.StatusOK, "history", D{"Title": "Practice history", "Attempts": attempts, "Trends": trends, "Chart": trendSVG(trends)})
}

// buildTrends keeps each domain's last n attempt results.
func buildTrends(rs []models.DomainResult, n int) []domainTrend {
	per := map[exam.Domain][]trendPoint{}
	for _, r := range rs {
		if r.Items == 0 {
			continue
		}
		per[exam.Domain(r.Domain)] = append(per[exam.Domain(r.Domain)], trendPoint{AttemptID: r.AttemptID, At: r.FinishedAt, Items: r.Items, Percent: 100 * float64(r.Correct) / float64(r.Items)})
	}
	var out []domainTrend
	for i, d := range exam.Domains {
		pts := per[d]
		if len(pts) == 0 {
			continue
		}
		if len(pts) > n {
			pts = pts[len(pts)-n:]
		}
		sum := 0.0
		for _, p := range pts {
			sum += p.Percent
		}
		out = append(out, domainTrend{Domain: d, Points: pts, Colour: trendStyles[i].colour, Dash: trendStyles[i].dash, Mean: sum / float64(len(pts))})
	}
	return out
}

// trendSVG draws the per-domain trend: each domain's recent attempts,
// right-aligned so that every line ends at "latest".
func trendSVG(trends []domainTrend) template.HTML {
	if len(trends) == 0 {
		return ""
	}
	ch := percentChart{ID: "trend", Title: "Percent correct per domain over your recent attempts"}
	for _, t := range trends {
		ch.N = max(ch.N, len(t.Points))
	}
	var desc []string
	for _, t := range trends {
		s := chartSeries{Colour: t.Colour, Dash: t.Dash}
		off := ch.N - len(t.Points)
		for i, p := range t.Points {
			s.Points = append(s.Points, chartPoint{X: i + off, Y: p.Percent})
		}
		ch.Series = append(ch.Series, s)
		last := t.Points[len(t.Points)-1].Percent
		desc = append(desc, fmt.Sprintf("%s: %d attempts, latest %.0f%%, average %.0f%%", t.Domain.Title(), len(t.Points), last, t.Mean))
	}
	ch.Desc = strings.Join(desc, "; ") + ". The table below lists every value."
	return percentChartSVG(ch)
}

// percentChart is a line chart of percentages (0-100) over N ordered
// positions (attempts, weeks). It is the one chart drawer of the app's
// trend views (practice history, coding accuracy).
type percentChart struct {
	ID      string   // prefix of the title and description ids
	Title   string   // the chart's accessible name
	Desc    string   // its numbers in words, for screen readers
	N       int      // positions along x, oldest first
	XLabels []string // a label per position; nil: "older" and "latest" at the ends
	Series  []chartSeries
}

// chartSeries is one line. A position without a value has no point: the
// line breaks there rather than dropping to 0.
type chartSeries struct {
	Colour, Dash string
	Points       []chartPoint // by X ascending
}

type chartPoint struct {
	X int     // 0 … N-1
	Y float64 // percent
}

// percentChartSVG draws a percentChart as an inline SVG: no JavaScript, a
// title and description for screen readers, and the same numbers in a
// table beside it (the page's job).
func percentChartSVG(c percentChart) template.HTML {
	if len(c.Series) == 0 || c.N == 0 {
		return ""
	}
	const w, h, left, right, top, bottom = 640, 280, 44, 16, 12, 28
	x := func(i int) float64 {
		if c.N <= 1 {
			return left + (w-left-right)/2
		}
		return left + float64(i)*float64(w-left-right)/float64(c.N-1)
	}
	y := func(p float64) float64 { return top + (100-p)*float64(h-top-bottom)/100 }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="trend" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-title %s-desc" xmlns="http://www.w3.org/2000/svg">`, w, h, c.ID, c.ID)
	fmt.Fprintf(&b, `<title id="%s-title">%s</title>`, c.ID, template.HTMLEscapeString(c.Title))
	fmt.Fprintf(&b, `<desc id="%s-desc">%s</desc>`, c.ID, template.HTMLEscapeString(c.Desc))
	for _, p := range []float64{0, 25, 50, 75, 100} {
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#c9d1d9"/><text x="%d" y="%.1f" font-size="11" text-anchor="end" fill="#4a5562">%.0f%%</text>`,
			left, w-right, y(p), y(p), left-6, y(p)+4, p)
	}
	if c.XLabels == nil {
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="#4a5562">older</text><text x="%d" y="%d" font-size="11" text-anchor="end" fill="#4a5562">latest</text>`, left, h-8, w-right, h-8)
	}
	for i, l := range c.XLabels {
		anchor := "middle"
		switch {
		case c.N == 1:
		case i == 0:
			anchor = "start"
		case i == c.N-1:
			anchor = "end"
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" text-anchor="%s" fill="#4a5562">%s</text>`, x(i), h-8, anchor, template.HTMLEscapeString(l))
	}
	for _, s := range c.Series {
		dash := ""
		if s.Dash != "" {
			dash = fmt.Sprintf(` stroke-dasharray="%s"`, s.Dash)
		}
		// One polyline per run of consecutive positions.
		var run []string
		flush := func() {
			if len(run) > 1 {
				fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2.5"%s points="%s"/>`, s.Colour, dash, strings.Join(run, " "))
			}
			run = run[:0]
		}
		for i, p := range s.Points {
			if i > 0 && p.X != s.Points[i-1].X+1 {
				flush()
			}
			run = append(run, fmt.Sprintf("%.1f,%.1f", x(p.X), y(p.Y)))
		}
		flush()
		for _, p := range s.Points {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"/>`, x(p.X), y(p.Y), s.Colour)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// weakDomain is a domain's accuracy over all finished attempts.
type weakDomain struct {
	Domain  exam.Domain
	Items   int
	Correct int
	Percent float64
	Weak    bool
}

// domainStrength is a student's accuracy per domain over all finished
// attempts, weakest first (the /review page and supervisors' readiness view).
func (a *App) domainStrength(c *gin.Context, userID int64) ([]weakDomain, error) {
	results, err := a.db.DomainResults(c.Request.Context(), userID)
	if err != nil {
		return nil, err
	}
	agg := map[exam.Domain]*weakDomain{}
	for _, r := range results {
		d := exam.Domain(r.Domain)
		if agg[d] == nil {
			agg[d] = &weakDomain{Domain: d}
		}
		agg[d].Items += r.Items
		agg[d].Correct += r.Correct
	}
	var domains []weakDomain
	for _, d := range exam.Domains {
		w := agg[d]
		if w == nil {
			w = &weakDomain{Domain: d}
		}
		if w.Items > 0 {
			w.Percent = 100 * float64(w.Correct) / float64(w.Items)
		}
		w.Weak = w.Items >= 5 && w.Percent < 100*exam.AssumedCut
		domains = append(domains, *w)
	}
	sort.SliceStable(domains, func(i, j int) bool {
		if (domains[i].Items == 0) != (domains[j].Items == 0) {
			return domains[i].Items > 0
		}
		return domains[i].Percent < domains[j].Percent
	})
	return domains, nil
}

// review is the spaced-review home: weak domains and missed questions due.
func (a *App) review(c *gin.Context) {
	u := currentUser(c)
	ctx := c.Request.Context()
	domains, err := a.domainStrength(c, u.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	due, total, err := a.db.CardCounts(ctx, u.ID, a.now())
	if err != nil {
		a.fail(c, err)
		return
	}
	cards, err := a.db.DueCards(ctx, u.ID, a.now().Add(7*24*time.Hour), 20)
	if err != nil {
		a.fail(c, err)
		return
	}
	type missed struct {
		Card models.ReviewCard
		Stem string
		Due  bool
	}
	var list []missed
	for _, rc := range cards {
		vs, err := a.db.CurrentVersions(ctx, []string{rc.QuestionID})
		if err != nil {
			a.fail(c, err)
			return
		}
		q, err := a.db.Version(ctx, vs[rc.QuestionID])
		if err != nil {
			continue
		}
		list = append(list, missed{Card: rc, Stem: truncateWords(q.Stem, 24), Due: !rc.Due.After(a.now())})
	}
	a.render(c, http.StatusOK, "review", D{"Title": "Review", "Domains": domains, "DueCount": due, "CardCount": total, "Missed": list,
		"CutPercent": int(100 * exam.AssumedCut)})
}

func truncateWords(s string, n int) string {
	f := strings.Fields(s)
	if len(f) <= n {
		return strings.Join(f, " ")
	}
	return strings.Join(f[:n], " ") + " …"
}
