package models

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Competency ratings a supervisor gives.
var CompetencyRatings = []struct{ Value, Label string }{
	{"meets", "Meets expectations"},
	{"developing", "Developing"},
	{"not_observed", "Not observed"},
	{"not_applicable", "Not applicable"},
}

// Self-ratings a student gives.
var SelfRatings = []struct{ Value, Label string }{
	{"confident", "Confident"},
	{"practising", "Still practising"},
	{"not_yet", "Not yet done"},
}

func validValue(v string, list []struct{ Value, Label string }) bool {
	for _, x := range list {
		if x.Value == v {
			return true
		}
	}
	return false
}

// RatingLabel names a rating value.
func RatingLabel(v string) string {
	for _, x := range append(append([]struct{ Value, Label string }{}, CompetencyRatings...), SelfRatings...) {
		if x.Value == v {
			return x.Label
		}
	}
	return v
}

// CompetencyRating is a placement's record for one competency.
type CompetencyRating struct {
	PlacementID  int64  `gorm:"primaryKey;autoIncrement:false"`
	CompetencyID string `gorm:"primaryKey"`
	SelfRating   string
	SelfAt       *time.Time
	Rating       string
	SignedName   string
	SignedBy     *int64
	SignedAt     *time.Time
}

// Ratings returns a placement's ratings by competency id.
func (db *DB) Ratings(ctx context.Context, placementID int64) (map[string]CompetencyRating, error) {
	var rows []CompetencyRating
	if err := db.R.WithContext(ctx).Where("placement_id = ?", placementID).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[string]CompetencyRating, len(rows))
	for _, r := range rows {
		out[r.CompetencyID] = r
	}
	return out, nil
}

// RatingsByPlacement returns the ratings of several placements at once (one
// query): placement id -> competency id -> rating.
func (db *DB) RatingsByPlacement(ctx context.Context, placementIDs []int64) (map[int64]map[string]CompetencyRating, error) {
	out := make(map[int64]map[string]CompetencyRating, len(placementIDs))
	if len(placementIDs) == 0 {
		return out, nil
	}
	var rows []CompetencyRating
	if err := db.R.WithContext(ctx).Where("placement_id IN ?", placementIDs).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("competency ratings: %w", err)
	}
	for _, r := range rows {
		if out[r.PlacementID] == nil {
			out[r.PlacementID] = map[string]CompetencyRating{}
		}
		out[r.PlacementID][r.CompetencyID] = r
	}
	return out, nil
}

// SelfRateField is the form field of a competency's self-rating; a
// ValidationError from SelfRate names the fields at fault.
func SelfRateField(competencyID string) string { return "self_" + competencyID }

