package interchange

import (
	"fmt"
	"math"
	"strings"

	"chartroom/codes"
	"chartroom/exam"
)

// answer is one answer of a question as a file gives it, already
// unescaped and converted to Markdown.
type answer struct {
	text     string
	feedback string
	weight   float64 // percent of the mark, -100..100
	marked   bool    // GIFT "=": a right answer whatever its weight
	line     int
	images   int // images in the text or feedback (not imported)
}

const imagesWarning = "the question had images, which were not imported"

func answerImages(ans []answer) int {
	n := 0
	for _, a := range ans {
		n += a.images
	}
	return n
}

// selectWords matches the words exam.Question.Validate looks for in a
// multiple-response stem.
var selectWords = []string{"", "ONE", "TWO", "THREE", "FOUR", "FIVE"}

// choiceRule says how the right answers of a multiple-choice question are
// found.
type choiceRule int

const (
	// ruleGIFT: answers marked "=" are right; with none marked, the answers
	// with a positive weight are.
	ruleGIFT choiceRule = iota
	// ruleSingle: Moodle XML <single>true</single>: exactly one answer
	// has fraction 100.
	ruleSingle
	// ruleMulti: Moodle XML <single>false</single>: answers with a
	// positive fraction are right.
	ruleMulti
)

// buildChoice makes a single or multiple-response question. It returns the
// question and its warnings, or a reason it cannot be imported.
func buildChoice(stem string, ans []answer, rule choiceRule) (exam.Question, []string, string) {
	var warn []string
	switch {
	case strings.TrimSpace(stem) == "":
		return exam.Question{}, nil, "the question has no text"
	case len(ans) < 2:
		return exam.Question{}, nil, fmt.Sprintf("a multiple-choice question needs at least 2 answers (has %d)", len(ans))
	case len(ans) > maxOptions:
		return exam.Question{}, nil, fmt.Sprintf("a question can have at most %d options, A to F (has %d)", maxOptions, len(ans))
	}
	var right []int
	switch rule {
	case ruleGIFT:
		for i, a := range ans {
			if a.marked {
				right = append(right, i)
			}
		}
		if len(right) > 0 {
			var partial []string
			for i, a := range ans {
				if !a.marked && a.weight > 0 {
					partial = append(partial, fmt.Sprintf("%s %s%%", exam.Letter(i), formatWeight(a.weight)))
				}
			}
			if len(partial) > 0 {
				warn = append(warn, fmt.Sprintf("the file gives partial credit (%s); Chartroom scores right or wrong, so only the answers marked = count as right", strings.Join(partial, ", ")))
			}
			break
		}
		right = positive(ans)
		warn = append(warn, weightWarnings(ans, right)...)
	case ruleSingle:
		for i, a := range ans {
			if a.weight >= 99.99 {
				right = append(right, i)
			}
		}
		switch {
		case len(right) == 0:
			return exam.Question{}, nil, "no answer is fully right (fraction 100); a single-answer question needs one"
		case len(right) > 1:
			return exam.Question{}, nil, fmt.Sprintf("the question allows one answer (<single>true</single>) but %s each have fraction 100; Chartroom needs exactly one right answer (or set <single>false</single> for a multiple-response question)", letterList(right))
		}
		var partial []string
		for i, a := range ans {
			if i != right[0] && a.weight > 0 {
				partial = append(partial, fmt.Sprintf("%s %s%%", exam.Letter(i), formatWeight(a.weight)))
			}
		}
		if len(partial) > 0 {
			warn = append(warn, fmt.Sprintf("the file gives partial credit (%s); Chartroom scores right or wrong, so only option %s counts as right", strings.Join(partial, ", "), exam.Letter(right[0])))
		}
	case ruleMulti:
		right = positive(ans)
		warn = append(warn, weightWarnings(ans, right)...)
		if len(right) == 1 {
			warn = append(warn, fmt.Sprintf("the file lets students choose several answers but only option %s is right; imported as a single-answer question", exam.Letter(right[0])))
		}
	}
	switch {
	case len(right) == 0 && rule == ruleGIFT:
		return exam.Question{}, nil, "no answer is marked right (mark the right answer with = or give it a positive weight such as %100%)"
	case len(right) == 0:
		return exam.Question{}, nil, "no answer has a positive fraction, so none is right"
	}
	if len(right) == len(ans) {
		return exam.Question{}, nil, "every answer is marked right; a question needs at least one wrong answer"
	}

	q := exam.Question{Type: exam.TypeSingle, Stem: stem}
	if len(right) > 1 {
		q.Type = exam.TypeMultiple
		q.Select = len(right)
		if len(ans) < 4 {
			return exam.Question{}, nil, fmt.Sprintf("a question with %d right answers is a multiple-response question, which needs 4 to %d options (has %d)", len(right), maxOptions, len(ans))
		}
		word := selectWords[q.Select]
		if !strings.Contains(strings.ToUpper(stem), word) {
			q.Stem = strings.TrimSpace(stem) + "\n\n(Select " + word + ".)"
			warn = append(warn, fmt.Sprintf("the question text did not say how many answers to choose; added \"(Select %s.)\"", word))
		}
	}
	for _, i := range right {
		q.Key = append(q.Key, exam.Letter(i))
	}
	for i, a := range ans {
		q.Options = append(q.Options, exam.Option{Text: a.text, Rationale: a.feedback})
		if a.feedback == "" {
			warn = append(warn, fmt.Sprintf("option %s has no feedback (rationale)", exam.Letter(i)))
		}
	}
	return q, warn, ""
}

