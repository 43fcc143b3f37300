package interchange

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"chartroom/exam"
)

// Moodle XML (https://docs.moodle.org/en/Moodle_XML_format): <quiz> holds
// <question type="..."> elements. Chartroom reads multichoice, truefalse
// and shortanswer (as code entry when the answers are ICD-10 codes), skips
// categories, and lists every other type as unsupported. Chartroom's
// metadata travels in <idnumber> (the id) and in a tag "chartroom:{json}".

const (
	metaTagPrefix = "chartroom:"
	maxXMLDepth   = 32       // nesting below <question> that anyone could mean
	maxXMLTag     = 64 << 10 // one start tag with its attributes
	elementCost   = 64       // what keeping one element costs from a question's budget
)

// xnode is an element kept from a question: its attributes, its own text
// and the child elements.
type xnode struct {
	name  string
	attrs []xml.Attr
	text  string
	kids  []*xnode
	line  int
}

func (n *xnode) attr(name string) string {
	for _, a := range n.attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n *xnode) kid(name string) *xnode {
	for _, k := range n.kids {
		if k.name == name {
			return k
		}
	}
	return nil
}

// textOf is the <text> of a text field such as <questiontext> (its format
// attribute applied) and how many images it had.
func (n *xnode) textOf(defFormat string) (string, int) {
	if n == nil {
		return "", 0
	}
	t := n.kid("text")
	if t == nil {
		return "", 0
	}
	format := n.attr("format")
	if format == "" {
		format = defFormat
	}
	s, images := textIn(format, t.text)
	for _, k := range n.kids {
		if k.name == "file" {
			images++
		}
	}
	return s, images
}

func (n *xnode) plain(name string) string {
	if k := n.kid(name); k != nil {
		if t := k.kid("text"); t != nil {
			return strings.TrimSpace(t.text)
		}
		return strings.TrimSpace(k.text)
	}
	return ""
}

// xmlReader reads tokens with limits on depth and on the text kept.
type xmlReader struct {
	d        *xml.Decoder
	budget   int  // text still allowed in the current question
	overflow bool // the current question passed the limit
}

var errTooDeep = errors.New("the XML elements are nested too deeply (more than 32 levels)")

func (r *xmlReader) line() int { l, _ := r.d.InputPos(); return l }

// skip consumes the rest of an element already opened.
func (r *xmlReader) skip() error {
	depth := 0
	for {
		tok, err := r.d.Token()
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
			if depth > maxXMLDepth {
				return errTooDeep
			}
		case xml.EndElement:
			if depth == 0 {
				return nil
			}
			depth--
		}
	}
}

// read builds the element opened by start. Text inside <file> (base64
// images) is not kept.
func (r *xmlReader) read(start xml.StartElement, depth int) (*xnode, error) {
	if depth > maxXMLDepth {
		return nil, errTooDeep
	}
	n := &xnode{name: start.Name.Local, attrs: start.Attr, line: r.line()}
	var text strings.Builder
	for {
		tok, err := r.d.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			r.budget -= elementCost
			if r.budget < 0 {
				r.overflow = true
			}
			if r.overflow { // read on to the end, keeping nothing
				if err := r.skip(); err != nil {
					return nil, err
				}
				continue
			}
			k, err := r.read(t, depth+1)
			if err != nil {
				return nil, err
			}
			n.kids = append(n.kids, k)
		case xml.CharData:
			if n.name == "file" {
				continue
			}
			r.budget -= len(t)
			if r.budget < 0 {
				r.overflow = true // keep reading the XML, stop keeping text
				continue
			}
			text.Write(t)
		case xml.EndElement:
			n.text = text.String()
			return n, nil
		}
	}
}

// kept are the children of <question> Chartroom reads; the others are
// skipped without being stored.
var kept = map[string]bool{
	"name": true, "questiontext": true, "generalfeedback": true, "idnumber": true,
	"single": true, "answer": true, "tags": true, "category": true,
}

