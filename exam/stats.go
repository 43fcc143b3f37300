package exam

import (
	"math"
	"slices"
	"strings"
)

// Item analysis (classical test theory) of a quiz from its finished attempts.
//
// Attempts of one quiz may hold different items (random draws), so the data
// are sparse: every statistic of an item uses only the attempts that
// contained it. All variances and standard deviations here are POPULATION
// ones (divide by the number of attempts n, not n-1), used consistently for
// SD, KR-20 and SEM.

// ItemResponse is one attempt's response to one item.
type ItemResponse struct {
	Item    string // question id
	Answer  string // original letters chosen ("AC"), a code, or "" (omitted)
	Correct bool
}

// AttemptResponses is one finished attempt: its responses to the (scored) items it contained.
// An item listed more than once in an attempt counts once (its first response).
type AttemptResponses []ItemResponse

// ItemStats is the analysis of one item.
//
// Facility is p = correct / N over the N attempts that contained the item.
//
// Discrimination is the item-rest point-biserial correlation. For an attempt
// a containing item i, with k_a items of which T_a correct and item score
// x_ai (1 correct, 0 not), the rest score is
//
//	R_ai = (T_a - x_ai) / (k_a - 1)
//
// the proportion correct of a's OTHER items. Attempts with no other item
// (k_a = 1) are left out of the correlation (they still count in N and
// Facility). Over the remaining m attempts,
//
//	r = cov(x, R) / (sd(x) * sd(R))
//	  = (m·Σ xR − Σx·ΣR) / sqrt((m·Σx − (Σx)²) · (m·ΣR² − (ΣR)²))
//
// (Pearson's r; the n-vs-(n-1) choice cancels). It is undefined — reported as
// Discrimination 0 with HasDiscrimination false — when m < 3, when every one
// of the m attempts got the item right or every one got it wrong, or when
// all m rest scores are equal.
//
// Choices counts the answers: a choice answer (distinct letters A–H in
// increasing order, as NormalizeChoice makes them) counts once under each
// letter it selects, so "AC" adds one to "A" and one to "C"; an omitted
// answer counts under ""; any other answer (a code-entry code) counts under
// the whole answer.
//
// Flags are given only when N >= MinForFlags, in this order:
// "negative discrimination" (r <= −0.1), "near-zero discrimination"
// (|r| < 0.1), "very easy" (p > 0.95), "very hard" (p < 0.2). The two
// discrimination flags need HasDiscrimination and exclude each other: an r
// of −0.05 is near zero, not negative, so an r that is 0 up to rounding
// (−1e-17) is never called negative.
type ItemStats struct {
	Item              string
	N                 int            // attempts that contained the item
	Facility          float64        // proportion correct (p-value), 0..1
	Discrimination    float64        // item-rest point-biserial correlation; NaN -> 0 with HasDiscrimination=false
	HasDiscrimination bool           // false when undefined (n < 3, or zero variance of item or rest)
	Choices           map[string]int // how many chose each option letter (single letters, counted per letter for multiple response) ; "" key = omitted
	Flags             []string       // "negative discrimination", "near-zero discrimination" (|r| < 0.1), "very easy" (p > 0.95), "very hard" (p < 0.2); only when N >= MinForFlags
}

// TestStats is the analysis of the whole quiz.
//
// Attempts counts the attempts with at least one response (an empty attempt
// carries no information and is skipped). Mean and SD are the mean and the
// population standard deviation over attempts of each attempt's proportion
// correct T_a / k_a:
//
//	Mean = Σ P_a / n,   SD = sqrt(Σ (P_a − Mean)² / n)
//
// Reliability is KR-20, defined for a fixed form only: every attempt
// contained the same k items, k >= 2, n >= 2 and the raw scores T_a (number
// correct) are not all equal. With p_i the facility of item i, q_i = 1 − p_i
// and var_raw the population variance of the raw scores,
//
//	KR-20 = k/(k−1) · (1 − Σ p_i q_i / var_raw),   var_raw = Σ (T_a − mean T)² / n
//
// (p_i q_i is the population variance of item i). KR-20 is at most 1 and can
// be negative when items are negatively related; it is reported as is.
// SEM, the standard error of measurement in raw-score points, is
//
//	SEM = sqrt(var_raw) · sqrt(1 − KR-20)
//
// For a fixed form sqrt(var_raw) = k · SD. Without reliability, Reliability
// and SEM are 0.
type TestStats struct {
	Attempts       int
	Mean, SD       float64     // of the proportion correct per attempt (0..1)
	Reliability    float64     // KR-20 (= coefficient alpha for 0/1 items)
	HasReliability bool        // only when every attempt contained the same set of items, with at least 2 items and 2 attempts and nonzero variance
	SEM            float64     // standard error of measurement in raw-score points: SD_raw * sqrt(1 - KR20) (only with reliability)
	Items          []ItemStats // sorted by item id
}

