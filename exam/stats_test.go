package exam

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// ir is one response; it is correct when the answer equals the key.
func ir(item, answer, key string) ItemResponse {
	return ItemResponse{Item: item, Answer: answer, Correct: answer != "" && answer == key}
}

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > 1e-9 {
		t.Errorf("%s = %.12g, want %.12g", what, got, want)
	}
}

func item(t *testing.T, ts TestStats, id string) ItemStats {
	t.Helper()
	for _, s := range ts.Items {
		if s.Item == id {
			return s
		}
	}
	t.Fatalf("no stats for item %q", id)
	return ItemStats{}
}

// TestAnalyzeItemsHandExample checks every statistic of a small fixed form
// against values computed by hand.
//
// Four items, keys q1 = B, q2 = A, q3 = AC (multiple response, select two),
// q4 = D. Six attempts; "-" is an omitted answer; x is the item score.
//
//	attempt   q1     q2     q3      q4    | T = number correct   P = T/4
//	a1        B 1    A 1    AC 1    D 1   | 4                    1
//	a2        B 1    A 1    AC 1    A 0   | 3                    0.75
//	a3        C 0    A 1    AC 1    D 1   | 3                    0.75
//	a4        B 1    A 1    AB 0    C 0   | 2                    0.5
//	a5        - 0    A 1    -  0    A 0   | 1                    0.25
//	a6        B 1    D 0    CD 0    - 0   | 1                    0.25
//
// Facility p = correct/6:  q1 4/6 = 2/3,  q2 5/6,  q3 3/6 = 1/2,  q4 2/6 = 1/3.
//
// Choices (a multiple response counts once per letter, "" = omitted):
//
//	q1  B 4 (a1 a2 a4 a6), C 1, "" 1
//	q2  A 5, D 1
//	q3  A 4 (a1 a2 a3 a4), C 4 (a1 a2 a3 a6), B 1 (a4), D 1 (a6), "" 1
//	q4  D 2, A 2, C 1, "" 1
//
// Rest scores R = (T − x)/3 (proportion correct of the other three items).
// Pearson's r is unchanged by the factor 1/3, so the arithmetic below uses
// S = T − x = 3R and, with m = 6 attempts,
//
//	r = (m·ΣxS − Σx·ΣS) / sqrt((m·Σx − (Σx)²) · (m·ΣS² − (ΣS)²))
//
//	q1  x = 1 1 0 1 0 1   S = 3 2 3 1 1 0   (R = 1, 2/3, 1, 1/3, 1/3, 0)
//	    Σx = 4, ΣS = 10, ΣS² = 9+4+9+1+1+0 = 24, ΣxS = 3+2+1+0 = 6
//	    r = (36 − 40) / sqrt((24 − 16)(144 − 100)) = −4/sqrt(8·44) = −1/sqrt(22) ≈ −0.213201
//	q2  x = 1 1 1 1 1 0   S = 3 2 2 1 0 1
//	    Σx = 5, ΣS = 9, ΣS² = 9+4+4+1+0+1 = 19, ΣxS = 3+2+2+1+0 = 8
//	    r = (48 − 45) / sqrt((30 − 25)(114 − 81)) = 3/sqrt(5·33) = 3/sqrt(165) ≈ 0.233550
//	q3  x = 1 1 1 0 0 0   S = 3 2 2 2 1 1
//	    Σx = 3, ΣS = 11, ΣS² = 9+4+4+4+1+1 = 23, ΣxS = 3+2+2 = 7
//	    r = (42 − 33) / sqrt((18 − 9)(138 − 121)) = 9/sqrt(9·17) = 3/sqrt(17) ≈ 0.727607
//	q4  x = 1 0 1 0 0 0   S = 3 3 2 2 1 1
//	    Σx = 2, ΣS = 12, ΣS² = 9+9+4+4+1+1 = 28, ΣxS = 3+2 = 5
//	    r = (30 − 24) / sqrt((12 − 4)(168 − 144)) = 6/sqrt(8·24) = 6/sqrt(192) = sqrt(3)/4 ≈ 0.433013
//
// Whole test (population variances, divide by n = 6):
//
//	Mean = (1 + .75 + .75 + .5 + .25 + .25)/6 = 3.5/6 = 7/12 ≈ 0.583333
//	P − Mean = 5/12, 2/12, 2/12, −1/12, −4/12, −4/12; squares sum to (25+4+4+1+16+16)/144 = 66/144
//	SD = sqrt(66/144/6) = sqrt(11/144) = sqrt(11)/12 ≈ 0.276385
//	raw: mean T = 14/6 = 7/3; T − 7/3 = 5/3, 2/3, 2/3, −1/3, −4/3, −4/3;
//	     var_raw = (25+4+4+1+16+16)/9/6 = 66/54 = 11/9; SD_raw = sqrt(11)/3 ≈ 1.105542 (= 4·SD)
//	Σ p q = (2/3)(1/3) + (5/6)(1/6) + (1/2)(1/2) + (1/3)(2/3) = 8/36 + 5/36 + 9/36 + 8/36 = 30/36 = 5/6
//	KR-20 = 4/3 · (1 − (5/6)/(11/9)) = 4/3 · (1 − 15/22) = 4/3 · 7/22 = 14/33 ≈ 0.424242
//	SEM = SD_raw · sqrt(1 − 14/33) = sqrt(11)/3 · sqrt(19/33) = sqrt(19/3)/3 = sqrt(57)/9 ≈ 0.838870
//
// No flags: every N is 6 < MinForFlags.
func TestAnalyzeItemsHandExample(t *testing.T) {
	row := func(a1, a2, a3, a4 string) AttemptResponses {
		return AttemptResponses{ir("q1", a1, "B"), ir("q2", a2, "A"), ir("q3", a3, "AC"), ir("q4", a4, "D")}
	}
	attempts := []AttemptResponses{
		row("B", "A", "AC", "D"),
		row("B", "A", "AC", "A"),
		row("C", "A", "AC", "D"),
		row("B", "A", "AB", "C"),
		row("", "A", "", "A"),
		row("B", "D", "CD", ""),
	}
	// Present the items in a different order in one attempt: order must not matter.
	attempts[2] = AttemptResponses{attempts[2][3], attempts[2][1], attempts[2][0], attempts[2][2]}

	ts := AnalyzeItems(attempts)
	if ts.Attempts != 6 {
		t.Errorf("Attempts = %d, want 6", ts.Attempts)
	}
	near(t, "Mean", ts.Mean, 7.0/12)
	near(t, "SD", ts.SD, math.Sqrt(11)/12)
	if !ts.HasReliability {
		t.Fatal("no reliability for a fixed form")
	}
	near(t, "KR-20", ts.Reliability, 14.0/33)
	near(t, "SEM", ts.SEM, math.Sqrt(57)/9)
	near(t, "SEM vs SD_raw", ts.SEM, 4*ts.SD*math.Sqrt(1-14.0/33))

	want := []ItemStats{
		{Item: "q1", N: 6, Facility: 2.0 / 3, Discrimination: -1 / math.Sqrt(22), HasDiscrimination: true,
			Choices: map[string]int{"B": 4, "C": 1, "": 1}},
		{Item: "q2", N: 6, Facility: 5.0 / 6, Discrimination: 3 / math.Sqrt(165), HasDiscrimination: true,
			Choices: map[string]int{"A": 5, "D": 1}},
		{Item: "q3", N: 6, Facility: 0.5, Discrimination: 3 / math.Sqrt(17), HasDiscrimination: true,
			Choices: map[string]int{"A": 4, "C": 4, "B": 1, "D": 1, "": 1}},
		{Item: "q4", N: 6, Facility: 1.0 / 3, Discrimination: math.Sqrt(3) / 4, HasDiscrimination: true,
			Choices: map[string]int{"D": 2, "A": 2, "C": 1, "": 1}},
	}
	if len(ts.Items) != len(want) {
		t.Fatalf("%d items, want %d", len(ts.Items), len(want))
	}
	for i, w := range want {
		g := ts.Items[i]
		if g.Item != w.Item || g.N != w.N || g.HasDiscrimination != w.HasDiscrimination {
			t.Errorf("item %d = %s N=%d has=%v, want %s N=%d has=%v", i, g.Item, g.N, g.HasDiscrimination, w.Item, w.N, w.HasDiscrimination)
		}
		near(t, w.Item+" facility", g.Facility, w.Facility)
		near(t, w.Item+" discrimination", g.Discrimination, w.Discrimination)
		if !maps.Equal(g.Choices, w.Choices) {
			t.Errorf("%s choices = %v, want %v", w.Item, g.Choices, w.Choices)
		}
		if len(g.Flags) != 0 {
			t.Errorf("%s flags = %v with N = 6", w.Item, g.Flags)
		}
	}
}

