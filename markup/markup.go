// Package markup turns Markdown into safe HTML. It is the one place where
// Markdown is rendered: lessons, questions and anything a person typed all go
// through Render, which sanitises the result with bluemonday.
package markup

import (
	"bytes"
	"html"
	"html/template"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
)

var (
	md = goldmark.New(
		goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify),
		goldmark.WithParserOptions(parser.WithAutoHeadingID()),
	)
	policy = func() *bluemonday.Policy {
		p := bluemonday.UGCPolicy()
		p.AllowAttrs("class").Matching(regexp.MustCompile(`^language-[a-z0-9]+$`)).OnElements("code")
		p.RequireNoFollowOnLinks(false)
		p.AddTargetBlankToFullyQualifiedLinks(false)
		return p
	}()
	strict = bluemonday.StrictPolicy()

	calloutPattern = regexp.MustCompile(`<blockquote>\s*<p>\[!(TIP|LAW|NOTE|TRAP|EXAMPLE)\]\s*`)
	calloutTitles  = map[string]string{
		"TIP":     "Coding tip",
		"LAW":     "The law",
		"NOTE":    "Note",
		"TRAP":    "Common trap",
		"EXAMPLE": "Worked example",
	}
	spaces = regexp.MustCompile(`\s+`)
)

// Render converts Markdown to sanitised HTML. Callouts are blockquotes whose
// first line is [!TIP], [!LAW], [!NOTE], [!TRAP] or [!EXAMPLE].
func Render(src string) template.HTML {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		// goldmark only fails on writer errors; a bytes.Buffer has none.
		return template.HTML(template.HTMLEscapeString(src))
	}
	safe := policy.SanitizeBytes(buf.Bytes())
	out := calloutPattern.ReplaceAllStringFunc(string(safe), func(m string) string {
		kind := calloutPattern.FindStringSubmatch(m)[1]
		return `<blockquote class="callout callout-` + strings.ToLower(kind) + `"><p><strong class="callout-title">` +
			calloutTitles[kind] + `</strong> `
	})
	return template.HTML(out) // #nosec: sanitised above; the callout markup is ours
}

// Inline renders a short piece of Markdown (an option, a title) without the
// wrapping paragraph.
func Inline(src string) template.HTML {
	s := strings.TrimSpace(string(Render(src)))
	if strings.HasPrefix(s, "<p>") && strings.HasSuffix(s, "</p>") && strings.Count(s, "<p>") == 1 {
		s = s[3 : len(s)-4]
	}
	return template.HTML(s)
}

// PlainText returns the words of a Markdown document without markup, for
// search indexes and snippets.
func PlainText(src string) string {
	h := Render(src)
	t := html.UnescapeString(strict.Sanitize(strings.ReplaceAll(string(h), ">", "> ")))
	return strings.TrimSpace(spaces.ReplaceAllString(t, " "))
}

// Escape is the plain-text fallback used where no Markdown is wanted.
func Escape(s string) template.HTML { return template.HTML(template.HTMLEscapeString(s)) }
