// Package interchange reads and writes question files in the formats other
// quiz tools use: Moodle's GIFT and XML formats and the Aiken format. It
// converts them to and from exam.Question.
//
// Parse never panics and reports every problem with the line it is on.
// Questions Chartroom cannot represent (essays, matching, numerical ...)
// are listed in Result.Unsupported, never dropped silently. Write adds
// Chartroom's own fields (id, classification, references, scenario set,
// code system) where the format has room for them, so that a file written
// by Chartroom reads back into the same questions.
//
// What each format carries:
//
//   - GIFT: multiple choice (one "=" answer: single; several "=" answers,
//     or no "=" and several positive %weights: multiple response),
//     true/false (single, options "True" and "False"), short answer whose
//     full-credit answers are all ICD-10-CM or all ICD-10-PCS codes (code
//     entry); per-answer #feedback becomes the option rationale and
//     ####general feedback the question rationale. Essay, numerical,
//     matching, missing-word (answers inside the text), descriptions and
//     other short answers are unsupported. Chartroom metadata is a
//     "// chartroom: {json}" comment line above the question.
//   - Moodle XML: multichoice (<single> decides single or multiple
//     response), truefalse and shortanswer (code entry, as in GIFT);
//     categories are skipped; every other type is unsupported. HTML text is
//     reduced to plain text with paragraph breaks; images are not
//     imported. The id travels in <idnumber>, the other metadata in a tag
//     "chartroom:{json}". Moodle shortens tags to 50 characters, so only
//     the id survives a trip through Moodle itself.
//   - Aiken: single-answer questions without feedback or metadata.
//
// Partial credit does not survive: Chartroom scores single answers right
// or wrong and multiple response all or nothing, and says so in a warning
// when a file's weights were not that simple.
//
// A question read from a file has an id only when Chartroom metadata gives
// a valid one; every Item passes exam.Question.ValidateDraft once the
// importer has given it an id.
//
// Limits: files over 20 MB and questions over 100 KB are refused, reading
// stops after 10,000 questions or 100 errors, and XML is read with bounded
// depth and tag length, so a hostile upload costs little time and memory.
package interchange

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"chartroom/exam"
)

// Format is a question file format.
type Format string

// The supported formats.
const (
	GIFT      Format = "gift"
	Aiken     Format = "aiken"
	MoodleXML Format = "moodlexml"
)

// Item is one importable question found in a file.
type Item struct {
	Question exam.Question // ID is set only when the file carries Chartroom metadata
	Line     int           // line where the question starts in the file (1-based)
	Name     string        // GIFT ::title:: or Moodle <name>, if any
	Warnings []string      // importable but incomplete, e.g. "option C has no feedback (rationale)"
}

// Problem is a file position and what is wrong or unsupported there. Line
// is 0 when the problem is with the file as a whole (its size, its
// format).
type Problem struct {
	Line int
	Msg  string
}

// Result is what Parse found in a file.
type Result struct {
	Items       []Item
	Unsupported []Problem // questions of types Chartroom does not support, listed (never silently dropped), e.g. "essay question (not imported)"
	Errors      []Problem // malformed input; when not empty the caller imports nothing
}

// Limits that keep a hostile or broken upload from costing much.
const (
	maxFileBytes     = 20 << 20  // whole file
	maxQuestionBytes = 100 << 10 // one question's text in the file
	maxQuestions     = 10000     // questions (importable or not) in one file
	maxErrors        = 100       // reading stops after this many errors
	maxOptions       = 6         // options A-F
)

