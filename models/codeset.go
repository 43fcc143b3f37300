package models

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"

	"chartroom/codes"
)

// Code-set statuses. A set is written as "loading" in chunks (so other
// writers are never held up for long), then made "active" in one short
// transaction that also retires the set it replaces. Readers only ever see
// active sets, so an import is all-or-nothing to them.
const (
	SetLoading  = "loading"
	SetActive   = "active"
	SetReplaced = "replaced"
)

// CodeSet is one imported release of a code system.
type CodeSet struct {
	ID         int64
	System     string
	Year       int
	Release    string
	Source     string
	Sha256     string
	Codes      int
	Billable   int
	Subset     bool
	Status     string
	ImportedBy *int64
	ImportedAt time.Time
}

// Title is "ICD-10-CM FY2026".
func (s *CodeSet) Title() string {
	if s.System == codes.HCPCS {
		return fmt.Sprintf("%s %s", codes.SystemTitle(s.System), s.Release)
	}
	return fmt.Sprintf("%s FY%d", codes.SystemTitle(s.System), s.Year)
}

// ImportInput describes a parsed, fully validated file.
type ImportInput struct {
	System  string
	Year    int
	Release string
	Source  string // file name, or "curated subset"
	Sha256  string
	Subset  bool
	Entries []codes.Entry
}

// ImportResult says what an import did.
type ImportResult struct {
	Set      *CodeSet
	Replaced *CodeSet // the set it replaced, if any
	Same     bool     // the identical file was already active: nothing changed
}

const importChunk = 2000

// ImportCodeSet stores a validated code set. Importing the file that is
// already active changes nothing; another file for the same system and
// year replaces the active set atomically. progress, if set, is called
// after each chunk with rows written so far.
func (db *DB) ImportCodeSet(ctx context.Context, a Actor, in ImportInput, progress func(done, total int)) (*ImportResult, error) {
	if len(in.Entries) == 0 {
		return nil, Invalid("file", "the file has no codes")
	}
	cur, err := db.ActiveSet(ctx, in.System, in.Year)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if cur != nil && cur.Sha256 == in.Sha256 {
		return &ImportResult{Set: cur, Same: true}, nil
	}
	billable := 0
	for _, e := range in.Entries {
		if e.Billable {
			billable++
		}
	}
	set := &CodeSet{System: in.System, Year: in.Year, Release: in.Release, Source: in.Source, Sha256: in.Sha256,
		Codes: len(in.Entries), Billable: billable, Subset: in.Subset, Status: SetLoading, ImportedAt: time.Now().UTC()}
	if a.ID != 0 {
		set.ImportedBy = &a.ID
	}
	if err := db.Write(ctx, func(tx *gorm.DB) error { return tx.Create(set).Error }); err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	// Statements prepared before the write jobs (the writer's connection is
	// busy inside them).
	full, err := db.wstmt(ctx, db.bind("INSERT INTO codes (set_id, code, billable, short_title, long_title, seq, extra) VALUES "+valuesList(importChunk, 7)))
	if err != nil {
		return nil, err
	}
	for lo := 0; lo < len(in.Entries); lo += importChunk {
		chunk := in.Entries[lo:min(lo+importChunk, len(in.Entries))]
		stmt := full
		if len(chunk) < importChunk {
			if stmt, err = db.wstmt(ctx, db.bind("INSERT INTO codes (set_id, code, billable, short_title, long_title, seq, extra) VALUES "+valuesList(len(chunk), 7))); err != nil {
				return nil, err
			}
		}
		args := make([]any, 0, len(chunk)*7)
		for i, e := range chunk {
			args = append(args, set.ID, e.Code, e.Billable, e.Short, e.Long, lo+i+1, e.Extra)
		}
		err := db.Write(ctx, func(tx *gorm.DB) error {
			raw, ok := SQLTx(tx)
			if !ok {
				return errors.New("import: no sql transaction")
			}
			_, err := raw.StmtContext(ctx, stmt).ExecContext(ctx, args...)
			return err
		})
		if err != nil {
			db.abandonSet(set.ID)
			return nil, fmt.Errorf("import %s: %w", in.Source, err)
		}
		if progress != nil {
			progress(lo+len(chunk), len(in.Entries))
		}
	}
	res := &ImportResult{Set: set, Replaced: cur}
	err = db.Write(ctx, func(tx *gorm.DB) error {
		if cur != nil {
			if err := tx.Model(&CodeSet{}).Where("id = ?", cur.ID).Update("status", SetReplaced).Error; err != nil {
				return err
			}
			if err := tx.Exec("DELETE FROM codes WHERE set_id = ?", cur.ID).Error; err != nil {
				return err
			}
		}
		if err := tx.Model(&CodeSet{}).Where("id = ?", set.ID).Update("status", SetActive).Error; err != nil {
			return err
		}
		detail := fmt.Sprintf("%s: %d codes (%d billable) from %s", set.Title(), set.Codes, set.Billable, set.Source)
		if a.ID == 0 {
			a.Email = "system"
		}
		return Audit(tx, a, "codes.import", "code_set", set.ID, detail)
	})
	if err != nil {
		db.abandonSet(set.ID)
		return nil, err
	}
	set.Status = SetActive
	return res, nil
}