// SelfRate stores a student's self-ratings. An unknown competency or a value
// not in SelfRatings is a ValidationError naming each field at fault, and
// nothing is stored.
func (db *DB) SelfRate(ctx context.Context, placementID int64, ratings map[string]string, known func(string) bool, now time.Time) error {
	v := &ValidationError{}
	for id, r := range ratings {
		switch {
		case !known(id):
			v.Add(SelfRateField(id), "this competency is not on your checklist")
		case r != "" && !validValue(r, SelfRatings):
			v.Add(SelfRateField(id), "choose confident, still practising or not yet done")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	return db.Write(ctx, func(tx *gorm.DB) error {
		for id, v := range ratings {
			at := now.UTC()
			r := CompetencyRating{PlacementID: placementID, CompetencyID: id, SelfRating: v, SelfAt: &at}
			if err := tx.Clauses(clause.OnConflict{
				Columns:   []clause.Column{{Name: "placement_id"}, {Name: "competency_id"}},
				DoUpdates: clause.AssignmentColumns([]string{"self_rating", "self_at"}),
			}).Create(&r).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// checkSignature requires the signer to type their own account name.
func checkSignature(typed string, u *User) error {
	typed = strings.TrimSpace(typed)
	if typed == "" {
		return Invalid("signature", "type your full name to sign")
	}
	if !strings.EqualFold(strings.Join(strings.Fields(typed), " "), strings.Join(strings.Fields(u.Name), " ")) {
		return Invalid("signature", fmt.Sprintf("type your name as it is on your account (%s) to sign", u.Name))
	}
	return nil
}

// SignOff records a supervisor's rating of one competency with a typed-name
// signature; the rating, name, time and account go to the audit log. A later
// sign-off (a student moving from developing to meets) replaces the current
// rating; the audit log keeps every one.
func (db *DB) SignOff(ctx context.Context, supervisor *User, ip string, p *Placement, competencyID, rating, signature string, known func(string) bool, now time.Time) error {
	if p.SupervisorID != supervisor.ID {
		return ErrNotFound
	}
	v := &ValidationError{}
	if !known(competencyID) {
		v.Add("competency", "no such competency in this checklist")
	}
	if !validValue(rating, CompetencyRatings) {
		v.Add("rating", "choose meets, developing, not observed or not applicable")
	}
	if err := checkSignature(signature, supervisor); err != nil {
		v.Add("signature", err.(*ValidationError).Fields["signature"])
	}
	if err := v.Err(); err != nil {
		return err
	}
	return db.Write(ctx, func(tx *gorm.DB) error {
		at := now.UTC()
		r := CompetencyRating{PlacementID: p.ID, CompetencyID: competencyID, Rating: rating, SignedName: strings.TrimSpace(signature), SignedBy: &supervisor.ID, SignedAt: &at}
		if err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "placement_id"}, {Name: "competency_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"rating", "signed_name", "signed_by", "signed_at"}),
		}).Create(&r).Error; err != nil {
			return err
		}
		return Audit(tx, Actor{ID: supervisor.ID, Email: supervisor.Email, IP: ip}, "practicum.signoff", "placement", p.ID,
			fmt.Sprintf("%s: %s, signed %q at %s", competencyID, RatingLabel(rating), r.SignedName, at.Format(time.RFC3339)))
	})
}

// CohortCompetency is a checklist item an instructor adds for a cohort.
type CohortCompetency struct {
	CohortID    int64  `gorm:"primaryKey;autoIncrement:false"`
	ID          string `gorm:"primaryKey"`
	Domain      string
	Title       string
	Description string
	CreatedBy   *int64
	CreatedAt   time.Time
}

// CohortCompetencies lists a cohort's own checklist items.
func (db *DB) CohortCompetencies(ctx context.Context, cohortID int64) ([]CohortCompetency, error) {
	var out []CohortCompetency
	err := db.R.WithContext(ctx).Where("cohort_id = ?", cohortID).Order("created_at").Find(&out).Error
	return out, err
}

// CohortCompetenciesByCohort lists several cohorts' own checklist items at
// once (one query): cohort id -> items in the order they were added.
func (db *DB) CohortCompetenciesByCohort(ctx context.Context, cohortIDs []int64) (map[int64][]CohortCompetency, error) {
	out := make(map[int64][]CohortCompetency, len(cohortIDs))
	if len(cohortIDs) == 0 {
		return out, nil
	}
	var rows []CohortCompetency
	if err := db.R.WithContext(ctx).Where("cohort_id IN ?", cohortIDs).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("cohort competencies: %w", err)
	}
	for _, c := range rows {
		out[c.CohortID] = append(out[c.CohortID], c)
	}
	return out, nil
}

// AddCohortCompetency adds an item to a cohort's checklist.
func (db *DB) AddCohortCompetency(ctx context.Context, a Actor, cohortID int64, domain, title, description string) (*CohortCompetency, error) {
	title, description = strings.TrimSpace(title), strings.TrimSpace(description)
	v := &ValidationError{}
	if title == "" || utf8.RuneCountInString(title) > 150 {
		v.Add("title", "enter a title (up to 150 characters)")
	}
	if utf8.RuneCountInString(description) > 1000 {
		v.Add("description", "use at most 1,000 characters")
	}
	switch domain {
	case "data", "access", "analytics", "revenue", "compliance", "leadership":
	default:
		v.Add("domain", "choose a domain")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	c := &CohortCompetency{CohortID: cohortID, Domain: domain, Title: title, Description: description, CreatedAt: time.Now().UTC()}
	if a.ID != 0 {
		c.CreatedBy = &a.ID
	}
	err := db.Write(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&CohortCompetency{}).Where("cohort_id = ?", cohortID).Count(&n).Error; err != nil {
			return err
		}
		c.ID = fmt.Sprintf("cohort-%d-%d", cohortID, n+1)
		return tx.Create(c).Error
	})
	return c, err
}

// Evaluation criteria. Supervisors rate students at midterm and at the end;
// students rate their site once. Scale 1-5, or 0 for "not observed".
type Criterion struct{ Key, Label string }

// StudentCriteria are the midterm and final evaluation's items.
var StudentCriteria = []Criterion{
	{"professionalism", "Professional conduct, attendance and punctuality"},
	{"confidentiality", "Protects the privacy and confidentiality of health information"},
	{"communication", "Communicates clearly and courteously with staff and patients"},
	{"accuracy", "Accuracy and attention to detail"},
	{"organization", "Organizes work and completes assigned tasks on time"},
	{"knowledge", "Applies HIM knowledge (records, coding, release of information, data)"},
	{"systems", "Uses the site's health information systems effectively"},
	{"initiative", "Takes initiative and seeks learning opportunities"},
	{"feedback", "Accepts and acts on feedback"},
}

// SiteCriteria are the student's site evaluation's items.
var SiteCriteria = []Criterion{
	{"orientation", "The orientation prepared me for the work"},
	{"supervision", "My supervisor was available and gave useful feedback"},
	{"learning", "I had enough varied HIM work to learn from"},
	{"access", "I had the system access and resources I needed"},
	{"recommend", "I would recommend this site to other students"},
}

// ScaleLabels names the 1-5 scale.
var ScaleLabels = []string{"Not observed", "Unsatisfactory", "Needs improvement", "Meets expectations", "Exceeds expectations", "Outstanding"}

// SiteScaleLabels names the 1-5 agreement scale of the site evaluation.
var SiteScaleLabels = []string{"No opinion", "Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"}

// Evaluation is a signed midterm, final or site evaluation.
type Evaluation struct {
	ID          int64
	PlacementID int64
	Kind        string
	AuthorID    int64
	Answers     string // JSON criterion key -> 0..5
	Comments    string
	SignedName  string
	SignedAt    time.Time
	Addenda     []Addendum `gorm:"-"`
}

// Scores returns the answers.
func (e *Evaluation) Scores() map[string]int {
	m := map[string]int{}
	json.Unmarshal([]byte(e.Answers), &m)
	return m
}

// Addendum is a signed correction or note added to a signed evaluation.
type Addendum struct {
	ID           int64
	EvaluationID int64
	AuthorID     int64
	Text         string
	SignedName   string
	CreatedAt    time.Time
}

// TableName is the addenda table.
func (Addendum) TableName() string { return "evaluation_addenda" }

// CriteriaFor returns the items of an evaluation kind.
func CriteriaFor(kind string) []Criterion {
	if kind == "site" {
		return SiteCriteria
	}
	return StudentCriteria
}

// SignEvaluation stores a completed, signed evaluation. A signed evaluation
// cannot be edited: a second one of the same kind is refused (add an
// addendum instead).
func (db *DB) SignEvaluation(ctx context.Context, author *User, ip string, p *Placement, kind string, answers map[string]int, comments, signature string) (*Evaluation, error) {
	switch {
	case (kind == "midterm" || kind == "final") && author.ID != p.SupervisorID,
		kind == "site" && author.ID != p.StudentID,
		kind != "midterm" && kind != "final" && kind != "site":
		return nil, ErrNotFound
	}
	v := &ValidationError{}
	for _, c := range CriteriaFor(kind) {
		s, ok := answers[c.Key]
		if !ok || s < 0 || s > 5 {
			v.Add("q_"+c.Key, "rate this item")
		}
	}
	comments = strings.TrimSpace(comments)
	if utf8.RuneCountInString(comments) > 4000 {
		v.Add("comments", "use at most 4,000 characters")
	}
	if err := checkSignature(signature, author); err != nil {
		v.Add("signature", err.(*ValidationError).Fields["signature"])
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	body, _ := json.Marshal(answers)
	e := &Evaluation{PlacementID: p.ID, Kind: kind, AuthorID: author.ID, Answers: string(body), Comments: comments, SignedName: strings.TrimSpace(signature), SignedAt: time.Now().UTC()}
	err := db.Write(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&Evaluation{}).Where("placement_id = ? AND kind = ?", p.ID, kind).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return Invalid("signature", "this evaluation is already signed and cannot be changed; add an addendum instead")
		}
		if err := tx.Create(e).Error; err != nil {
			return err
		}
		return Audit(tx, Actor{ID: author.ID, Email: author.Email, IP: ip}, "practicum.evaluation", "placement", p.ID,
			fmt.Sprintf("%s evaluation signed %q", kind, e.SignedName))
	})
	return e, err
}