// Parse reads a question file. It never panics; problems are reported in
// the Result with their line numbers.
func Parse(f Format, data []byte) Result {
	p := &parser{}
	switch {
	case len(data) > maxFileBytes:
		p.errorf(0, "the file is %.1f MB; files over 20 MB are not accepted (split it into smaller files)", float64(len(data))/(1<<20))
		return p.res
	case f != GIFT && f != Aiken && f != MoodleXML:
		p.errorf(0, "unknown file format %q (expected gift, aiken or moodlexml)", string(f))
		return p.res
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF")) // byte-order mark written by some editors
	if line, b, ok := checkUTF8(data); !ok {
		p.errorf(line, "the file is not UTF-8 text (byte 0x%02X is not valid UTF-8); save it as UTF-8 and upload it again", b)
		return p.res
	}
	switch f {
	case GIFT:
		p.gift(cleanText(data))
	case Aiken:
		p.aiken(cleanText(data))
	case MoodleXML:
		p.moodleXML(data)
	}
	return p.res
}

// Write writes questions in a format. GIFT and Moodle XML take every
// question type and carry Chartroom's metadata; Aiken holds single-answer
// questions only, and Write refuses any other, naming it.
func Write(f Format, qs []exam.Question) ([]byte, error) {
	switch f {
	case GIFT:
		return writeGIFT(qs)
	case Aiken:
		return writeAiken(qs)
	case MoodleXML:
		return writeMoodleXML(qs)
	}
	return nil, fmt.Errorf("unknown file format %q (expected gift, aiken or moodlexml)", string(f))
}

// parser collects what Parse finds and enforces the limits on how much.
type parser struct {
	res       Result
	questions int  // questions seen so far
	stopped   bool // too many errors or questions: stop reading
}

func (p *parser) errorf(line int, format string, args ...any) {
	if p.stopped {
		return
	}
	if len(p.res.Errors) >= maxErrors {
		p.res.Errors = append(p.res.Errors, Problem{line, fmt.Sprintf("more than %d errors; stopped reading here", maxErrors)})
		p.stopped = true
		return
	}
	p.res.Errors = append(p.res.Errors, Problem{line, fmt.Sprintf(format, args...)})
}

// question counts one more question in the file and reports false (after
// recording an error) when the file holds too many.
func (p *parser) question(line int) bool {
	if p.stopped {
		return false
	}
	p.questions++
	if p.questions > maxQuestions {
		p.errorf(line, "the file has more than %d questions; split it into smaller files", maxQuestions)
		p.stopped = true
		return false
	}
	return true
}

func (p *parser) unsupported(line int, msg string) {
	p.res.Unsupported = append(p.res.Unsupported, Problem{line, msg})
}

func (p *parser) item(it Item) { p.res.Items = append(p.res.Items, it) }

// checkUTF8 finds the first byte that is not valid UTF-8, with its line.
func checkUTF8(data []byte) (line int, b byte, ok bool) {
	if utf8.Valid(data) {
		return 0, 0, true
	}
	line = 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return line, data[i], false
		}
		if r == '\n' {
			line++
		}
		i += size
	}
	return line, 0, true
}

// cleanText turns CRLF and CR line ends into LF and drops control
// characters (other than tab and newline) and the two noncharacters that
// XML cannot carry, so that whatever is read can be written to any format.
func cleanText(data []byte) string {
	var b strings.Builder
	b.Grow(len(data))
	s := string(data)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\r':
			b.WriteByte('\n')
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF:
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// meta is Chartroom's metadata for one question, carried in a GIFT comment
// or a Moodle tag. The question text, options, key and rationales travel in
// the format's own fields.
type meta struct {
	ID         string      `json:"id,omitempty"`
	SetID      string      `json:"set_id,omitempty"`
	SetTitle   string      `json:"set_title,omitempty"`
	SetCase    string      `json:"set_case,omitempty"`
	Domain     exam.Domain `json:"domain,omitempty"`
	Topic      string      `json:"topic,omitempty"`
	Level      string      `json:"level,omitempty"`
	Difficulty int         `json:"difficulty,omitempty"`
	System     string      `json:"system,omitempty"`
	References []string    `json:"references,omitempty"`
	Tags       []string    `json:"tags,omitempty"`
}

func metaOf(q *exam.Question) meta {
	m := meta{
		ID: q.ID, SetID: q.SetID, SetTitle: q.SetTitle, SetCase: q.SetCase,
		Domain: q.Domain, Topic: q.Topic, Level: q.Level, Difficulty: q.Difficulty,
		References: q.References, Tags: q.Tags,
	}
	if q.Type == exam.TypeCode {
		m.System = q.System
	}
	return m
}

// apply copies the metadata to q, but for the code system (which the
// answers decide). It returns a warning when the id is not a valid
// Chartroom id, which is then left out.
func (m *meta) apply(q *exam.Question) string {
	var warn string
	q.ID = m.ID
	if m.ID != "" && !validID(m.ID) {
		q.ID = ""
		warn = fmt.Sprintf("the id %q in the Chartroom metadata is not a valid question id (2-80 lowercase letters, digits and hyphens); a new id will be given", excerpt(m.ID, 40))
	}
	q.SetID, q.SetTitle, q.SetCase = m.SetID, m.SetTitle, m.SetCase
	q.Domain, q.Topic, q.Level, q.Difficulty = m.Domain, m.Topic, m.Level, m.Difficulty
	q.References, q.Tags = m.References, m.Tags
	return warn
}

// encodeMeta is the metadata as one line of JSON (no HTML escaping, so a
// person reading the file sees < and & as they are).
func encodeMeta(m meta) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(m) // a struct of strings, ints and string slices always encodes
	return strings.TrimSpace(b.String())
}

// decodeMeta reads the JSON after "chartroom:"; the error is in plain words.
func decodeMeta(s string) (meta, error) {
	var m meta
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return meta{}, fmt.Errorf("the Chartroom metadata is not valid JSON (%v); the id and classification were not imported", err)
	}
	return m, nil
}

// questionName names a question in Write's errors.
func questionName(i int, q *exam.Question) string {
	if q.ID != "" {
		return fmt.Sprintf("question %d (%s)", i+1, q.ID)
	}
	return fmt.Sprintf("question %d (%q)", i+1, excerpt(q.Stem, 40))
}

// excerpt shortens s to about n characters on one line, for messages.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
