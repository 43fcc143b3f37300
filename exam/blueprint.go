package exam

import (
	"fmt"
	"math"
)

// Blueprint is the RHIT exam blueprint as data: how many items, how long,
// and the share of each domain. AHIMA revises the content outline from time
// to time; the outline version and effective date travel with the numbers.
type Blueprint struct {
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

// Validate checks that the blueprint is internally consistent.
func (b *Blueprint) Validate() error {
	switch {
	case b.Outline == "" || b.Effective == "":
		return fmt.Errorf("outline and effective date are required")
	case b.Items <= 0 || b.Scored <= 0 || b.Pretest < 0 || b.Scored+b.Pretest != b.Items:
		return fmt.Errorf("items (%d) must equal scored (%d) + pretest (%d)", b.Items, b.Scored, b.Pretest)
	case b.Minutes <= 0:
		return fmt.Errorf("minutes must be positive")
	case len(b.Domains) != len(Domains):
		return fmt.Errorf("the blueprint lists %d domains; it needs all %d", len(b.Domains), len(Domains))
	}
	seen := map[Domain]bool{}
	var lo, hi float64
	for _, d := range b.Domains {
		if !d.Domain.Valid() {
			return fmt.Errorf("unknown domain %q", d.Domain)
		}
		if seen[d.Domain] {
			return fmt.Errorf("domain %q is listed twice", d.Domain)
		}
		seen[d.Domain] = true
		if d.Min < 0 || d.Max > 100 || d.Min > d.Max {
			return fmt.Errorf("domain %q: min %.1f%% and max %.1f%% must satisfy 0 <= min <= max <= 100", d.Domain, d.Min, d.Max)
		}
		lo += d.Min
		hi += d.Max
	}
	if lo > 100 || hi < 100 {
		return fmt.Errorf("domain minimums add to %.1f%% and maximums to %.1f%%: 100%% must lie between", lo, hi)
	}
	if _, err := b.Targets(b.Items); err != nil {
		return err
	}
	return nil
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
