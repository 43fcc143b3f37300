package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// ImportPreview is a parsed question file waiting for the instructor to
// confirm it: nothing from the file is in the bank until then.
type ImportPreview struct {
	ID        string `gorm:"primaryKey"`
	UserID    int64
	Filename  string
	Format    string
	Body      string // JSON, the handler's preview
	CreatedAt time.Time
}

// importPreviewTTL is how long an unconfirmed preview is kept.
const importPreviewTTL = 24 * time.Hour

// SaveImportPreview stores a preview and returns its id.
func (db *DB) SaveImportPreview(ctx context.Context, userID int64, filename, format, body string) (string, error) {
	p := &ImportPreview{ID: RandomToken(18), UserID: userID, Filename: filename, Format: format, Body: body, CreatedAt: time.Now().UTC()}
	return p.ID, db.Write(ctx, func(tx *gorm.DB) error { return tx.Create(p).Error })
}

// ImportPreviewFor loads the user's own preview (ErrNotFound otherwise or
// when it has expired).
func (db *DB) ImportPreviewFor(ctx context.Context, userID int64, id string) (*ImportPreview, error) {
	var p ImportPreview
	err := db.R.WithContext(ctx).Where("id = ? AND user_id = ? AND created_at > ?", id, userID, time.Now().UTC().Add(-importPreviewTTL)).First(&p).Error
	if err != nil {
		return nil, notFound(err)
	}
	return &p, nil
}

// DeleteImportPreview removes a preview once used or cancelled.
func (db *DB) DeleteImportPreview(ctx context.Context, userID int64, id string) error {
	return db.Write(ctx, func(tx *gorm.DB) error {
		return tx.Where("id = ? AND user_id = ?", id, userID).Delete(&ImportPreview{}).Error
	})
}

// SweepImportPreviews deletes previews nobody confirmed.
func (db *DB) SweepImportPreviews(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := db.Write(ctx, func(tx *gorm.DB) error {
		r := tx.Where("created_at < ?", now.UTC().Add(-importPreviewTTL)).Delete(&ImportPreview{})
		n = r.RowsAffected
		return r.Error
	})
	return n, err
}
