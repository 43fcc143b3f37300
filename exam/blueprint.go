package exam

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// Blueprint is the RHIT exam blueprint as data: how many items, how long,
// and the share of each domain. AHIMA revises the content outline from time
// to time; the outline version (a short label such as "2026.1"), a
// description of the outline and the effective date travel with the numbers.
type Blueprint struct {
	Version   string            `yaml:"version" json:"version,omitempty"`
	Outline   string            `yaml:"outline" json:"outline"`
	Effective string            `yaml:"effective" json:"effective"`
	Source    string            `yaml:"source" json:"source"`
	Items     int               `yaml:"items" json:"items"`
	Scored    int               `yaml:"scored" json:"scored"`
	Pretest   int               `yaml:"pretest" json:"pretest"`
	Minutes   int               `yaml:"minutes" json:"minutes"`
	Domains   []BlueprintDomain `yaml:"domains" json:"domains"`
}

// BlueprintDomain is one domain's share of the exam, in percent.
type BlueprintDomain struct {
	Domain Domain  `yaml:"domain" json:"domain"`
	Min    float64 `yaml:"min" json:"min"`
	Max    float64 `yaml:"max" json:"max"`
}

// Validate checks that the blueprint is internally consistent and that a
// full form can be drawn to it: every problem is reported, one per line.
func (b *Blueprint) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if b.Version == "" {
		bad("version is required (the outline version label, e.g. \"2026.1\")")
	}
	if b.Outline == "" {
		bad("outline is required (which content outline the ranges come from)")
	}
	if b.Effective == "" {
		bad("effective is required (the date the outline takes effect)")
	}
	countsOK := true
	if b.Items <= 0 || b.Scored <= 0 || b.Pretest < 0 || b.Scored+b.Pretest != b.Items {
		bad("items (%d) must equal scored (%d) + pretest (%d), with scored above 0", b.Items, b.Scored, b.Pretest)
		countsOK = false
	}
	if b.Minutes <= 0 {
		bad("minutes must be positive")
	}
	if len(b.Domains) != len(Domains) {
		bad("the blueprint lists %d domains; it needs all %d (%s)", len(b.Domains), len(Domains), domainList())
	}
	seen := map[Domain]bool{}
	rangesOK := true
	var lo, hi float64
	for _, d := range b.Domains {
		switch {
		case !d.Domain.Valid():
			bad("unknown domain %q (the domains are %s)", d.Domain, domainList())
			rangesOK = false
		case seen[d.Domain]:
			bad("domain %q is listed twice", d.Domain)
			rangesOK = false
		}
		seen[d.Domain] = true
		if d.Min < 0 || d.Max > 100 || d.Min > d.Max {
			bad("domain %q: min %g%% and max %g%% must satisfy 0 <= min <= max <= 100", d.Domain, d.Min, d.Max)
			rangesOK = false
		}
		lo += d.Min
		hi += d.Max
	}
	if len(b.Domains) > 0 && (lo > 100 || hi < 100) {
		bad("domain minimums add up to %g%% and maximums to %g%%: 100%% must lie between them", lo, hi)
		rangesOK = false
	}
	if countsOK && rangesOK && len(b.Domains) == len(Domains) {
		// The ranges must work in whole items: for the full form, and for
		// a split of its pretest items that keeps every domain's scored
		// count in range for the scored total (see Draw).
		targets, err := b.Targets(b.Items)
		if err != nil {
			bad("%d items: %v", b.Items, err)
		} else if _, err := b.PretestSplit(targets, b.Pretest, nil); err != nil {
			bad("%v", err)
		}
	}
	return errors.Join(errs...)
}

func domainList() string {
	s := ""
	for i, d := range Domains {
		if i > 0 {
			s += ", "
		}
		s += string(d)
	}
	return s
}

// Range returns the smallest and largest item counts a domain may have in a
// form of n items.
func (b *Blueprint) Range(d Domain, n int) (lo, hi int) {
	for _, bd := range b.Domains {
		if bd.Domain == d {
			return int(math.Ceil(bd.Min*float64(n)/100 - 1e-9)), int(math.Floor(bd.Max*float64(n)/100 + 1e-9))
		}
	}
	return 0, 0
}

