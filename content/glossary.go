package content

import (
	"html/template"
	"strings"
	"unicode"

	"chartroom/exam"
	"chartroom/markup"
)

// Term is one glossary entry.
type Term struct {
	Term       string
	Slug       string // anchor on /glossary
	Definition string
	HTML       template.HTML
	See        []string // other terms
	Module     string   // module slug where it is taught
	Line       int
}

// Letter is the A-Z heading the term files under.
func (t *Term) Letter() string {
	for _, r := range t.Term {
		if unicode.IsLetter(r) {
			return strings.ToUpper(string(r))
		}
		if unicode.IsDigit(r) {
			return "#"
		}
	}
	return "#"
}

// Slug turns a term into its anchor: "Protected health information (PHI)"
// -> "protected-health-information-phi".
func Slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	return b.String()
}

type termYAML struct {
	Term       string   `yaml:"term"`
	Definition string   `yaml:"definition"`
	See        []string `yaml:"see"`
	Module     string   `yaml:"module"`
}

func (ld *loader) loadGlossary(lib *Library) {
	const file = "glossary.yaml"
	data, err := readFile(ld.fsys, file)
	if err != nil {
		ld.fail(file, 0, "%v", err)
		return
	}
	var entries []termYAML
	root := ld.decodeStrict(file, data, 0, &entries)
	if root == nil {
		return
	}
	for i, e := range entries {
		n := seqItem(root, i)
		t := &Term{Term: strings.TrimSpace(e.Term), Definition: strings.TrimSpace(e.Definition), See: e.See, Module: e.Module, Line: n.Line}
		t.Slug = Slug(t.Term)
		if t.Term == "" || t.Definition == "" {
			ld.fail(file, n.Line, "term and definition are required")
			continue
		}
		if _, dup := lib.termBySlug[t.Slug]; dup {
			ld.fail(file, n.Line, "term %q is defined twice", t.Term)
			continue
		}
		t.HTML = markup.Render(t.Definition)
		lib.termBySlug[t.Slug] = t
		lib.Glossary = append(lib.Glossary, t)
	}
}

// TermByName finds a glossary entry by its name (case and punctuation
// insensitive).
func (l *Library) TermByName(name string) *Term { return l.termBySlug[Slug(name)] }

func (ld *loader) loadBlueprint(lib *Library) {
	const file = "blueprint.yaml"
	data, err := readFile(ld.fsys, file)
	if err != nil {
		ld.fail(file, 0, "%v", err)
		return
	}
	if ld.decodeStrict(file, data, 0, &lib.Blueprint) == nil {
		return
	}
	if err := lib.Blueprint.Validate(); err != nil {
		ld.fail(file, 0, "%v", err)
	}
}

// ParseBlueprint reads a blueprint file an admin uploads; it applies the
// same checks as the built-in one.
func ParseBlueprint(data []byte) (exam.Blueprint, error) {
	ld := &loader{}
	var b exam.Blueprint
	if ld.decodeStrict("blueprint", data, 0, &b) != nil {
		if err := b.Validate(); err != nil {
			ld.fail("blueprint", 0, "%v", err)
		}
	}
	if len(ld.problems) > 0 {
		return b, &LoadError{ld.problems}
	}
	return b, nil
}

// Competency is one item of the practicum checklist.
type Competency struct {
	ID          string      `yaml:"id"`
	Domain      exam.Domain `yaml:"domain"`
	Title       string      `yaml:"title"`
	Description string      `yaml:"description"`
}

func (ld *loader) loadCompetencies(lib *Library) {
	const file = "competencies.yaml"
	data, err := readFile(ld.fsys, file)
	if err != nil {
		ld.fail(file, 0, "%v", err)
		return
	}
	var cf struct {
		Competencies []Competency `yaml:"competencies"`
	}
	root := ld.decodeStrict(file, data, 0, &cf)
	if root == nil {
		return
	}
	list := mapValue(root, "competencies")
	seen := map[string]bool{}
	for i, c := range cf.Competencies {
		n := seqItem(list, i)
		switch {
		case !idPattern(c.ID):
			ld.fail(file, n.Line, "competency id %q must be a lowercase slug", c.ID)
		case seen[c.ID]:
			ld.fail(file, n.Line, "competency id %q is used twice", c.ID)
		case !c.Domain.Valid():
			ld.fail(file, n.Line, "competency %s: unknown domain %q", c.ID, c.Domain)
		case strings.TrimSpace(c.Title) == "":
			ld.fail(file, n.Line, "competency %s: title is required", c.ID)
		}
		seen[c.ID] = true
		lib.Competencies = append(lib.Competencies, c)
	}
}

// crossCheck validates references between files once everything is loaded.
func (ld *loader) crossCheck(lib *Library) {
	for _, m := range lib.Modules {
		ld.checkLinks(lib, m.Dir+"/index.md", m.Intro)
		for _, l := range m.Lessons {
			ld.checkLinks(lib, l.File, l.Body)
			for _, id := range l.Check {
				if _, ok := lib.Question(id); !ok {
					ld.fail(l.File, l.checkLine, "knowledge check: no question %q in the bank", id)
				}
			}
			for _, t := range l.Terms {
				if lib.TermByName(t) == nil {
					ld.fail(l.File, l.termsLine, "key term %q is not in glossary.yaml", t)
				}
			}
		}
	}
	for _, t := range lib.Glossary {
		for _, s := range t.See {
			if lib.TermByName(s) == nil {
				ld.fail("glossary.yaml", t.Line, "term %q: see %q is not in the glossary", t.Term, s)
			}
		}
		if t.Module != "" && lib.Module(t.Module) == nil {
			ld.fail("glossary.yaml", t.Line, "term %q: no module %q", t.Term, t.Module)
		}
		ld.checkLinks(lib, "glossary.yaml", t.HTML)
	}
	for _, c := range lib.Cases {
		ld.checkLinks(lib, c.File, c.NoteHTML)
	}
}
