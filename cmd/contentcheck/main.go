// Command contentcheck validates Chartroom content on disk: everything under
// content/, or a subset while a module is being written. It reports loader
// problems with file and line, lesson word counts, the question bank per
// domain, and every ICD-10 code that does not exist (or is not billable where
// a student must enter it) in the official files in ../shared/data.
//
//	go run ./cmd/contentcheck                       # all of content/
//	go run ./cmd/contentcheck -module 02-law-and-ethics -questions 02-law-and-ethics.yaml -glossary /tmp/g.yaml
package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing/fstest"

	"chartroom/codes"
	"chartroom/content"
	"chartroom/exam"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(s string) error { *l = append(*l, s); return nil }

func main() {
	var modules, questions, cases list
	dir := flag.String("dir", "content", "the content directory")
	glossary := flag.String("glossary", "", "a glossary file to use instead of content/glossary.yaml")
	data := flag.String("data", "../shared/data", "folder with the CMS order files")
	flag.Var(&modules, "module", "only this module folder (repeatable), e.g. 01-health-record")
	flag.Var(&questions, "questions", "only this question file under content/questions (repeatable)")
	flag.Var(&cases, "cases", "only this coding-case file under content/cases (repeatable)")
	writeSubset := flag.Bool("write-subset", false, "rewrite content/codesets/ from the official files: every code the content uses, with its headers")
	flag.Parse()

	var fsys fs.FS = os.DirFS(*dir)
	if len(modules)+len(questions)+len(cases) > 0 || *glossary != "" {
		m, err := subset(*dir, modules, questions, cases, *glossary)
		if err != nil {
			fail(err)
		}
		fsys = m
	}
	ok := true
	lib, err := content.Load(fsys)
	var le *content.LoadError
	if errors.As(err, &le) {
		// Subsets leave cross-references dangling on purpose: show them, but
		// count only problems inside the files being checked.
		for _, p := range le.Problems {
			fmt.Println("PROBLEM", p)
		}
		ok = false
	} else if err != nil {
		fail(err)
	}
	if lib != nil {
		report(lib)
		ok = checkCodes(lib, fsys, *data) && ok
		if *writeSubset && ok {
			if err := writeSubsets(lib, fsys, *dir, *data); err != nil {
				fail(err)
			}
		}
	}
	if !ok {
		os.Exit(1)
	}
	fmt.Println("OK")
}