func TestAnalyzeItemsNoAttempts(t *testing.T) {
	for _, in := range [][]AttemptResponses{nil, {}, {{}, nil}} {
		ts := AnalyzeItems(in)
		if ts.Attempts != 0 || len(ts.Items) != 0 || ts.Mean != 0 || ts.SD != 0 ||
			ts.HasReliability || ts.Reliability != 0 || ts.SEM != 0 {
			t.Errorf("AnalyzeItems(%v) = %+v", in, ts)
		}
	}
}

func TestAnalyzeItemsOneAttempt(t *testing.T) {
	ts := AnalyzeItems([]AttemptResponses{{ir("a", "A", "A"), ir("b", "B", "A"), ir("c", "C", "C")}})
	if ts.Attempts != 1 || ts.HasReliability || ts.Reliability != 0 || ts.SEM != 0 {
		t.Errorf("test stats = %+v", ts)
	}
	near(t, "Mean", ts.Mean, 2.0/3)
	near(t, "SD", ts.SD, 0)
	if len(ts.Items) != 3 {
		t.Fatalf("%d items", len(ts.Items))
	}
	for _, s := range ts.Items {
		if s.N != 1 || s.HasDiscrimination || s.Discrimination != 0 || len(s.Flags) != 0 {
			t.Errorf("%+v", s)
		}
	}
	near(t, "facility b", item(t, ts, "b").Facility, 0)
	near(t, "facility c", item(t, ts, "c").Facility, 1)
}

