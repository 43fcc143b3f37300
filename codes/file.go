package codes

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// File is a code-set file read, validated and ready to import.
type File struct {
	Name    string
	System  string
	Year    int
	Release string
	Sha256  string
	Entries []Entry
}

var hcpcsName = regexp.MustCompile(`(?i)HCPC(\d{4})_([A-Z]{3})`)

// ReadFile reads a CMS code-set file: an ICD-10-CM or ICD-10-PCS order file
// (fixed width, CRLF or LF) or the HCPCS Level II quarterly workbook. The
// system and year come from the file name unless given. Every line is
// validated; any bad line fails the whole file, naming the line.
func ReadFile(name string, r io.Reader, system string, year int) (*File, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	f := &File{Name: filepath.Base(name), Sha256: hex.EncodeToString(sum[:])}
	dsys, dyear, ok := DetectFile(name)
	if m := hcpcsName.FindStringSubmatch(filepath.Base(name)); m != nil {
		dsys, ok = HCPCS, true
		dyear, _ = strconv.Atoi(m[1])
		f.Release = m[1] + " " + strings.ToUpper(m[2][:1]) + strings.ToLower(m[2][1:]) + " quarterly"
	}
	if system == "" {
		if !ok {
			return nil, fmt.Errorf("cannot tell the code system from the name %q: pass it (icd10cm, icd10pcs or hcpcs)", f.Name)
		}
		system = dsys
	}
	if year == 0 {
		if !ok {
			return nil, fmt.Errorf("cannot tell the fiscal year from the name %q: pass it", f.Name)
		}
		year = dyear
	}
	if year < 2015 || year > 2100 {
		return nil, fmt.Errorf("fiscal year %d is out of range", year)
	}
	f.System, f.Year = system, year
	switch system {
	case ICD10CM, ICD10PCS:
		if f.Release == "" {
			f.Release = fmt.Sprintf("FY%d (effective October 1, %d)", year, year-1)
		}
		_, err = ParseOrderFile(bytes.NewReader(data), system, func(e Entry) error {
			f.Entries = append(f.Entries, e)
			return nil
		})
	case HCPCS:
		if f.Release == "" {
			f.Release = strconv.Itoa(year)
		}
		f.Entries, err = ParseHCPCS(bytes.NewReader(data))
	default:
		return nil, fmt.Errorf("unknown code system %q (icd10cm, icd10pcs or hcpcs)", system)
	}
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(f.Entries))
	for i, e := range f.Entries {
		if seen[e.Code] {
			return nil, &LineError{i + 1, fmt.Sprintf("code %s appears twice", e.Code)}
		}
		seen[e.Code] = true
	}
	return f, nil
}
