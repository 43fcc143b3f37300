package models

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Setting keys.
const (
	SettingSessionKey       = "session_key"       // HMAC key for session cookies, generated on first start
	SettingOpenRegistration = "open_registration" // "1" lets anyone register as a student without a join code
)

type setting struct {
	Key       string `gorm:"primaryKey"`
	Value     string
	UpdatedAt time.Time
}

func (setting) TableName() string { return "settings" }

// Setting reads a setting ("" when unset).
func (db *DB) Setting(ctx context.Context, key string) (string, error) {
	var s setting
	err := db.R.WithContext(ctx).Where("key = ?", key).First(&s).Error
	if err != nil {
		if notFound(err) == ErrNotFound {
			return "", nil
		}
		return "", err
	}
	return s.Value, nil
}

// SetSetting writes a setting.
func SetSetting(tx *gorm.DB, key, value string) error {
	return tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&setting{Key: key, Value: value, UpdatedAt: time.Now().UTC()}).Error
}

// SettingOrCreate returns a setting, creating it with gen() if it is unset
// (first start). Concurrent first starts agree on one value.
func (db *DB) SettingOrCreate(ctx context.Context, key string, gen func() string) (string, error) {
	if v, err := db.Setting(ctx, key); err != nil || v != "" {
		return v, err
	}
	err := db.Write(ctx, func(tx *gorm.DB) error {
		return tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&setting{Key: key, Value: gen(), UpdatedAt: time.Now().UTC()}).Error
	})
	if err != nil {
		return "", err
	}
	return db.Setting(ctx, key)
}