func positive(ans []answer) []int {
	var out []int
	for i, a := range ans {
		if a.weight > 0 {
			out = append(out, i)
		}
	}
	return out
}

// weightWarnings explains what is lost when weighted answers become an
// all-or-nothing question. Equal weights on the right answers and zero or
// negative weights on the wrong ones are the simple case and need no word.
func weightWarnings(ans []answer, right []int) []string {
	if len(right) == 0 {
		return nil
	}
	if len(right) == 1 {
		if w := ans[right[0]].weight; w < 99.99 {
			return []string{fmt.Sprintf("option %s is the only right answer but gives %s%% in the file; Chartroom gives it full credit", exam.Letter(right[0]), formatWeight(w))}
		}
		return nil
	}
	simple := true
	var parts []string
	for _, i := range right {
		parts = append(parts, fmt.Sprintf("%s %s%%", exam.Letter(i), formatWeight(ans[i].weight)))
		if math.Abs(ans[i].weight-ans[right[0]].weight) > 0.01 {
			simple = false
		}
	}
	if simple {
		return nil
	}
	return []string{fmt.Sprintf("the file gives different credit to the right answers (%s); Chartroom scores multiple-response questions all or nothing: a student must choose exactly %s", strings.Join(parts, ", "), letterList(right))}
}

func letterList(idx []int) string {
	var ls []string
	for _, i := range idx {
		ls = append(ls, exam.Letter(i))
	}
	if len(ls) <= 1 {
		return strings.Join(ls, "")
	}
	return strings.Join(ls[:len(ls)-1], ", ") + " and " + ls[len(ls)-1]
}

