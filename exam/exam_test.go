package exam

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func testBlueprint() *Blueprint {
	return &Blueprint{Version: "test-1", Outline: "test", Effective: "2026-01-01", Items: 150, Scored: 130, Pretest: 20, Minutes: 210,
		Domains: []BlueprintDomain{
			{DomainData, 24, 28}, {DomainAccess, 12, 16}, {DomainAnalytics, 11, 15},
			{DomainRevenue, 16, 20}, {DomainCompliance, 14, 18}, {DomainLeadership, 11, 15},
		}}
}

// bank makes n questions per domain, with some scenario sets of 3.
func bank(perDomain int) []Candidate {
	var out []Candidate
	for _, d := range Domains {
		for i := 0; i < perDomain; i++ {
			c := Candidate{ID: fmt.Sprintf("%s-%03d", d, i), Domain: d}
			if i < 6 { // two sets of three per domain
				c.SetID = fmt.Sprintf("set-%s-%d", d, i/3)
				c.SetPos = i % 3
			}
			out = append(out, c)
		}
	}
	return out
}

func TestBlueprintTargets(t *testing.T) {
	bp := testBlueprint()
	if err := bp.Validate(); err != nil {
		t.Fatal(err)
	}
	tg, err := bp.Targets(150)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, d := range Domains {
		lo, hi := bp.Range(d, 150)
		if tg[d] < lo || tg[d] > hi {
			t.Errorf("%s: %d outside %d-%d", d, tg[d], lo, hi)
		}
		total += tg[d]
	}
	if total != 150 {
		t.Fatalf("targets add to %d", total)
	}
	bad := *bp
	bad.Domains = append([]BlueprintDomain(nil), bp.Domains...)
	bad.Domains[0].Max = 10
	if bad.Validate() == nil {
		t.Error("a blueprint whose ranges cannot reach 100% validated")
	}
}

func TestMockDrawFollowsBlueprint(t *testing.T) {
	bp := testBlueprint()
	cands := bank(45)
	// A set whose items span two domains, as some built-in sets do.
	for i := range cands {
		if cands[i].ID == "revenue-001" {
			cands[i].Domain = DomainData
		}
	}
	for seed := uint64(1); seed <= 300; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		got, err := Draw(cands, DrawSpec{Count: 150, Blueprint: bp, Pretest: 20}, rng)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 150 {
			t.Fatalf("drew %d", len(got))
		}
		byID := map[string]Candidate{}
		for _, c := range cands {
			byID[c.ID] = c
		}
		per := map[Domain]int{}
		scored := map[Domain]int{}
		seen := map[string]bool{}
		unscored := 0
		setPos := map[string][]int{}
		for i, p := range got {
			if seen[p.ID] {
				t.Fatalf("seed %d: %s drawn twice", seed, p.ID)
			}
			seen[p.ID] = true
			per[byID[p.ID].Domain]++
			if !p.Scored {
				unscored++
			} else {
				scored[byID[p.ID].Domain]++
			}
			if s := byID[p.ID].SetID; s != "" {
				setPos[s] = append(setPos[s], i)
			}
		}
		if unscored != 20 {
			t.Fatalf("%d unscored items, want 20", unscored)
		}
		for _, d := range Domains {
			lo, hi := bp.Range(d, 150)
			if per[d] < lo || per[d] > hi {
				t.Errorf("seed %d: %s has %d items, outside %d-%d", seed, d, per[d], lo, hi)
			}
			// The 130 scored items follow the blueprint too, whichever
			// 20 items are the unscored pretest ones.
			lo, hi = bp.Range(d, 130)
			if scored[d] < lo || scored[d] > hi {
				t.Errorf("seed %d: %s has %d scored items, outside %d-%d of 130", seed, d, scored[d], lo, hi)
			}
		}
		for s, pos := range setPos {
			if len(pos) != 3 {
				t.Fatalf("set %s drawn partially: %v", s, pos)
			}
			for k := 1; k < len(pos); k++ {
				if pos[k] != pos[k-1]+1 {
					t.Fatalf("set %s not kept together: %v", s, pos)
				}
				if byID[got[pos[k]].ID].SetPos < byID[got[pos[k-1]].ID].SetPos {
					t.Fatalf("set %s out of order", s)
				}
			}
		}
	}
}

