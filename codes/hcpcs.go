package codes

import (
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// ParseHCPCS reads the CMS HCPCS Level II quarterly workbook (one sheet:
// HCPC, SEQNUM, RECID, LONG DESCRIPTION, SHORT DESCRIPTION, ... TERM DT).
// Procedure codes (RECID 3) and modifiers (RECID 7) are returned; D codes
// D0000-D9999 (CDT, the ADA's copyright) are dropped. A terminated code is kept, not
// billable, with its termination date in Extra.
func ParseHCPCS(r io.Reader) ([]Entry, error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, fmt.Errorf("not a readable .xlsx workbook: %w", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fmt.Errorf("the workbook has no sheets")
	}
	rows, err := f.GetRows(sheets[0])
	if err != nil {
		return nil, err
	}
	if len(rows) < 2 {
		return nil, &LineError{1, "no rows"}
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[strings.ToUpper(strings.TrimSpace(h))] = i
	}
	for _, need := range []string{"HCPC", "RECID", "LONG DESCRIPTION", "SHORT DESCRIPTION"} {
		if _, ok := col[need]; !ok {
			return nil, &LineError{1, fmt.Sprintf("the header row has no %q column", need)}
		}
	}
	get := func(r []string, name string) string {
		i, ok := col[name]
		if !ok || i >= len(r) {
			return ""
		}
		return strings.TrimSpace(r[i])
	}
	var out []Entry
	seen := map[string]bool{}
	for i, r := range rows[1:] {
		line := i + 2
		code := strings.ToUpper(get(r, "HCPC"))
		if code == "" {
			continue
		}
		if strings.HasPrefix(code, "D") && len(code) == 5 {
			continue // D0000-D9999 are CDT codes, the ADA's: never imported
		}
		e := Entry{Order: len(out) + 1, Code: code, Short: get(r, "SHORT DESCRIPTION"), Long: get(r, "LONG DESCRIPTION")}
		switch get(r, "RECID") {
		case "3":
			if !WellFormed(HCPCS, code) {
				return nil, &LineError{line, fmt.Sprintf("%q is not a well-formed HCPCS Level II code", code)}
			}
			e.Billable = get(r, "TERM DT") == ""
			if !e.Billable {
				e.Extra = "terminated " + get(r, "TERM DT")
			}
		case "7":
			if len(code) != 2 {
				return nil, &LineError{line, fmt.Sprintf("modifier %q is not two characters", code)}
			}
			e.Extra = "modifier"
		default:
			continue // other record types are continuation or header records
		}
		if e.Long == "" {
			return nil, &LineError{line, "the long description is empty"}
		}
		if e.Short == "" {
			e.Short = e.Long
		}
		if seen[code] {
			return nil, &LineError{line, fmt.Sprintf("code %s appears twice", code)}
		}
		seen[code] = true
		out = append(out, e)
	}
	return out, nil
}
