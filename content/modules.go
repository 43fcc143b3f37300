package content

import (
	"bytes"
	"html/template"
	"path"
	"regexp"
	"strings"

	"chartroom/exam"
	"chartroom/markup"
)

// Module is one course module: an introduction and its lessons.
type Module struct {
	Slug       string // URL slug, "health-record"
	Number     int
	Dir        string // "modules/01-health-record"
	Title      string
	Summary    string
	Domains    []exam.Domain
	Objectives []string
	Intro      template.HTML
	Lessons    []*Lesson
}

// Minutes is the reading time of all lessons.
func (m *Module) Minutes() int {
	t := 0
	for _, l := range m.Lessons {
		t += l.Minutes
	}
	return t
}

// Lesson is one lesson of a module.
type Lesson struct {
	Module     *Module
	Slug       string
	Number     int
	File       string
	Title      string
	Minutes    int
	Domains    []exam.Domain
	Objectives []string
	References []string
	Check      []string // knowledge-check question ids
	Terms      []string // key terms, each in the glossary
	Source     string   // Markdown body
	Body       template.HTML
	Text       string // plain text of the body, for search and word counts
	Prev, Next *Lesson

	checkLine, termsLine int
}

// Key identifies the lesson in progress records: "module/lesson".
func (l *Lesson) Key() string { return l.Module.Slug + "/" + l.Slug }

// URL is the lesson's page.
func (l *Lesson) URL() string { return "/learn/" + l.Key() }

// Words counts the words of the lesson body.
func (l *Lesson) Words() int { return len(strings.Fields(l.Text)) }

type moduleFront struct {
	Title      string   `yaml:"title"`
	Summary    string   `yaml:"summary"`
	Domains    []string `yaml:"domains"`
	Objectives []string `yaml:"objectives"`
}

type lessonFront struct {
	Title      string   `yaml:"title"`
	Minutes    int      `yaml:"minutes"`
	Domains    []string `yaml:"domains"`
	Objectives []string `yaml:"objectives"`
	References []string `yaml:"references"`
	Check      []string `yaml:"check"`
	Terms      []string `yaml:"terms"`
}

// splitFrontMatter separates "---\nyaml\n---\nbody". bodyLine is the line
// number (1-based) where the body starts.
func splitFrontMatter(data []byte) (front, body []byte, bodyLine int, ok bool) {
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	if !bytes.HasPrefix(data, []byte("---\n")) {
		return nil, data, 1, false
	}
	rest := data[4:]
	end := bytes.Index(rest, []byte("\n---\n"))
	if end < 0 {
		return nil, data, 1, false
	}
	front = rest[:end+1]
	body = rest[end+5:]
	bodyLine = bytes.Count(data[:4+end+5], []byte("\n")) + 1
	return front, body, bodyLine, true
}

func (ld *loader) domains(file string, line int, in []string) []exam.Domain {
	var out []exam.Domain
	if len(in) == 0 {
		ld.fail(file, line, "at least one RHIT domain is required")
	}
	for _, d := range in {
		if !exam.Domain(d).Valid() {
			ld.fail(file, line, "unknown domain %q", d)
			continue
		}
		out = append(out, exam.Domain(d))
	}
	return out
}

func (ld *loader) loadModules(lib *Library) {
	dirs := globSorted(ld.fsys, "modules/*/index.md")
	if len(dirs) == 0 {
		ld.fail("modules/", 0, "no modules")
	}
	for _, idx := range dirs {
		dir := path.Dir(idx)
		slug, num := stripNumber(path.Base(dir))
		if num == 0 {
			ld.fail(idx, 0, "module folders are named NN-slug")
			continue
		}
		m := &Module{Slug: slug, Number: num, Dir: dir}
		data, err := readFile(ld.fsys, idx)
		if err != nil {
			ld.fail(idx, 0, "%v", err)
			continue
		}
		front, body, _, ok := splitFrontMatter(data)
		if !ok {
			ld.fail(idx, 1, "missing front matter (--- ... ---)")
			continue
		}
		var mf moduleFront
		node := ld.decodeStrict(idx, front, 1, &mf)
		if node == nil {
			continue
		}
		m.Title, m.Summary, m.Objectives = mf.Title, mf.Summary, mf.Objectives
		if m.Title == "" || m.Summary == "" {
			ld.fail(idx, 2, "title and summary are required")
		}
		if len(m.Objectives) == 0 {
			ld.fail(idx, 2, "list the module's learning objectives")
		}
		m.Domains = ld.domains(idx, keyLine(node, "domains")+1, mf.Domains)
		m.Intro = markup.Render(string(body))
		if _, dup := lib.moduleBySlug[slug]; dup {
			ld.fail(idx, 0, "module slug %q is used twice", slug)
		}
		lib.moduleBySlug[slug] = m
		lib.Modules = append(lib.Modules, m)

		for _, file := range globSorted(ld.fsys, dir+"/*.md") {
			if path.Base(file) == "index.md" {
				continue
			}
			if l := ld.loadLesson(m, file); l != nil {
				m.Lessons = append(m.Lessons, l)
			}
		}
		if len(m.Lessons) == 0 {
			ld.fail(idx, 0, "module %s has no lessons", slug)
		}
	}
	var prev *Lesson
	for _, m := range lib.Modules {
		for _, l := range m.Lessons {
			if prev != nil {
				prev.Next, l.Prev = l, prev
			}
			prev = l
		}
	}
}