func TestBlueprintValidateExplains(t *testing.T) {
	for name, tc := range map[string]struct {
		edit func(b *Blueprint)
		want []string
	}{
		"no version": {func(b *Blueprint) { b.Version = "" }, []string{"version is required"}},
		"ranges too low and a bad count": {func(b *Blueprint) {
			b.Domains[0].Max, b.Domains[0].Min = 10, 5
			b.Pretest = 10
		}, []string{"100% must lie between", "items (150) must equal scored (130) + pretest (10)"}},
		"unknown domain": {func(b *Blueprint) { b.Domains[5].Domain = "coding" }, []string{`unknown domain "coding"`}},
		// Whole items work for 150 but not for the 135 scored ones.
		"no whole split": {func(b *Blueprint) {
			b.Scored, b.Pretest = 135, 15
			for i, p := range []float64{20, 20, 20, 20, 10, 10} {
				b.Domains[i].Min, b.Domains[i].Max = p, p
			}
		}, []string{"135 scored items"}},
	} {
		bp := testBlueprint()
		bp.Domains = append([]BlueprintDomain(nil), bp.Domains...)
		tc.edit(bp)
		err := bp.Validate()
		if err == nil {
			t.Errorf("%s: validated", name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q lacks %q", name, err, w)
			}
		}
	}
}

// A filter that matches one item of a scenario set brings the whole set;
// the draw takes a set whole when it fits the count, and never part of it.
func TestDrawKeepsFilteredSetsWhole(t *testing.T) {
	all := bank(8) // sets of three: set-<domain>-0 and -1
	var matching []Candidate
	for _, c := range all {
		if c.ID == "data-001" || c.ID == "data-007" { // the middle of set-data-0, and a single
			matching = append(matching, c)
		}
	}
	got := CompleteSets(matching, all)
	ids := map[string]bool{}
	for _, c := range got {
		ids[c.ID] = true
	}
	if len(got) != 4 || !ids["data-000"] || !ids["data-001"] || !ids["data-002"] || !ids["data-007"] {
		t.Fatalf("completed candidates %v", got)
	}
	now := time.Now()
	for seed := uint64(0); seed < 30; seed++ {
		rng := rand.New(rand.NewPCG(seed, 2))
		// The single is preferred (unseen), but taking it leaves 2, which
		// only part of the set could make: the set is drawn instead.
		pref := append([]Candidate(nil), got...)
		for i := range pref {
			if pref[i].SetID != "" {
				pref[i].LastSeen = now
			}
		}
		out, err := Draw(pref, DrawSpec{Count: 3}, rng)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != 3 || out[0].ID != "data-000" || out[1].ID != "data-001" || out[2].ID != "data-002" {
			t.Fatalf("seed %d: drew %v, want the whole set in order", seed, out)
		}
		// 4: the set and the single.
		if out, err = Draw(pref, DrawSpec{Count: 4}, rng); err != nil || len(out) != 4 {
			t.Fatalf("seed %d: count 4: %v %v", seed, out, err)
		}
	}
	// 2 cannot be drawn without splitting the set: say so.
	_, err := Draw(CompleteSets(matching[:1], all), DrawSpec{Count: 2}, rand.New(rand.NewPCG(1, 1)))
	if err == nil || !strings.Contains(err.Error(), "drawn whole") {
		t.Fatalf("count 2 from one set of 3: %v", err)
	}
}

func TestDrawPrefersUnseenThenLeastRecent(t *testing.T) {
	now := time.Now()
	var cands []Candidate
	for i := 0; i < 10; i++ {
		c := Candidate{ID: fmt.Sprintf("q%d", i), Domain: DomainData}
		if i < 6 {
			c.LastSeen = now.Add(-time.Duration(i) * time.Hour) // q5 seen longest ago
		}
		cands = append(cands, c)
	}
	for seed := uint64(0); seed < 20; seed++ {
		got, err := Draw(cands, DrawSpec{Count: 6}, rand.New(rand.NewPCG(seed, 1)))
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{"q6": true, "q7": true, "q8": true, "q9": true, "q5": true, "q4": true}
		for _, p := range got {
			if !want[p.ID] {
				t.Fatalf("seed %d drew %s; want the 4 unseen and the 2 least recently seen", seed, p.ID)
			}
		}
	}
}

func TestDrawReportsShortBank(t *testing.T) {
	_, err := Draw(bank(10), DrawSpec{Count: 150, Blueprint: testBlueprint(), Pretest: 20}, rand.New(rand.NewPCG(1, 1)))
	if err == nil {
		t.Fatal("a bank too small for a mock drew anyway")
	}
	_, err = Draw(bank(1), DrawSpec{Count: 20}, rand.New(rand.NewPCG(1, 1)))
	if err == nil {
		t.Fatal("drew 20 from 6")
	}
}

