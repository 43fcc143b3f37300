package markup

import (
	"strings"
	"testing"
)

func TestRenderSanitises(t *testing.T) {
	for in, bad := range map[string]string{
		"<script>alert(1)</script>hello":                    "<script",
		`<img src=x onerror="alert(1)">`:                    "onerror",
		"[click](javascript:alert(1))":                      "javascript:",
		`<a href="https://example.org" onclick="x()">a</a>`: "onclick",
		"<iframe src=//evil.example></iframe>":              "<iframe",
		`<div style="background:url(x)">s</div>`:            "style=",
	} {
		out := string(Render(in))
		if strings.Contains(strings.ToLower(out), bad) {
			t.Errorf("Render(%q) kept %q: %s", in, bad, out)
		}
	}
	out := string(Render("| a | b |\n|---|---|\n| 1 | 2 |\n\n**bold** and `code`"))
	for _, want := range []string{"<table>", "<strong>bold</strong>", "<code>code</code>"} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lost %s: %s", want, out)
		}
	}
}

func TestCallouts(t *testing.T) {
	out := string(Render("> [!TIP]\n> Look in the Index first.\n\n> [!LAW] The rule says so."))
	if !strings.Contains(out, `class="callout callout-tip"`) || !strings.Contains(out, "Coding tip") || strings.Contains(out, "[!TIP]") {
		t.Errorf("tip callout: %s", out)
	}
	if !strings.Contains(out, `callout-law`) {
		t.Errorf("law callout: %s", out)
	}
	// A callout marker typed by a user cannot smuggle markup in.
	out = string(Render("> [!TIP] <script>x</script>"))
	if strings.Contains(out, "<script") {
		t.Errorf("callout kept script: %s", out)
	}
}

func TestPlainTextAndInline(t *testing.T) {
	if got := PlainText("## Heading\n\nSome *emphasis* and [a link](https://x.org)."); got != "Heading Some emphasis and a link ." && got != "Heading Some emphasis and a link." {
		t.Errorf("PlainText = %q", got)
	}
	if got := string(Inline("Only **one** line")); got != "Only <strong>one</strong> line" {
		t.Errorf("Inline = %q", got)
	}
}
