package exam

import (
	"math/rand/v2"
	"slices"
	"sort"
	"strings"

	"chartroom/codes"
)

// Answer is what a student gave for one item, in canonical form: for choice
// questions the ORIGINAL option letters, sorted ("AC"); for code entry the
// normalised code ("E1165"). The empty string is no answer.
type Answer string

// NormalizeChoice turns selected original letters into an Answer, dropping
// anything that is not an option of q and duplicates.
func NormalizeChoice(q *Question, letters []string) Answer {
	var out []string
	for _, l := range letters {
		l = strings.ToUpper(strings.TrimSpace(l))
		i := strings.Index(Letters, l)
		if len(l) != 1 || i < 0 || i >= len(q.Options) || slices.Contains(out, l) {
			continue
		}
		out = append(out, l)
	}
	if q.Type == TypeSingle && len(out) > 1 {
		out = out[:1]
	}
	sort.Strings(out)
	return Answer(strings.Join(out, ""))
}

// NormalizeCode turns a typed code into an Answer: upper case, letters and
// digits only (no code has anything else), at most 10 characters.
func NormalizeCode(s string) Answer {
	c := []byte(codes.Normalize(s))
	out := c[:0]
	for _, b := range c {
		if b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' {
			out = append(out, b)
		}
	}
	if len(out) > 10 {
		out = out[:10]
	}
	return Answer(out)
}

// Letters of a choice answer.
func (a Answer) Letters() []string {
	out := make([]string, 0, len(a))
	for _, r := range string(a) {
		out = append(out, string(r))
	}
	return out
}

// Has reports whether a choice answer selected original letter l.
func (a Answer) Has(l string) bool { return strings.Contains(string(a), l) }

// Correct grades an answer. Multiple response is all or nothing, as on the
// RHIT; code entry compares normalised codes with every accepted answer.
func Correct(q *Question, a Answer) bool {
	if a == "" {
		return false
	}
	switch q.Type {
	case TypeSingle, TypeMultiple:
		key := append([]string(nil), q.Key...)
		sort.Strings(key)
		return string(a) == strings.Join(key, "")
	case TypeCode:
		for _, k := range q.Key {
			if codes.Normalize(k) == string(a) {
				return true
			}
		}
	}
	return false
}

// Shuffle returns a display order for q's options: a string of original
// letters, where position i shows option order[i]. Code entry has none.
func Shuffle(q *Question, rng *rand.Rand) string {
	if q.Type == TypeCode {
		return ""
	}
	b := []byte(Letters[:len(q.Options)])
	if rng != nil {
		rng.Shuffle(len(b), func(i, j int) { b[i], b[j] = b[j], b[i] })
	}
	return string(b)
}

// Displayed maps a displayed letter (what the student clicked) back to the
// original option letter, given the stored order. Unknown letters map to "".
func Displayed(order, shown string) string {
	i := strings.Index(Letters, strings.ToUpper(shown))
	if len(shown) != 1 || i < 0 || i >= len(order) {
		return ""
	}
	return order[i : i+1]
}

// ShownAs maps an original letter to the letter it is displayed under.
func ShownAs(order, original string) string {
	i := strings.Index(order, original)
	if i < 0 {
		return ""
	}
	return Letter(i)
}