func (p *parser) moodleXML(data []byte) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	d.Entity = xml.HTMLEntity // &nbsp; and friends, common in hand-edited files
	var charsetErr error
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "utf-8", "utf8", "us-ascii", "ascii":
			return in, nil
		}
		if isASCII(data) {
			return in, nil
		}
		charsetErr = fmt.Errorf("the file declares the %q encoding; save it as UTF-8 and upload it again", label)
		return nil, charsetErr
	}
	if line, ok := tagsShort(data); !ok {
		p.errorf(line, "an XML tag is longer than 64 KB; this is not a Moodle XML question file")
		return
	}
	r := &xmlReader{d: d}
	fail := func(err error) {
		var se *xml.SyntaxError
		switch {
		case errors.As(err, &se):
			p.errorf(se.Line, "the XML is malformed: %s", se.Msg)
		case charsetErr != nil:
			p.errorf(r.line(), "%v", charsetErr)
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			p.errorf(r.line(), "the XML is malformed: the file ends inside an element")
		default:
			p.errorf(r.line(), "%v", err)
		}
	}
	root := false
	for !p.stopped {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			fail(err)
			return
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if !root {
				if t.Name.Local != "quiz" {
					p.errorf(r.line(), "the file starts with <%s>, not <quiz>: this is not a Moodle XML question file", excerpt(t.Name.Local, 30))
					return
				}
				root = true
				continue
			}
			if t.Name.Local != "question" {
				if err := r.skip(); err != nil {
					fail(err)
					return
				}
				continue
			}
			if err := p.xmlQuestion(r, t); err != nil {
				fail(err)
				return
			}
		case xml.EndElement:
			if root { // </quiz>: anything after it is not read
				return
			}
		}
	}
	if !root && !p.stopped {
		p.errorf(0, "no <quiz> element found: this is not a Moodle XML question file")
	}
}