// An item everyone got right has no variance, hence no discrimination; it is
// flagged "very easy", and only that, once N reaches MinForFlags.
func TestAnalyzeItemsEveryoneRight(t *testing.T) {
	for _, n := range []int{MinForFlags - 1, MinForFlags} {
		var attempts []AttemptResponses
		for i := range n {
			hard := "B" // right for the first half only
			if i >= n/2 {
				hard = "C"
			}
			other := "A"
			if i%3 == 0 {
				other = ""
			}
			attempts = append(attempts, AttemptResponses{ir("easy", "A", "A"), ir("hard", hard, "B"), ir("other", other, "A")})
		}
		ts := AnalyzeItems(attempts)
		s := item(t, ts, "easy")
		if s.N != n || s.Facility != 1 || s.HasDiscrimination || s.Discrimination != 0 {
			t.Errorf("n=%d: %+v", n, s)
		}
		var want []string
		if n >= MinForFlags {
			want = []string{"very easy"}
		}
		if !slices.Equal(s.Flags, want) {
			t.Errorf("n=%d: flags %q, want %q", n, s.Flags, want)
		}
		if !maps.Equal(s.Choices, map[string]int{"A": n}) {
			t.Errorf("n=%d: choices %v", n, s.Choices)
		}
		if !ts.HasReliability {
			t.Errorf("n=%d: no reliability", n)
		}
	}
}

