package interchange

import (
	"fmt"
	"strconv"
	"strings"

	"chartroom/exam"
)

// GIFT (https://docs.moodle.org/en/GIFT_format): questions separated by
// blank lines; "//" comment lines; "$CATEGORY:" lines; an optional
// ::title::; an optional [format] tag; the answers in {...}, right ones
// "=", wrong ones "~", "%50%" weights, "#feedback" after an answer,
// "####general feedback" last; "\" escapes ~ = # { } : \ and \n is a
// newline.

// gtext is GIFT source with its escapes resolved: b holds the characters,
// lit marks those that were escaped (and so are never syntax), ln the line
// each came from.
type gtext struct {
	b   []byte
	lit []bool
	ln  []int32
}

// giftEscapable are the characters a backslash escapes.
const giftEscapable = "~=#{}:\\"

func (g *gtext) add(c byte, lit bool, line int) {
	g.b = append(g.b, c)
	g.lit = append(g.lit, lit)
	g.ln = append(g.ln, int32(line))
}

// addLine appends one source line, resolving escapes.
func (g *gtext) addLine(s string, line int) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			n := s[i+1]
			switch {
			case strings.IndexByte(giftEscapable, n) >= 0:
				g.add(n, true, line)
				i++
				continue
			case n == 'n':
				g.add('\n', true, line)
				i++
				continue
			}
		}
		g.add(c, c == '\\', line)
	}
}

// is reports whether position i holds the unescaped syntax character c.
func (g *gtext) is(i int, c byte) bool { return i >= 0 && i < len(g.b) && g.b[i] == c && !g.lit[i] }

// find returns the first position in [i, j) holding unescaped c, or -1.
func (g *gtext) find(i, j int, c byte) int {
	for k := i; k < j; k++ {
		if g.is(k, c) {
			return k
		}
	}
	return -1
}

// lastFour returns the start of the last unescaped "####" in [i, j), or -1.
func (g *gtext) lastFour(i, j int) int {
	run := 0
	for k := j - 1; k >= i; k-- {
		if g.is(k, '#') {
			run++
			if run == 4 {
				return k
			}
		} else {
			run = 0
		}
	}
	return -1
}

// trim narrows [i, j) past white space.
func (g *gtext) trim(i, j int) (int, int) {
	for i < j && isSpace(g.b[i]) {
		i++
	}
	for j > i && isSpace(g.b[j-1]) {
		j--
	}
	return i, j
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' }

func (g *gtext) str(i, j int) string { return strings.TrimSpace(string(g.b[i:j])) }

// line is the source line of position i (the last line when i is past the
// end).
func (g *gtext) line(i int) int {
	if len(g.ln) == 0 {
		return 0
	}
	return int(g.ln[min(max(i, 0), len(g.ln)-1)])
}

// formatTag strips a leading [html], [markdown], [plain] or [moodle] from
// [i, j) and returns the format (def when there is none).
func (g *gtext) formatTag(i, j int, def string) (int, string) {
	if i < j && g.b[i] == '[' {
		if end := g.find(i, min(j, i+12), ']'); end > 0 {
			switch f := string(g.b[i+1 : end]); f {
			case "html", "markdown", "plain", "moodle":
				return end + 1, f
			}
		}
	}
	return i, def
}

// textAt converts [i, j) to Chartroom text: trimmed, format tag applied.
func (g *gtext) textAt(i, j int, def string) (string, int) {
	i, j = g.trim(i, j)
	i, f := g.formatTag(i, j, def)
	return textIn(f, string(g.b[i:j]))
}

type giftLine struct {
	s  string
	no int
}

// gift reads a whole GIFT file.
func (p *parser) gift(src string) {
	var (
		chunk   []giftLine
		size    int
		start   int // line of the chunk's first line
		pending *giftMeta
	)
	flush := func(endLine int, atBlank bool) {
		if len(chunk) > 0 || size > 0 {
			if size > maxQuestionBytes {
				if p.question(start) {
					p.errorf(start, "question is longer than 100 KB (is a blank line missing between two questions?)")
				}
				pending = nil
			} else {
				pending = p.giftChunk(chunk, pending, endLine, atBlank)
			}
		}
		chunk, size = chunk[:0], 0
	}
	lineNo := 0
	for pos := 0; pos < len(src) && !p.stopped; {
		end := strings.IndexByte(src[pos:], '\n')
		if end < 0 {
			end = len(src) - pos
		}
		line := src[pos : pos+end]
		pos += end + 1
		lineNo++
		if strings.TrimSpace(line) == "" {
			flush(lineNo, true)
			continue
		}
		if len(chunk) == 0 && size == 0 {
			start = lineNo
		}
		size += len(line) + 1
		if size <= maxQuestionBytes {
			chunk = append(chunk, giftLine{line, lineNo})
		}
	}
	if !p.stopped {
		flush(lineNo, false)
	}
}

type giftMeta struct {
	json string
	line int
}

// giftChunk reads one blank-line-separated block. pending is Chartroom
// metadata from a comment block just before; the metadata left for the
// next block is returned.
func (p *parser) giftChunk(lines []giftLine, pending *giftMeta, endLine int, atBlank bool) *giftMeta {
	var m *giftMeta
	first := -1 // first line that is not a comment
	for i, l := range lines {
		t := strings.TrimSpace(l.s)
		if strings.HasPrefix(t, "//") {
			if c := strings.TrimSpace(t[2:]); strings.HasPrefix(c, "chartroom:") {
				m = &giftMeta{strings.TrimSpace(c[len("chartroom:"):]), l.no}
			}
			continue
		}
		if first < 0 {
			first = i
		}
	}
	if first < 0 { // comments only: metadata waits for the next question
		if m != nil {
			return m
		}
		return pending
	}
	if m == nil {
		m = pending
	}
	if t := strings.TrimSpace(lines[first].s); strings.HasPrefix(t, "$CATEGORY:") {
		// A category line. Moodle wants it alone; a question written right
		// under it is read too.
		first++
		for first < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[first].s), "//") {
			first++
		}
		if first == len(lines) {
			return m
		}
	}
	n := 0
	for _, l := range lines[first:] {
		n += len(l.s) + 1
	}
	g := gtext{b: make([]byte, 0, n), lit: make([]bool, 0, n), ln: make([]int32, 0, n)}
	for _, l := range lines[first:] {
		if strings.HasPrefix(strings.TrimSpace(l.s), "//") {
			g.add('\n', false, l.no)
			continue
		}
		g.addLine(l.s, l.no)
		g.add('\n', false, l.no)
	}
	line := lines[first].no
	if !p.question(line) {
		return nil
	}
	p.giftQuestion(&g, line, m, endLine, atBlank)
	return nil
}

