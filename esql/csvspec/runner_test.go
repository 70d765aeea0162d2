package csvspec

import (
	"testing"

	"github.com/trailql/trailql/esql"
)

// request_time_filter is a range query on @timestamp: a document matches
// when any of its values lies in [gte, lte].
func TestTimeFilter(t *testing.T) {
	keep, err := timeFilter([]string{"2023-10-23T13:00:00Z", "2023-10-23T13:55:00Z"})
	if err != nil {
		t.Fatal(err)
	}
	date := func(x any) esql.Value {
		v, err := esql.FromGo(typeDatetime, x)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		v    esql.Value
		want bool
	}{
		{date("2023-10-23T13:33:34.937Z"), true},
		{date("2023-10-23T13:55:00Z"), true}, // bounds are inclusive
		{date("2023-10-23T13:55:01.543Z"), false},
		{date([]any{"2020-01-01T00:00:00Z", "2023-10-23T13:10:00Z"}), true},
		{null, false},
	}
	for _, tc := range tests {
		if got := keep(tc.v); got != tc.want {
			t.Errorf("keep(%v) = %v", tc.v, got)
		}
	}
	if _, err := timeFilter([]string{"yesterday", "2023-10-23"}); err == nil {
		t.Error("bad bound accepted")
	}
	if f, err := timeFilter(nil); f != nil || err != nil {
		t.Error("no filter should keep everything")
	}
}

func TestResolveIndexAndCatalogs(t *testing.T) {
	r := NewRunner("unused", nil)
	if got, err := r.resolveIndex("employees"); err != nil || len(got) != 1 {
		t.Errorf("employees: %v %v", got, err)
	}
	if got, err := r.resolveIndex("emp*"); err != nil || len(got) != 1 || got[0] != "employees" {
		t.Errorf("emp*: %v %v", got, err)
	}
	for _, p := range []string{"airports", "remote:employees", "nothing*"} {
		if _, err := r.resolveIndex(p); err == nil {
			t.Errorf("%s resolved", p)
		}
	}
	a := &Dataset{Catalog: esql.Catalog{"x": typeKeyword, "y": esql.TypeFromMapping("long")}}
	b := &Dataset{Catalog: esql.Catalog{"x": typeKeyword, "y": esql.TypeFromMapping("integer"), "z": typeText}}
	got := mergeCatalogs([]*Dataset{a, b})
	want := esql.Catalog{"x": typeKeyword, "y": typeUnsupported, "z": typeText}
	if len(got) != len(want) || got["x"] != want["x"] || got["y"] != want["y"] || got["z"] != want["z"] {
		t.Errorf("merged catalog %v, want %v", got, want)
	}
}

// Runner.Run classifies before compiling: disabled, version-skipped,
// data set missing, capability not claimed.
func TestRunSkips(t *testing.T) {
	r := NewRunner("unused", []string{"claimed"})
	tests := []struct {
		c   Case
		cat string
	}{
		{Case{Name: "x-Ignore", Query: "row a = 1"}, CatDisabled},
		{Case{Name: "x", Instructions: "[skip:-9.99.99,reason:not yet fixed]", Query: "row a = 1"}, CatVersionSkip},
		{Case{Name: "x", Query: "from airports | keep a"}, CatDataset},
		{Case{Name: "x", RequiredCapabilities: []string{"claimed", "other"}, Query: "row a = 1"}, CatCapability},
	}
	for _, tc := range tests {
		res := r.Run(&tc.c)
		if res.Status != Skipped || res.Category != tc.cat {
			t.Errorf("%+v: %v %s (%s), want skip %s", tc.c, res.Status, res.Category, res.Reason, tc.cat)
		}
	}
}
