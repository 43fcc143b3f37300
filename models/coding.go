package models

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"chartroom/exam"
)

// CodingAttempt is one graded try at a coding case.
type CodingAttempt struct {
	ID         int64
	UserID     int64
	CaseID     string
	FiscalYear int
	Setting    string
	Chapter    int
	Topics     string // comma-separated
	Dx         string // as entered, one per line
	Pcs        string
	Points     float64
	MaxPoints  float64
	Result     string // JSON of exam.CaseResult
	CreatedAt  time.Time
}

// Percent is the score.
func (a *CodingAttempt) Percent() float64 {
	if a.MaxPoints == 0 {
		return 0
	}
	return 100 * a.Points / a.MaxPoints
}

// Parsed returns the stored grading.
func (a *CodingAttempt) Parsed() (exam.CaseResult, error) {
	var r exam.CaseResult
	err := json.Unmarshal([]byte(a.Result), &r)
	return r, err
}

// SaveCodingAttempt stores a graded attempt.
func (db *DB) SaveCodingAttempt(ctx context.Context, a *CodingAttempt, r exam.CaseResult) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	a.Result, a.Points, a.MaxPoints = string(b), r.Points, r.Max
	if a.CreatedAt.IsZero() {
		a.CreatedAt = time.Now().UTC()
	}
	return db.Write(ctx, func(tx *gorm.DB) error { return tx.Create(a).Error })
}

// OwnCodingAttempt loads one of the user's attempts.
func (db *DB) OwnCodingAttempt(ctx context.Context, userID, id int64) (*CodingAttempt, error) {
	var a CodingAttempt
	if err := db.R.WithContext(ctx).Where("id = ? AND user_id = ?", id, userID).First(&a).Error; err != nil {
		return nil, notFound(err)
	}
	return &a, nil
}

// CodingAttempts lists a student's coding attempts, oldest first.
func (db *DB) CodingAttempts(ctx context.Context, userID int64) ([]CodingAttempt, error) {
	var out []CodingAttempt
	err := db.R.WithContext(ctx).Where("user_id = ?", userID).Order("created_at, id").Find(&out).Error
	return out, err
}

// Accuracy is the share of points earned in a group of coding attempts.
type Accuracy struct {
	Key      string
	Attempts int
	Points   float64
	Max      float64
	// First and Last are the accuracy of the earliest and latest halves of
	// the attempts, to show the trend over time.
	First, Last float64
}

// Percent is points over max.
func (a Accuracy) Percent() float64 {
	if a.Max == 0 {
		return 0
	}
	return 100 * a.Points / a.Max
}

// CodingAccuracy groups a student's attempts by chapter and by topic.
func CodingAccuracy(attempts []CodingAttempt) (byChapter, byTopic map[string]*Accuracy) {
	byChapter, byTopic = map[string]*Accuracy{}, map[string]*Accuracy{}
	groups := map[string][]CodingAttempt{}
	for _, a := range attempts {
		ch := "chapter:" + strconv.Itoa(a.Chapter)
		groups[ch] = append(groups[ch], a)
		for _, t := range strings.Split(a.Topics, ",") {
			if t = strings.TrimSpace(t); t != "" {
				groups["topic:"+t] = append(groups["topic:"+t], a)
			}
		}
	}
	for k, list := range groups {
		acc := &Accuracy{Key: strings.SplitN(k, ":", 2)[1], Attempts: len(list)}
		var fp, fm, lp, lm float64
		for i, a := range list {
			acc.Points += a.Points
			acc.Max += a.MaxPoints
			if i < (len(list)+1)/2 {
				fp, fm = fp+a.Points, fm+a.MaxPoints
			} else {
				lp, lm = lp+a.Points, lm+a.MaxPoints
			}
		}
		if fm > 0 {
			acc.First = 100 * fp / fm
		}
		if lm > 0 {
			acc.Last = 100 * lp / lm
		}
		if strings.HasPrefix(k, "chapter:") {
			byChapter[acc.Key] = acc
		} else {
			byTopic[acc.Key] = acc
		}
	}
	return byChapter, byTopic
}