// abandonSet removes a set whose import failed part way.
func (db *DB) abandonSet(id int64) {
	db.Write(context.Background(), func(tx *gorm.DB) error {
		if err := tx.Exec("DELETE FROM codes WHERE set_id = ?", id).Error; err != nil {
			return err
		}
		return tx.Exec("DELETE FROM code_sets WHERE id = ? AND status = ?", id, SetLoading).Error
	})
}

// CleanAbandonedImports removes sets left "loading" by a crash.
func (db *DB) CleanAbandonedImports(ctx context.Context, olderThan time.Time) error {
	var ids []int64
	if err := db.R.WithContext(ctx).Model(&CodeSet{}).Where("status = ? AND imported_at < ?", SetLoading, olderThan.UTC()).Pluck("id", &ids).Error; err != nil {
		return err
	}
	for _, id := range ids {
		db.abandonSet(id)
	}
	return nil
}

// ActiveSet returns the active set of a system and year.
func (db *DB) ActiveSet(ctx context.Context, system string, year int) (*CodeSet, error) {
	var s CodeSet
	err := db.R.WithContext(ctx).Where("system = ? AND year = ? AND status = ?", system, year, SetActive).Order("id DESC").First(&s).Error
	if err != nil {
		return nil, notFound(err)
	}
	return &s, nil
}

// ActiveSets lists every active set, newest year first per system.
func (db *DB) ActiveSets(ctx context.Context) ([]CodeSet, error) {
	var out []CodeSet
	err := db.R.WithContext(ctx).Where("status = ?", SetActive).Order("system, year DESC").Find(&out).Error
	return out, err
}