// tagsShort checks, before decoding, that no start or end tag (with its
// attributes) is longer than maxXMLTag, which bounds what the decoder
// allocates for one token. It skips comments, CDATA sections, processing
// instructions and declarations, and reports the line of a long tag.
func tagsShort(data []byte) (int, bool) {
	line := 1
	for i := 0; i < len(data); {
		c := data[i]
		if c == '\n' {
			line++
		}
		if c != '<' {
			i++
			continue
		}
		rest := data[i:]
		end := ""
		switch {
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			end = "]]>"
		case bytes.HasPrefix(rest, []byte("<!--")):
			end = "-->"
		case bytes.HasPrefix(rest, []byte("<?")):
			end = "?>"
		case bytes.HasPrefix(rest, []byte("<!")):
			end = ">"
		}
		if end != "" {
			j := bytes.Index(rest[1:], []byte(end))
			if j < 0 {
				return 0, true // unterminated: the decoder reports it
			}
			line += bytes.Count(rest[:1+j+len(end)], []byte("\n"))
			i += 1 + j + len(end)
			continue
		}
		// A tag: up to the '>' outside quoted attribute values.
		var quote byte
		j := 1
		for ; j < len(rest); j++ {
			b := rest[j]
			if j > maxXMLTag {
				return line, false
			}
			switch {
			case quote != 0:
				if b == quote {
					quote = 0
				}
			case b == '"' || b == '\'':
				quote = b
			case b == '>':
				goto done
			}
		}
		return 0, true // unterminated: the decoder reports it
	done:
		line += bytes.Count(rest[:j], []byte("\n"))
		i += j + 1
	}
	return 0, true
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// xmlQuestion reads one <question>. The error is for XML that cannot be
// read on; problems with the question itself are recorded.
func (p *parser) xmlQuestion(r *xmlReader, start xml.StartElement) error {
	line := r.line()
	typ := ""
	for _, a := range start.Attr {
		if a.Name.Local == "type" {
			typ = strings.TrimSpace(a.Value)
		}
	}
	r.budget, r.overflow = maxQuestionBytes, false
	q := &xnode{name: "question", line: line}
	for {
		tok, err := r.d.Token()
		if err != nil {
			return err
		}
		var done bool
		switch t := tok.(type) {
		case xml.StartElement:
			if kept[t.Name.Local] {
				r.budget -= elementCost
				if r.budget < 0 {
					r.overflow = true
				}
			}
			if !kept[t.Name.Local] || r.overflow {
				if err := r.skip(); err != nil {
					return err
				}
				continue
			}
			k, err := r.read(t, 1)
			if err != nil {
				return err
			}
			q.kids = append(q.kids, k)
		case xml.EndElement:
			done = true
		}
		if done {
			break
		}
	}
	if typ == "category" {
		return nil
	}
	if !p.question(line) {
		return nil
	}
	if r.overflow {
		p.errorf(line, "question is too large: over 100 KB of text, or thousands of elements")
		return nil
	}
	p.xmlConvert(q, typ, line)
	return nil
}

var xmlTypeWords = map[string]string{
	"essay": "essay", "match": "matching", "matching": "matching", "numerical": "numerical",
	"ddwtos": "drag-and-drop into text (ddwtos)", "gapselect": "select missing words (gapselect)",
	"multianswer": "embedded answers (cloze)", "cloze": "embedded answers (cloze)",
	"description": "description", "calculated": "calculated", "calculatedsimple": "simple calculated",
	"calculatedmulti": "calculated multichoice", "randomsamatch": "random short-answer matching",
	"ddimageortext": "drag-and-drop onto image", "ddmarker": "drag-and-drop markers",
	"ordering": "ordering", "random": "random",
}

func (p *parser) xmlConvert(n *xnode, typ string, line int) {
	name := n.plain("name")
	stem, images := n.kid("questiontext").textOf("html")
	general, n2 := n.kid("generalfeedback").textOf("html")
	images += n2
	var warn []string

	// Chartroom's metadata, and ordinary tags.
	var m *meta
	var tags []string
	metaSeen := false
	if tg := n.kid("tags"); tg != nil {
		for _, t := range tg.kids {
			if t.name != "tag" {
				continue
			}
			s := t.plain("text")
			if t.kid("text") == nil {
				s = strings.TrimSpace(t.text)
			}
			switch {
			case s == "":
			case strings.HasPrefix(s, metaTagPrefix):
				metaSeen = true
				mm, err := decodeMeta(s[len(metaTagPrefix):])
				if err != nil {
					warn = append(warn, fmt.Sprintf("line %d: %v (Moodle shortens tags to 50 characters, so a file that went through Moodle loses it)", t.line, err))
					continue
				}
				m = &mm
			default:
				tags = append(tags, s)
			}
		}
	}

	var answers []answer
	for _, k := range n.kids {
		if k.name != "answer" {
			continue
		}
		a := answer{line: k.line}
		format := k.attr("format")
		if format == "" {
			format = "moodle_auto_format"
		}
		var n1, n2 int
		if t := k.kid("text"); t != nil {
			a.text, n1 = textIn(format, t.text)
		} else {
			a.text, n1 = textIn(format, k.text)
		}
		a.feedback, n2 = k.kid("feedback").textOf("html")
		for _, f := range k.kids {
			if f.name == "file" {
				n1++
			}
		}
		a.images = n1 + n2
		if f := strings.TrimSpace(k.attr("fraction")); f != "" {
			w, err := strconv.ParseFloat(f, 64)
			if err != nil || math.IsNaN(w) || math.IsInf(w, 0) {
				p.errorf(k.line, "answer fraction %q is not a number", excerpt(f, 20))
				return
			}
			if w < -100 || w > 100 {
				p.errorf(k.line, "answer fraction %s is not between -100 and 100", formatWeight(w))
				return
			}
			a.weight = w
		}
		answers = append(answers, a)
	}

	var (
		q       exam.Question
		w       []string
		problem string
	)
	switch typ {
	case "multichoice":
		rule := ruleSingle
		switch strings.ToLower(n.plain("single")) {
		case "false", "0":
			rule = ruleMulti
		}
		q, w, problem = buildChoice(stem, answers, rule)
		q.Rationale = general
	case "truefalse":
		var isTrue, found [2]bool
		var fb [2]string
	tf:
		for _, a := range answers {
			i := -1
			switch strings.ToLower(a.text) {
			case "true":
				i = 0
			case "false":
				i = 1
			}
			if i < 0 || found[i] {
				problem = "a true/false question needs exactly one answer \"true\" and one \"false\""
				break tf
			}
			found[i], fb[i] = true, a.feedback
			isTrue[i] = a.weight >= 99.99
		}
		switch {
		case problem != "":
		case !found[0] || !found[1]:
			problem = "a true/false question needs exactly one answer \"true\" and one \"false\""
		case isTrue[0] == isTrue[1]:
			problem = "in a true/false question exactly one of \"true\" and \"false\" must have fraction 100"
		default:
			q, w = buildTrueFalse(stem, isTrue[0], fb[0], fb[1])
			q.Rationale = general
		}
	case "shortanswer":
		system := ""
		if m != nil {
			system = m.System
		}
		cr := buildCode(stem, answers, general, system)
		switch {
		case cr.unsupported != "":
			p.unsupported(line, cr.unsupported)
			return
		case cr.err != "":
			p.errorf(line, "%s", cr.err)
			return
		}
		q, w = cr.q, cr.warn
	case "":
		p.errorf(line, "the <question> element has no type attribute")
		return
	default:
		words, ok := xmlTypeWords[typ]
		if !ok {
			words = fmt.Sprintf("%q", excerpt(typ, 30))
		}
		p.unsupported(line, words+" question (not imported)")
		return
	}
	at := line
	if problem == "" {
		var opt int
		problem, opt = invalid(&q)
		if typ == "multichoice" {
			at = optionLine(answers, opt, line)
		}
	}
	if problem != "" {
		p.errorf(at, "%s", problem)
		return
	}
	if images+answerImages(answers) > 0 {
		warn = append(warn, imagesWarning)
	}
	warn = append(warn, w...)
	if metaSeen {
		if m != nil {
			m.apply(&q) // the id is in <idnumber>
		}
		if id := n.plain("idnumber"); id != "" && !validID(id) {
			warn = append(warn, fmt.Sprintf("the <idnumber> %q is not a valid Chartroom question id (2-80 lowercase letters, digits and hyphens); a new id will be given", excerpt(id, 40)))
		} else {
			q.ID = id
		}
		if len(tags) > 0 || q.Tags == nil {
			q.Tags = tags
		}
	} else {
		q.Tags = tags
	}
	p.item(Item{Question: q, Line: line, Name: name, Warnings: warn})
}

// xmlCDATA writes s as character data in CDATA sections (split around
// "]]>"), replacing the characters XML cannot carry.
func xmlCDATA(b *strings.Builder, s string) {
	s = xmlSafe(s)
	b.WriteString("<![CDATA[")
	b.WriteString(strings.ReplaceAll(s, "]]>", "]]]]><![CDATA[>"))
	b.WriteString("]]>")
}

func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n':
			return r
		case r == '\r':
			return -1
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF:
			return '\uFFFD'
		}
		return r
	}, s)
}

