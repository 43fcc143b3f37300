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
	domains  []Domain  // each item's domain (a set's items may differ)
	domain   Domain    // the unit's domain for blueprint targets: its first item's
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
	var doms []Domain
	for _, u := range chosen {
		for i, id := range u.ids {
			out = append(out, Picked{ID: id, Scored: true})
			doms = append(doms, u.domains[i])
		}
	}
	if spec.Pretest > 0 {
		if spec.Pretest >= len(out) {
			return nil, &DrawError{"more pretest items than items"}
		}
		if err := markPretest(out, doms, spec, rng); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// markPretest makes spec.Pretest of the drawn items unscored. With a
// blueprint the pretest items are chosen per domain, so that the scored
// items - what the score and the domain report are made of - follow the
// blueprint's ranges for the scored total, whichever items they are.
func markPretest(out []Picked, doms []Domain, spec DrawSpec, rng *rand.Rand) error {
	if spec.Blueprint == nil {
		for _, i := range rng.Perm(len(out))[:spec.Pretest] {
			out[i].Scored = false
		}
		return nil
	}
	byDomain := map[Domain][]int{}
	counts := map[Domain]int{}
	for i, d := range doms {
		byDomain[d] = append(byDomain[d], i)
		counts[d]++
	}
	split, err := spec.Blueprint.PretestSplit(counts, spec.Pretest, rng)
	if err != nil {
		return &DrawError{err.Error()}
	}
	for _, d := range Domains {
		idx := byDomain[d]
		for _, k := range rng.Perm(len(idx))[:split[d]] {
			out[idx[k]].Scored = false
		}
	}
	return nil
}

// CompleteSets adds to matching the missing items of every scenario set
// that has at least one item in it, taken from all (the unfiltered
// candidates): a filter on topic, difficulty or history never splits a set,
// and Draw then takes the set whole or not at all.
func CompleteSets(matching, all []Candidate) []Candidate {
	want := map[string]bool{}
	have := map[string]bool{}
	for _, c := range matching {
		have[c.ID] = true
		if c.SetID != "" {
			want[c.SetID] = true
		}
	}
	if len(want) == 0 {
		return matching
	}
	out := append([]Candidate(nil), matching...)
	for _, c := range all {
		if c.SetID != "" && want[c.SetID] && !have[c.ID] {
			out = append(out, c)
			have[c.ID] = true
		}
	}
	return out
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
		units = append(units, unit{ids: []string{c.ID}, domains: []Domain{c.Domain}, domain: c.Domain, lastSeen: c.LastSeen, unseen: c.LastSeen.IsZero()})
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
			u.domains = append(u.domains, c.Domain)
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

// fill takes units in preference order until exactly n items are chosen.
// A set that would overshoot is passed over for smaller units, and so is
// one that would leave a remainder nothing else can make up: the choice is
// the most preferred selection that adds up to n (the same as taking every
// unit that fits whenever that works).
func fill(units []unit, n int) ([]unit, error) {
	available := 0
	for _, u := range units {
		available += len(u.ids)
	}
	if available < n {
		return nil, fmt.Errorf("the question bank has %d matching question(s); %d are needed", available, n)
	}
	// can[i][s]: units i.. can make exactly s items.
	can := make([][]bool, len(units)+1)
	can[len(units)] = make([]bool, n+1)
	can[len(units)][0] = true
	for i := len(units) - 1; i >= 0; i-- {
		can[i] = make([]bool, n+1)
		size := len(units[i].ids)
		for s := 0; s <= n; s++ {
			can[i][s] = can[i+1][s] || s >= size && can[i+1][s-size]
		}
	}
	if !can[0][n] {
		most := 0
		for s := n; s > 0; s-- {
			if can[0][s] {
				most = s
				break
			}
		}
		return nil, fmt.Errorf("scenario sets are drawn whole, and no selection of the %d matching questions adds up to %d (the nearest below is %d)", available, n, most)
	}
	var out []unit
	left := n
	for i, u := range units {
		if left == 0 {
			break
		}
		if size := len(u.ids); size <= left && can[i+1][left-size] {
			out = append(out, u)
			left -= size
		}
	}
	return out, nil
}

// ShuffleKeepingSets shuffles picked items as units: the items of one
// scenario set (setOf returns its id, "" for a stand-alone question) stay
// together, in the order they had, where the first of them stood; the units
// are then shuffled. A set is never split, whatever the shuffle.
func ShuffleKeepingSets(picked []Picked, setOf func(id string) string, rng *rand.Rand) []Picked {
	var units [][]Picked
	at := map[string]int{} // set id -> its unit
	for _, p := range picked {
		s := setOf(p.ID)
		if s == "" {
			units = append(units, []Picked{p})
			continue
		}
		if i, ok := at[s]; ok {
			units[i] = append(units[i], p)
			continue
		}
		at[s] = len(units)
		units = append(units, []Picked{p})
	}
	rng.Shuffle(len(units), func(i, j int) { units[i], units[j] = units[j], units[i] })
	out := make([]Picked, 0, len(picked))
	for _, u := range units {
		out = append(out, u...)
	}
	return out
}
