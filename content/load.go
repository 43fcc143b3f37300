// Package content is the curriculum as files — modules and lessons, the
// built-in question bank, the RHIT blueprint, the glossary, the practicum
// competencies and the coding cases — embedded in the binary, plus the loader
// that parses and validates all of it. A broken file fails start-up and the
// tests with its file and line.
package content

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"chartroom/exam"
)

// Problem is one thing wrong with a content file.
type Problem struct {
	File string
	Line int
	Msg  string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
	return p.File + ": " + p.Msg
}

// LoadError lists every problem found while loading.
type LoadError struct{ Problems []Problem }

func (e *LoadError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "content: %d problem(s)", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Library is all the content, loaded and cross-checked.
type Library struct {
	Modules      []*Module
	Questions    []exam.Question // built-in bank, in file order
	Blueprint    exam.Blueprint
	Glossary     []*Term
	Competencies []Competency
	Cases        []*CodingCase
	CodeSets     []CodeSubset

	questionByID map[string]int
	moduleBySlug map[string]*Module
	termBySlug   map[string]*Term
	caseByID     map[string]*CodingCase
	search       *Index
}

// Question returns the built-in question with the id.
func (l *Library) Question(id string) (exam.Question, bool) {
	i, ok := l.questionByID[id]
	if !ok {
		return exam.Question{}, false
	}
	return l.Questions[i], true
}

// Module returns the module with the URL slug.
func (l *Library) Module(slug string) *Module { return l.moduleBySlug[slug] }

// Lesson returns the lesson at module/lesson.
func (l *Library) Lesson(module, lesson string) *Lesson {
	m := l.moduleBySlug[module]
	if m == nil {
		return nil
	}
	for _, ls := range m.Lessons {
		if ls.Slug == lesson {
			return ls
		}
	}
	return nil
}

// LessonByKey returns the lesson with key "module/lesson".
func (l *Library) LessonByKey(key string) *Lesson {
	m, ls, _ := strings.Cut(key, "/")
	return l.Lesson(m, ls)
}

// Term returns the glossary entry with the anchor slug.
func (l *Library) Term(slug string) *Term { return l.termBySlug[slug] }

// Case returns the coding case with the id.
func (l *Library) Case(id string) *CodingCase { return l.caseByID[id] }

// Search returns the in-process search index over lessons and glossary.
func (l *Library) Search() *Index { return l.search }

// loader accumulates problems so that one run reports all of them.
type loader struct {
	fsys     fs.FS
	problems []Problem
}

func (ld *loader) fail(file string, line int, format string, args ...any) {
	ld.problems = append(ld.problems, Problem{file, line, fmt.Sprintf(format, args...)})
}

// Load reads and validates everything under fsys (the embedded FS, or a
// directory in tests).
func Load(fsys fs.FS) (*Library, error) {
	ld := &loader{fsys: fsys}
	lib := &Library{
		questionByID: map[string]int{},
		moduleBySlug: map[string]*Module{},
		termBySlug:   map[string]*Term{},
		caseByID:     map[string]*CodingCase{},
	}
	ld.loadBlueprint(lib)
	ld.loadQuestions(lib)
	ld.loadGlossary(lib)
	ld.loadModules(lib)
	ld.loadCompetencies(lib)
	ld.loadCases(lib)
	ld.loadCodeSubsets(lib)
	ld.crossCheck(lib)
	if len(ld.problems) > 0 {
		sort.SliceStable(ld.problems, func(i, j int) bool {
			if ld.problems[i].File != ld.problems[j].File {
				return ld.problems[i].File < ld.problems[j].File
			}
			return ld.problems[i].Line < ld.problems[j].Line
		})
		return nil, &LoadError{ld.problems}
	}
	lib.search = buildIndex(lib)
	return lib, nil
}

// decodeStrict decodes YAML into v, rejecting unknown fields, and returns the
// document node for line lookups. Parse errors are recorded with their line.
// offset is the number of lines before data in the file (front matter).
func (ld *loader) decodeStrict(file string, data []byte, offset int, v any) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		ld.yamlError(file, offset, err)
		return nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		ld.yamlError(file, offset, err)
		return nil
	}
	if len(doc.Content) == 0 {
		return nil
	}
	shiftLines(doc.Content[0], offset)
	return doc.Content[0]
}

func shiftLines(n *yaml.Node, offset int) {
	if offset == 0 {
		return
	}
	n.Line += offset
	for _, c := range n.Content {
		shiftLines(c, offset)
	}
}

// yamlError records a yaml.v3 error, which carries "line N: ..." messages.
func (ld *loader) yamlError(file string, offset int, err error) {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		for _, e := range te.Errors {
			line, msg := splitYAMLLine(e)
			if line == 0 {
				ld.fail(file, 0, "%s", msg)
				continue
			}
			ld.fail(file, line+offset, "%s", msg)
		}
		return
	}
	line, msg := splitYAMLLine(err.Error())
	if line == 0 {
		offset = 0
	}
	ld.fail(file, line+offset, "%s", msg)
}

func splitYAMLLine(s string) (int, string) {
	s = strings.TrimPrefix(s, "yaml: ")
	var line int
	if n, _ := fmt.Sscanf(s, "line %d:", &line); n == 1 {
		if _, rest, ok := strings.Cut(s, ": "); ok {
			return line, rest
		}
	}
	return 0, s
}

// mapValue returns the value node of key in a mapping node.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// keyLine is the line of key in mapping n, or n's own line.
func keyLine(n *yaml.Node, key string) int {
	if n == nil {
		return 0
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i].Line
			}
		}
	}
	return n.Line
}

// seqItem returns item i of sequence node n.
func seqItem(n *yaml.Node, i int) *yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode || i < 0 || i >= len(n.Content) {
		return nil
	}
	return n.Content[i]
}

func readFile(fsys fs.FS, name string) ([]byte, error) { return fs.ReadFile(fsys, name) }

func globSorted(fsys fs.FS, pattern string) []string {
	m, _ := fs.Glob(fsys, pattern)
	sort.Strings(m)
	return m
}

// stripNumber turns "03-icd10cm-coding" into "icd10cm-coding" and 3.
func stripNumber(name string) (string, int) {
	name = strings.TrimSuffix(name, path.Ext(name))
	num, rest, ok := strings.Cut(name, "-")
	if !ok {
		return name, 0
	}
	n := 0
	for _, c := range num {
		if c < '0' || c > '9' {
			return name, 0
		}
		n = n*10 + int(c-'0')
	}
	return rest, n
}

// QuestionIDs lists the built-in question ids in file order.
func (l *Library) QuestionIDs() []string {
	out := make([]string, len(l.Questions))
	for i, q := range l.Questions {
		out[i] = q.ID
	}
	return out
}
