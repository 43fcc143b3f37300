package handlers

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"path"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"chartroom/codes"
	"chartroom/content"
	"chartroom/exam"
	"chartroom/markup"
	"chartroom/models"
	"chartroom/static"
	"chartroom/templates"
)

// D is the data of a page.
type D map[string]any

// views holds one parsed template set per page (layout + partials + the
// page), parsed once at start; a missing page panics at start, not later.
type views struct {
	pages  map[string]*template.Template
	assets map[string]string // file -> content hash
	head   template.HTML     // the <head> tags every page has (constant per build)
	logo   string
}

func loadViews(lib *content.Library) (*views, error) {
	v := &views{pages: map[string]*template.Template{}, assets: map[string]string{}}
	err := fs.WalkDir(static.Files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(static.Files, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		v.assets[p] = hex.EncodeToString(sum[:])[:12]
		return nil
	})
	if err != nil {
		return nil, err
	}
	asset := func(name string) string { return "/static/" + name + "?v=" + v.assets[name] }
	v.head = template.HTML(`<link rel="stylesheet" href="` + asset("app.css") + `">
<link rel="stylesheet" href="` + asset("print.css") + `" media="print">
<link rel="icon" href="` + asset("logo.svg") + `" type="image/svg+xml">
<script src="` + asset("app.js") + `" defer></script>`)
	v.logo = asset("logo.svg")
	funcs := templateFuncs(v, lib)
	pages, err := fs.Glob(templates.Files, "pages/*.html")
	if err != nil {
		return nil, err
	}
	for _, p := range pages {
		name := strings.TrimSuffix(path.Base(p), ".html")
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templates.Files, "layout.html", "partials/*.html", p)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		v.pages[name] = t
	}
	return v, nil
}

func templateFuncs(v *views, lib *content.Library) template.FuncMap {
	return template.FuncMap{
		"asset": func(name string) string {
			return "/static/" + name + "?v=" + v.assets[name]
		},
		// printf follows pointers ({{with .Score}}{{printf "%.0f" .}} on a
		// *float64 would print an address otherwise).
		"printf": func(format string, args ...any) string {
			for i, x := range args {
				if v := reflect.ValueOf(x); v.Kind() == reflect.Pointer && !v.IsNil() {
					args[i] = v.Elem().Interface()
				}
			}
			return fmt.Sprintf(format, args...)
		},
		"markdown": markup.Render,
		"inline":   markup.Inline,
		"domainTitle": func(d any) string {
			return exam.Domain(fmt.Sprint(d)).Title()
		},
		"domains":   func() []exam.Domain { return exam.Domains },
		"roleTitle": func(r models.Role) string { return r.Title() },
		"roles":     func() []models.Role { return models.Roles },
		// time renders an instant in UTC inside <time>; app.js shows it in
		// the reader's time zone when JavaScript runs.
		"time": func(t any) template.HTML {
			var tt time.Time
			switch x := t.(type) {
			case time.Time:
				tt = x
			case *time.Time:
				if x == nil {
					return ""
				}
				tt = *x
			default:
				return ""
			}
			if tt.IsZero() {
				return ""
			}
			tt = tt.UTC()
			return template.HTML(fmt.Sprintf(`<time datetime="%s">%s</time>`, tt.Format(time.RFC3339), tt.Format("Jan 2, 2006 15:04 UTC")))
		},
		"date": func(s string) string {
			t, err := time.Parse(models.DateLayout, s)
			if err != nil {
				return s
			}
			return t.Format("Jan 2, 2006")
		},
		"add": func(a, b int) int { return a + b },
		"sub": func(a, b int) int { return a - b },
		"pct": func(a, b any) int {
			x, y := toFloat(a), toFloat(b)
			if y == 0 {
				return 0
			}
			return int(math.Round(100 * x / y))
		},
		"secs":   func(ms int64) float64 { return float64(ms) / 1000 },
		"deref":  func(b *bool) bool { return b != nil && *b },
		"fmt1":   func(f float64) string { return fmt.Sprintf("%.1f", f) },
		"fmt2":   func(f float64) string { return fmt.Sprintf("%.2f", f) },
		"letter": exam.Letter,
		"seq": func(n int) []int {
			s := make([]int, n)
			for i := range s {
				s[i] = i + 1
			}
			return s
		},
		"json": func(x any) template.JS {
			b, _ := json.Marshal(x)
			return template.JS(b)
		},
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
		"hasRole": func(u *models.User, roles ...string) bool {
			if u == nil {
				return false
			}
			for _, r := range roles {
				if string(u.Role) == r {
					return true
				}
			}
			return false
		},
		"codeDisplay": codes.Display,
		"minutes":     durationText,
		"errOf": func(errs any, name string) string {
			if m, ok := errs.(map[string]string); ok {
				return m[name]
			}
			return ""
		},
		"ratingLabel": models.RatingLabel,
		"list":        func(xs ...string) []string { return xs },
		"inList": func(x string, xs []string) bool {
			for _, y := range xs {
				if x == y {
					return true
				}
			}
			return false
		},
		"toFloat": toFloat,
		"toInt64": func(x any) int64 { return int64(toFloat(x)) },
		"mul100":  func(f float64) float64 { return 100 * f },
		"utcInput": func(t any) string {
			if tt, ok := t.(time.Time); ok && !tt.IsZero() {
				return tt.UTC().Format("2006-01-02T15:04")
			}
			return ""
		},
		"utcISO": func(t any) string {
			if tt, ok := t.(time.Time); ok && !tt.IsZero() {
				return tt.UTC().Format(time.RFC3339)
			}
			return ""
		},
		"glossaryURL": func(term string) string { return "/glossary#" + content.Slug(term) },
		"hasTerm":     func(term string) bool { return lib != nil && lib.TermByName(term) != nil },
	}
}

