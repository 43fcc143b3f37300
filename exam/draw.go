package exam

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"time"
)

// Candidate is a question that may be drawn, with what the engine needs to
// prefer it: the student's history with it.
type Candidate struct {
	ID         string
	SetID      string // items of a scenario set are drawn together
	SetPos     int
	Domain     Domain
	Topic      string
	Difficulty int
	LastSeen   time.Time // zero when the student has never seen it
}

// Picked is one drawn item, in attempt order.
type Picked struct {
	ID     string
	Scored bool // false for unscored pretest items of a mock
}

// DrawSpec says what to draw.
type DrawSpec struct {
	Count     int
	Blueprint *Blueprint // when set, draw Count items to the blueprint's domain ranges
	Pretest   int        // how many of the drawn items are unscored (mock: 20)
}

// unit is a single question or a whole scenario set.
type unit struct {
	ids      []string
	domain   Domain
	lastSeen time.Time // most recent sighting of any item in the unit
	unseen   bool      // no item of the unit was ever seen
	tie      float64   // random tie-break
}

// DrawError says why a draw cannot be made.
type DrawError struct{ Msg string }

func (e *DrawError) Error() string { return e.Msg }

// Draw picks questions: unseen first, then the least recently seen, random
// among equals; never the same question twice; scenario sets whole and in
// their order. With a blueprint, each domain gets its target count. The
// result is in presentation order (units shuffled, sets kept together).
func Draw(cands []Candidate, spec DrawSpec, rng *rand.Rand) ([]Picked, error) {
	if spec.Count <= 0 {
		return nil, &DrawError{"choose at least one question"}
	}
	units := groupUnits(cands, rng)
	var chosen []unit
	if spec.Blueprint != nil {
		targets, err := spec.Blueprint.Targets(spec.Count)
		if err != nil {
			return nil, &DrawError{err.Error()}
		}
		byDomain := map[Domain][]unit{}
		for _, u := range units {
			byDomain[u.domain] = append(byDomain[u.domain], u)
		}
		for _, d := range Domains {
			got, err := fill(byDomain[d], targets[d])
			if err != nil {
				return nil, &DrawError{fmt.Sprintf("%s: %v", d.Title(), err)}
			}
			chosen = append(chosen, got...)
		}
	} else {
		got, err := fill(units, spec.Count)
		if err != nil {
			return nil, &DrawError{err.Error()}
		}
		chosen = got
	}
	// Presentation order: shuffle the units; a set's items stay together.
	rng.Shuffle(len(chosen), func(i, j int) { chosen[i], chosen[j] = chosen[j], chosen[i] })
	var out []Picked
	for _, u := range chosen {
		for _, id := range u.ids {
			out = append(out, Picked{ID: id, Scored: true})
		}
	}
	if spec.Pretest > 0 {
		if spec.Pretest >= len(out) {
			return nil, &DrawError{"more pretest items than items"}
		}
		for _, i := range rng.Perm(len(out))[:spec.Pretest] {
			out[i].Scored = false
		}
	}
	return out, nil
}

func groupUnits(cands []Candidate, rng *rand.Rand) []unit {
	sets := map[string][]Candidate{}
	var units []unit
	seen := map[string]bool{}
	for _, c := range cands {
		if seen[c.ID] {
			continue // never the same question twice
		}
		seen[c.ID] = true
		if c.SetID != "" {
			sets[c.SetID] = append(sets[c.SetID], c)
			continue
		}
		units = append(units, unit{ids: []string{c.ID}, domain: c.Domain, lastSeen: c.LastSeen, unseen: c.LastSeen.IsZero()})
	}
	setIDs := make([]string, 0, len(sets))
	for id := range sets {
		setIDs = append(setIDs, id)
	}
	sort.Strings(setIDs) // deterministic for a seeded rng
	for _, id := range setIDs {
		items := sets[id]
		sort.Slice(items, func(i, j int) bool { return items[i].SetPos < items[j].SetPos })
		u := unit{domain: items[0].Domain, unseen: true}
		for _, c := range items {
			u.ids = append(u.ids, c.ID)
			if !c.LastSeen.IsZero() {
				u.unseen = false
				if c.LastSeen.After(u.lastSeen) {
					u.lastSeen = c.LastSeen
				}
			}
		}
		units = append(units, u)
	}
	for i := range units {
		units[i].tie = rng.Float64()
	}
	// Preference order: unseen first, then least recently seen.
	sort.SliceStable(units, func(i, j int) bool {
		a, b := units[i], units[j]
		if a.unseen != b.unseen {
			return a.unseen
		}
		if !a.lastSeen.Equal(b.lastSeen) {
			return a.lastSeen.Before(b.lastSeen)
		}
		return a.tie < b.tie
	})
	return units
}

// fill takes units in preference order until n items are chosen; a set
// that would overshoot is passed over for smaller units.
func fill(units []unit, n int) ([]unit, error) {
	var out []unit
	have, available := 0, 0
	for _, u := range units {
		available += len(u.ids)
	}
	for _, u := range units {
		if have == n {
			break
		}
		if have+len(u.ids) > n {
			continue
		}
		out = append(out, u)
		have += len(u.ids)
	}
	if have < n {
		return nil, fmt.Errorf("the question bank has %d matching question(s); %d are needed", available, n)
	}
	return out, nil
}
