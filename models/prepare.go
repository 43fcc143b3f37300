package models

import (
	"context"
	"time"

	"chartroom/content"
)

// Prepare brings a migrated database in line with the content: the
// built-in question bank, the shipped code subsets, and leftovers of a
// crash. The server runs it at start; tests and the load generator too.
func Prepare(ctx context.Context, db *DB, lib *content.Library) error {
	if err := SyncBank(ctx, db, lib); err != nil {
		return err
	}
	if err := db.CleanAbandonedImports(ctx, time.Now().Add(-time.Minute)); err != nil {
		return err
	}
	var subsets []Subset
	for _, cs := range lib.CodeSets {
		subsets = append(subsets, Subset{System: cs.System, Year: cs.Year, Release: cs.Release, Source: cs.Source, Sha256: cs.Sha256, Entries: cs.Entries})
	}
	return db.InstallSubsets(ctx, subsets)
}
