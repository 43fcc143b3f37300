// Package static embeds the stylesheet, scripts and images, served under
// /static/ with content-hash URLs.
package static

import "embed"

// Files holds every static asset.
//
//go:embed *.css *.js *.svg
var Files embed.FS