// MinForFlags is the number of attempts an item needs before it is flagged.
const MinForFlags = 10

const (
	flagNegative = "negative discrimination"
	flagNearZero = "near-zero discrimination"
	flagEasy     = "very easy"
	flagHard     = "very hard"
)

// itemAcc accumulates one item's statistics in one pass over the responses.
type itemAcc struct {
	n, correct int // attempts containing the item, of which correct

	// The correlation sample: attempts containing the item and at least one
	// other. Sums of the rest score are shifted by ref (the first rest score
	// seen), which limits cancellation in Σd² − (Σd)²/m.
	m, mx   int     // size of the sample, of which correct
	ref     float64 // shift
	varies  bool    // some rest score differs from ref
	sd, sdd float64 // Σ d, Σ d², d = R − ref
	sxd     float64 // Σ x·d

	letters [len(Letters)]int // choice answers, per letter
	omitted int
	codes   map[string]int // other answers (codes); nil until one is seen
}

// AnalyzeItems computes the item analysis of finished attempts. It makes one
// pass over the attempts (reading each attempt's responses twice), so its
// time is O(total responses); item ids are interned to indexes, and memory
// is proportional to the number of attempts plus items.
func AnalyzeItems(attempts []AttemptResponses) TestStats {
	var (
		index = map[string]int32{} // item id -> interned index
		ids   []string
		acc   []itemAcc
		seen  []int32 // seen[i] = stamp of the last attempt that contained item i
		cur   []int32 // interned indexes of the current attempt's responses (-1 = duplicate)
		prev  []int32 // the previous attempt's, to skip the map for a repeated form
		raw   = make([]int32, 0, len(attempts))
		kk    = make([]int32, 0, len(attempts))
	)
	for _, att := range attempts {
		if len(att) == 0 {
			continue
		}
		stamp := int32(len(raw) + 1)
		cur = cur[:0]
		t, k := 0, 0
		for j := range att {
			r := &att[j]
			ix := int32(-1)
			if j < len(prev) && prev[j] >= 0 && ids[prev[j]] == r.Item {
				ix = prev[j]
			} else if v, ok := index[r.Item]; ok {
				ix = v
			} else {
				ix = int32(len(ids))
				index[r.Item] = ix
				ids = append(ids, r.Item)
				acc = append(acc, itemAcc{})
				seen = append(seen, 0)
			}
			if seen[ix] == stamp { // the item again in this attempt
				cur = append(cur, -1)
				continue
			}
			seen[ix] = stamp
			cur = append(cur, ix)
			k++
			a := &acc[ix]
			a.n++
			if r.Correct {
				t++
				a.correct++
			}
			a.count(r.Answer)
		}
		raw = append(raw, int32(t))
		kk = append(kk, int32(k))
		if k >= 2 {
			// Rest score when the item is wrong / right. Division (not a
			// multiplication by 1/(k-1)) is correctly rounded, so equal
			// fractions with different denominators give equal floats.
			restWrong := float64(t) / float64(k-1)
			restRight := float64(t-1) / float64(k-1)
			for j, ix := range cur {
				if ix < 0 {
					continue
				}
				a := &acc[ix]
				rest := restWrong
				if att[j].Correct {
					rest = restRight
				}
				if a.m == 0 {
					a.ref = rest
				} else if rest != a.ref {
					a.varies = true
				}
				d := rest - a.ref
				a.m++
				a.sd += d
				a.sdd += d * d
				if att[j].Correct {
					a.mx++
					a.sxd += d
				}
			}
		}
		prev, cur = cur, prev
	}

	ts := TestStats{Attempts: len(raw)}
	order := make([]int, len(ids))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(ids[a], ids[b]) })
	ts.Items = make([]ItemStats, 0, len(ids))
	for _, i := range order {
		ts.Items = append(ts.Items, acc[i].stats(ids[i]))
	}
	if len(raw) == 0 {
		return ts
	}

	// Mean and population SD of the proportion correct, in two passes.
	n := float64(len(raw))
	sum := 0.0
	for a := range raw {
		sum += float64(raw[a]) / float64(kk[a])
	}
	ts.Mean = sum / n
	ss := 0.0
	for a := range raw {
		d := float64(raw[a])/float64(kk[a]) - ts.Mean
		ss += d * d
	}
	ts.SD = math.Sqrt(ss / n)

	// KR-20 for a fixed form: each attempt's distinct items are a subset of
	// all items, so k_a = len(ids) for every a means all attempts hold them all.
	k := len(ids)
	fixed := k >= 2 && len(raw) >= 2
	lo, hi := raw[0], raw[0]
	for a := range raw {
		if int(kk[a]) != k {
			fixed = false
			break
		}
		lo, hi = min(lo, raw[a]), max(hi, raw[a])
	}
	if fixed && lo != hi {
		sumT := 0.0
		for _, t := range raw {
			sumT += float64(t)
		}
		meanT := sumT / n
		ssT := 0.0
		for _, t := range raw {
			d := float64(t) - meanT
			ssT += d * d
		}
		varRaw := ssT / n
		spq := 0.0
		for i := range acc {
			p := float64(acc[i].correct) / n
			spq += p * (1 - p)
		}
		kf := float64(k)
		ts.Reliability = kf / (kf - 1) * (1 - spq/varRaw)
		ts.HasReliability = true
		ts.SEM = math.Sqrt(varRaw) * math.Sqrt(max(0, 1-ts.Reliability))
	}
	return ts
}