// giftQuestion reads one question.
func (p *parser) giftQuestion(g *gtext, line int, m *giftMeta, endLine int, atBlank bool) {
	s, e := g.trim(0, len(g.b))
	var name string
	if g.is(s, ':') && g.is(s+1, ':') {
		end := -1
		for k := s + 2; k+1 < e; k++ {
			if g.is(k, ':') && g.is(k+1, ':') {
				end = k
				break
			}
		}
		if end < 0 {
			p.errorf(line, "the title starts with :: but has no closing :: (write \\: for a colon in a title)")
			return
		}
		name = g.str(s+2, end)
		s, e = g.trim(end+2, e)
	}
	s, format := g.formatTag(s, e, "moodle")

	open, close := g.find(s, e, '{'), g.find(s, e, '}')
	switch {
	case open < 0 && close < 0:
		p.unsupported(line, "description (text with no answer block in {}; not imported)")
		return
	case close >= 0 && (open < 0 || close < open):
		p.errorf(g.line(close), "} has no matching { (write \\} for a literal brace)")
		return
	case close < 0:
		if atBlank {
			p.errorf(g.line(open), "the answer block opened with { is not closed before the blank line on line %d (questions are separated by blank lines, so a question cannot contain one; close the block with })", endLine)
		} else {
			p.errorf(g.line(open), "the answer block opened with { is never closed with }")
		}
		return
	}
	if k := g.find(open+1, close, '{'); k >= 0 {
		p.errorf(g.line(k), "a second { inside the answer block opened on line %d (write \\{ for a literal brace)", g.line(open))
		return
	}
	// After the block: another block, a stray brace or text (missing word).
	rest, restEnd := g.trim(close+1, e)
	for depth, k := 0, rest; k < restEnd; k++ {
		switch {
		case g.is(k, '{'):
			if depth > 0 {
				p.errorf(g.line(k), "a second { inside an answer block (write \\{ for a literal brace)")
				return
			}
			depth++
		case g.is(k, '}'):
			if depth == 0 {
				p.errorf(g.line(k), "} has no matching { (write \\} for a literal brace)")
				return
			}
			depth--
		}
		if k == restEnd-1 && depth > 0 {
			p.errorf(g.line(k), "an answer block opened with { is never closed with }")
			return
		}
	}
	if rest < restEnd {
		p.unsupported(line, "missing-word question (answers inside the text; not imported)")
		return
	}

	stem, images := textIn(format, g.str(s, open)) // the format tag is already read
	var warn []string

	// The answer block, less its general feedback.
	as, ae := g.trim(open+1, close)
	var general string
	if k := g.lastFour(as, ae); k >= 0 {
		var n int
		general, n = g.textAt(k+4, ae, format)
		images += n
		as, ae = g.trim(as, k)
	}
	var (
		q       exam.Question
		w       []string
		problem string
		ans     []answer // the answers, for the lines of options
	)
	hasTilde := g.find(as, ae, '~') >= 0
	switch {
	case as == ae:
		p.unsupported(line, "essay question (not imported)")
		return
	case g.is(as, '#'):
		p.unsupported(line, "numerical question (not imported)")
		return
	case !hasTilde && g.find(as, ae, '=') >= 0 && strings.Contains(string(g.b[as:ae]), "->"):
		p.unsupported(line, "matching question (not imported)")
		return
	case hasTilde:
		var msg string
		var at int
		ans, msg, at = g.answers(as, ae, format, "~=")
		if msg != "" {
			p.errorf(at, "%s", msg)
			return
		}
		images += answerImages(ans)
		q, w, problem = buildChoice(stem, ans, ruleGIFT)
		q.Rationale = general
	default:
		head := ae
		if k := g.find(as, ae, '#'); k >= 0 {
			head = k
		}
		switch strings.ToUpper(g.str(as, head)) {
		case "T", "TRUE", "F", "FALSE":
			// {T#feedback for a wrong answer#feedback for the right one}
			var wrong, right string
			var n1, n2 int
			if head < ae {
				second := g.find(head+1, ae, '#')
				if second < 0 {
					wrong, n1 = g.textAt(head+1, ae, format)
				} else {
					wrong, n1 = g.textAt(head+1, second, format)
					right, n2 = g.textAt(second+1, ae, format)
				}
			}
			images += n1 + n2
			isTrue := strings.HasPrefix(strings.ToUpper(g.str(as, head)), "T")
			if isTrue {
				q, w = buildTrueFalse(stem, true, right, wrong)
			} else {
				q, w = buildTrueFalse(stem, false, wrong, right)
			}
			q.Rationale = general
		default:
			ans, msg, at := g.answers(as, ae, format, "=")
			if msg != "" {
				p.errorf(at, "%s", msg)
				return
			}
			images += answerImages(ans)
			var system string
			if mm := p.readGiftMeta(m); mm != nil {
				system = mm.System
			}
			r := buildCode(stem, ans, general, system)
			switch {
			case r.unsupported != "":
				p.unsupported(line, r.unsupported)
				return
			case r.err != "":
				p.errorf(line, "%s", r.err)
				return
			}
			q, w = r.q, r.warn
		}
	}
	if problem != "" {
		p.errorf(line, "%s", problem)
		return
	}
	if images > 0 {
		warn = append(warn, imagesWarning)
	}
	warn = append(warn, w...)
	if msg, opt := invalid(&q); msg != "" {
		p.errorf(optionLine(ans, opt, line), "%s", msg)
		return
	}
	if m != nil {
		mm, err := decodeMeta(m.json)
		if err != nil {
			warn = append(warn, fmt.Sprintf("line %d: %v", m.line, err))
		} else {
			if w := mm.apply(&q); w != "" {
				warn = append(warn, w)
			}
		}
	}
	p.item(Item{Question: q, Line: line, Name: name, Warnings: warn})
}