func TestGrading(t *testing.T) {
	single := &Question{Type: TypeSingle, Options: make([]Option, 4), Key: []string{"C"}}
	multi := &Question{Type: TypeMultiple, Options: make([]Option, 5), Key: []string{"E", "B"}, Select: 2}
	code := &Question{Type: TypeCode, System: "icd10cm", Key: []string{"E11.65", "E11.649"}}
	for _, tc := range []struct {
		q    *Question
		in   []string
		want bool
	}{
		{single, []string{"C"}, true},
		{single, []string{"c"}, true},
		{single, []string{"B"}, false},
		{single, nil, false},
		{multi, []string{"B", "E"}, true},
		{multi, []string{"E", "B"}, true},
		{multi, []string{"B"}, false},           // all or nothing
		{multi, []string{"B", "E", "A"}, false}, // too many
		{multi, []string{"B", "B", "E"}, true},  // duplicates ignored
		{multi, []string{"B", "Z"}, false},      // not an option
	} {
		a := NormalizeChoice(tc.q, tc.in)
		if got := Correct(tc.q, a); got != tc.want {
			t.Errorf("%s %v -> %q: correct=%v, want %v", tc.q.Type, tc.in, a, got, tc.want)
		}
	}
	for in, want := range map[string]bool{"E11.65": true, "e1165": true, " E11 .65 ": true, "E11.649": true, "E11.6": false, "E11.65A": false, "": false} {
		if got := Correct(code, NormalizeCode(in)); got != want {
			t.Errorf("code %q: correct=%v, want %v", in, got, want)
		}
	}
}

func TestShuffleMapsLetters(t *testing.T) {
	q := &Question{Type: TypeSingle, Options: make([]Option, 4), Key: []string{"A"}}
	rng := rand.New(rand.NewPCG(3, 3))
	seenPositions := map[string]bool{}
	for i := 0; i < 200; i++ {
		order := Shuffle(q, rng)
		if len(order) != 4 {
			t.Fatalf("order %q", order)
		}
		shown := ShownAs(order, "A")
		seenPositions[shown] = true
		if Displayed(order, shown) != "A" {
			t.Fatalf("round trip failed for %q", order)
		}
	}
	if len(seenPositions) != 4 {
		t.Errorf("the key appeared in only %d positions over 200 shuffles", len(seenPositions))
	}
	if Displayed("CADB", "Z") != "" || Displayed("CADB", "E") != "" {
		t.Error("unknown letters must map to nothing")
	}
}

func TestDeadlineAndGrace(t *testing.T) {
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	d := Deadline(start, Timing{Limit: 210 * time.Minute})
	if !d.Equal(start.Add(210 * time.Minute)) {
		t.Fatalf("deadline %v", d)
	}
	if !Accepting(d, d.Add(59*time.Second)) || Accepting(d, d.Add(61*time.Second)) {
		t.Error("grace is not 60 s")
	}
	d = Deadline(start, Timing{Limit: 100 * time.Minute, Multiplier: 1.5, Extra: 10 * time.Minute})
	if !d.Equal(start.Add(160 * time.Minute)) {
		t.Fatalf("accommodated deadline %v", d)
	}
	closeAt := start.Add(60 * time.Minute)
	d = Deadline(start, Timing{Limit: 100 * time.Minute, CloseAt: &closeAt})
	if !d.Equal(closeAt) {
		t.Fatalf("close time should cap the deadline: %v", d)
	}
	if Deadline(start, Timing{}) != nil || !Accepting(nil, start.Add(1000*time.Hour)) {
		t.Error("untimed attempts have no deadline")
	}
	if Remaining(d, closeAt.Add(time.Hour)) != 0 {
		t.Error("remaining time went negative")
	}
}

func TestScaledEstimate(t *testing.T) {
	if Scale(0) != 100 || Scale(1) != 400 || Scale(AssumedCut) != 300 {
		t.Fatalf("scale endpoints: %d %d %d", Scale(0), Scale(1), Scale(AssumedCut))
	}
	prev := 0
	for k := 0; k <= 130; k++ {
		s := Scale(float64(k) / 130)
		if s < prev {
			t.Fatalf("scale not monotonic at %d", k)
		}
		prev = s
	}
	e := EstimateScaled(100, 130)
	if !(e.Low < e.Score && e.Score < e.High) {
		t.Fatalf("estimate range %+v", e)
	}
	if _, ok := PassLikelihood([]MockResult{{100, 130}}); ok {
		t.Error("a pass likelihood from one mock")
	}
	hi, _ := PassLikelihood([]MockResult{{115, 130}, {112, 130}})
	lo, _ := PassLikelihood([]MockResult{{70, 130}, {75, 130}})
	if !(hi > 0.9 && lo < 0.1) {
		t.Fatalf("pass likelihoods %.3f (strong) %.3f (weak)", hi, lo)
	}
}

