package textdiff

import "testing"

func TestLines(t *testing.T) {
	d := Lines("stem\nA. one\nB. two\nkey: A", "stem\nA. one\nB. three\nkey: B")
	want := []Line{{Same, "stem"}, {Same, "A. one"}, {Removed, "B. two"}, {Removed, "key: A"}, {Added, "B. three"}, {Added, "key: B"}}
	if len(d) != len(want) {
		t.Fatalf("%v", d)
	}
	for i := range d {
		if d[i] != want[i] {
			t.Fatalf("line %d: %v, want %v", i, d[i], want[i])
		}
	}
	if Changed(Lines("a\nb", "a\nb")) || !Changed(Lines("", "x")) {
		t.Fatal("Changed")
	}
}
