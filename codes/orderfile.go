package codes

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Entry is one line of a CMS order file.
type Entry struct {
	Order    int
	Code     string // no dot
	Billable bool   // valid for HIPAA-covered transactions
	Short    string
	Long     string
	Extra    string // HCPCS: "modifier" or "terminated YYYYMMDD"
}

// LineError names the line of a file that could not be parsed.
type LineError struct {
	Line int
	Msg  string
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// ParseOrderFile reads a CMS order file (ICD-10-CM or ICD-10-PCS, fixed
// width, CRLF or LF) and calls fn for each entry in order. Every line is
// validated; the first bad line stops the parse with a *LineError, and fn
// must not have committed anything the caller cannot roll back.
func ParseOrderFile(r io.Reader, system string, fn func(Entry) error) (int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimRight(sc.Bytes(), "\r")
		if len(bytes.TrimSpace(line)) == 0 {
			return n, &LineError{n, "empty line"}
		}
		e, err := parseOrderLine(line, system)
		if err != nil {
			return n, &LineError{n, err.Error()}
		}
		if e.Order != n {
			return n, &LineError{n, fmt.Sprintf("order number %05d out of sequence (expected %05d)", e.Order, n)}
		}
		if err := fn(e); err != nil {
			return n, err
		}
	}
	if err := sc.Err(); err != nil {
		return n, fmt.Errorf("read: %w", err)
	}
	if n == 0 {
		return 0, &LineError{1, "the file is empty"}
	}
	return n, nil
}

func parseOrderLine(line []byte, system string) (Entry, error) {
	var e Entry
	if len(line) < 78 {
		return e, fmt.Errorf("too short for the order-file layout (%d characters, need at least 78)", len(line))
	}
	for _, c := range line {
		if c < 0x20 || c > 0x7e {
			return e, fmt.Errorf("non-ASCII or control character 0x%02x", c)
		}
	}
	ord, err := strconv.Atoi(string(line[0:5]))
	if err != nil || ord <= 0 {
		return e, fmt.Errorf("columns 1-5 must be a zero-filled order number, found %q", line[0:5])
	}
	if line[5] != ' ' || line[13] != ' ' || line[15] != ' ' || line[76] != ' ' {
		return e, fmt.Errorf("columns 6, 14, 16 and 77 must be blank")
	}
	e.Order = ord
	e.Code = strings.TrimRight(string(line[6:13]), " ")
	switch line[14] {
	case '1':
		e.Billable = true
	case '0':
	default:
		return e, fmt.Errorf("column 15 must be 1 (billable) or 0 (header), found %q", line[14])
	}
	if strings.Contains(e.Code, " ") || e.Code == "" {
		return e, fmt.Errorf("columns 7-13 must hold a code, found %q", line[6:13])
	}
	if !wellFormedPrefix(system, e.Code, e.Billable) {
		return e, fmt.Errorf("%q is not a well-formed %s code", e.Code, SystemTitle(system))
	}
	e.Short = strings.TrimRight(string(line[16:76]), " ")
	e.Long = strings.TrimSpace(string(line[77:]))
	if e.Short == "" || e.Long == "" {
		return e, fmt.Errorf("short and long descriptions are required")
	}
	return e, nil
}

// wellFormedPrefix accepts header rows (PCS tables are 3-4 characters).
func wellFormedPrefix(system, code string, billable bool) bool {
	if system == ICD10PCS && !billable {
		if len(code) < 3 || len(code) > 7 {
			return false
		}
		for i := 0; i < len(code); i++ {
			if !pcsChar(code[i]) {
				return false
			}
		}
		return true
	}
	return WellFormed(system, code)
}

var fileNamePattern = regexp.MustCompile(`(?i)icd10(cm|pcs)_order_(\d{4})\.txt$`)

// DetectFile reads the system and fiscal year from a CMS file name such as
// icd10cm_order_2026.txt. ok is false when the name does not say.
func DetectFile(name string) (system string, year int, ok bool) {
	m := fileNamePattern.FindStringSubmatch(filepath.Base(name))
	if m == nil {
		return "", 0, false
	}
	y, _ := strconv.Atoi(m[2])
	if strings.EqualFold(m[1], "cm") {
		return ICD10CM, y, true
	}
	return ICD10PCS, y, true
}
