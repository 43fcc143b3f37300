package content

import (
	"fmt"
	"html/template"
	"slices"
	"strings"

	"chartroom/codes"
	"chartroom/exam"
	"chartroom/markup"
)

// Settings a coding case can come from.
var caseSettings = map[string]string{
	"inpatient":  "Inpatient",
	"outpatient": "Hospital outpatient",
	"office":     "Physician office",
	"emergency":  "Emergency department",
}

// CaseCode is one code of a coding case's key, with why it is assigned.
type CaseCode struct {
	Code string `yaml:"code"`
	Why  string `yaml:"why"`
}

// CodingCase is a synthetic clinical note the student codes.
type CodingCase struct {
	ID         string     `yaml:"id"`
	Title      string     `yaml:"title"`
	Setting    string     `yaml:"setting"`
	Document   string     `yaml:"document"`
	FiscalYear int        `yaml:"fiscal_year"`
	Topics     []string   `yaml:"topics"`
	Difficulty int        `yaml:"difficulty"`
	Note       string     `yaml:"note"`
	Diagnoses  []CaseCode `yaml:"diagnoses"`
	Procedures []CaseCode `yaml:"procedures"`
	// AlsoPrincipal lists key diagnoses that may equally be sequenced
	// first (two conditions equally meeting the definition, Section II.C).
	AlsoPrincipal []string `yaml:"also_principal"`
	Rationale     string   `yaml:"rationale"`
	References    []string `yaml:"references"`
	File          string   `yaml:"-"`
	Line          int      `yaml:"-"`
	NoteHTML      template.HTML
	RationaleHT   template.HTML
}

// SettingTitle names the case's setting.
func (c *CodingCase) SettingTitle() string { return caseSettings[c.Setting] }

// Key is the case's answer for the grader.
func (c *CodingCase) Key() exam.CaseKey {
	k := exam.CaseKey{Year: c.FiscalYear, Setting: c.Setting, AlsoPrincipal: c.AlsoPrincipal, Why: map[string]string{}}
	for _, d := range c.Diagnoses {
		k.Diagnoses = append(k.Diagnoses, d.Code)
		k.Why[codes.Normalize(d.Code)] = strings.TrimSpace(d.Why)
	}
	for _, p := range c.Procedures {
		k.Procedures = append(k.Procedures, p.Code)
		k.Why[codes.Normalize(p.Code)] = strings.TrimSpace(p.Why)
	}
	return k
}

// Chapter is the ICD-10-CM chapter of the principal or first-listed code.
func (c *CodingCase) Chapter() *codes.Chapter {
	if len(c.Diagnoses) == 0 {
		return nil
	}
	return codes.ChapterOf(c.Diagnoses[0].Code)
}

// Inpatient cases also take ICD-10-PCS procedure codes.
func (c *CodingCase) Inpatient() bool { return c.Setting == "inpatient" }

func (ld *loader) loadCases(lib *Library) {
	for _, file := range globSorted(ld.fsys, "cases/*.yaml") {
		data, err := readFile(ld.fsys, file)
		if err != nil {
			ld.fail(file, 0, "%v", err)
			continue
		}
		var cf struct {
			Cases []*CodingCase `yaml:"cases"`
		}
		root := ld.decodeStrict(file, data, 0, &cf)
		if root == nil {
			continue
		}
		list := mapValue(root, "cases")
		for i, c := range cf.Cases {
			n := seqItem(list, i)
			c.File, c.Line = file, n.Line
			ld.checkCase(lib, c, n.Line)
			c.NoteHTML = markup.Render(c.Note)
			c.RationaleHT = markup.Render(c.Rationale)
			lib.caseByID[c.ID] = c
			lib.Cases = append(lib.Cases, c)
			ld.addQuestion(lib, file, n, c.Question())
		}
	}
}

