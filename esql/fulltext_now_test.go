package esql

import (
	"testing"
	"time"
)

// Date math on now in KQL and MATCH follows the execution's NOW(), as
// NOW() does: one program, two times, two answers, each that of a program
// compiled with that time.
func TestFullTextNowPerExecution(t *testing.T) {
	var docs []doc
	for i, off := range []time.Duration{-90 * time.Minute, -30 * time.Minute, -5 * time.Minute, 90 * time.Minute} {
		docs = append(docs, doc{
			"@timestamp": testNow.Add(off).Format(time.RFC3339),
			"user.name":  []string{"alice", "bob"}[i%2],
			"bytes":      int64(i),
		})
	}
	later := testNow.Add(2 * time.Hour)
	cases := []struct{ name, query string }{
		{"kql range", `FROM logs | WHERE KQL("@timestamp >= now-1h") | KEEP bytes`},
		{"kql term rounded", `FROM logs | WHERE KQL("@timestamp:now-1h/h") | KEEP bytes`},
		{"kql with a field", `FROM logs | WHERE KQL("user.name:alice or @timestamp < now-1h") | KEEP bytes`},
		{"kql value group", `FROM logs | WHERE KQL("@timestamp:(now-1h/h or now-2h/h)") | KEEP bytes`},
		{"kql fieldless default field", `FROM logs | WHERE KQL("now-1h/h", {"default_field": "@timestamp"}) | KEEP bytes`},
		{"match function", `FROM logs | WHERE MATCH(@timestamp, "now-1h/h") | KEEP bytes`},
		{"match operator", `FROM logs | WHERE @timestamp : "now-1h/h" | KEEP bytes`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Compile(c.query, Options{Catalog: splitCatalog, Now: testNow})
			if err != nil {
				t.Fatal(err)
			}
			if !p.UsesNow() {
				t.Error("UsesNow is false")
			}
			got := map[time.Time]string{}
			for _, now := range []time.Time{testNow, later} {
				q, err := Compile(c.query, Options{Catalog: splitCatalog, Now: now})
				if err != nil {
					t.Fatal(err)
				}
				got[now] = render(execute(t, p, now, docs))
				if want := render(execute(t, q, time.Time{}, docs)); got[now] != want {
					t.Errorf("at %s: bound per execution\n%s\ncompiled with it\n%s", now, got[now], want)
				}
			}
			if got[testNow] == got[later] {
				t.Errorf("the same rows at two times:\n%s", got[testNow])
			}
			// Unbound, an execution uses the compile-time now.
			if zero := render(execute(t, p, time.Time{}, docs)); zero != got[testNow] {
				t.Errorf("unbound execution\n%s\nwant the compile-time one\n%s", zero, got[testNow])
			}
		})
	}
}

// UsesNow and FirstBlocking see NOW() and full-text date math on now,
// conservatively for full text (syntax only).
func TestUsesNow(t *testing.T) {
	cases := []struct {
		query string
		uses  bool
		first int // FirstBlocking
	}{
		{`FROM logs | WHERE user.name == "a" | KEEP bytes`, false, -1},
		{`FROM logs | WHERE user.name == "a" | EVAL d = DATE_DIFF("minute", @timestamp, NOW())`, true, 1},
		{`FROM logs | EVAL x = 1 | WHERE @timestamp > NOW() - 1 hour`, true, 1},
		{`FROM logs | WHERE KQL("@timestamp >= now-1h") | KEEP bytes`, true, 0},
		{`FROM logs | WHERE KQL("user.name:alice") | KEEP bytes`, false, -1},
		{`FROM logs | WHERE KQL("not user.name:(a or now)") | KEEP bytes`, true, 0}, // conservative: a keyword field
		{`FROM logs | WHERE MATCH(@timestamp, "now/d") | LIMIT 3`, true, 0},
		{`FROM logs | WHERE MATCH(user.name, "nowhere") | KEEP bytes`, true, 0}, // conservative
		{`FROM logs | WHERE MATCH(bytes, 5) | KEEP bytes`, false, -1},
		{`FROM logs | WHERE @timestamp : "2024-05-01" | STATS COUNT(*)`, false, 1},
		{`FROM logs | WHERE @timestamp : "now-1d" | STATS COUNT(*)`, true, 0},
	}
	for _, c := range cases {
		p, err := Compile(c.query, Options{Catalog: splitCatalog, Now: testNow})
		if err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		if p.UsesNow() != c.uses || p.FirstBlocking() != c.first {
			t.Errorf("%s: UsesNow %v, FirstBlocking %d; want %v, %d", c.query, p.UsesNow(), p.FirstBlocking(), c.uses, c.first)
		}
	}
}

// Executions of one program with different nows may run at once: each
// gets the test for its own now.
func TestFullTextNowConcurrent(t *testing.T) {
	docs := []doc{{"@timestamp": testNow.Add(-30 * time.Minute).Format(time.RFC3339)}}
	p, err := Compile(`FROM logs | WHERE KQL("@timestamp >= now-1h") | STATS n = COUNT(*)`, Options{Catalog: splitCatalog, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	want := map[bool]string{true: "1\n", false: "0\n"}
	done := make(chan string, 16)
	for i := 0; i < 16; i++ {
		early := i%2 == 0
		now := testNow.Add(2 * time.Hour)
		if early {
			now = testNow
		}
		go func() {
			for j := 0; j < 50; j++ {
				rows := [][]Value{}
				x := p.StartWith(func(row []Value) error { rows = append(rows, CloneRow(row)); return nil }, ExecOptions{Now: now})
				in, _ := FromGo(Datetime, docs[0]["@timestamp"])
				if err := x.Push([]Value{in}); err != nil {
					done <- err.Error()
					return
				}
				if err := x.Finish(); err != nil {
					done <- err.Error()
					return
				}
				if got := render(rows); got != want[early] {
					done <- "at " + now.String() + ": " + got
					return
				}
			}
			done <- ""
		}()
	}
	for i := 0; i < 16; i++ {
		if msg := <-done; msg != "" {
			t.Error(msg)
		}
	}
}