// SetEntries loads every code of a set in file order.
func (db *DB) SetEntries(ctx context.Context, setID int64) ([]codes.Entry, error) {
	conn, err := db.R.DB()
	if err != nil {
		return nil, err
	}
	rows, err := conn.QueryContext(ctx, "SELECT code, billable, short_title, long_title, seq, extra FROM codes WHERE set_id = "+db.placeholder(1)+" ORDER BY seq", setID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []codes.Entry
	for rows.Next() {
		var e codes.Entry
		if err := rows.Scan(&e.Code, &e.Billable, &e.Short, &e.Long, &e.Order, &e.Extra); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// CodeIndex returns the search index of the active set of a system and
// year, building it on first use. Sets never change once active (a new
// import is a new set), so an index is cached by set id.
func (db *DB) CodeIndex(ctx context.Context, system string, year int) (*codes.Index, *CodeSet, error) {
	set, err := db.ActiveSet(ctx, system, year)
	if err != nil {
		return nil, nil, err
	}
	if ix, ok := db.indexes.Load(set.ID); ok {
		return ix.(*codes.Index), set, nil
	}
	db.indexMu.Lock()
	defer db.indexMu.Unlock()
	if ix, ok := db.indexes.Load(set.ID); ok {
		return ix.(*codes.Index), set, nil
	}
	es, err := db.SetEntries(ctx, set.ID)
	if err != nil {
		return nil, nil, err
	}
	ix := codes.NewIndex(system, es)
	// Drop indexes of sets that are no longer active.
	active, _ := db.ActiveSets(ctx)
	keep := map[int64]bool{set.ID: true}
	for _, s := range active {
		keep[s.ID] = true
	}
	db.indexes.Range(func(k, _ any) bool {
		if !keep[k.(int64)] {
			db.indexes.Delete(k)
		}
		return true
	})
	db.indexes.Store(set.ID, ix)
	return ix, set, nil
}

// CodeYears lists the years of active sets in which a code exists.
func (db *DB) CodeYears(ctx context.Context, system, code string) ([]int, error) {
	var years []int
	err := db.R.WithContext(ctx).Table("codes c").Joins("JOIN code_sets s ON s.id = c.set_id").
		Where("s.system = ? AND s.status = ? AND c.code = ?", system, SetActive, codes.Normalize(code)).
		Order("s.year").Pluck("s.year", &years).Error
	return years, err
}

// CodeDiff compares the active sets of two years.
func (db *DB) CodeDiff(ctx context.Context, system string, from, to int) ([]codes.Change, *CodeSet, *CodeSet, error) {
	a, err := db.ActiveSet(ctx, system, from)
	if err != nil {
		return nil, nil, nil, err
	}
	b, err := db.ActiveSet(ctx, system, to)
	if err != nil {
		return nil, nil, nil, err
	}
	key := fmt.Sprintf("%d-%d", a.ID, b.ID)
	if d, ok := db.diffs.Load(key); ok {
		return d.([]codes.Change), a, b, nil
	}
	ea, err := db.SetEntries(ctx, a.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	eb, err := db.SetEntries(ctx, b.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	d := codes.Diff(ea, eb)
	sort.SliceStable(d, func(i, j int) bool { return d[i].Code < d[j].Code })
	db.diffs.Store(key, d)
	return d, a, b, nil
}

// ImportJob is a web-started import and its progress.
type ImportJob struct {
	ID         int64
	Kind       string
	FileName   string
	Status     string
	Total      int
	Done       int
	Message    string
	CreatedBy  *int64
	CreatedAt  time.Time
	FinishedAt *time.Time
}

// StartImportJob records a new job.
func (db *DB) StartImportJob(ctx context.Context, a Actor, kind, file string) (*ImportJob, error) {
	j := &ImportJob{Kind: kind, FileName: file, Status: "running", CreatedAt: time.Now().UTC()}
	if a.ID != 0 {
		j.CreatedBy = &a.ID
	}
	err := db.Write(ctx, func(tx *gorm.DB) error { return tx.Create(j).Error })
	return j, err
}

// UpdateImportJob records progress or the outcome.
func (db *DB) UpdateImportJob(ctx context.Context, id int64, status string, done, total int, msg string) error {
	upd := map[string]any{"status": status, "done": done, "total": total, "message": msg}
	if status != "running" {
		upd["finished_at"] = time.Now().UTC()
	}
	return db.Write(ctx, func(tx *gorm.DB) error { return tx.Model(&ImportJob{}).Where("id = ?", id).Updates(upd).Error })
}

// ImportJobs lists recent jobs, newest first.
func (db *DB) ImportJobs(ctx context.Context, limit int) ([]ImportJob, error) {
	var out []ImportJob
	err := db.R.WithContext(ctx).Order("id DESC").Limit(limit).Find(&out).Error
	return out, err
}

// ImportJobByID loads one job.
func (db *DB) ImportJobByID(ctx context.Context, id int64) (*ImportJob, error) {
	var j ImportJob
	if err := db.R.WithContext(ctx).First(&j, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &j, nil
}

// Subset is a shipped part of a code set (content.CodeSubset's data).
type Subset struct {
	System, Release, Source, Sha256 string
	Year                            int
	Entries                         []codes.Entry
}

// InstallSubsets installs each shipped subset where no full release of its
// system and year is imported, so lookup and coding practice work out of the
// box. A subset installed earlier is refreshed when the content changes; a
// full import is never touched.
func (db *DB) InstallSubsets(ctx context.Context, subsets []Subset) error {
	for _, s := range subsets {
		cur, err := db.ActiveSet(ctx, s.System, s.Year)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if cur != nil && (!cur.Subset || cur.Sha256 == s.Sha256) {
			continue
		}
		_, err = db.ImportCodeSet(ctx, Actor{}, ImportInput{System: s.System, Year: s.Year, Release: s.Release,
			Source: "Chartroom curated subset of " + s.Source, Sha256: s.Sha256, Subset: true, Entries: s.Entries}, nil)
		if err != nil {
			return fmt.Errorf("install %s subset: %w", s.System, err)
		}
	}
	return nil
}
