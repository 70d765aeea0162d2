package esql

import (
	"fmt"
	"testing"
)

// valueSet keeps first-seen order and distinctness across the change from
// a list to an indexed set, and tells values apart by type as appendKey
// does (1 as an integer is not 1 as a long; "1" is neither).
func TestValueSet(t *testing.T) {
	tests := []struct {
		name string
		in   []Value
		want string
	}{
		{"empty", nil, "[]"},
		{"duplicates", []Value{KeywordValue("a"), KeywordValue("b"), KeywordValue("a")}, "[a b]"},
		{"types apart", []Value{Int(1), LongValue(1), KeywordValue("1"), Int(1)}, "[1 1 1]"},
		{"null once", []Value{NullValue(), NullValue(), KeywordValue("x")}, "[null x]"},
	}
	var many []Value
	for i := range 3 * smallSet {
		many = append(many, KeywordValue(fmt.Sprint(i%(2*smallSet))))
	}
	tests = append(tests, struct {
		name string
		in   []Value
		want string
	}{"past the list", many, "[0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15]"})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s valueSet
			added := 0
			for _, v := range tt.in {
				if s.add(v) {
					added++
				}
			}
			if got := fmt.Sprint(s.list); got != tt.want {
				t.Errorf("list = %s, want %s", got, tt.want)
			}
			if added != len(s.list) {
				t.Errorf("add reported %d new values, list holds %d", added, len(s.list))
			}
			if len(s.list) > smallSet && len(s.index) != len(s.list) {
				t.Errorf("index holds %d keys for %d values", len(s.index), len(s.list))
			}
		})
	}
}