func subset(dir string, modules, questions, cases list, glossary string) (fstest.MapFS, error) {
	m := fstest.MapFS{}
	add := func(rel, from string) error {
		b, err := os.ReadFile(from)
		if err != nil {
			return err
		}
		m[rel] = &fstest.MapFile{Data: b}
		return nil
	}
	for _, f := range []string{"blueprint.yaml", "competencies.yaml"} {
		if err := add(f, filepath.Join(dir, f)); err != nil {
			return nil, err
		}
	}
	g := glossary
	if g == "" {
		g = filepath.Join(dir, "glossary.yaml")
	}
	if err := add("glossary.yaml", g); err != nil {
		return nil, err
	}
	for _, q := range questions {
		if err := add("questions/"+q, filepath.Join(dir, "questions", q)); err != nil {
			return nil, err
		}
	}
	for _, c := range cases {
		if err := add("cases/"+c, filepath.Join(dir, "cases", c)); err != nil {
			return nil, err
		}
	}
	for _, mod := range modules {
		files, _ := filepath.Glob(filepath.Join(dir, "modules", mod, "*.md"))
		if len(files) == 0 {
			return nil, fmt.Errorf("no files in %s", filepath.Join(dir, "modules", mod))
		}
		for _, f := range files {
			if err := add("modules/"+mod+"/"+filepath.Base(f), f); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

func report(lib *content.Library) {
	for _, m := range lib.Modules {
		fmt.Printf("module %s (%d lessons)\n", m.Slug, len(m.Lessons))
		for _, l := range m.Lessons {
			flag := ""
			if l.Words() < 800 {
				flag = "  <-- under 800 words"
			}
			fmt.Printf("  %-45s %5d words%s\n", l.Slug, l.Words(), flag)
		}
	}
	per := map[exam.Domain]int{}
	lv := map[string]int{}
	types := map[exam.QType]int{}
	for _, q := range lib.Questions {
		per[q.Domain]++
		lv[q.Level]++
		types[q.Type]++
	}
	fmt.Printf("questions: %d  ", len(lib.Questions))
	for _, d := range exam.Domains {
		fmt.Printf("%s=%d ", d, per[d])
	}
	fmt.Printf(" levels=%v types=%v\n", lv, types)
	fmt.Printf("glossary terms: %d, competencies: %d, coding cases: %d\n", len(lib.Glossary), len(lib.Competencies), len(lib.Cases))
}

func loadSet(path, system string) (map[string]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s := map[string]bool{}
	_, err = codes.ParseOrderFile(f, system, func(e codes.Entry) error { s[e.Code] = e.Billable; return nil })
	return s, err
}

func checkCodes(lib *content.Library, fsys fs.FS, data string) bool {
	cmPath, pcsPath := filepath.Join(data, "icd10cm_order_2026.txt"), filepath.Join(data, "icd10pcs_order_2026.txt")
	if _, err := os.Stat(cmPath); err != nil {
		fmt.Println("codes not checked: no", cmPath, "(the CMS files live in ../shared/data)")
		return true
	}
	cm, err1 := loadSet(cmPath, codes.ICD10CM)
	pcs, err2 := loadSet(pcsPath, codes.ICD10PCS)
	if err := errors.Join(err1, err2); err != nil {
		fmt.Println("CODE FILES UNREADABLE:", err)
		return false
	}
	sets := map[string]map[string]bool{codes.ICD10CM: cm, codes.ICD10PCS: pcs}
	ms, err := content.ScanCodes(fsys)
	if err != nil {
		fail(err)
	}
	var bad []string
	for _, m := range ms {
		if _, ok := sets[m.System][codes.Normalize(m.Code)]; !ok {
			bad = append(bad, fmt.Sprintf("CODE %s:%d: %s %s is not in the FY2026 code set", m.File, m.Line, codes.SystemTitle(m.System), m.Code))
		}
	}
	bad = append(bad, content.BillableProblems(lib, func(system string, year int) map[string]bool {
		if year != 2026 {
			return nil
		}
		return sets[system]
	})...)
	sort.Strings(bad)
	for _, b := range bad {
		fmt.Println(b)
	}
	fmt.Printf("codes: %d mentions checked, %d problems\n", len(ms), len(bad))
	return len(bad) == 0
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "contentcheck:", err)
	os.Exit(2)
}

// writeSubsets writes content/codesets/fy2026-<system>.yaml: the official
// entries of every code the content mentions or keys, and their headers.
func writeSubsets(lib *content.Library, fsys fs.FS, dir, data string) error {
	ms, err := content.ScanCodes(fsys)
	if err != nil {
		return err
	}
	want := map[string]map[string]bool{codes.ICD10CM: {}, codes.ICD10PCS: {}}
	add := func(system, code string) {
		c := codes.Normalize(code)
		want[system][c] = true
		for _, p := range codes.Parents(system, c) {
			want[system][p] = true
		}
	}
	for _, m := range ms {
		add(m.System, m.Code)
	}
	for _, q := range lib.Questions {
		if q.Type == exam.TypeCode {
			for _, k := range q.Key {
				add(q.System, k)
			}
		}
	}
	for _, c := range lib.Cases {
		for _, d := range c.Diagnoses {
			add(codes.ICD10CM, d.Code)
		}
		for _, p := range c.Procedures {
			add(codes.ICD10PCS, p.Code)
		}
	}
	for system, file := range map[string]string{codes.ICD10CM: "icd10cm_order_2026.txt", codes.ICD10PCS: "icd10pcs_order_2026.txt"} {
		fh, err := os.Open(filepath.Join(data, file))
		if err != nil {
			return err
		}
		var b strings.Builder
		fmt.Fprintf(&b, "# %s FY2026: the codes Chartroom's lessons, questions and coding cases use, and their\n", codes.SystemTitle(system))
		fmt.Fprintf(&b, "# headers, as CMS/NCHS publish them in %s (a US government work).\n", file)
		b.WriteString("# Installed when no full release has been imported, so that code lookup and coding practice\n")
		b.WriteString("# work out of the box. Generated by: go run ./cmd/contentcheck -write-subset\n")
		fmt.Fprintf(&b, "system: %s\nyear: 2026\nrelease: FY2026 (effective October 1, 2025)\nsource: %s\ncodes:\n", system, file)
		n := 0
		_, err = codes.ParseOrderFile(fh, system, func(e codes.Entry) error {
			if want[system][e.Code] {
				fmt.Fprintf(&b, "  - [%q, %v, %q, %q]\n", e.Code, e.Billable, e.Short, e.Long)
				n++
			}
			return nil
		})
		fh.Close()
		if err != nil {
			return err
		}
		out := filepath.Join(dir, "codesets", "fy2026-"+system+".yaml")
		if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
			return err
		}
		fmt.Printf("wrote %s: %d codes\n", out, n)
	}
	return nil
}
