// Package textdiff compares two texts line by line (longest common
// subsequence), for the question version history.
package textdiff

import "strings"

// Op is what happened to a line.
type Op int

// Ops.
const (
	Same Op = iota
	Added
	Removed
)

// Line is one line of a diff.
type Line struct {
	Op   Op
	Text string
}

// Lines diffs a and b (split on newlines). Texts are small (a question), so
// the quadratic table is fine; inputs over 2,000 lines fall back to
// "all removed, all added".
func Lines(a, b string) []Line {
	x, y := split(a), split(b)
	if len(x)*len(y) > 4_000_000 {
		var out []Line
		for _, l := range x {
			out = append(out, Line{Removed, l})
		}
		for _, l := range y {
			out = append(out, Line{Added, l})
		}
		return out
	}
	n, m := len(x), len(y)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []Line
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case x[i] == y[j]:
			out = append(out, Line{Same, x[i]})
			i++
			j++
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, Line{Removed, x[i]})
			i++
		default:
			out = append(out, Line{Added, y[j]})
			j++
		}
	}
	for ; i < n; i++ {
		out = append(out, Line{Removed, x[i]})
	}
	for ; j < m; j++ {
		out = append(out, Line{Added, y[j]})
	}
	return out
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
}

// Changed reports whether a diff has any added or removed line.
func Changed(d []Line) bool {
	for _, l := range d {
		if l.Op != Same {
			return true
		}
	}
	return false
}