func (ld *loader) checkCase(lib *Library, c *CodingCase, line int) {
	fail := func(format string, args ...any) { ld.fail(c.File, line, "case "+c.ID+": "+format, args...) }
	if !idPattern(c.ID) {
		fail("id must be a lowercase slug")
	}
	if _, dup := lib.caseByID[c.ID]; dup {
		fail("id is used twice")
	}
	if _, ok := caseSettings[c.Setting]; !ok {
		fail("setting must be inpatient, outpatient, office or emergency")
	}
	if strings.TrimSpace(c.Title) == "" || strings.TrimSpace(c.Note) == "" || strings.TrimSpace(c.Document) == "" {
		fail("title, document and note are required")
	}
	if c.FiscalYear < 2016 {
		fail("fiscal_year is required (e.g. 2026)")
	}
	if c.Difficulty < 1 || c.Difficulty > 3 {
		fail("difficulty must be 1, 2 or 3")
	}
	if len(c.Topics) == 0 {
		fail("list at least one guideline topic")
	}
	if len(c.Diagnoses) == 0 {
		fail("the key needs at least one diagnosis code (principal or first-listed first)")
	}
	if len(c.Procedures) > 0 && !c.Inpatient() {
		fail("ICD-10-PCS procedure codes belong to inpatient cases only")
	}
	if strings.TrimSpace(c.Rationale) == "" || len(c.References) == 0 {
		fail("a rationale and at least one guideline reference are required")
	}
	seen := map[string]bool{}
	for _, d := range c.Diagnoses {
		if !codes.WellFormed(codes.ICD10CM, d.Code) {
			fail("diagnosis %q is not a well-formed ICD-10-CM code", d.Code)
		}
		if strings.TrimSpace(d.Why) == "" {
			fail("diagnosis %s: say why it is coded (with the guideline section)", d.Code)
		}
		if seen[codes.Normalize(d.Code)] {
			fail("code %s is listed twice", d.Code)
		}
		seen[codes.Normalize(d.Code)] = true
	}
	for _, ap := range c.AlsoPrincipal {
		if !seen[codes.Normalize(ap)] {
			fail("also_principal %s is not one of the case's diagnoses", ap)
		}
	}
	for _, p := range c.Procedures {
		if !codes.WellFormed(codes.ICD10PCS, p.Code) {
			fail("procedure %q is not a well-formed ICD-10-PCS code", p.Code)
		}
		if strings.TrimSpace(p.Why) == "" {
			fail("procedure %s: say why it is coded", p.Code)
		}
	}
}

// Question is the case as a code-entry item: the student reads the whole
// note and enters the principal (inpatient) or first-listed diagnosis. It
// joins the built-in bank under the topic exam.TopicCodingCase, so an
// instructor can put it in a quiz (a fixed list, or a rule on that topic)
// and a student can pick it in custom practice; mocks and ordinary practice
// draws leave it out (see models.DrawFilter). Its key accepts every
// diagnosis that may equally be sequenced first (Section II.C).
func (c *CodingCase) Question() exam.Question {
	role, section := "first-listed", "Section IV"
	if c.Inpatient() {
		role, section = "principal", "Section II"
	}
	var stem strings.Builder
	head := strings.TrimSpace(c.Document)
	if !strings.HasPrefix(strings.ToLower(head), strings.ToLower(c.SettingTitle())) {
		head = c.SettingTitle() + " — " + head
	}
	fmt.Fprintf(&stem, "**%s**\n\n%s\n\n", head, strings.TrimSpace(c.Note))
	fmt.Fprintf(&stem, "Enter the ICD-10-CM code for the %s diagnosis of this encounter.", role)
	key := []string{c.Diagnoses[0].Code}
	for _, alt := range c.AlsoPrincipal {
		if !slices.Contains(key, alt) {
			key = append(key, alt)
		}
	}
	var why strings.Builder
	fmt.Fprintf(&why, "%s is the %s diagnosis (%s of the FY%d guidelines). %s", c.Diagnoses[0].Code, role, section, c.FiscalYear, strings.TrimSpace(c.Diagnoses[0].Why))
	if len(key) > 1 {
		fmt.Fprintf(&why, "\n\nEqually acceptable first: %s, because two conditions equally meet the definition of principal diagnosis (Section II.C).", strings.Join(key[1:], ", "))
	}
	fmt.Fprintf(&why, "\n\n%s\n\nThe full case, with every code, is in Coding practice.", strings.TrimSpace(c.Rationale))
	return exam.Question{
		ID: "case-" + c.ID, Type: exam.TypeCode, System: codes.ICD10CM,
		Domain: exam.DomainData, Topic: exam.TopicCodingCase, Level: exam.LevelAnalysis, Difficulty: c.Difficulty,
		Stem: stem.String(), Key: key, Rationale: why.String(), References: c.References,
		Tags: append([]string{"case-" + c.Setting}, c.Topics...),
	}
}