// Random draws: attempts hold different items. Hand computation (a6 has a
// single item, so it counts for N and facility of z but not in any
// correlation; rest R = (T − x)/(k − 1)):
//
//	attempt  items (x)          T  k  P = T/k
//	a1       x 1, y 1           2  2  1
//	a2       x 1, z 0           1  2  0.5
//	a3       y 0, z 1           1  2  0.5
//	a4       x 0, y 0, z 0      0  3  0
//	a5       x 1, y 1, z 1      3  3  1
//	a6       z 1                1  1  1
//
//	x: N 4, p = 3/4. (x, R): a1 (1, 1), a2 (1, 0), a4 (0, 0), a5 (1, 1)
//	   m = 4, Σx = 3, ΣR = 2, ΣR² = 2, ΣxR = 2
//	   r = (8 − 6)/sqrt((12 − 9)(8 − 4)) = 2/sqrt(12) = 1/sqrt(3) ≈ 0.577350
//	y: N 4, p = 2/4. (x, R): a1 (1, 1), a3 (0, 1), a4 (0, 0), a5 (1, 1)
//	   Σx = 2, ΣR = 3, ΣR² = 3, ΣxR = 2; r = (8 − 6)/sqrt((8 − 4)(12 − 9)) = 1/sqrt(3)
//	z: N 5, p = 3/5. (x, R): a2 (0, 1), a3 (1, 0), a4 (0, 0), a5 (1, 1)   (a6 left out)
//	   Σx = 2, ΣR = 2, ΣR² = 2, ΣxR = 1; r = (4 − 4)/sqrt((8 − 4)(8 − 4)) = 0 (defined)
//	Mean P = 4/6 = 2/3; P − 2/3 = 1/3, −1/6, −1/6, −2/3, 1/3, 1/3;
//	squares (4+1+1+16+4+4)/36 = 30/36; SD = sqrt(30/36/6) = sqrt(5)/6 ≈ 0.372678
//
// No reliability: the attempts do not share one set of items.
func TestAnalyzeItemsVaryingForms(t *testing.T) {
	attempts := []AttemptResponses{
		{ir("x", "A", "A"), ir("y", "B", "B")},
		{ir("z", "D", "C"), ir("x", "A", "A")},
		{ir("y", "", "B"), ir("z", "C", "C")},
		{ir("x", "B", "A"), ir("y", "A", "B"), ir("z", "A", "C")},
		{ir("x", "A", "A"), ir("y", "B", "B"), ir("z", "C", "C")},
		{ir("z", "C", "C")},
	}
	ts := AnalyzeItems(attempts)
	if ts.Attempts != 6 || ts.HasReliability || ts.Reliability != 0 || ts.SEM != 0 {
		t.Errorf("test stats = %+v", ts)
	}
	near(t, "Mean", ts.Mean, 2.0/3)
	near(t, "SD", ts.SD, math.Sqrt(5)/6)
	want := []struct {
		id string
		n  int
		p  float64
		r  float64
	}{{"x", 4, 0.75, 1 / math.Sqrt(3)}, {"y", 4, 0.5, 1 / math.Sqrt(3)}, {"z", 5, 0.6, 0}}
	if len(ts.Items) != len(want) {
		t.Fatalf("%d items", len(ts.Items))
	}
	for i, w := range want {
		g := ts.Items[i]
		if g.Item != w.id || g.N != w.n || !g.HasDiscrimination {
			t.Errorf("item %d = %+v, want %s N=%d", i, g, w.id, w.n)
		}
		near(t, w.id+" facility", g.Facility, w.p)
		near(t, w.id+" discrimination", g.Discrimination, w.r)
	}
	if c := item(t, ts, "y").Choices; !maps.Equal(c, map[string]int{"A": 1, "B": 2, "": 1}) {
		t.Errorf("y choices %v", c)
	}
}