func xmlEscape(b *strings.Builder, s string) {
	var buf bytes.Buffer
	_ = xml.EscapeText(&buf, []byte(xmlSafe(s)))
	b.Write(buf.Bytes())
}

func xmlTextField(b *strings.Builder, indent, tag, format, text string) {
	b.WriteString(indent + "<" + tag + " format=\"" + format + "\">\n" + indent + "  <text>")
	xmlCDATA(b, strings.TrimSpace(text))
	b.WriteString("</text>\n" + indent + "</" + tag + ">\n")
}

func writeMoodleXML(qs []exam.Question) ([]byte, error) {
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
	b.WriteString("<!-- Written by Chartroom. The tag \"chartroom:{...}\" and <idnumber> keep each question's id and classification for the next import into Chartroom. -->\n")
	b.WriteString("<quiz>\n")
	for i := range qs {
		q := &qs[i]
		typ := ""
		switch q.Type {
		case exam.TypeSingle, exam.TypeMultiple:
			typ = "multichoice"
		case exam.TypeCode:
			typ = "shortanswer"
		default:
			return nil, fmt.Errorf("%s has type %q, which cannot be written (single, multiple or code)", questionName(i, q), q.Type)
		}
		name := q.ID
		if name == "" {
			name = excerpt(q.Stem, 60)
		}
		b.WriteString("  <question type=\"" + typ + "\">\n")
		b.WriteString("    <name>\n      <text>")
		xmlEscape(&b, name)
		b.WriteString("</text>\n    </name>\n")
		xmlTextField(&b, "    ", "questiontext", "markdown", q.Stem)
		xmlTextField(&b, "    ", "generalfeedback", "markdown", q.Rationale)
		b.WriteString("    <defaultgrade>1</defaultgrade>\n    <penalty>0.3333333</penalty>\n    <hidden>0</hidden>\n")
		b.WriteString("    <idnumber>")
		xmlEscape(&b, q.ID)
		b.WriteString("</idnumber>\n")
		switch q.Type {
		case exam.TypeSingle, exam.TypeMultiple:
			single := q.Type == exam.TypeSingle
			fmt.Fprintf(&b, "    <single>%t</single>\n    <shuffleanswers>true</shuffleanswers>\n    <answernumbering>ABCD</answernumbering>\n", single)
			n := max(len(q.Key), 1)
			for j, o := range q.Options {
				right := j < len(exam.Letters) && q.IsKey(exam.Letter(j))
				fraction := "0"
				switch {
				case right && single:
					fraction = "100"
				case right:
					fraction = formatWeight(100 / float64(n))
				case !single:
					fraction = "-100"
				}
				b.WriteString("    <answer fraction=\"" + fraction + "\" format=\"markdown\">\n      <text>")
				xmlCDATA(&b, strings.TrimSpace(o.Text))
				b.WriteString("</text>\n")
				xmlTextField(&b, "      ", "feedback", "markdown", o.Rationale)
				b.WriteString("    </answer>\n")
			}
		case exam.TypeCode:
			b.WriteString("    <usecase>0</usecase>\n")
			for _, k := range q.Key {
				b.WriteString("    <answer fraction=\"100\" format=\"moodle_auto_format\">\n      <text>")
				xmlCDATA(&b, strings.TrimSpace(k))
				b.WriteString("</text>\n")
				xmlTextField(&b, "      ", "feedback", "markdown", "")
				b.WriteString("    </answer>\n")
			}
		}
		// The id goes in <idnumber>, the tags in ordinary Moodle tags
		// unless one of them would not read back as itself.
		m := metaOf(q)
		hasMeta := encodeMeta(m) != "{}"
		m.ID = ""
		plainTags := true
		for _, t := range q.Tags {
			if t == "" || t != strings.TrimSpace(t) || strings.HasPrefix(t, metaTagPrefix) {
				plainTags = false
			}
		}
		if plainTags {
			m.Tags = nil
		}
		if hasMeta {
			b.WriteString("    <tags>\n      <tag><text>")
			xmlCDATA(&b, metaTagPrefix+encodeMeta(m))
			b.WriteString("</text></tag>\n")
			for _, t := range q.Tags {
				if !plainTags {
					break
				}
				b.WriteString("      <tag><text>")
				xmlCDATA(&b, t)
				b.WriteString("</text></tag>\n")
			}
			b.WriteString("    </tags>\n")
		}
		b.WriteString("  </question>\n")
	}
	b.WriteString("</quiz>\n")
	return []byte(b.String()), nil
}
