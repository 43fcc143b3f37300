package models_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"chartroom/codes"
	"chartroom/internal/shareddata"
	"chartroom/internal/testutil"
	"chartroom/models"
)

func readSet(t testing.TB, file string) *codes.File {
	t.Helper()
	fh, err := os.Open(shareddata.SharedFile(t, "data/"+file))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	f, err := codes.ReadFile(file, fh, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func input(f *codes.File) models.ImportInput {
	return models.ImportInput{System: f.System, Year: f.Year, Release: f.Release, Source: f.Name, Sha256: f.Sha256, Entries: f.Entries}
}

func TestImportIsIdempotentAndReplacesAtomically(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db *models.DB) {
		f := readSet(t, "icd10cm_order_2026.txt")
		res, err := db.ImportCodeSet(ctx, models.Actor{}, input(f), nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Set.Codes != 98186 || res.Set.Billable != 74719 {
			t.Fatalf("imported %d codes, %d billable", res.Set.Codes, res.Set.Billable)
		}
		again, err := db.ImportCodeSet(ctx, models.Actor{}, input(f), nil)
		if err != nil || !again.Same || again.Set.ID != res.Set.ID {
			t.Fatalf("re-import: %+v %v", again, err)
		}
		// A different file for the same year replaces the set; the old rows go.
		small := input(f)
		small.Entries = f.Entries[:100]
		small.Sha256 = "different"
		rep, err := db.ImportCodeSet(ctx, models.Actor{}, small, nil)
		if err != nil || rep.Replaced == nil || rep.Replaced.ID != res.Set.ID {
			t.Fatalf("replace: %+v %v", rep, err)
		}
		var n int64
		db.R.Table("codes").Count(&n)
		if n != 100 {
			t.Fatalf("%d code rows after replacing, want 100", n)
		}
		ix, set, err := db.CodeIndex(ctx, codes.ICD10CM, 2026)
		if err != nil || set.ID != rep.Set.ID || ix.Len() != 100 {
			t.Fatalf("index of the new set: %v %v", err, set)
		}
	})
}

func TestBadFileImportsNothing(t *testing.T) {
	good := "00001 A00     0 Cholera                                                      Cholera\r\n"
	bad := good + "00002 A000    1 Cholera due to Vibrio cholerae 01, biovar cholerae           Cholera due\r\n" +
		"00003 A001    7 Cholera due to Vibrio cholerae 01, biovar eltor              Cholera eltor\r\n"
	_, err := codes.ReadFile("icd10cm_order_2031.txt", strings.NewReader(bad), "", 0)
	var le *codes.LineError
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("want an error naming line 3, got %v", err)
	}
	_ = le
	db := testutil.OpenDB(t, models.SQLite)
	if _, err := db.ActiveSet(ctx, codes.ICD10CM, 2031); err == nil {
		t.Fatal("a set exists for a file that failed")
	}
}

func TestCleanAbandonedImports(t *testing.T) {
	db := testutil.OpenDB(t, models.SQLite)
	db.R.Exec("SELECT 1")
	set := &models.CodeSet{System: codes.ICD10CM, Year: 2020, Release: "x", Source: "x", Sha256: "x", Status: models.SetLoading, ImportedAt: time.Now().Add(-time.Hour)}
	db.Write(ctx, func(tx *gorm.DB) error { return tx.Create(set).Error })
	if err := db.CleanAbandonedImports(ctx, time.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	var n int64
	db.R.Model(&models.CodeSet{}).Count(&n)
	if n != 0 {
		t.Fatal("a set left loading by a crash was not cleaned up")
	}
}

// BenchmarkImportFY2026 measures importing the full ICD-10-CM FY2026 order
// file (98,186 lines) into SQLite, parsing included.
func BenchmarkImportFY2026(b *testing.B) {
	path := shareddata.SharedFile(b, "data/icd10cm_order_2026.txt")
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := testutil.OpenDB(b, models.SQLite)
		b.StartTimer()
		fh, _ := os.Open(path)
		f, err := codes.ReadFile(path, fh, "", 0)
		fh.Close()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.ImportCodeSet(ctx, models.Actor{}, input(f), nil); err != nil {
			b.Fatal(err)
		}
	}
}