// flagData is 12 attempts of 7 items, strongest first. The good items are
// right for the strong, "bad" for the weak, "flat" for every other attempt
// (independent of ability), "hard" for two, "easy" for all.
func flagData(n int) []AttemptResponses {
	rules := map[string]func(i int) bool{
		"good1": func(i int) bool { return i < 8 },
		"good2": func(i int) bool { return i < 6 },
		"good3": func(i int) bool { return i < 4 },
		"bad":   func(i int) bool { return i >= 6 },
		"flat":  func(i int) bool { return i%2 == 0 },
		"hard":  func(i int) bool { return i < 2 },
		"easy":  func(int) bool { return true },
	}
	ids := slices.Sorted(maps.Keys(rules))
	var attempts []AttemptResponses
	for i := range n {
		var a AttemptResponses
		for _, id := range ids {
			ans := "B"
			if rules[id](i) {
				ans = "A"
			}
			a = append(a, ir(id, ans, "A"))
		}
		attempts = append(attempts, a)
	}
	return attempts
}

func TestAnalyzeItemsFlags(t *testing.T) {
	ts := AnalyzeItems(flagData(12))
	want := map[string][]string{
		"good1": nil, "good2": nil, "good3": nil,
		"bad":  {"negative discrimination"},
		"flat": {"near-zero discrimination"},
		"hard": {"very hard"},
		"easy": {"very easy"},
	}
	for _, s := range ts.Items {
		if !slices.Equal(s.Flags, want[s.Item]) {
			t.Errorf("%s (p %.3f, r %.3f, has %v): flags %q, want %q", s.Item, s.Facility, s.Discrimination, s.HasDiscrimination, s.Flags, want[s.Item])
		}
	}
	if s := item(t, ts, "bad"); !s.HasDiscrimination || s.Discrimination > -0.5 {
		t.Errorf("bad item: %+v", s)
	}
	if s := item(t, ts, "flat"); !s.HasDiscrimination || math.Abs(s.Discrimination) > 1e-12 {
		t.Errorf("flat item: %+v", s)
	}
	for _, id := range []string{"good1", "good2", "good3", "hard"} {
		if s := item(t, ts, id); !s.HasDiscrimination || s.Discrimination < 0.3 {
			t.Errorf("%s: %+v", id, s)
		}
	}

	// The same responses from 9 attempts: no flags at all below MinForFlags.
	for _, s := range AnalyzeItems(flagData(MinForFlags - 1)).Items {
		if len(s.Flags) != 0 {
			t.Errorf("N=%d: %s flags %q", s.N, s.Item, s.Flags)
		}
	}
}

// The facility thresholds are strict: p = 0.95 is not very easy, p = 0.2 not very hard.
func TestAnalyzeItemsFlagBoundaries(t *testing.T) {
	var attempts []AttemptResponses
	for i := range 20 {
		e, h := "A", "B"
		if i == 0 {
			e = "B"
		}
		if i < 4 {
			h = "A"
		}
		attempts = append(attempts, AttemptResponses{ir("e", e, "A"), ir("h", h, "A")})
	}
	ts := AnalyzeItems(attempts)
	near(t, "facility e", item(t, ts, "e").Facility, 0.95)
	near(t, "facility h", item(t, ts, "h").Facility, 0.2)
	for _, s := range ts.Items {
		if slices.Contains(s.Flags, "very easy") || slices.Contains(s.Flags, "very hard") {
			t.Errorf("%s p=%v: flags %q", s.Item, s.Facility, s.Flags)
		}
	}
}

func TestAnalyzeItemsChoicesAndDuplicates(t *testing.T) {
	ts := AnalyzeItems([]AttemptResponses{
		{ir("code", "E1165", "E1165"), ir("mr", "ACE", "ACE"), ir("mr", "B", "ACE")}, // second "mr" ignored
		{ir("code", "E119", "E1165"), ir("mr", "ABCDEF", "ACE")},
		{ir("code", "", "E1165"), ir("mr", "", "ACE")},
		{ir("code", "E1165", "E1165")},
	})
	code := item(t, ts, "code")
	if code.N != 4 || !maps.Equal(code.Choices, map[string]int{"E1165": 2, "E119": 1, "": 1}) {
		t.Errorf("code item: %+v", code)
	}
	near(t, "code facility", code.Facility, 0.5)
	mr := item(t, ts, "mr")
	if mr.N != 3 || !maps.Equal(mr.Choices, map[string]int{"A": 2, "B": 1, "C": 2, "D": 1, "E": 2, "F": 1, "": 1}) {
		t.Errorf("multiple-response item: %+v", mr)
	}
	near(t, "mr facility", mr.Facility, 1.0/3)
	if ts.Attempts != 4 || ts.HasReliability {
		t.Errorf("test stats: %+v", ts)
	}
}

