package codes

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
)

// Change kinds in the addenda file and in a computed diff.
const (
	Added   = "add"
	Deleted = "delete"
	Revised = "revise"
)

// Change is one line of difference between two fiscal years.
type Change struct {
	Kind     string
	Code     string
	Billable bool
	Short    string
	Long     string
	OldShort string // Revised: the title before
	OldLong  string
}

// ParseAddenda reads the CMS ICD-10-CM order-file addenda (Add:, Delete:,
// Revise from: / Revise to: lines; the closing summary lines are skipped).
func ParseAddenda(r io.Reader) ([]Change, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	var out []Change
	var from *Change
	n := 0
	for sc.Scan() {
		n++
		line := string(bytes.TrimRight(sc.Bytes(), "\r"))
		if strings.TrimSpace(line) == "" {
			continue
		}
		kw := strings.TrimSpace(line[:min(13, len(line))])
		switch kw {
		case "Add:", "Delete:", "Revise from:", "Revise to:":
		default:
			continue // summary lines ("74719 codes in ...", "487 additions", ...)
		}
		if len(line) < 24 {
			return nil, &LineError{n, "addenda line too short"}
		}
		c := Change{
			Billable: line[13] == '1',
			Code:     strings.TrimSpace(line[15:min(22, len(line))]),
		}
		rest := line[23:]
		if len(rest) > 60 {
			c.Short, c.Long = strings.TrimSpace(rest[:60]), strings.TrimSpace(rest[60:])
		} else {
			c.Short, c.Long = strings.TrimSpace(rest), strings.TrimSpace(rest)
		}
		if line[13] != '0' && line[13] != '1' {
			return nil, &LineError{n, fmt.Sprintf("column 14 must be 0 or 1, found %q", line[13])}
		}
		switch kw {
		case "Add:":
			c.Kind = Added
			out = append(out, c)
		case "Delete:":
			c.Kind = Deleted
			out = append(out, c)
		case "Revise from:":
			cc := c
			from = &cc
		case "Revise to:":
			if from == nil || from.Code != c.Code {
				return nil, &LineError{n, "Revise to: without its Revise from: line"}
			}
			c.Kind, c.OldShort, c.OldLong = Revised, from.Short, from.Long
			out = append(out, c)
			from = nil
		}
	}
	return out, sc.Err()
}

// Diff compares two fiscal years of a code set. A code whose billable flag
// changes is a deletion of the old row and an addition of the new one, as
// the CMS addenda list it; a changed title is a revision.
func Diff(old, new []Entry) []Change {
	type key struct {
		code     string
		billable bool
	}
	om := make(map[key]Entry, len(old))
	for _, e := range old {
		om[key{e.Code, e.Billable}] = e
	}
	nm := make(map[key]Entry, len(new))
	for _, e := range new {
		nm[key{e.Code, e.Billable}] = e
	}
	var out []Change
	for _, e := range new {
		o, ok := om[key{e.Code, e.Billable}]
		switch {
		case !ok:
			out = append(out, Change{Kind: Added, Code: e.Code, Billable: e.Billable, Short: e.Short, Long: e.Long})
		case o.Long != e.Long || o.Short != e.Short:
			out = append(out, Change{Kind: Revised, Code: e.Code, Billable: e.Billable, Short: e.Short, Long: e.Long, OldShort: o.Short, OldLong: o.Long})
		}
	}
	for _, e := range old {
		if _, ok := nm[key{e.Code, e.Billable}]; !ok {
			out = append(out, Change{Kind: Deleted, Code: e.Code, Billable: e.Billable, Short: e.Short, Long: e.Long})
		}
	}
	return out
}
