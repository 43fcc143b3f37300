package content

import "embed"

// Files is the curriculum embedded in the binary.
//
//go:embed modules questions cases blueprint.yaml glossary.yaml competencies.yaml
var Files embed.FS
