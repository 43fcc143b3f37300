// Package templates embeds the HTML templates: layout.html, partials/ and
// one file per page in pages/.
package templates

import "embed"

// Files holds every template.
//
//go:embed layout.html partials pages
var Files embed.FS
