// Package exam holds the practice-exam engine: the question model, grading,
// blueprint draws, deadlines, scoring estimates, item statistics and the
// FSRS review schedule. It has no HTTP and no SQL.
package exam

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"chartroom/codes"
)

// Domain is one of the six RHIT content-outline domains.
type Domain string

// The RHIT domains, in outline order.
const (
	DomainData       Domain = "data"
	DomainAccess     Domain = "access"
	DomainAnalytics  Domain = "analytics"
	DomainRevenue    Domain = "revenue"
	DomainCompliance Domain = "compliance"
	DomainLeadership Domain = "leadership"
)

// Domains lists every domain in outline order.
var Domains = []Domain{DomainData, DomainAccess, DomainAnalytics, DomainRevenue, DomainCompliance, DomainLeadership}

var domainTitles = map[Domain]string{
	DomainData:       "Data Content, Structure & Information Governance",
	DomainAccess:     "Access, Disclosure, Privacy & Security",
	DomainAnalytics:  "Data Analytics & Use",
	DomainRevenue:    "Revenue Cycle Management",
	DomainCompliance: "Compliance",
	DomainLeadership: "Leadership",
}

// Title is the domain's name as the content outline spells it.
func (d Domain) Title() string {
	if t, ok := domainTitles[d]; ok {
		return t
	}
	return string(d)
}

// Valid reports whether d is one of the six domains.
func (d Domain) Valid() bool { _, ok := domainTitles[d]; return ok }

// QType is a question type.
type QType string

// Question types.
const (
	TypeSingle   QType = "single"   // single best answer, 4 options
	TypeMultiple QType = "multiple" // multiple response, the stem says how many
	TypeCode     QType = "code"     // the student types an ICD-10-CM/PCS code
)

// TopicCodingCase is the topic of the code-entry items made from the coding
// cases (content/cases). Draws leave these long items out unless asked for
// them by this topic or by id.
const TopicCodingCase = "coding-case"

// Cognitive levels.
const (
	LevelRecall      = "recall"
	LevelApplication = "application"
	LevelAnalysis    = "analysis"
)

// Option is one answer choice with its own rationale.
type Option struct {
	Text      string `json:"text"`
	Rationale string `json:"rationale"`
}

// Question is one version of a question: everything a student is shown and
// everything needed to grade and explain it. Built-in questions (content/)
// and authored questions (the database) share this model.
type Question struct {
	ID         string   `json:"id"`
	SetID      string   `json:"set_id,omitempty"`   // scenario set this item belongs to
	SetCase    string   `json:"set_case,omitempty"` // the shared case (Markdown)
	SetTitle   string   `json:"set_title,omitempty"`
	Type       QType    `json:"type"`
	Domain     Domain   `json:"domain"`
	Topic      string   `json:"topic"`
	Level      string   `json:"level"`
	Difficulty int      `json:"difficulty"` // 1 easy, 2 medium, 3 hard
	Stem       string   `json:"stem"`
	Options    []Option `json:"options,omitempty"`
	Key        []string `json:"key"`              // option letters, or accepted codes for code entry
	Select     int      `json:"select,omitempty"` // multiple response: how many to choose
	System     string   `json:"system,omitempty"` // code entry: icd10cm or icd10pcs
	Rationale  string   `json:"rationale,omitempty"`
	References []string `json:"references"`
	Tags       []string `json:"tags,omitempty"`
}

// Letters used for option labels.
const Letters = "ABCDEFGH"

// Letter returns the label of option i (0-based).
func Letter(i int) string { return Letters[i : i+1] }

// FieldError is a validation problem with one field of a question.
type FieldError struct {
	Field   string
	Message string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }

var (
	idPattern    = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,79}$`)
	topicPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,59}$`)
	selectWords  = []string{"", "ONE", "TWO", "THREE", "FOUR", "FIVE"}
)