// reference computes the analysis straight from the definitions, slowly.
func reference(attempts []AttemptResponses) TestStats {
	type pair struct{ x, r float64 }
	n, correct := map[string]int{}, map[string]int{}
	pairs := map[string][]pair{}
	choices := map[string]map[string]int{}
	var props []float64
	var raws []float64
	var sets []string
	for _, att := range attempts {
		first := map[string]ItemResponse{}
		var order []string
		for _, r := range att {
			if _, dup := first[r.Item]; !dup {
				first[r.Item] = r
				order = append(order, r.Item)
			}
		}
		if len(order) == 0 {
			continue
		}
		t := 0.0
		for _, id := range order {
			if first[id].Correct {
				t++
			}
		}
		k := float64(len(order))
		props = append(props, t/k)
		raws = append(raws, t)
		sorted := slices.Sorted(slices.Values(order))
		sets = append(sets, strings.Join(sorted, "\x00"))
		for _, id := range order {
			r := first[id]
			x := 0.0
			if r.Correct {
				x = 1
			}
			n[id]++
			correct[id] += int(x)
			if k > 1 {
				pairs[id] = append(pairs[id], pair{x, (t - x) / (k - 1)})
			}
			if choices[id] == nil {
				choices[id] = map[string]int{}
			}
			letters := strings.Split(r.Answer, "")
			canonical := slices.IsSorted(letters) && len(slices.Compact(slices.Clone(letters))) == len(letters)
			for _, l := range letters {
				canonical = canonical && strings.Contains(Letters, l)
			}
			switch {
			case r.Answer == "":
				choices[id][""]++
			case canonical:
				for _, l := range letters {
					choices[id][l]++
				}
			default:
				choices[id][r.Answer]++
			}
		}
	}
	mean := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}
	pvar := func(v []float64) float64 {
		m, s := mean(v), 0.0
		for _, x := range v {
			s += (x - m) * (x - m)
		}
		return s / float64(len(v))
	}
	ts := TestStats{Attempts: len(props)}
	if len(props) > 0 {
		ts.Mean, ts.SD = mean(props), math.Sqrt(pvar(props))
	}
	ids := slices.Sorted(maps.Keys(n))
	ts.Items = []ItemStats{}
	for _, id := range ids {
		s := ItemStats{Item: id, N: n[id], Facility: float64(correct[id]) / float64(n[id]), Choices: choices[id]}
		var xs, rs []float64
		for _, p := range pairs[id] {
			xs, rs = append(xs, p.x), append(rs, p.r)
		}
		if len(xs) >= 3 && slices.Min(xs) != slices.Max(xs) && slices.Min(rs) != slices.Max(rs) {
			mx, mr, sxr := mean(xs), mean(rs), 0.0
			for i := range xs {
				sxr += (xs[i] - mx) * (rs[i] - mr)
			}
			s.Discrimination = sxr / float64(len(xs)) / math.Sqrt(pvar(xs)*pvar(rs))
			s.HasDiscrimination = true
		}
		if s.N >= MinForFlags {
			if s.HasDiscrimination && s.Discrimination <= -0.1 {
				s.Flags = append(s.Flags, "negative discrimination")
			}
			if s.HasDiscrimination && math.Abs(s.Discrimination) < 0.1 {
				s.Flags = append(s.Flags, "near-zero discrimination")
			}
			if s.Facility > 0.95 {
				s.Flags = append(s.Flags, "very easy")
			}
			if s.Facility < 0.2 {
				s.Flags = append(s.Flags, "very hard")
			}
		}
		ts.Items = append(ts.Items, s)
	}
	sameSet := len(sets) >= 2 && len(ids) >= 2
	for _, s := range sets {
		sameSet = sameSet && s == sets[0]
	}
	if sameSet && pvar(raws) > 0 {
		k := float64(len(ids))
		spq := 0.0
		for _, s := range ts.Items {
			spq += s.Facility * (1 - s.Facility)
		}
		ts.Reliability = k / (k - 1) * (1 - spq/pvar(raws))
		ts.HasReliability = true
		ts.SEM = math.Sqrt(pvar(raws)) * math.Sqrt(1-ts.Reliability)
	}
	return ts
}

