package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// LessonProgress is what a student has done with one lesson.
type LessonProgress struct {
	UserID      int64  `gorm:"primaryKey;autoIncrement:false"`
	LessonKey   string `gorm:"primaryKey"`
	ViewedAt    time.Time
	CompletedAt *time.Time
}

// TableName is the progress table.
func (LessonProgress) TableName() string { return "lesson_progress" }

// LessonViewed records that a student opened a lesson (for "resume").
func (db *DB) LessonViewed(ctx context.Context, userID int64, key string, now time.Time) error {
	return db.Write(ctx, func(tx *gorm.DB) error {
		return tx.Exec(`INSERT INTO lesson_progress (user_id, lesson_key, viewed_at) VALUES (?, ?, ?)
			ON CONFLICT (user_id, lesson_key) DO UPDATE SET viewed_at = excluded.viewed_at`, userID, key, now.UTC()).Error
	})
}

// SetLessonComplete marks a lesson complete (or not).
func (db *DB) SetLessonComplete(ctx context.Context, userID int64, key string, done bool, now time.Time) error {
	var at *time.Time
	if done {
		t := now.UTC()
		at = &t
	}
	return db.Write(ctx, func(tx *gorm.DB) error {
		return tx.Exec(`INSERT INTO lesson_progress (user_id, lesson_key, viewed_at, completed_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id, lesson_key) DO UPDATE SET completed_at = excluded.completed_at`, userID, key, now.UTC(), at).Error
	})
}

// Progress returns a student's progress by lesson key.
func (db *DB) Progress(ctx context.Context, userID int64) (map[string]LessonProgress, error) {
	var rows []LessonProgress
	if err := db.R.WithContext(ctx).Where("user_id = ?", userID).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[string]LessonProgress, len(rows))
	for _, r := range rows {
		out[r.LessonKey] = r
	}
	return out, nil
}

// CohortProgress returns the completed lessons of every student in a
// cohort: user id -> lesson key -> completed at.
func (db *DB) CohortProgress(ctx context.Context, cohortID int64) (map[int64]map[string]time.Time, error) {
	var rows []LessonProgress
	err := db.R.WithContext(ctx).Table("lesson_progress p").Select("p.*").
		Joins("JOIN cohort_members m ON m.user_id = p.user_id AND m.cohort_id = ?", cohortID).
		Where("p.completed_at IS NOT NULL").Find(&rows).Error
	if err != nil {
		return nil, err
	}
	out := map[int64]map[string]time.Time{}
	for _, r := range rows {
		if out[r.UserID] == nil {
			out[r.UserID] = map[string]time.Time{}
		}
		out[r.UserID][r.LessonKey] = *r.CompletedAt
	}
	return out, nil
}
