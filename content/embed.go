package content

import "embed"

// Files is the curriculum embedded in the binary.
//
//go:embed modules questions cases codesets blueprint.yaml glossary.yaml competencies.yaml
var Files embed.FS
