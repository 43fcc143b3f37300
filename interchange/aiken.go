package interchange

import (
	"fmt"
	"strings"

	"chartroom/exam"
)

// Aiken: the question text (one or more lines), then the options one per
// line as "A. text" or "A) text", in order from A, then "ANSWER: X".
// Blank lines carry no meaning except as paragraph breaks in the question
// text. Aiken has no feedback and no metadata.

const aikenNoFeedback = "Aiken files have no feedback: add a rationale for each option"

// aikenOption reads "A. text" / "A) text": an upper-case letter, a period
// or parenthesis, then white space or the end of the line.
func aikenOption(t string) (letter byte, text string, ok bool) {
	if len(t) < 2 || t[0] < 'A' || t[0] > 'Z' || (t[1] != '.' && t[1] != ')') {
		return 0, "", false
	}
	if len(t) > 2 && t[2] != ' ' && t[2] != '\t' {
		return 0, "", false
	}
	return t[0], strings.TrimSpace(t[2:]), true
}

// aikenAnswer reads "ANSWER: X" (the word in any case).
func aikenAnswer(t string) (string, bool) {
	if len(t) < 7 || !strings.EqualFold(t[:7], "ANSWER:") {
		return "", false
	}
	return strings.TrimSpace(t[7:]), true
}

type aikenQuestion struct {
	line     int
	stem     []string
	size     int
	opts     []string
	optLines []int
	lastLine int // line of the last option
}

func (p *parser) aiken(src string) {
	const (
		idle = iota
		inStem
		inOptions
		skipping // after an error: the rest of the broken question's options and its ANSWER line
	)
	state := idle
	var q aikenQuestion
	lineNo := 0
	for pos := 0; pos < len(src) && !p.stopped; {
		end := strings.IndexByte(src[pos:], '\n')
		if end < 0 {
			end = len(src) - pos
		}
		t := strings.TrimSpace(src[pos : pos+end])
		pos += end + 1
		lineNo++

		ans, isAnswer := aikenAnswer(t)
		letter, text, isOption := aikenOption(t)
		switch {
		case state == skipping && (isAnswer || isOption || t == ""):
			if isAnswer {
				state = idle
			}
		case t == "":
			if state == inStem {
				q.stem = append(q.stem, "")
			}
		case isAnswer:
			switch state {
			case idle:
				p.question(lineNo)
				p.errorf(lineNo, "ANSWER line with no question before it")
				state = idle
			case inStem:
				p.errorf(lineNo, "ANSWER line comes before any options (options are written \"A. text\" or \"A) text\", one per line)")
				state = skipping
			case inOptions:
				p.aikenFinish(&q, ans, lineNo)
				state = idle
			}
		case isOption:
			want := byte('A' + len(q.opts))
			switch {
			case state == idle:
				p.question(lineNo)
				p.errorf(lineNo, "option %c has no question text before it", letter)
				state = skipping
			case len(q.opts) == maxOptions:
				p.errorf(lineNo, "a question has at most %d options (A to F); found option %c", maxOptions, letter)
				state = skipping
			case letter != want && state == inStem:
				p.errorf(lineNo, "this line reads as option %c, but the options must start at A (if it is part of the question text, reword it so that it does not start with a capital letter and a period or parenthesis)", letter)
				state = skipping
			case letter != want:
				p.errorf(lineNo, "expected option %c, found option %c (options go in order: A, B, C, ...)", want, letter)
				state = skipping
			case text == "":
				p.errorf(lineNo, "option %c has no text", letter)
				state = skipping
			default:
				q.opts = append(q.opts, text)
				q.optLines = append(q.optLines, lineNo)
				q.lastLine = lineNo
				q.size += len(text)
				state = inOptions
			}
		default: // question text
			if state == inOptions {
				p.errorf(q.line, "question has no ANSWER line: after option %c on line %d, line %d has text instead of the next option or \"ANSWER: X\" (each option must fit on one line)", 'A'+len(q.opts)-1, q.lastLine, lineNo)
			}
			if state != inStem { // a new question starts
				if !p.question(lineNo) {
					return
				}
				q = aikenQuestion{line: lineNo}
				state = inStem
			}
			q.stem = append(q.stem, t)
			q.size += len(t) + 1
		}
		if (state == inStem || state == inOptions) && q.size > maxQuestionBytes {
			p.errorf(q.line, "question is longer than 100 KB (is an ANSWER line missing?)")
			state = skipping
		}
	}
	switch state {
	case inStem:
		p.errorf(q.line, "question has no options and no ANSWER line")
	case inOptions:
		p.errorf(q.line, "question has no ANSWER line (the file ends after option %c on line %d)", 'A'+len(q.opts)-1, q.lastLine)
	}
}