// randomAttempts makes attempts from a simple ability model: a fixed form
// shown in a random order, or random draws of 1..k items; with duplicates,
// empty attempts and code answers when messy.
func randomAttempts(rng *rand.Rand, nAttempts, nItems int, fixed, messy bool) []AttemptResponses {
	diff := make([]float64, nItems)
	for i := range diff {
		diff[i] = rng.NormFloat64()
	}
	var out []AttemptResponses
	for range nAttempts {
		theta := rng.NormFloat64()
		items := rng.Perm(nItems)
		if !fixed {
			items = items[:1+rng.IntN(nItems)]
		}
		var a AttemptResponses
		for _, i := range items {
			r := ItemResponse{Item: fmt.Sprintf("item-%02d", i)}
			r.Correct = rng.Float64() < 1/(1+math.Exp(diff[i]-theta))
			switch {
			case messy && i%5 == 0: // code entry
				r.Answer = []string{"", "Z87891", "E1165", "E119"}[rng.IntN(4)]
			case r.Correct:
				r.Answer = "A"
			case rng.IntN(6) == 0:
			default:
				r.Answer = []string{"B", "C", "D", "BD", "ACE"}[rng.IntN(5)]
			}
			a = append(a, r)
			if messy && rng.IntN(40) == 0 {
				a = append(a, ItemResponse{Item: r.Item, Answer: "B", Correct: !r.Correct})
			}
		}
		if messy && rng.IntN(30) == 0 {
			a = nil
		}
		out = append(out, a)
	}
	return out
}

func TestAnalyzeItemsMatchesDefinitions(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for c := range 60 {
		fixed, messy := c%2 == 0, c%3 == 0
		attempts := randomAttempts(rng, 1+rng.IntN(60), 1+rng.IntN(12), fixed, messy)
		got, want := AnalyzeItems(attempts), reference(attempts)
		where := fmt.Sprintf("case %d (fixed %v, messy %v)", c, fixed, messy)
		if got.Attempts != want.Attempts || got.HasReliability != want.HasReliability || len(got.Items) != len(want.Items) {
			t.Fatalf("%s: got %d attempts, reliability %v, %d items; want %d, %v, %d", where,
				got.Attempts, got.HasReliability, len(got.Items), want.Attempts, want.HasReliability, len(want.Items))
		}
		near(t, where+" Mean", got.Mean, want.Mean)
		near(t, where+" SD", got.SD, want.SD)
		near(t, where+" KR-20", got.Reliability, want.Reliability)
		near(t, where+" SEM", got.SEM, want.SEM)
		for i, w := range want.Items {
			g := got.Items[i]
			if g.Item != w.Item || g.N != w.N || g.HasDiscrimination != w.HasDiscrimination ||
				!maps.Equal(g.Choices, w.Choices) || !slices.Equal(g.Flags, w.Flags) {
				t.Fatalf("%s: item %d\n got %+v\nwant %+v", where, i, g, w)
			}
			near(t, where+" "+w.Item+" facility", g.Facility, w.Facility)
			near(t, where+" "+w.Item+" discrimination", g.Discrimination, w.Discrimination)
		}
	}
}

// benchItem is one item of the benchmark's simulated quiz (two-parameter
// logistic model: P(correct) = 1/(1 + exp(−1.7·a·(θ − b)))).
type benchItem struct {
	id, key string
	a, b    float64
	multi   bool
}