func TestSummarizeCountsOnlyScored(t *testing.T) {
	items := []ItemResult{
		{DomainData, true, true, true}, {DomainData, true, true, false},
		{DomainAccess, false, true, false}, {DomainAccess, true, false, false},
	}
	s := Summarize(items, testBlueprint())
	if s.Scored != 3 || s.Correct != 1 || math.Abs(s.Percent-100.0/3) > 1e-9 || s.Answered != 3 {
		t.Fatalf("%+v", s)
	}
	for _, d := range s.Domains {
		if d.Domain == DomainData && (d.Items != 2 || d.Correct != 1 || d.BlueprintLo != 24) {
			t.Fatalf("data row %+v", d)
		}
	}
}

func TestFSRS(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	var c Card
	c = c.Review(Again, now)
	if c.Lapses != 1 || !c.Due.Equal(now.Add(24*time.Hour)) || math.Abs(c.Stability-fsrsW[0]) > 1e-9 {
		t.Fatalf("after a first miss: %+v", c)
	}
	// Successive correct reviews on schedule push the interval out.
	var last time.Duration
	for i := 0; i < 5; i++ {
		now = c.Due
		c = c.Review(Good, now)
		iv := c.Due.Sub(now)
		if iv <= last && iv < maxIntervalDays*24*time.Hour {
			t.Fatalf("interval did not grow: %v after %v", iv, last)
		}
		last = iv
	}
	// A lapse shortens stability and brings the card back tomorrow.
	s := c.Stability
	now = c.Due
	c = c.Review(Again, now)
	if c.Stability >= s || c.Due.Sub(now) != 24*time.Hour {
		t.Fatalf("lapse: stability %.2f -> %.2f, due in %v", s, c.Stability, c.Due.Sub(now))
	}
	if r := Retrievability(3, 3); math.Abs(r-0.9) > 1e-9 {
		t.Fatalf("R(S,S) = %v, want 0.9", r)
	}
	if c.Difficulty < 1 || c.Difficulty > 10 {
		t.Fatalf("difficulty %v out of range", c.Difficulty)
	}
}

func TestValidateDraftAllowsMissingRationales(t *testing.T) {
	q := Question{ID: "imported-1", Type: TypeSingle, Stem: "True or false?", Options: []Option{{Text: "True"}, {Text: "False"}}, Key: []string{"A"}}
	if len(q.Validate()) == 0 {
		t.Fatal("a question without rationales, domain or references passed full validation")
	}
	if errs := q.ValidateDraft(); len(errs) != 0 {
		t.Fatalf("draft validation: %v", errs)
	}
	q.Key = []string{"C"}
	if len(q.ValidateDraft()) == 0 {
		t.Fatal("a draft whose key is not an option passed")
	}
}

func TestShuffleKeepingSets(t *testing.T) {
	set := map[string]string{"s1": "A", "s2": "A", "s3": "A", "t1": "B", "t2": "B"}
	in := []Picked{{ID: "q1"}, {ID: "s1"}, {ID: "q2"}, {ID: "s2"}, {ID: "t1"}, {ID: "s3"}, {ID: "q3"}, {ID: "t2"}, {ID: "q4"}}
	orders := map[string]bool{}
	for seed := uint64(0); seed < 200; seed++ {
		out := ShuffleKeepingSets(in, func(id string) string { return set[id] }, rand.New(rand.NewPCG(seed, 1)))
		if len(out) != len(in) {
			t.Fatalf("%d items out of %d", len(out), len(in))
		}
		var ids []string
		for _, p := range out {
			ids = append(ids, p.ID)
		}
		s := strings.Join(ids, " ")
		orders[s] = true
		if !strings.Contains(s, "s1 s2 s3") || !strings.Contains(s, "t1 t2") {
			t.Fatalf("a set was split or reordered: %s", s)
		}
	}
	if len(orders) < 20 {
		t.Fatalf("only %d different orders in 200 shuffles", len(orders))
	}
}