func toFloat(x any) float64 {
	switch v := x.(type) {
	case int:
		return float64(v)
	case int64:
		return float64(v)
	case float64:
		return v
	case float32:
		return float64(v)
	}
	return 0
}

// renderBuffers are reused page buffers: a mock's item page is ~25 KB, and
// growing a fresh buffer to that size was most of a page's allocations.
var renderBuffers = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 64<<10)) }}

// render executes a page into a buffer and writes it, so a template error
// becomes a clean 500 rather than half a page.
func (a *App) render(c *gin.Context, status int, page string, data D) {
	t, ok := a.views.pages[page]
	if !ok {
		a.fail(c, fmt.Errorf("no template %q", page))
		return
	}
	if data == nil {
		data = D{}
	}
	sess := session(c)
	u := currentUser(c)
	data["User"] = u
	data["CSRF"], _ = sess.Values[keyCSRF].(string)
	data["Path"] = c.Request.URL.Path
	data["Head"], data["Logo"] = a.views.head, a.views.logo
	if u != nil {
		data["MainNav"] = navHTML(u.Role, c.Request.URL.Path)
	}
	data["RequestID"] = c.GetString(ctxRequestID)
	if flashes := sess.Flashes(); len(flashes) > 0 {
		var fl []Flash
		for _, f := range flashes {
			if x, ok := f.(Flash); ok {
				fl = append(fl, x)
			}
		}
		data["Flashes"] = fl
		if !sess.IsNew {
			if err := sess.Save(c.Request, c.Writer); err != nil {
				a.log.Warn("clear flashes", "err", err)
			}
		}
	}
	buf := renderBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer renderBuffers.Put(buf)
	if err := t.ExecuteTemplate(buf, "layout.html", data); err != nil {
		a.log.Error("render", "page", page, "err", err, "request_id", c.GetString(ctxRequestID))
		if page != "error" {
			a.renderError(c, http.StatusInternalServerError)
		}
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// ensureSession makes sure an anonymous visitor has a session row (and so a
// CSRF token) before a form is shown.
func (a *App) ensureSession(c *gin.Context) error {
	sess := session(c)
	if sess.IsNew && sess.Store() != nil {
		if err := sess.Save(c.Request, c.Writer); err != nil {
			return err
		}
		sess.IsNew = false
	}
	return nil
}

// flash queues a message for the next page and saves the session.
func (a *App) flash(c *gin.Context, kind, msg string) {
	sess := session(c)
	sess.AddFlash(Flash{Kind: kind, Msg: msg})
	if err := sess.Save(c.Request, c.Writer); err != nil {
		a.log.Warn("save flash", "err", err)
	}
}

// redirect ends a POST: 303 See Other to a GET.
func redirect(c *gin.Context, to string) {
	c.Redirect(http.StatusSeeOther, to)
	c.Abort()
}

// done is the usual end of a successful POST: flash, then redirect.
func (a *App) done(c *gin.Context, msg, to string) {
	a.flash(c, "success", msg)
	redirect(c, to)
}

// navLinks are the main navigation entries per role, in order.
var navLinks = map[models.Role][][2]string{
	models.RoleStudent:    {{"/dashboard", "Dashboard"}, {"/learn", "Learn"}, {"/practice", "Practice"}, {"/review", "Review"}, {"/coding", "Coding"}, {"/codes", "Codes"}, {"/practicum", "Practicum"}, {"/search", "Search"}},
	models.RoleInstructor: {{"/dashboard", "Dashboard"}, {"/teach", "Teach"}, {"/learn", "Curriculum"}, {"/codes", "Codes"}, {"/search", "Search"}},
	models.RoleSupervisor: {{"/dashboard", "Dashboard"}, {"/supervise", "Students"}, {"/learn", "Curriculum"}, {"/search", "Search"}},
	models.RoleAdmin:      {{"/dashboard", "Dashboard"}, {"/admin", "Admin"}, {"/teach", "Cohorts"}, {"/learn", "Curriculum"}, {"/codes", "Codes"}, {"/search", "Search"}},
}

// navHTML renders the main navigation for a role, marking the current
// area. Built in Go because it is on every page; nothing in it is user input.
func navHTML(role models.Role, path string) template.HTML {
	var b strings.Builder
	for _, l := range navLinks[role] {
		b.WriteString(`<li><a href="` + l[0] + `"`)
		if path == l[0] || (l[0] != "/dashboard" && strings.HasPrefix(path, l[0]+"/")) {
			b.WriteString(` aria-current="page"`)
		}
		b.WriteString(">" + l[1] + "</a></li>")
	}
	return template.HTML(b.String())
}

// durationText shows a duration as people read it: "3 h 05 min", "4 min 09 s".
func durationText(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d h %02d min", h, m)
	}
	return fmt.Sprintf("%d min %02d s", m, s)
}
