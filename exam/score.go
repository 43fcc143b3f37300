package exam

import (
	"math"
)

// ItemResult is one graded item of an attempt.
type ItemResult struct {
	Domain   Domain
	Scored   bool
	Answered bool
	Correct  bool
}

// DomainScore is the result in one domain against its blueprint share.
type DomainScore struct {
	Domain      Domain
	Items       int     // scored items in the domain
	Correct     int     // of those, correct
	Percent     float64 // Correct / Items
	Share       float64 // this domain's share of the attempt's scored items, %
	BlueprintLo float64 // the blueprint's range for the domain, %
	BlueprintHi float64
}

// Summary is the score of a finished attempt.
type Summary struct {
	Items    int // all items
	Scored   int
	Answered int
	Correct  int // scored items answered correctly
	Percent  float64
	Domains  []DomainScore
}

// Summarize scores the items; only scored items count. With a blueprint the
// domain rows carry its ranges.
func Summarize(items []ItemResult, bp *Blueprint) Summary {
	s := Summary{Items: len(items)}
	per := map[Domain]*DomainScore{}
	for _, d := range Domains {
		per[d] = &DomainScore{Domain: d}
	}
	for _, it := range items {
		if it.Answered {
			s.Answered++
		}
		if !it.Scored {
			continue
		}
		s.Scored++
		ds := per[it.Domain]
		if ds == nil {
			continue
		}
		ds.Items++
		if it.Correct {
			s.Correct++
			ds.Correct++
		}
	}
	if s.Scored > 0 {
		s.Percent = 100 * float64(s.Correct) / float64(s.Scored)
	}
	for _, d := range Domains {
		ds := per[d]
		if ds.Items > 0 {
			ds.Percent = 100 * float64(ds.Correct) / float64(ds.Items)
		}
		if s.Scored > 0 {
			ds.Share = 100 * float64(ds.Items) / float64(s.Scored)
		}
		if bp != nil {
			for _, bd := range bp.Domains {
				if bd.Domain == d {
					ds.BlueprintLo, ds.BlueprintHi = bd.Min, bd.Max
				}
			}
		}
		if ds.Items > 0 || bp != nil {
			s.Domains = append(s.Domains, *ds)
		}
	}
	return s
}

// The RHIT reports scaled scores from 100 to 400 with 300 to pass, and AHIMA
// does not publish its raw-to-scaled conversion. Chartroom's estimate is a
// stated assumption, not AHIMA's: the passing raw score is taken to be
// AssumedCut of the scored items, mapped linearly to 300, with 0% -> 100 and
// 100% -> 400 on either side.
const (
	AssumedCut  = 0.68
	ScaledMin   = 100
	ScaledMax   = 400
	ScaledPass  = 300
	cutUncertSD = 0.04 // how unsure we are of the cut itself, in proportion correct
)

// Scale maps a proportion correct to the estimated scaled score.
func Scale(p float64) int {
	p = math.Max(0, math.Min(1, p))
	var s float64
	if p <= AssumedCut {
		s = ScaledMin + (ScaledPass-ScaledMin)*p/AssumedCut
	} else {
		s = ScaledPass + (ScaledMax-ScaledPass)*(p-AssumedCut)/(1-AssumedCut)
	}
	return int(math.Round(s))
}

// Estimate is an estimated scaled score with a 95% range.
type Estimate struct {
	Score, Low, High int
}

// EstimateScaled estimates the scaled score of correct out of scored items,
// with a 95% Wilson interval on the proportion carried through the scale.
func EstimateScaled(correct, scored int) Estimate {
	if scored == 0 {
		return Estimate{ScaledMin, ScaledMin, ScaledMax}
	}
	p := float64(correct) / float64(scored)
	lo, hi := wilson(correct, scored, 1.96)
	return Estimate{Score: Scale(p), Low: Scale(lo), High: Scale(hi)}
}

func wilson(k, n int, z float64) (float64, float64) {
	p, nf := float64(k)/float64(n), float64(n)
	den := 1 + z*z/nf
	centre := (p + z*z/(2*nf)) / den
	half := z * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf)) / den
	return math.Max(0, centre-half), math.Min(1, centre+half)
}

// MockResult is one finished full mock.
type MockResult struct{ Correct, Scored int }

// MinMocksForLikelihood is how many full mocks a pass likelihood needs.
const MinMocksForLikelihood = 2

// PassLikelihood estimates the chance of scoring at least the assumed cut,
// from the pooled proportion of at least two full mocks. It combines the
// sampling error of the mocks with uncertainty about the cut itself. ok is
// false when there are too few mocks to say anything.
func PassLikelihood(mocks []MockResult) (likelihood float64, ok bool) {
	if len(mocks) < MinMocksForLikelihood {
		return 0, false
	}
	var k, n int
	for _, m := range mocks {
		k += m.Correct
		n += m.Scored
	}
	if n == 0 {
		return 0, false
	}
	p := float64(k) / float64(n)
	se := math.Sqrt(p*(1-p)/float64(n) + cutUncertSD*cutUncertSD)
	return normalCDF((p - AssumedCut) / se), true
}

func normalCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }
