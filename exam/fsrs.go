package exam

import (
	"math"
	"time"
)

// FSRS-5 (Free Spaced Repetition Scheduler, version 5), implemented from the
// published algorithm of the open-spaced-repetition project with its
// default parameters. Chartroom schedules missed questions for review: a
// correct answer rates the card Good, a wrong one Again.

// Rating of one review.
type Rating int

// Ratings.
const (
	Again Rating = 1
	Hard  Rating = 2
	Good  Rating = 3
	Easy  Rating = 4
)

// fsrsW are the FSRS-5 default parameters w0..w18.
var fsrsW = [19]float64{
	0.40255, 1.18385, 3.173, 15.69105, 7.1949, 0.5345, 1.4604, 0.0046, 1.54575,
	0.1192, 1.01925, 1.9395, 0.11, 0.29605, 2.2698, 0.2315, 2.9898, 0.51655, 0.6621,
}

const (
	fsrsDecay        = -0.5
	desiredRetention = 0.9
	maxIntervalDays  = 365
)

// fsrsFactor makes R(S, S) = 0.9: 0.9^(1/decay) - 1 = 19/81.
var fsrsFactor = math.Pow(0.9, 1/fsrsDecay) - 1

// Card is the memory state of one question for one student.
type Card struct {
	Stability  float64 // days until recall probability falls to 90%
	Difficulty float64 // 1 (easy) .. 10 (hard)
	Reps       int
	Lapses     int
	LastReview time.Time // zero for a new card
	Due        time.Time
}

// Retrievability is the probability of recall after elapsed days.
func Retrievability(elapsedDays, stability float64) float64 {
	if stability <= 0 {
		return 0
	}
	return math.Pow(1+fsrsFactor*elapsedDays/stability, fsrsDecay)
}

// interval is the number of days until retrievability falls to the desired retention.
func interval(stability float64) float64 {
	d := stability / fsrsFactor * (math.Pow(desiredRetention, 1/fsrsDecay) - 1)
	return math.Max(1, math.Min(maxIntervalDays, math.Round(d)))
}

func clampD(d float64) float64 { return math.Max(1, math.Min(10, d)) }

func initDifficulty(g Rating) float64 {
	return fsrsW[4] - math.Exp(fsrsW[5]*float64(g-1)) + 1
}

func nextDifficulty(d float64, g Rating) float64 {
	delta := -fsrsW[6] * float64(g-3)
	dp := d + delta*(10-d)/9 // linear damping
	// mean reversion towards the initial difficulty of an Easy rating
	return clampD(fsrsW[7]*initDifficulty(Easy) + (1-fsrsW[7])*dp)
}

func recallStability(d, s, r float64, g Rating) float64 {
	hard, easy := 1.0, 1.0
	if g == Hard {
		hard = fsrsW[15]
	}
	if g == Easy {
		easy = fsrsW[16]
	}
	return s * (1 + math.Exp(fsrsW[8])*(11-d)*math.Pow(s, -fsrsW[9])*(math.Exp(fsrsW[10]*(1-r))-1)*hard*easy)
}

func forgetStability(d, s, r float64) float64 {
	sf := fsrsW[11] * math.Pow(d, -fsrsW[12]) * (math.Pow(s+1, fsrsW[13]) - 1) * math.Exp(fsrsW[14]*(1-r))
	return math.Min(sf, s)
}

func shortTermStability(s float64, g Rating) float64 {
	return s * math.Exp(fsrsW[17]*(float64(g)-3+fsrsW[18]))
}

// Review applies a rating at now and returns the updated card with its next
// due time.
func (c Card) Review(g Rating, now time.Time) Card {
	if g < Again || g > Easy {
		g = Again
	}
	out := c
	switch {
	case c.LastReview.IsZero():
		out.Stability = fsrsW[g-1]
		out.Difficulty = clampD(initDifficulty(g))
	default:
		elapsed := now.Sub(c.LastReview).Hours() / 24
		if elapsed < 1 {
			out.Stability = shortTermStability(c.Stability, g)
		} else {
			r := Retrievability(elapsed, c.Stability)
			if g == Again {
				out.Stability = forgetStability(c.Difficulty, c.Stability, r)
			} else {
				out.Stability = recallStability(c.Difficulty, c.Stability, r, g)
			}
		}
		out.Difficulty = nextDifficulty(c.Difficulty, g)
	}
	out.Stability = math.Max(out.Stability, 0.01)
	out.Reps++
	if g == Again {
		out.Lapses++
	}
	out.LastReview = now
	if g == Again {
		// a missed question comes back the next day
		out.Due = now.Add(24 * time.Hour)
	} else {
		out.Due = now.Add(time.Duration(interval(out.Stability)*24) * time.Hour)
	}
	return out
}