func formatWeight(w float64) string {
	s := fmt.Sprintf("%.5f", w)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// buildTrueFalse makes the single-answer question "True" / "False".
// feedbackTrue and feedbackFalse are the feedback shown for each choice.
func buildTrueFalse(stem string, isTrue bool, feedbackTrue, feedbackFalse string) (exam.Question, []string) {
	q := exam.Question{
		Type: exam.TypeSingle, Stem: stem,
		Options: []exam.Option{{Text: "True", Rationale: feedbackTrue}, {Text: "False", Rationale: feedbackFalse}},
		Key:     []string{"A"},
	}
	if !isTrue {
		q.Key = []string{"B"}
	}
	var warn []string
	for i, o := range q.Options {
		if o.Rationale == "" {
			warn = append(warn, fmt.Sprintf("option %s (%s) has no feedback (rationale)", exam.Letter(i), o.Text))
		}
	}
	return q, warn
}

// codeResult is what buildCode decides about a short-answer question.
type codeResult struct {
	q           exam.Question
	warn        []string
	unsupported string // not a code question: list it as unsupported
	err         string // a code question that cannot be imported
}

// buildCode makes a code-entry question from a short-answer question whose
// full-credit answers are all well-formed ICD-10-CM or all ICD-10-PCS
// codes. system is the code system the file's Chartroom metadata names, if
// any.
func buildCode(stem string, ans []answer, general, system string) codeResult {
	var accepted, other []answer
	anyCode := false
	for _, a := range ans {
		if a.text != "" && (codes.WellFormed(codes.ICD10CM, a.text) || codes.WellFormed(codes.ICD10PCS, a.text)) {
			anyCode = true
		}
		if a.weight >= 99.99 {
			accepted = append(accepted, a)
		} else {
			other = append(other, a)
		}
	}
	if !anyCode {
		return codeResult{unsupported: "short-answer question that is not a code (not imported)"}
	}
	if len(accepted) == 0 {
		return codeResult{err: "no answer gives full credit; a code-entry question needs at least one accepted code"}
	}
	cm, pcs := true, true
	for _, a := range accepted {
		cm = cm && codes.WellFormed(codes.ICD10CM, a.text)
		pcs = pcs && codes.WellFormed(codes.ICD10PCS, a.text)
	}
	var warn []string
	q := exam.Question{Type: exam.TypeCode, Stem: stem, Rationale: general}
	switch {
	case !cm && !pcs:
		for _, a := range accepted {
			if !codes.WellFormed(codes.ICD10CM, a.text) && !codes.WellFormed(codes.ICD10PCS, a.text) {
				return codeResult{unsupported: fmt.Sprintf("short-answer question that is not a code: answer %q is not an ICD-10-CM or ICD-10-PCS code (not imported)", excerpt(a.text, 30))}
			}
		}
		return codeResult{unsupported: "short-answer question whose answers mix ICD-10-CM and ICD-10-PCS codes (not imported)"}
	case system == codes.ICD10CM && cm, system == codes.ICD10PCS && pcs:
		q.System = system
	case cm && !pcs:
		q.System = codes.ICD10CM
	case pcs && !cm:
		q.System = codes.ICD10PCS
	default: // 7 characters that fit both systems
		up := strings.ToUpper(stem)
		switch {
		case strings.Contains(up, "PCS") && !strings.Contains(up, "-CM"):
			q.System = codes.ICD10PCS
		case strings.Contains(up, "-CM") && !strings.Contains(up, "PCS"):
			q.System = codes.ICD10CM
		default:
			q.System = codes.ICD10CM
			warn = append(warn, "the accepted codes could be ICD-10-CM or ICD-10-PCS; imported as ICD-10-CM (check the code system)")
		}
	}
	for _, a := range accepted {
		q.Key = append(q.Key, a.text)
	}
	if len(other) > 0 {
		var ls []string
		for i, a := range other {
			if i == 3 {
				ls = append(ls, fmt.Sprintf("and %d more", len(other)-3))
				break
			}
			ls = append(ls, fmt.Sprintf("%q %s%%", excerpt(a.text, 20), formatWeight(a.weight)))
		}
		warn = append(warn, fmt.Sprintf("answers without full credit were left out (%s); Chartroom accepts only full-credit codes", strings.Join(ls, ", ")))
	}
	var feedback []answer
	for _, a := range ans {
		if a.feedback != "" {
			feedback = append(feedback, a)
		}
	}
	switch {
	case q.Rationale == "" && len(accepted[0].feedback) > 0:
		q.Rationale = accepted[0].feedback
		warn = append(warn, fmt.Sprintf("no general feedback: the feedback of answer %q became the rationale", excerpt(accepted[0].text, 20)))
		if len(feedback) > 1 {
			warn = append(warn, "feedback on the other answers was not kept (a code-entry question has one rationale)")
		}
	case q.Rationale == "":
		warn = append(warn, "no general feedback: a code-entry question needs a rationale before it can be marked ready")
		if len(feedback) > 0 {
			warn = append(warn, "feedback on individual answers was not kept (a code-entry question has one rationale)")
		}
	case len(feedback) > 0:
		warn = append(warn, "feedback on individual answers was not kept (a code-entry question has one rationale)")
	}
	return codeResult{q: q, warn: warn}
}

// placeholderID stands in for the id the importer assigns when the file
// gives none: ValidateDraft checks the id's shape, and a question read
// from a file has an id only when Chartroom metadata carries one.
const placeholderID = "imported-question"

// invalid checks a question built from a file as a draft and says, in
// plain words, why it cannot be imported ("" when it can). When the first
// problem is with one option, opt is its index (else -1), so that the
// caller can name the option's line.
func invalid(q *exam.Question) (msg string, opt int) {
	c := *q
	if c.ID == "" {
		c.ID = placeholderID
	}
	errs := c.ValidateDraft()
	if len(errs) == 0 {
		return "", -1
	}
	opt = -1
	if f := errs[0].Field; strings.HasPrefix(f, "options[") && len(f) >= 9 {
		opt = strings.Index(exam.Letters, f[8:9])
	}
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, describe(e))
	}
	return strings.Join(msgs, "; "), opt
}

// optionLine is the line of answer opt, or def when there is none.
func optionLine(ans []answer, opt, def int) int {
	if opt >= 0 && opt < len(ans) && ans[opt].line > 0 {
		return ans[opt].line
	}
	return def
}

func describe(e exam.FieldError) string {
	f, m := e.Field, e.Message
	switch {
	case f == "stem" && m == "is required":
		return "the question has no text"
	case f == "stem":
		return "the question text " + m
	case strings.HasPrefix(f, "options[") && len(f) >= 9:
		l := f[8:9]
		switch m {
		case "is required":
			return "option " + l + " has no text"
		case "duplicates another option":
			return "option " + l + " has the same text as another option"
		}
		return "option " + l + ": " + m
	case f == "key":
		return "the right answer: " + m
	case strings.HasPrefix(f, "key["):
		return "accepted code " + m
	case f == "system":
		return "the code system " + m
	case f == "options", f == "select":
		return m
	}
	return f + " " + m
}

// validID reports whether id has the shape of a Chartroom question id.
func validID(id string) bool {
	q := exam.Question{ID: id}
	for _, e := range q.Validate() {
		if e.Field == "id" {
			return false
		}
	}
	return true
}
