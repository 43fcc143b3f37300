package main

import (
	"context"
	"testing"

	"chartroom/content"
	"chartroom/internal/testutil"
	"chartroom/models"
)

// The demo data is made through the app's own model functions; seeding a
// fresh database works on both databases and a second run changes nothing.
func TestDemoSeedsOnceOnEachDatabase(t *testing.T) {
	lib, err := content.Load(content.Files)
	if err != nil {
		t.Fatal(err)
	}
	testutil.EachDB(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		if err := models.Prepare(ctx, db, lib); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			if err := seedDemo(ctx, db, lib, testutil.Quiet()); err != nil {
				t.Fatalf("seed %d: %v", i+1, err)
			}
		}
		var attempts, quizzes, stats int64
		db.R.Table("attempts").Count(&attempts)
		db.R.Table("quizzes").Count(&quizzes)
		db.R.Table("quiz_stats").Count(&stats)
		if attempts != 2 || quizzes != 1 || stats != 1 {
			t.Fatalf("demo has %d attempts, %d quizzes, %d analyses", attempts, quizzes, stats)
		}
	})
}