// benchAttempts simulates a fixed form: abilities θ ~ N(0,1), difficulties
// b ~ N(0,1), discriminations a ~ U(0.4, 2.0), every 25th item miskeyed
// (a < 0), every 10th multiple response. Wrong answers pick a distractor or,
// one time in 20, omit.
func benchAttempts(nAttempts, nItems int, shuffle bool) ([]AttemptResponses, []benchItem) {
	rng := rand.New(rand.NewPCG(2026, 150))
	items := make([]benchItem, nItems)
	for i := range items {
		it := benchItem{id: fmt.Sprintf("rhit-%s-%03d", Domains[i%len(Domains)], i), a: 0.4 + 1.6*rng.Float64(), b: rng.NormFloat64()}
		if i%25 == 0 {
			it.a = -0.8
		}
		if i%10 == 9 {
			it.multi, it.key = true, "AC"
		} else {
			it.key = Letter(rng.IntN(4))
		}
		items[i] = it
	}
	out := make([]AttemptResponses, nAttempts)
	for a := range out {
		theta := rng.NormFloat64()
		att := make(AttemptResponses, nItems)
		for j, it := range items {
			r := ItemResponse{Item: it.id}
			switch p := 1 / (1 + math.Exp(-1.7*it.a*(theta-it.b))); {
			case rng.Float64() < p:
				r.Answer, r.Correct = it.key, true
			case rng.IntN(20) == 0:
			case it.multi:
				r.Answer = []string{"AB", "AD", "BC", "CD", "ACD"}[rng.IntN(5)]
			default:
				r.Answer = Letter((strings.Index(Letters, it.key) + 1 + rng.IntN(3)) % 4)
			}
			att[j] = r
		}
		if shuffle {
			rng.Shuffle(len(att), func(i, j int) { att[i], att[j] = att[j], att[i] })
		}
		out[a] = att
	}
	return out, items
}

// The simulated data behave like real quizzes: high reliability, positive
// discrimination for good items, negative (and flagged) for miskeyed ones.
func TestAnalyzeItemsSimulatedQuiz(t *testing.T) {
	attempts, items := benchAttempts(2000, 150, true)
	ts := AnalyzeItems(attempts)
	if ts.Attempts != 2000 || len(ts.Items) != 150 || !ts.HasReliability || ts.Reliability < 0.8 || ts.Reliability > 1 {
		t.Fatalf("attempts %d, items %d, KR-20 %v (%v)", ts.Attempts, len(ts.Items), ts.Reliability, ts.HasReliability)
	}
	if ts.SEM <= 0 || ts.SD <= 0 {
		t.Errorf("SEM %v, SD %v", ts.SEM, ts.SD)
	}
	for _, it := range items {
		s := item(t, ts, it.id)
		if s.N != 2000 || math.IsNaN(s.Discrimination) {
			t.Fatalf("%+v", s)
		}
		if it.a < 0 && !slices.Contains(s.Flags, "negative discrimination") {
			t.Errorf("miskeyed %s not flagged: r = %.3f", it.id, s.Discrimination)
		}
		if it.a > 1 && math.Abs(it.b) < 1.5 && (s.Discrimination < 0.2 || slices.Contains(s.Flags, "negative discrimination")) {
			t.Errorf("good item %s (a = %.2f, b = %.2f): r = %.3f, flags %q", it.id, it.a, it.b, s.Discrimination, s.Flags)
		}
	}
}

var benchSink TestStats

// BenchmarkAnalyzeItems: 10,000 attempts × 150 items of a fixed form, with
// the items in the same order in every attempt and in a different order each.
func BenchmarkAnalyzeItems(b *testing.B) {
	for _, order := range []string{"ordered", "shuffled"} {
		b.Run(order, func(b *testing.B) {
			attempts, _ := benchAttempts(10000, 150, order == "shuffled")
			b.ReportAllocs()
			runs := 0
			for b.Loop() {
				benchSink = AnalyzeItems(attempts)
				runs++
			}
			b.ReportMetric(float64(runs*len(attempts))/b.Elapsed().Seconds(), "attempts/s")
		})
	}
}
