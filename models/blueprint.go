package models

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"chartroom/exam"
)

// BlueprintRow is a stored blueprint; one is active.
type BlueprintRow struct {
	ID        int64
	Outline   string
	Effective string
	Body      string
	Active    bool
	CreatedBy *int64
	CreatedAt time.Time
}

// TableName is the blueprints table.
func (BlueprintRow) TableName() string { return "blueprints" }

// Parse returns the blueprint.
func (b *BlueprintRow) Parse() (*exam.Blueprint, error) {
	var bp exam.Blueprint
	if err := json.Unmarshal([]byte(b.Body), &bp); err != nil {
		return nil, fmt.Errorf("blueprint %d: %w", b.ID, err)
	}
	return &bp, nil
}

// ActiveBlueprint returns the blueprint mocks are drawn to. On a fresh
// database it stores the shipped default first.
func (db *DB) ActiveBlueprint(ctx context.Context, shipped exam.Blueprint) (*BlueprintRow, *exam.Blueprint, error) {
	var row BlueprintRow
	err := db.R.WithContext(ctx).Where("active = ?", true).Order("id DESC").First(&row).Error
	if notFound(err) == ErrNotFound {
		if err := db.ReplaceBlueprint(ctx, Actor{}, shipped); err != nil {
			return nil, nil, err
		}
		err = db.R.WithContext(ctx).Where("active = ?", true).Order("id DESC").First(&row).Error
	}
	if err != nil {
		return nil, nil, err
	}
	bp, err := row.Parse()
	return &row, bp, err
}

// ReplaceBlueprint stores a new active blueprint; attempts keep the one
// they were drawn to.
func (db *DB) ReplaceBlueprint(ctx context.Context, a Actor, bp exam.Blueprint) error {
	if err := bp.Validate(); err != nil {
		return Invalid("blueprint", err.Error())
	}
	body, err := json.Marshal(bp)
	if err != nil {
		return err
	}
	return db.Write(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&BlueprintRow{}).Where("active = ?", true).Update("active", false).Error; err != nil {
			return err
		}
		row := &BlueprintRow{Outline: bp.Outline, Effective: bp.Effective, Body: string(body), Active: true, CreatedAt: time.Now().UTC()}
		if a.ID != 0 {
			row.CreatedBy = &a.ID
		}
		if err := tx.Create(row).Error; err != nil {
			return err
		}
		if a.ID == 0 {
			return nil // the shipped default, stored on first start
		}
		return Audit(tx, a, "blueprint.replace", "blueprint", row.ID, fmt.Sprintf("version %s (%s), effective %s", bp.Version, bp.Outline, bp.Effective))
	})
}

// BlueprintVersion is one stored blueprint for the admin's list of past
// versions. The version label lives in the stored body (it is only shown),
// so Blueprint is the parsed body; nil when the body cannot be read.
type BlueprintVersion struct {
	BlueprintRow
	CreatorName string
	Blueprint   *exam.Blueprint `gorm:"-"`
}

// BlueprintHistory lists every stored blueprint, newest first, with who
// stored it (none for the shipped default stored on first start).
func (db *DB) BlueprintHistory(ctx context.Context) ([]BlueprintVersion, error) {
	var out []BlueprintVersion
	err := db.R.WithContext(ctx).Table("blueprints b").Select("b.*, COALESCE(u.name, '') AS creator_name").
		Joins("LEFT JOIN users u ON u.id = b.created_by").Order("b.id DESC").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("blueprint history: %w", err)
	}
	for i := range out {
		if bp, err := out[i].Parse(); err == nil {
			out[i].Blueprint = bp
		}
	}
	return out, nil
}

// Blueprints lists stored blueprints, newest first.
func (db *DB) Blueprints(ctx context.Context) ([]BlueprintRow, error) {
	var out []BlueprintRow
	err := db.R.WithContext(ctx).Order("id DESC").Find(&out).Error
	return out, err
}

// BlueprintByID loads one stored blueprint.
func (db *DB) BlueprintByID(ctx context.Context, id int64) (*exam.Blueprint, error) {
	var row BlueprintRow
	if err := db.R.WithContext(ctx).First(&row, id).Error; err != nil {
		return nil, notFound(err)
	}
	return row.Parse()
}