func (p *parser) readGiftMeta(m *giftMeta) *meta {
	if m == nil {
		return nil
	}
	mm, err := decodeMeta(m.json)
	if err != nil {
		return nil
	}
	return &mm
}

// answers splits [i, j) into answers, each starting with one of the marker
// characters. For short answers ("=" only) text before the first marker is
// an answer too. It returns a message and line when the block is malformed.
func (g *gtext) answers(i, j int, format, markers string) ([]answer, string, int) {
	var starts []int
	for k := i; k < j; k++ {
		if !g.lit[k] && strings.IndexByte(markers, g.b[k]) >= 0 {
			starts = append(starts, k)
			if len(starts) > 1000 {
				return nil, "the answer block has more than 1000 answers", g.line(k)
			}
		}
	}
	var out []answer
	if len(starts) == 0 || g.str(i, starts[0]) != "" {
		if markers != "=" {
			end := j
			if len(starts) > 0 {
				end = starts[0]
			}
			return nil, fmt.Sprintf("text %q before the first answer; each answer starts with = (right) or ~ (wrong)", excerpt(g.str(i, end), 30)), g.line(i)
		}
		starts = append([]int{i - 1}, starts...) // a short answer without "="
	}
	for n, k := range starts {
		end := j
		if n+1 < len(starts) {
			end = starts[n+1]
		}
		a := answer{line: g.line(k + 1)}
		if k < i || g.b[k] == '=' {
			// "=" marks a right answer; a short answer written without one
			// counts as right too (Moodle reads it so).
			a.marked = k >= i
			a.weight = 100
		}
		s, e := g.trim(k+1, end)
		if w, next, ok := g.weight(s, e); ok {
			if w < -100 || w > 100 {
				return nil, fmt.Sprintf("answer weight %s%% is not between -100%% and 100%%", formatWeight(w)), a.line
			}
			a.weight, s = w, next
		}
		h := g.find(s, e, '#')
		var n1, n2 int
		if h < 0 {
			h = e
		} else {
			a.feedback, n1 = g.textAt(h+1, e, format)
		}
		a.text, n2 = g.textAt(s, h, format)
		a.images = n1 + n2
		if a.text == "" && markers == "=" {
			return nil, "an answer in the answer block is empty (after an =)", a.line
		}
		out = append(out, a)
	}
	return out, "", 0
}

