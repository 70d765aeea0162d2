package esql

import "testing"

// TestMinShouldMatch follows the minimum_should_match documentation's
// examples, with the result kept within 0..clauses.
func TestMinShouldMatch(t *testing.T) {
	tests := []struct {
		spec string
		n    int
		want int
	}{
		{"2", 4, 2}, {"5", 3, 3}, {"-1", 4, 3}, {"75%", 4, 3}, {"75%", 3, 2},
		{"-25%", 4, 3}, {"-25%", 3, 3}, {"3<90%", 3, 3}, {"3<90%", 10, 9},
		{"2<-25% 9<-3", 2, 2}, {"2<-25% 9<-3", 8, 6}, {"2<-25% 9<-3", 12, 9},
	}
	for _, tt := range tests {
		got, err := minShouldMatch(tt.spec, tt.n)
		if err != nil || got != tt.want {
			t.Errorf("minShouldMatch(%q, %d) = %d, %v; want %d", tt.spec, tt.n, got, err, tt.want)
		}
	}
	if _, err := minShouldMatch("lots", 3); err == nil {
		t.Error("minShouldMatch accepted garbage")
	}
}