// Validate checks every field and returns all problems found (nil when valid).
func (q *Question) Validate() []FieldError {
	var errs []FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, FieldError{field, fmt.Sprintf(format, args...)})
	}
	if !idPattern.MatchString(q.ID) {
		add("id", "must be 2-80 characters of lowercase letters, digits and hyphens")
	}
	switch {
	case q.Domain == "":
		add("domain", "choose a domain")
	case !q.Domain.Valid():
		add("domain", "unknown domain %q (one of data, access, analytics, revenue, compliance, leadership)", q.Domain)
	}
	if !topicPattern.MatchString(q.Topic) {
		add("topic", "must be a lowercase slug such as right-of-access")
	}
	switch q.Level {
	case LevelRecall, LevelApplication, LevelAnalysis:
	default:
		add("level", "must be recall, application or analysis")
	}
	if q.Difficulty < 1 || q.Difficulty > 3 {
		add("difficulty", "must be 1 (easy), 2 (medium) or 3 (hard)")
	}
	if strings.TrimSpace(q.Stem) == "" {
		add("stem", "is required")
	}
	if len(q.References) == 0 {
		add("references", "at least one source is required (e.g. 45 CFR 164.524(b)(2))")
	}
	for i, r := range q.References {
		if strings.TrimSpace(r) == "" {
			add(fmt.Sprintf("references[%d]", i), "is empty")
		}
	}
	switch q.Type {
	case TypeSingle, TypeMultiple:
		errs = append(errs, q.validateChoice()...)
	case TypeCode:
		if q.System != codes.ICD10CM && q.System != codes.ICD10PCS {
			add("system", "must be icd10cm or icd10pcs")
		}
		if len(q.Options) > 0 {
			add("options", "a code-entry question has no options")
		}
		if len(q.Key) == 0 {
			add("key", "list at least one accepted code")
		}
		for i, k := range q.Key {
			if !codes.WellFormed(q.System, k) {
				add(fmt.Sprintf("key[%d]", i), "%q is not a well-formed %s code", k, q.System)
			}
		}
		if strings.TrimSpace(q.Rationale) == "" {
			add("rationale", "a code-entry question needs a rationale")
		}
	default:
		add("type", "must be single, multiple or code")
	}
	return errs
}

func (q *Question) validateChoice() []FieldError {
	var errs []FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, FieldError{field, fmt.Sprintf(format, args...)})
	}
	switch {
	case q.Type == TypeSingle && (len(q.Options) < 2 || len(q.Options) > 6):
		add("options", "a single-answer question has 2 to 6 options (has %d)", len(q.Options))
	case q.Type == TypeMultiple && (len(q.Options) < 4 || len(q.Options) > 6):
		add("options", "a multiple-response question has 4 to 6 options (has %d)", len(q.Options))
	}
	seen := map[string]bool{}
	for i, o := range q.Options {
		f := fmt.Sprintf("options[%s]", Letter(min(i, len(Letters)-1)))
		if strings.TrimSpace(o.Text) == "" {
			add(f+".text", "is required")
		}
		if strings.TrimSpace(o.Rationale) == "" {
			add(f+".rationale", "every option needs its own rationale")
		}
		t := strings.ToLower(strings.TrimSpace(o.Text))
		if t != "" && seen[t] {
			add(f+".text", "duplicates another option")
		}
		seen[t] = true
		if banned := bannedOption(t); banned != "" {
			add(f+".text", "do not use %q options", banned)
		}
	}
	want := 1
	if q.Type == TypeMultiple {
		want = q.Select
		if q.Select == 0 {
			// Without a count the key cannot be checked: say what is
			// missing once, beside the count, not as a key of "0 letters".
			want = -1
			add("select", "say how many options to select (2 or more)")
		} else if q.Select < 2 || q.Select >= len(q.Options) {
			want = -1
			add("select", "a multiple-response question selects 2 to %d options", max(2, len(q.Options)-1))
		} else if !strings.Contains(strings.ToUpper(q.Stem), selectWords[min(q.Select, len(selectWords)-1)]) {
			add("stem", "must say how many to choose (e.g. \"Select the %s ...\")", selectWords[min(q.Select, len(selectWords)-1)])
		}
	} else if q.Select != 0 {
		add("select", "only multiple-response questions set select")
	}
	if want < 0 && len(q.Key) == 0 {
		add("key", "tick the correct options")
	}
	if want >= 0 && len(q.Key) != want {
		add("key", "must list exactly %d option letter(s) (has %d)", want, len(q.Key))
	}
	keySeen := map[string]bool{}
	for _, k := range q.Key {
		i := strings.Index(Letters, k)
		if len(k) != 1 || i < 0 || i >= len(q.Options) {
			add("key", "%q is not one of the option letters", k)
		}
		if keySeen[k] {
			add("key", "%q is listed twice", k)
		}
		keySeen[k] = true
	}
	return errs
}

func bannedOption(t string) string {
	for _, b := range []string{"all of the above", "none of the above", "both a and", "a and c", "a and b"} {
		if strings.Contains(t, b) {
			return b
		}
	}
	return ""
}

// draftOptional are the fields a draft may leave incomplete: a question
// can be saved (and imported) as a draft before its rationales, references
// and classification are written, but not marked ready.
var draftOptional = map[string]bool{"domain": true, "topic": true, "level": true, "difficulty": true, "references": true, "rationale": true}

// ValidateDraft checks what a draft needs: a well-formed, answerable
// question. Rationales, references and the classification can follow.
func (q *Question) ValidateDraft() []FieldError {
	var out []FieldError
	for _, e := range q.Validate() {
		top := e.Field
		if i := strings.IndexAny(top, "[."); i >= 0 {
			top = top[:i]
		}
		if draftOptional[top] || strings.HasSuffix(e.Field, ".rationale") || strings.HasPrefix(e.Field, "references[") {
			continue
		}
		out = append(out, e)
	}
	return out
}

// IsKey reports whether original option letter l is part of the key.
func (q *Question) IsKey(l string) bool { return slices.Contains(q.Key, l) }