// AddAddendum appends a signed note to a signed evaluation (its author only).
func (db *DB) AddAddendum(ctx context.Context, author *User, ip string, evaluationID int64, text, signature string) error {
	text = strings.TrimSpace(text)
	v := &ValidationError{}
	if text == "" || utf8.RuneCountInString(text) > 4000 {
		v.Add("text", "write the correction or note (up to 4,000 characters)")
	}
	if err := checkSignature(signature, author); err != nil {
		v.Add("signature", err.(*ValidationError).Fields["signature"])
	}
	if err := v.Err(); err != nil {
		return err
	}
	return db.Write(ctx, func(tx *gorm.DB) error {
		var e Evaluation
		if err := tx.Where("id = ? AND author_id = ?", evaluationID, author.ID).First(&e).Error; err != nil {
			return notFound(err)
		}
		a := &Addendum{EvaluationID: e.ID, AuthorID: author.ID, Text: text, SignedName: strings.TrimSpace(signature), CreatedAt: time.Now().UTC()}
		if err := tx.Create(a).Error; err != nil {
			return err
		}
		return Audit(tx, Actor{ID: author.ID, Email: author.Email, IP: ip}, "practicum.evaluation", "placement", e.PlacementID,
			fmt.Sprintf("addendum to the %s evaluation", e.Kind))
	})
}