// weight reads a "%50%" weight at i: digits with an optional minus sign
// and decimals.
func (g *gtext) weight(i, j int) (float64, int, bool) {
	if i >= j || g.b[i] != '%' {
		return 0, i, false
	}
	k := i + 1
	if k < j && g.b[k] == '-' {
		k++
	}
	digits := k
	for k < j && k-digits < 12 && (g.b[k] >= '0' && g.b[k] <= '9' || g.b[k] == '.') {
		k++
	}
	if k == digits || k >= j || g.b[k] != '%' {
		return 0, i, false
	}
	w, err := strconv.ParseFloat(string(g.b[i+1:k]), 64)
	if err != nil {
		return 0, i, false
	}
	return w, k + 1, true
}

// giftEscape escapes GIFT's special characters and writes newlines as \n,
// so that any text fits on one line.
func giftEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
		case strings.IndexByte(giftEscapable, c) >= 0:
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// giftPart writes an answer or feedback: escaped, and behind a [markdown]
// tag when it starts with "[" or "%", which would otherwise read as a
// format tag or a weight.
func giftPart(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") || strings.HasPrefix(s, "%") {
		return "[markdown]" + giftEscape(s)
	}
	return giftEscape(s)
}

func writeGIFT(qs []exam.Question) ([]byte, error) {
	var b strings.Builder
	b.WriteString("// Written by Chartroom. Questions are separated by blank lines; the \"// chartroom:\" comment\n")
	b.WriteString("// above a question keeps its id and classification for the next import into Chartroom.\n\n")
	for i := range qs {
		q := &qs[i]
		switch q.Type {
		case exam.TypeSingle, exam.TypeMultiple, exam.TypeCode:
		default:
			return nil, fmt.Errorf("%s has type %q, which cannot be written (single, multiple or code)", questionName(i, q), q.Type)
		}
		if m := encodeMeta(metaOf(q)); m != "{}" {
			b.WriteString("// chartroom: " + m + "\n")
		}
		if q.ID != "" {
			b.WriteString("::" + giftEscape(q.ID) + "::")
		}
		b.WriteString("[markdown]" + giftEscape(strings.TrimSpace(q.Stem)) + " {\n")
		switch q.Type {
		case exam.TypeSingle, exam.TypeMultiple:
			n := max(len(q.Key), 1)
			for j, o := range q.Options {
				right := j < len(exam.Letters) && q.IsKey(exam.Letter(j))
				switch {
				case q.Type == exam.TypeSingle && right:
					b.WriteString("\t=")
				case q.Type == exam.TypeSingle:
					b.WriteString("\t~")
				case right:
					b.WriteString("\t~%" + formatWeight(100/float64(n)) + "%")
				default:
					b.WriteString("\t~%-100%")
				}
				b.WriteString(giftPart(o.Text))
				if strings.TrimSpace(o.Rationale) != "" {
					b.WriteString("#" + giftPart(o.Rationale))
				}
				b.WriteByte('\n')
			}
		case exam.TypeCode:
			for _, k := range q.Key {
				b.WriteString("\t=" + giftPart(k) + "\n")
			}
		}
		if strings.TrimSpace(q.Rationale) != "" {
			b.WriteString("\t####" + giftPart(q.Rationale) + "\n")
		}
		b.WriteString("}\n\n")
	}
	return []byte(b.String()), nil
}
