package content

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"chartroom/exam"
)

func mustLoad(t *testing.T) *Library {
	t.Helper()
	lib, err := Load(Files)
	if err != nil {
		t.Fatal(err)
	}
	return lib
}

func TestEmbeddedContentLoads(t *testing.T) {
	lib := mustLoad(t)
	t.Logf("%d modules, %d questions, %d glossary terms, %d competencies, %d coding cases",
		len(lib.Modules), len(lib.Questions), len(lib.Glossary), len(lib.Competencies), len(lib.Cases))
}

// TestLessonsMeetTheBar holds every lesson to the curriculum's standard:
// 800+ words, objectives, references with sections, 3-5 check questions.
func TestLessonsMeetTheBar(t *testing.T) {
	lib := mustLoad(t)
	if len(lib.Modules) < 8 {
		t.Errorf("%d modules; the curriculum has at least 8", len(lib.Modules))
	}
	for _, m := range lib.Modules {
		if len(m.Lessons) < 4 || len(m.Lessons) > 6 {
			t.Errorf("module %s has %d lessons; each module has 4-6", m.Slug, len(m.Lessons))
		}
		for _, l := range m.Lessons {
			if w := l.Words(); w < 800 {
				t.Errorf("%s: %d words; a lesson has at least 800", l.File, w)
			}
			if !strings.Contains(l.Source, "## Summary") {
				t.Errorf("%s: no \"## Summary\" section", l.File)
			}
		}
	}
}

// TestBankCoversTheBlueprint checks that the starter bank can fill one full
// blueprint mock: every domain has at least its maximum share of 150 items.
func TestBankCoversTheBlueprint(t *testing.T) {
	lib := mustLoad(t)
	if n := len(lib.Questions) - len(lib.Cases); n < 160 {
		t.Errorf("%d questions; the starter bank has at least 160", n)
	}
	per := map[exam.Domain]int{}
	levels := map[string]int{}
	cases := 0
	for _, q := range lib.Questions {
		if q.Topic == exam.TopicCodingCase {
			cases++ // items made from coding cases never reach a mock
			continue
		}
		per[q.Domain]++
		levels[q.Level]++
	}
	for _, d := range lib.Blueprint.Domains {
		_, hi := lib.Blueprint.Range(d.Domain, lib.Blueprint.Items)
		if per[d.Domain] < hi {
			t.Errorf("domain %s: %d questions, fewer than the %d a mock may draw", d.Domain, per[d.Domain], hi)
		}
	}
	if levels[exam.LevelRecall] >= levels[exam.LevelApplication]+levels[exam.LevelAnalysis] {
		t.Errorf("recall items (%d) should be fewer than application + analysis (%d)", levels[exam.LevelRecall], levels[exam.LevelApplication]+levels[exam.LevelAnalysis])
	}
	if cases != len(lib.Cases) {
		t.Errorf("%d coding-case items for %d cases", cases, len(lib.Cases))
	}
	t.Logf("per domain: %v; levels: %v", per, levels)
}

// Every coding case is also a code-entry item keyed to its principal or
// first-listed diagnosis (and any diagnosis that may equally go first).
func TestCasesAreCodeEntryItems(t *testing.T) {
	lib := mustLoad(t)
	for _, c := range lib.Cases {
		q, ok := lib.Question("case-" + c.ID)
		if !ok {
			t.Errorf("case %s has no code-entry item", c.ID)
			continue
		}
		if q.Type != exam.TypeCode || q.System != "icd10cm" || q.Topic != exam.TopicCodingCase {
			t.Errorf("%s: type %s system %s topic %s", q.ID, q.Type, q.System, q.Topic)
		}
		if q.Key[0] != c.Diagnoses[0].Code {
			t.Errorf("%s: key %v, want the principal %s first", q.ID, q.Key, c.Diagnoses[0].Code)
		}
		if len(q.Key) != 1+len(c.AlsoPrincipal) && !slices.Contains(c.AlsoPrincipal, c.Diagnoses[0].Code) {
			t.Errorf("%s: key %v, also principal %v", q.ID, q.Key, c.AlsoPrincipal)
		}
		if !strings.Contains(q.Stem, strings.TrimSpace(c.Note)[:40]) {
			t.Errorf("%s: the stem does not carry the note", q.ID)
		}
		if !exam.Correct(&q, exam.NormalizeCode(strings.ToLower(strings.ReplaceAll(c.Diagnoses[0].Code, ".", "")))) {
			t.Errorf("%s: the principal typed without the dot, in lower case, is not accepted", q.ID)
		}
	}
}

func TestGlossarySize(t *testing.T) {
	lib := mustLoad(t)
	if len(lib.Glossary) < 200 {
		t.Errorf("%d glossary terms; the glossary has at least 200", len(lib.Glossary))
	}
}

// A broken file fails with its file and line.
func TestLoadReportsFileAndLine(t *testing.T) {
	fsys := fstest.MapFS{}
	for _, name := range []string{"blueprint.yaml", "glossary.yaml", "competencies.yaml"} {
		data, err := Files.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		fsys[name] = &fstest.MapFile{Data: data}
	}
	fsys["modules/01-sample/index.md"] = &fstest.MapFile{Data: []byte("---\ntitle: Sample\nsummary: s\ndomains: [data]\nobjectives: [one]\n---\nIntro\n")}
	fsys["modules/01-sample/01-first.md"] = &fstest.MapFile{Data: []byte("---\ntitle: First\nminutes: 10\ndomains: [data]\nobjectives: [a, b]\nreferences: [\"45 CFR 164.524\"]\ncheck: [q-one, q-two, q-missing]\nterms: [no such term]\n---\nSee [this](/learn/nowhere/at-all).\n")}
	fsys["questions/bad.yaml"] = &fstest.MapFile{Data: []byte(`questions:
  - id: q-one
    type: single
    domain: data
    topic: mpi
    level: recall
    difficulty: 1
    stem: What?
    options:
      - {text: a, rationale: r}
      - {text: b, rationale: r}
      - {text: c, rationale: ""}
      - {text: d, rationale: r}
    key: B
    references: [x]
  - id: q-two
    type: single
    domain: nowhere
    topic: mpi
    level: recall
    difficulty: 1
    stem: What?
    options:
      - {text: a, rationale: r}
      - {text: b, rationale: r}
      - {text: c, rationale: r}
      - {text: d, rationale: r}
    key: E
    references: [x]
    colour: blue
`)}
	_, err := Load(fsys)
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("want a LoadError, got %v", err)
	}
	msg := le.Error()
	for _, want := range []string{
		"questions/bad.yaml:30: field colour not found",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
	// With the unknown field removed, the field-level problems are reported with lines.
	fsys["questions/bad.yaml"].Data = []byte(strings.Replace(string(fsys["questions/bad.yaml"].Data), "    colour: blue\n", "", 1))
	_, err = Load(fsys)
	if !errors.As(err, &le) {
		t.Fatalf("want a LoadError, got %v", err)
	}
	msg = le.Error()
	for _, want := range []string{
		"questions/bad.yaml:12: question q-one: options[C].rationale: every option needs its own rationale",
		"questions/bad.yaml:18: question q-two: domain: unknown domain \"nowhere\"",
		"questions/bad.yaml:28: question q-two: key: \"E\" is not one of the option letters",
		"modules/01-sample/01-first.md:7: knowledge check: no question \"q-missing\"",
		"key term \"no such term\" is not in glossary.yaml",
		"link /learn/nowhere/at-all: no such module or lesson",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
}
