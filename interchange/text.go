package interchange

import (
	"html"
	"strings"
)

// textIn converts text in one of Moodle's text formats to Chartroom's
// Markdown. Markdown, plain text and Moodle's auto-format are kept as they
// are; HTML is reduced to plain text with its paragraph breaks. It reports
// how many images the text referred to (they are not imported).
func textIn(format, s string) (string, int) {
	switch strings.ToLower(strings.TrimSpace(format)) {
	case "html":
		return htmlToText(s)
	}
	return strings.TrimSpace(s), 0
}

// block elements that start a new paragraph, and those that start a line.
var (
	paraTags = map[string]bool{
		"p": true, "div": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
		"ul": true, "ol": true, "table": true, "blockquote": true, "pre": true, "hr": true,
		"section": true, "article": true, "header": true, "footer": true, "dl": true, "figure": true,
	}
	lineTags = map[string]bool{"br": true, "tr": true, "dt": true, "dd": true, "caption": true}
)

// htmlToText strips tags, keeps paragraph and line breaks, turns list items
// into Markdown "- " lines and decodes entities. It runs in time linear in
// the length of s whatever s holds.
func htmlToText(s string) (string, int) {
	var out, run strings.Builder
	images, pre := 0, 0
	flush := func() {
		t := run.String()
		run.Reset()
		if pre == 0 {
			t = collapseSpace(t)
		}
		out.WriteString(html.UnescapeString(t))
	}
	noClose := false // no '>' after this point: every '<' left is text
	for i := 0; i < len(s); {
		c := s[i]
		if c != '<' || noClose || i+1 == len(s) || !tagStart(s[i+1]) {
			run.WriteByte(c)
			i++
			continue
		}
		if strings.HasPrefix(s[i:], "<!--") {
			end := strings.Index(s[i+4:], "-->")
			if end < 0 {
				break // an unclosed comment hides the rest
			}
			i += 4 + end + 3
			continue
		}
		end := strings.IndexByte(s[i:], '>')
		if end < 0 {
			noClose = true
			continue
		}
		tag := s[i+1 : i+end]
		i += end + 1
		closing := strings.HasPrefix(tag, "/")
		name := strings.ToLower(tagName(strings.TrimPrefix(tag, "/")))
		flush()
		switch {
		case name == "script" || name == "style":
			if closing {
				break
			}
			// Skip to the matching closing tag, or to the end.
			j := indexFold(s[i:], "</"+name)
			if j < 0 {
				i = len(s)
				break
			}
			i += j
		case name == "img":
			images++
		case name == "pre":
			if closing && pre > 0 {
				pre--
			} else if !closing {
				pre++
			}
			out.WriteString("\n\n")
		case name == "li":
			if !closing {
				out.WriteString("\n- ")
			}
		case paraTags[name]:
			out.WriteString("\n\n")
		case lineTags[name]:
			out.WriteString("\n")
		case (name == "td" || name == "th") && !closing:
			out.WriteString(" ")
		}
	}
	flush()
	return tidyLines(out.String()), images
}

func tagStart(c byte) bool {
	return c == '/' || c == '!' || c == '?' || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

func tagName(t string) string {
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '/' || c == '>' {
			return t[:i]
		}
	}
	return t
}

// indexFold finds sub (ASCII) in s, ignoring ASCII case.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// collapseSpace turns each run of HTML white space into one space.
func collapseSpace(s string) string {
	var b strings.Builder
	space := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r', '\f':
			space = true
		default:
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteByte(s[i])
		}
	}
	if space {
		b.WriteByte(' ')
	}
	return b.String()
}

// tidyLines trims every line and keeps at most one blank line in a row.
func tidyLines(s string) string {
	var b strings.Builder
	blank := 0
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			blank++
			continue
		}
		if b.Len() > 0 {
			if blank > 0 {
				b.WriteString("\n\n")
			} else {
				b.WriteString("\n")
			}
		}
		blank = 0
		b.WriteString(l)
	}
	return b.String()
}
