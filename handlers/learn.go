package handlers

import (
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"chartroom/content"
	"chartroom/models"
)

// moduleView is a module with the reader's progress.
type moduleView struct {
	*content.Module
	Done, Total int
}

// lessonRow is a lesson in a module's list.
type lessonRow struct {
	*content.Lesson
	Done   bool
	Viewed bool
}

// progress returns the student's progress (nil for other roles: only
// students keep a record).
func (a *App) progress(c *gin.Context) (map[string]models.LessonProgress, error) {
	u := currentUser(c)
	if u.Role != models.RoleStudent {
		return nil, nil
	}
	return a.db.Progress(c.Request.Context(), u.ID)
}

func (a *App) learn(c *gin.Context) {
	prog, err := a.progress(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	var mods []moduleView
	done, total := 0, 0
	for _, m := range a.lib.Modules {
		mv := moduleView{Module: m, Total: len(m.Lessons)}
		for _, l := range m.Lessons {
			if p, ok := prog[l.Key()]; ok && p.CompletedAt != nil {
				mv.Done++
			}
		}
		done += mv.Done
		total += mv.Total
		mods = append(mods, mv)
	}
	a.render(c, http.StatusOK, "learn", D{"Title": "Learn", "Modules": mods, "Done": done, "Total": total,
		"Resume": resumeLesson(a.lib, prog), "Student": prog != nil})
}

// resumeLesson is where a student picks up: the most recently viewed lesson
// not yet complete, else the first lesson not complete.
func resumeLesson(lib *content.Library, prog map[string]models.LessonProgress) *content.Lesson {
	var best *content.Lesson
	var bestAt time.Time
	for _, m := range lib.Modules {
		for _, l := range m.Lessons {
			p, ok := prog[l.Key()]
			if ok && p.CompletedAt == nil && p.ViewedAt.After(bestAt) {
				best, bestAt = l, p.ViewedAt
			}
		}
	}
	if best != nil {
		return best
	}
	for _, m := range lib.Modules {
		for _, l := range m.Lessons {
			if p, ok := prog[l.Key()]; !ok || p.CompletedAt == nil {
				return l
			}
		}
	}
	return nil
}

func (a *App) module(c *gin.Context) {
	m := a.lib.Module(c.Param("module"))
	if m == nil {
		a.fail(c, models.ErrNotFound)
		return
	}
	prog, err := a.progress(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	var rows []lessonRow
	done := 0
	for _, l := range m.Lessons {
		p, ok := prog[l.Key()]
		r := lessonRow{Lesson: l, Viewed: ok, Done: ok && p.CompletedAt != nil}
		if r.Done {
			done++
		}
		rows = append(rows, r)
	}
	a.render(c, http.StatusOK, "module", D{"Title": m.Title, "Module": m, "Lessons": rows, "Done": done, "Student": prog != nil})
}

func (a *App) lesson(c *gin.Context) {
	l := a.lib.Lesson(c.Param("module"), c.Param("lesson"))
	if l == nil {
		a.fail(c, models.ErrNotFound)
		return
	}
	u := currentUser(c)
	ctx := c.Request.Context()
	data := D{"Title": l.Title, "Lesson": l, "Module": l.Module}
	if u.Role == models.RoleStudent {
		if err := a.db.LessonViewed(ctx, u.ID, l.Key(), a.now()); err != nil {
			a.fail(c, err)
			return
		}
		prog, err := a.db.Progress(ctx, u.ID)
		if err != nil {
			a.fail(c, err)
			return
		}
		p := prog[l.Key()]
		data["Done"] = p.CompletedAt != nil
		data["Student"] = true
	}
	var terms []*content.Term
	for _, name := range l.Terms {
		if t := a.lib.TermByName(name); t != nil {
			terms = append(terms, t)
		}
	}
	data["Terms"] = terms
	a.render(c, http.StatusOK, "lesson", data)
}

func (a *App) completeLesson(c *gin.Context) {
	l := a.lib.Lesson(c.Param("module"), c.Param("lesson"))
	if l == nil {
		a.fail(c, models.ErrNotFound)
		return
	}
	done := c.PostForm("done") != "0"
	if err := a.db.SetLessonComplete(c.Request.Context(), currentUser(c).ID, l.Key(), done, a.now()); err != nil {
		a.fail(c, err)
		return
	}
	if done && l.Next != nil && c.PostForm("next") == "1" {
		a.done(c, "Marked complete.", l.Next.URL())
		return
	}
	msg := "Marked complete."
	if !done {
		msg = "Marked not complete."
	}
	a.done(c, msg, l.URL())
}

// letterGroup is one letter of the glossary.
type letterGroup struct {
	Letter string
	Terms  []*content.Term
}

func (a *App) glossary(c *gin.Context) {
	groups := map[string]*letterGroup{}
	for _, t := range a.lib.Glossary {
		g := groups[t.Letter()]
		if g == nil {
			g = &letterGroup{Letter: t.Letter()}
			groups[t.Letter()] = g
		}
		g.Terms = append(g.Terms, t)
	}
	var out []letterGroup
	for _, g := range groups {
		sort.Slice(g.Terms, func(i, j int) bool { return strings.ToLower(g.Terms[i].Term) < strings.ToLower(g.Terms[j].Term) })
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Letter < out[j].Letter })
	modules := map[string]*content.Module{}
	for _, m := range a.lib.Modules {
		modules[m.Slug] = m
	}
	a.render(c, http.StatusOK, "glossary", D{"Title": "Glossary", "Groups": out, "Count": len(a.lib.Glossary), "Modules": modules})
}

func (a *App) search(c *gin.Context) {
	q := strings.TrimSpace(c.Query("q"))
	if utf8.RuneCountInString(q) > 200 {
		q = string([]rune(q)[:200])
	}
	var hits []content.Hit
	if q != "" {
		hits = a.lib.Search().Search(q, 30)
	}
	a.render(c, http.StatusOK, "search", D{"Title": "Search", "Q": q, "Hits": hits})
}

// cohortProgress shows which students finished which lessons.
func (a *App) cohortProgress(c *gin.Context) {
	co, ok := a.cohortParam(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	roster, err := a.db.Roster(ctx, co.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	done, err := a.db.CohortProgress(ctx, co.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	type row struct {
		Student models.RosterEntry
		Done    map[string]bool
		Count   int
		PerMod  []int
	}
	var rows []row
	for _, s := range roster {
		r := row{Student: s, Done: map[string]bool{}}
		for _, m := range a.lib.Modules {
			n := 0
			for _, l := range m.Lessons {
				if _, ok := done[s.ID][l.Key()]; ok {
					r.Done[l.Key()] = true
					n++
				}
			}
			r.Count += n
			r.PerMod = append(r.PerMod, n)
		}
		rows = append(rows, r)
	}
	total := 0
	for _, m := range a.lib.Modules {
		total += len(m.Lessons)
	}
	a.render(c, http.StatusOK, "cohort_progress", D{"Title": "Lesson completion · " + co.Name, "Cohort": co, "Rows": rows,
		"Modules": a.lib.Modules, "Total": total, "Module": a.lib.Module(c.Query("module"))})
}
