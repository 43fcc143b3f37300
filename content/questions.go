package content

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"chartroom/exam"
)

// stringList accepts `key: B` as well as `key: [B, D]`.
type stringList []string

func (s *stringList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*s = []string{n.Value}
		return nil
	case yaml.SequenceNode:
		var out []string
		if err := n.Decode(&out); err != nil {
			return err
		}
		*s = out
		return nil
	}
	return fmt.Errorf("line %d: expected a value or a list", n.Line)
}

type optionYAML struct {
	Text      string `yaml:"text"`
	Rationale string `yaml:"rationale"`
}

type questionYAML struct {
	ID         string       `yaml:"id"`
	Type       string       `yaml:"type"`
	Domain     string       `yaml:"domain"`
	Topic      string       `yaml:"topic"`
	Level      string       `yaml:"level"`
	Difficulty int          `yaml:"difficulty"`
	Stem       string       `yaml:"stem"`
	Options    []optionYAML `yaml:"options"`
	Key        stringList   `yaml:"key"`
	Select     int          `yaml:"select"`
	System     string       `yaml:"system"`
	Rationale  string       `yaml:"rationale"`
	References []string     `yaml:"references"`
	Tags       []string     `yaml:"tags"`
}

type setYAML struct {
	ID     string         `yaml:"id"`
	Title  string         `yaml:"title"`
	Domain string         `yaml:"domain"`
	Case   string         `yaml:"case"`
	Items  []questionYAML `yaml:"items"`
}

type questionFileYAML struct {
	Questions []questionYAML `yaml:"questions"`
	Sets      []setYAML      `yaml:"sets"`
}

func (q questionYAML) toQuestion() exam.Question {
	out := exam.Question{
		ID: q.ID, Type: exam.QType(q.Type), Domain: exam.Domain(q.Domain), Topic: q.Topic,
		Level: q.Level, Difficulty: q.Difficulty, Stem: strings.TrimSpace(q.Stem),
		Key: []string(q.Key), Select: q.Select, System: q.System,
		Rationale: strings.TrimSpace(q.Rationale), References: q.References, Tags: q.Tags,
	}
	for _, o := range q.Options {
		out.Options = append(out.Options, exam.Option{Text: strings.TrimSpace(o.Text), Rationale: strings.TrimSpace(o.Rationale)})
	}
	if out.Type == exam.TypeCode {
		for i, k := range out.Key {
			out.Key[i] = strings.TrimSpace(k)
		}
	}
	return out
}

func (ld *loader) loadQuestions(lib *Library) {
	files := globSorted(ld.fsys, "questions/*.yaml")
	if len(files) == 0 {
		ld.fail("questions/", 0, "no question files")
	}
	for _, file := range files {
		data, err := readFile(ld.fsys, file)
		if err != nil {
			ld.fail(file, 0, "%v", err)
			continue
		}
		var qf questionFileYAML
		root := ld.decodeStrict(file, data, 0, &qf)
		if root == nil {
			continue
		}
		qs := mapValue(root, "questions")
		for i, qy := range qf.Questions {
			ld.addQuestion(lib, file, seqItem(qs, i), qy.toQuestion())
		}
		sets := mapValue(root, "sets")
		for i, sy := range qf.Sets {
			sn := seqItem(sets, i)
			if !idPattern(sy.ID) {
				ld.fail(file, keyLine(sn, "id"), "set %q: id must be a lowercase slug", sy.ID)
			}
			if strings.TrimSpace(sy.Case) == "" {
				ld.fail(file, keyLine(sn, "case"), "set %s: the case text is required", sy.ID)
			}
			if len(sy.Items) < 2 || len(sy.Items) > 5 {
				ld.fail(file, keyLine(sn, "items"), "set %s: a scenario set has 2 to 5 items (has %d)", sy.ID, len(sy.Items))
			}
			if _, dup := lib.questionByID[sy.ID]; dup {
				ld.fail(file, keyLine(sn, "id"), "set id %q is also a question id", sy.ID)
			}
			items := mapValue(sn, "items")
			for j, qy := range sy.Items {
				q := qy.toQuestion()
				q.SetID, q.SetCase, q.SetTitle = sy.ID, strings.TrimSpace(sy.Case), strings.TrimSpace(sy.Title)
				if q.Domain == "" {
					q.Domain = exam.Domain(sy.Domain)
				}
				ld.addQuestion(lib, file, seqItem(items, j), q)
			}
		}
	}
}

func idPattern(s string) bool {
	q := exam.Question{ID: s}
	for _, e := range q.Validate() {
		if e.Field == "id" {
			return false
		}
	}
	return true
}

func (ld *loader) addQuestion(lib *Library, file string, node *yaml.Node, q exam.Question) {
	for _, e := range q.Validate() {
		ld.fail(file, fieldLine(node, e.Field), "question %s: %s", q.ID, e.Error())
	}
	// The built-in bank follows the RHIT's format: single best answer from four.
	if q.Type == exam.TypeSingle && len(q.Options) != 4 {
		ld.fail(file, keyLine(node, "options"), "question %s: a built-in single-best-answer question has exactly 4 options (has %d)", q.ID, len(q.Options))
	}
	if _, dup := lib.questionByID[q.ID]; dup {
		ld.fail(file, keyLine(node, "id"), "question id %q is used twice", q.ID)
		return
	}
	lib.questionByID[q.ID] = len(lib.Questions)
	lib.Questions = append(lib.Questions, q)
}

// fieldLine maps a FieldError field ("options[B].rationale", "key[0]") to
// the line of the YAML node that holds it.
func fieldLine(n *yaml.Node, field string) int {
	top, rest, _ := strings.Cut(field, "[")
	top, _, _ = strings.Cut(top, ".")
	v := mapValue(n, top)
	if v == nil || rest == "" {
		return keyLine(n, top)
	}
	idx := strings.TrimSuffix(strings.SplitN(rest, "]", 2)[0], "]")
	i := strings.Index(exam.Letters, idx)
	if len(idx) != 1 || i < 0 {
		fmt.Sscanf(idx, "%d", &i)
	}
	if item := seqItem(v, i); item != nil {
		if _, sub, ok := strings.Cut(rest, "]."); ok {
			return keyLine(item, sub)
		}
		return item.Line
	}
	return keyLine(n, top)
}