// count adds one answer to the distractor counts.
func (a *itemAcc) count(ans string) {
	if ans == "" {
		a.omitted++
		return
	}
	if isChoice(ans) {
		for i := 0; i < len(ans); i++ {
			a.letters[ans[i]-Letters[0]]++
		}
		return
	}
	if a.codes == nil {
		a.codes = map[string]int{}
	}
	a.codes[ans]++
}

// isChoice reports whether ans is a canonical choice answer: distinct option
// letters in increasing order.
func isChoice(ans string) bool {
	last := byte(0)
	for i := 0; i < len(ans); i++ {
		c := ans[i]
		if c < Letters[0] || c > Letters[len(Letters)-1] || c <= last {
			return false
		}
		last = c
	}
	return true
}

// stats finishes one item.
func (a *itemAcc) stats(id string) ItemStats {
	s := ItemStats{Item: id, N: a.n, Choices: map[string]int{}}
	if a.n > 0 {
		s.Facility = float64(a.correct) / float64(a.n)
	}
	s.Discrimination, s.HasDiscrimination = a.discrimination()
	for i, c := range a.letters {
		if c > 0 {
			s.Choices[Letter(i)] = c
		}
	}
	if a.omitted > 0 {
		s.Choices[""] = a.omitted
	}
	for code, c := range a.codes {
		s.Choices[code] = c
	}
	if a.n >= MinForFlags {
		switch {
		case !s.HasDiscrimination:
		case s.Discrimination <= -0.1:
			s.Flags = append(s.Flags, flagNegative)
		case s.Discrimination < 0.1:
			s.Flags = append(s.Flags, flagNearZero)
		}
		if s.Facility > 0.95 {
			s.Flags = append(s.Flags, flagEasy)
		}
		if s.Facility < 0.2 {
			s.Flags = append(s.Flags, flagHard)
		}
	}
	return s
}

// discrimination is Pearson's r between the 0/1 item score x and the rest
// score R over the correlation sample, from the shifted sums (a shift of R
// changes neither covariance nor variance):
//
//	Sxx = mx·(m − mx)/m,  SRR = Σd² − (Σd)²/m,  SxR = Σx·d − mx·Σd/m,  r = SxR / sqrt(Sxx·SRR)
func (a *itemAcc) discrimination() (float64, bool) {
	if a.m < 3 || a.mx == 0 || a.mx == a.m || !a.varies {
		return 0, false
	}
	m := float64(a.m)
	sxx := float64(a.mx) * float64(a.m-a.mx) / m
	srr := a.sdd - a.sd*a.sd/m
	sxr := a.sxd - float64(a.mx)*a.sd/m
	if !(srr > 0) {
		return 0, false
	}
	r := sxr / math.Sqrt(sxx*srr)
	return max(-1, min(1, r)), true
}