// Evaluations returns a placement's evaluations by kind, with addenda.
func (db *DB) Evaluations(ctx context.Context, placementID int64) (map[string]*Evaluation, error) {
	var es []Evaluation
	if err := db.R.WithContext(ctx).Where("placement_id = ?", placementID).Find(&es).Error; err != nil {
		return nil, err
	}
	out := map[string]*Evaluation{}
	for i := range es {
		e := &es[i]
		if err := db.R.WithContext(ctx).Where("evaluation_id = ?", e.ID).Order("created_at").Find(&e.Addenda).Error; err != nil {
			return nil, err
		}
		out[e.Kind] = e
	}
	return out, nil
}

// MinSiteResponses is how many site evaluations a site needs before
// instructors see them: fewer would let them guess who wrote what.
const MinSiteResponses = 3

// SiteSummary is what instructors see of one site's evaluations.
type SiteSummary struct {
	Site      string
	Responses int
	Withheld  bool               // fewer than MinSiteResponses
	Averages  map[string]float64 // criterion -> mean of the answers given (0 = no opinion, left out)
	Comments  []string           // shuffled into a fixed order, no names
}

// SiteEvaluations summarises student site evaluations by site, for the
// placements an instructor (or admin) may see.
func (db *DB) SiteEvaluations(ctx context.Context, u *User) ([]SiteSummary, error) {
	ps, err := db.PlacementsFor(ctx, u)
	if err != nil {
		return nil, err
	}
	bySite := map[string]*SiteSummary{}
	sums := map[string]map[string][2]float64{}
	for _, p := range ps {
		var e Evaluation
		err := db.R.WithContext(ctx).Where("placement_id = ? AND kind = ?", p.ID, "site").First(&e).Error
		if err != nil {
			continue
		}
		s := bySite[p.SiteName]
		if s == nil {
			s = &SiteSummary{Site: p.SiteName, Averages: map[string]float64{}}
			bySite[p.SiteName] = s
			sums[p.SiteName] = map[string][2]float64{}
		}
		s.Responses++
		for k, v := range e.Scores() {
			if v > 0 {
				x := sums[p.SiteName][k]
				sums[p.SiteName][k] = [2]float64{x[0] + float64(v), x[1] + 1}
			}
		}
		if e.Comments != "" {
			s.Comments = append(s.Comments, e.Comments)
		}
	}
	var out []SiteSummary
	for name, s := range bySite {
		if s.Responses < MinSiteResponses {
			out = append(out, SiteSummary{Site: name, Responses: s.Responses, Withheld: true})
			continue
		}
		for k, x := range sums[name] {
			s.Averages[k] = x[0] / x[1]
		}
		sort.Strings(s.Comments) // not in the order placements were made
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Site < out[j].Site })
	return out, nil
}
