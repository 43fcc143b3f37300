package content

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"chartroom/codes"
)

// CodeSubset is a curated part of an official code set, shipped so that
// lookup and coding practice work before a full release is imported.
type CodeSubset struct {
	System  string
	Year    int
	Release string
	Source  string
	Sha256  string
	Entries []codes.Entry
}

func (ld *loader) loadCodeSubsets(lib *Library) {
	for _, file := range globSorted(ld.fsys, "codesets/*.yaml") {
		data, err := readFile(ld.fsys, file)
		if err != nil {
			ld.fail(file, 0, "%v", err)
			continue
		}
		var sy struct {
			System  string  `yaml:"system"`
			Year    int     `yaml:"year"`
			Release string  `yaml:"release"`
			Source  string  `yaml:"source"`
			Codes   [][]any `yaml:"codes"`
		}
		root := ld.decodeStrict(file, data, 0, &sy)
		if root == nil {
			continue
		}
		if sy.System != codes.ICD10CM && sy.System != codes.ICD10PCS {
			ld.fail(file, keyLine(root, "system"), "system must be icd10cm or icd10pcs")
			continue
		}
		sum := sha256.Sum256(data)
		cs := CodeSubset{System: sy.System, Year: sy.Year, Release: sy.Release, Source: sy.Source, Sha256: "subset-" + hex.EncodeToString(sum[:])}
		list := mapValue(root, "codes")
		for i, row := range sy.Codes {
			line := 0
			if n := seqItem(list, i); n != nil {
				line = n.Line
			}
			if len(row) != 4 {
				ld.fail(file, line, "each code is [code, billable, short title, long title]")
				continue
			}
			code, _ := row[0].(string)
			bill, ok := row[1].(bool)
			short, _ := row[2].(string)
			long, _ := row[3].(string)
			if code == "" || !ok || short == "" || long == "" {
				ld.fail(file, line, "each code is [code, billable, short title, long title]")
				continue
			}
			cs.Entries = append(cs.Entries, codes.Entry{Order: i + 1, Code: fmt.Sprint(code), Billable: bill, Short: short, Long: long})
		}
		lib.CodeSets = append(lib.CodeSets, cs)
	}
}
