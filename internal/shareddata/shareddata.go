// Package shareddata finds ../shared (the official CMS files and references)
// beside the checkout, for tests. It imports nothing of the project.
package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

// RepoRoot is the directory holding go.mod.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
}

// SharedFile returns the path of a file in ../shared (e.g. "data/icd10cm_order_2026.txt"),
// or skips the test with a one-line reason when it is absent.
func SharedFile(t testing.TB, rel string) string {
	t.Helper()
	base := os.Getenv("CHARTROOM_SHARED")
	if base == "" {
		base = filepath.Join(RepoRoot(t), "..", "shared")
	}
	p := filepath.Join(base, rel)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CHARTROOM_REQUIRE_ALL") != "" && os.Getenv("CHARTROOM_SHARED_OPTIONAL") == "" {
			t.Fatalf("%s is required (CHARTROOM_REQUIRE_ALL is set) but absent", p)
		}
		t.Skipf("skipped: %s not found (the official CMS files live in ../shared beside the checkout)", p)
	}
	return p
}