// Targets splits n items between the domains: each gets the midpoint of its
// share, rounded by largest remainder, and every count stays within the
// domain's range. It fails when the ranges cannot add up to n.
func (b *Blueprint) Targets(n int) (map[Domain]int, error) {
	out := map[Domain]int{}
	type rem struct {
		d Domain
		r float64
	}
	var rems []rem
	total := 0
	var sumMid float64
	for _, bd := range b.Domains {
		sumMid += (bd.Min + bd.Max) / 2
	}
	for _, bd := range b.Domains {
		exact := (bd.Min + bd.Max) / 2 / sumMid * float64(n)
		c := int(math.Floor(exact))
		out[bd.Domain] = c
		total += c
		rems = append(rems, rem{bd.Domain, exact - float64(c)})
	}
	// largest remainder first, stable in outline order
	for total < n {
		best := -1
		for i, r := range rems {
			if best < 0 || r.r > rems[best].r {
				best = i
			}
		}
		out[rems[best].d]++
		rems[best].r = -1
		total++
	}
	// clamp into ranges, moving surplus to domains with room
	for _, bd := range b.Domains {
		lo, hi := b.Range(bd.Domain, n)
		if lo > hi {
			return nil, fmt.Errorf("domain %q: no whole number of items in %d falls within %.1f-%.1f%%", bd.Domain, n, bd.Min, bd.Max)
		}
	}
	for range 2 * len(b.Domains) {
		moved := false
		for _, bd := range b.Domains {
			lo, hi := b.Range(bd.Domain, n)
			for out[bd.Domain] > hi {
				if !b.shift(out, n, bd.Domain, +1) {
					break
				}
				moved = true
			}
			for out[bd.Domain] < lo {
				if !b.shift(out, n, bd.Domain, -1) {
					break
				}
				moved = true
			}
		}
		if !moved {
			break
		}
	}
	for _, bd := range b.Domains {
		lo, hi := b.Range(bd.Domain, n)
		if out[bd.Domain] < lo || out[bd.Domain] > hi {
			return nil, fmt.Errorf("the domain ranges cannot add up to %d items", n)
		}
	}
	return out, nil
}

// shift moves one item away from (dir=+1) or towards (dir=-1) domain d,
// taking it from or giving it to another domain that has room.
func (b *Blueprint) shift(out map[Domain]int, n int, d Domain, dir int) bool {
	for _, o := range b.Domains {
		if o.Domain == d {
			continue
		}
		lo, hi := b.Range(o.Domain, n)
		if dir > 0 && out[o.Domain] < hi {
			out[o.Domain]++
			out[d]--
			return true
		}
		if dir < 0 && out[o.Domain] > lo {
			out[o.Domain]--
			out[d]++
			return true
		}
	}
	return false
}

// PretestSplit decides how many of each domain's drawn items are unscored
// pretest items. counts holds the items drawn per domain; what is left
// after the split (the scored items) must fall within every domain's range
// for the scored total, as on the real exam, where the content outline
// describes the scored items. Each domain starts from its scored target
// (Targets of the scored total); rng, when not nil, settles the remainder
// at random so the split does not follow a pattern a student could learn.
func (b *Blueprint) PretestSplit(counts map[Domain]int, pretest int, rng *rand.Rand) (map[Domain]int, error) {
	total := 0
	for _, n := range counts {
		total += n
	}
	scored := total - pretest
	if pretest < 0 || scored <= 0 {
		return nil, fmt.Errorf("%d pretest items leave no scored items out of %d", pretest, total)
	}
	targets, err := b.Targets(scored)
	if err != nil {
		return nil, fmt.Errorf("%d scored items: %w", scored, err)
	}
	// Domains in a fixed order: the blueprint's, then any others drawn.
	var order []Domain
	listed := map[Domain]bool{}
	for _, bd := range b.Domains {
		order = append(order, bd.Domain)
		listed[bd.Domain] = true
	}
	for _, d := range Domains {
		if !listed[d] && counts[d] > 0 {
			order = append(order, d)
		}
	}
	lo, hi := map[Domain]int{}, map[Domain]int{}
	split := map[Domain]int{}
	sum, sumLo, sumHi := 0, 0, 0
	for _, d := range order {
		n := counts[d]
		slo, shi := b.Range(d, scored) // scored items the domain may keep
		lo[d], hi[d] = max(0, n-shi), min(n, n-slo)
		if lo[d] > hi[d] {
			return nil, fmt.Errorf("%s: %d items drawn cannot leave %d-%d scored", d.Title(), n, slo, shi)
		}
		split[d] = min(max(n-targets[d], lo[d]), hi[d])
		sum += split[d]
		sumLo += lo[d]
		sumHi += hi[d]
	}
	if pretest < sumLo || pretest > sumHi {
		return nil, fmt.Errorf("%d pretest items cannot be chosen so that every domain's scored items stay within its range (between %d and %d can)", pretest, sumLo, sumHi)
	}
	for sum != pretest {
		step := 1
		if sum > pretest {
			step = -1
		}
		var room []Domain
		for _, d := range order {
			if step > 0 && split[d] < hi[d] || step < 0 && split[d] > lo[d] {
				room = append(room, d)
			}
		}
		d := room[0]
		if rng != nil {
			d = room[rng.IntN(len(room))]
		}
		split[d] += step
		sum += step
	}
	return split, nil
}