func (p *parser) aikenFinish(q *aikenQuestion, ans string, lineNo int) {
	letters := fmt.Sprintf("A-%c", 'A'+len(q.opts)-1)
	v := strings.TrimRight(ans, ".)")
	if len(v) != 1 || !(v[0] >= 'A' && v[0] <= 'Z' || v[0] >= 'a' && v[0] <= 'z') {
		if ans == "" {
			p.errorf(lineNo, "the ANSWER line gives no letter (write, for example, \"ANSWER: B\")")
		} else {
			p.errorf(lineNo, "ANSWER must be one option letter such as \"B\", found %q (Aiken questions have one right answer)", excerpt(ans, 20))
		}
		return
	}
	letter := strings.ToUpper(v)
	i := int(letter[0] - 'A')
	if i >= len(q.opts) {
		p.errorf(lineNo, "ANSWER %s is not one of the options (%s)", letter, letters)
		return
	}
	ansList := make([]answer, len(q.opts))
	for j, o := range q.opts {
		ansList[j] = answer{text: o, line: q.optLines[j]}
	}
	ansList[i].marked, ansList[i].weight = true, 100
	stem := strings.TrimSpace(tidyStem(q.stem))
	eq, _, problem := buildChoice(stem, ansList, ruleGIFT)
	at := q.line
	if problem == "" {
		var opt int
		problem, opt = invalid(&eq)
		at = optionLine(ansList, opt, q.line)
	}
	if problem != "" {
		p.errorf(at, "%s", problem)
		return
	}
	p.item(Item{Question: eq, Line: q.line, Warnings: []string{aikenNoFeedback}})
}

// tidyStem joins question lines, a blank line becoming a paragraph break.
func tidyStem(lines []string) string {
	var b strings.Builder
	blank := false
	for _, l := range lines {
		if l == "" {
			blank = true
			continue
		}
		if b.Len() > 0 {
			if blank {
				b.WriteString("\n\n")
			} else {
				b.WriteString("\n")
			}
		}
		blank = false
		b.WriteString(l)
	}
	return b.String()
}

func writeAiken(qs []exam.Question) ([]byte, error) {
	var b strings.Builder
	for i := range qs {
		q := &qs[i]
		name := questionName(i, q)
		switch {
		case q.Type != exam.TypeSingle:
			return nil, fmt.Errorf("%s is a %s question; Aiken holds only single-answer multiple-choice questions", name, typeWords(q.Type))
		case len(q.Options) < 2 || len(q.Options) > maxOptions:
			return nil, fmt.Errorf("%s has %d options; Aiken takes 2 to %d", name, len(q.Options), maxOptions)
		case len(q.Key) != 1 || len(q.Key[0]) != 1 || strings.Index(exam.Letters[:len(q.Options)], q.Key[0]) < 0:
			return nil, fmt.Errorf("%s has no single right answer among its options", name)
		}
		for _, l := range strings.Split(strings.TrimSpace(q.Stem), "\n") {
			t := strings.TrimSpace(l)
			if _, _, ok := aikenOption(t); ok {
				return nil, fmt.Errorf("%s: the question text line %q would be read as an option in Aiken; reword it", name, excerpt(t, 30))
			}
			if _, ok := aikenAnswer(t); ok {
				return nil, fmt.Errorf("%s: the question text line %q would be read as the ANSWER line in Aiken; reword it", name, excerpt(t, 30))
			}
			b.WriteString(t + "\n")
		}
		for j, o := range q.Options {
			text := oneLine(o.Text)
			if text == "" {
				return nil, fmt.Errorf("%s: option %s has no text", name, exam.Letter(j))
			}
			b.WriteString(exam.Letter(j) + ". " + text + "\n")
		}
		b.WriteString("ANSWER: " + q.Key[0] + "\n\n")
	}
	return []byte(b.String()), nil
}

func typeWords(t exam.QType) string {
	switch t {
	case exam.TypeMultiple:
		return "multiple-response"
	case exam.TypeCode:
		return "code-entry"
	}
	return fmt.Sprintf("%q", string(t))
}

// oneLine joins the lines of s with spaces: an Aiken option is one line.
func oneLine(s string) string {
	var parts []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, " ")
}