func (ld *loader) loadLesson(m *Module, file string) *Lesson {
	slug, num := stripNumber(path.Base(file))
	if num == 0 {
		ld.fail(file, 0, "lesson files are named NN-slug.md")
		return nil
	}
	data, err := readFile(ld.fsys, file)
	if err != nil {
		ld.fail(file, 0, "%v", err)
		return nil
	}
	front, body, _, ok := splitFrontMatter(data)
	if !ok {
		ld.fail(file, 1, "missing front matter (--- ... ---)")
		return nil
	}
	var lf lessonFront
	node := ld.decodeStrict(file, front, 1, &lf)
	if node == nil {
		return nil
	}
	l := &Lesson{
		Module: m, Slug: slug, Number: num, File: file, Title: lf.Title, Minutes: lf.Minutes,
		Objectives: lf.Objectives, References: lf.References, Check: lf.Check, Terms: lf.Terms,
		Source: string(body), checkLine: keyLine(node, "check"), termsLine: keyLine(node, "terms"),
	}
	if l.Title == "" {
		ld.fail(file, 2, "title is required")
	}
	if l.Minutes < 5 || l.Minutes > 120 {
		ld.fail(file, keyLine(node, "minutes"), "minutes must be 5-120 (reading time)")
	}
	if len(l.Objectives) < 2 {
		ld.fail(file, keyLine(node, "objectives"), "list at least two learning objectives")
	}
	if len(l.References) == 0 {
		ld.fail(file, keyLine(node, "references"), "cite at least one source with its section")
	}
	if len(l.Check) < 3 || len(l.Check) > 5 {
		ld.fail(file, keyLine(node, "check"), "a knowledge check has 3-5 question ids (has %d)", len(l.Check))
	}
	if len(l.Terms) == 0 {
		ld.fail(file, keyLine(node, "terms"), "list the lesson's key terms (glossary entries)")
	}
	l.Domains = ld.domains(file, keyLine(node, "domains"), lf.Domains)
	l.Body = markup.Render(l.Source)
	l.Text = markup.PlainText(l.Source)
	return l
}

var hrefPattern = regexp.MustCompile(`href="([^"]*)"`)

// checkLinks verifies the internal links of rendered HTML.
func (ld *loader) checkLinks(lib *Library, file string, h template.HTML) {
	for _, m := range hrefPattern.FindAllStringSubmatch(string(h), -1) {
		href := strings.ReplaceAll(m[1], "&amp;", "&")
		switch {
		case strings.HasPrefix(href, "https://"), strings.HasPrefix(href, "http://"), strings.HasPrefix(href, "#"):
		case strings.HasPrefix(href, "/glossary#"):
			if lib.Term(strings.TrimPrefix(href, "/glossary#")) == nil {
				ld.fail(file, 0, "link %s: no such glossary term", href)
			}
		case strings.HasPrefix(href, "/learn/"):
			parts := strings.Split(strings.Trim(strings.TrimPrefix(strings.SplitN(href, "#", 2)[0], "/learn/"), "/"), "/")
			if len(parts) == 1 && lib.Module(parts[0]) == nil || len(parts) == 2 && lib.Lesson(parts[0], parts[1]) == nil || len(parts) > 2 {
				ld.fail(file, 0, "link %s: no such module or lesson", href)
			}
		case strings.HasPrefix(href, "/codes/"), href == "/glossary", href == "/practice", href == "/codes":
		default:
			ld.fail(file, 0, "link %s: internal links may point to /learn/..., /glossary#term or /codes/...", href)
		}
	}
}
