package termtext

import (
	"bytes"
	"strings"
	"testing"
)

// Every table is checked whole, and no line may be wider than Width
// unless only the first column is left.
func TestTable(t *testing.T) {
	cases := []struct {
		name   string
		table  Table
		header []string
		rows   [][]string
		want   string
		hidden int
	}{
		{
			name:   "aligned, last column unpadded, no trailing blanks",
			header: []string{"n", "name", "x"},
			rows:   [][]string{{"1", "alice", "a"}, {"22", "bob", ""}, {"3"}},
			want:   "n   name   x\n1   alice  a\n22  bob\n3\n",
		},
		{
			name:   "wide runes count two columns",
			header: []string{"city", "n"},
			rows:   [][]string{{"東京", "1"}, {"Paris", "2"}, {"서울특별시", "3"}},
			want: "city        n\n" +
				"東京        1\n" +
				"Paris       2\n" +
				"서울특별시  3\n",
		},
		{
			name:   "combining marks count zero",
			header: []string{"user", "n"},
			rows:   [][]string{{"Zu\u0308rich", "1"}, {"Zurich", "2"}, {"e\u0301e\u0301", "3"}},
			want:   "user    n\nZu\u0308rich  1\nZurich  2\ne\u0301e\u0301      3\n",
		},
		{
			name:   "hostile cells are escaped, and escapes are measured",
			header: []string{"arn\x1b[2J", "n"},
			rows: [][]string{
				{"a\x1b]8;;https://evil.example/\x07b", "1"},
				{"user\u202egnp.exe", "2"},
				{"nl\nforged row", "3"},
				{"bad\xffbyte\x00", "4"},
			},
			want: `arn\x1b[2J` + strings.Repeat(" ", 35-10) + "  n\n" +
				`a\x1b]8;;https://evil.example/\x07b` + "  1\n" +
				`user\u202egnp.exe` + strings.Repeat(" ", 35-17) + "  2\n" +
				`nl\nforged row` + strings.Repeat(" ", 35-14) + "  3\n" +
				"bad\uFFFDbyte\\x00" + strings.Repeat(" ", 35-12) + "  4\n",
		},
		{
			name:   "cells cut at MaxCell by display width",
			table:  Table{MaxCell: 5},
			header: []string{"v", "n"},
			rows:   [][]string{{"abcdefgh", "1"}, {"東京都庁", "2"}},
			want:   "v      n\nabcd…  1\n東京…  2\n",
		},
		{
			name:   "columns that do not fit are left out",
			table:  Table{Width: 12},
			header: []string{"aaaa", "bbbb", "cccc"},
			rows:   [][]string{{"1", "2", "3"}},
			want:   "aaaa  bbbb\n1     2\n",
			hidden: 1,
		},
		{
			name:   "the first column is always shown",
			table:  Table{Width: 3},
			header: []string{"aaaa", "b"},
			want:   "aaaa\n",
			hidden: 1,
		},
		{
			name:   "wide columns do not fit by rune count",
			table:  Table{Width: 10},
			header: []string{"東京東京", "x"},
			want:   "東京東京\n",
			hidden: 1,
		},
		{
			name: "cells narrow before columns are dropped",
			table: Table{Width: 30, MaxCell: 20, MinCell: 8, Keep: 3,
				Cut: TruncateMiddle},
			header: []string{"a", "b", "c"},
			rows:   [][]string{{strings.Repeat("x", 20), strings.Repeat("y", 20), "arn:aws:iam::1:role/r"}},
			// 20 → 12 columns: 12+2+12+2+12 = 40 > 30; → 8: 8+2+8+2+8 = 28.
			want: "a         b         c\n" +
				"xxx…xxxx  yyy…yyyy  arn…le/r\n",
		},
		{
			name:   "narrowing stops at MinCell",
			table:  Table{Width: 20, MaxCell: 20, MinCell: 12, Keep: 3},
			header: []string{"a", "b", "c"},
			rows:   [][]string{{strings.Repeat("x", 20), strings.Repeat("y", 20), "z"}},
			want:   "a\nxxxxxxxxxxx…\n",
			hidden: 2,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			hidden, err := tc.table.Write(&b, append([][]string{tc.header}, tc.rows...))
			if err != nil {
				t.Fatal(err)
			}
			if b.String() != tc.want || hidden != tc.hidden {
				t.Errorf("got %d hidden,\n%s%q\nwant %d hidden,\n%s%q", hidden, b.String(), b.String(), tc.hidden, tc.want, tc.want)
			}
			for i, l := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
				if tc.table.Width > 0 && Width(l) > tc.table.Width && hidden < len(tc.header)-1 {
					t.Errorf("line %d is %d columns wide, more than %d", i, Width(l), tc.table.Width)
				}
			}
		})
	}
}

func TestMarkdown(t *testing.T) {
	md := "## Triage\r\n" +
		"\n" +
		"Check the **caller** and the `source.ip`; see [the docs](https://example.com/d) and [https://x.example](https://x.example).\n" +
		"\n" +
		"- step \x1b]0;pwned\x07one\n" +
		"  continues\n" +
		"- **bold** \u202eevil\n" +
		"  - nested\tstep\n" +
		"1. first\n" +
		"**Response:**\n" +
		"---\n" +
		"```\n" +
		"FROM logs\t| x\x1b[2J\n" +
		"```\n" +
		"### Small heading\n" +
		"Tail with some_field\\_name and 東京 words.\n"
	want := []string{
		"",
		"Triage",
		"~~~~~~",
		"",
		"Check the caller and the source.ip; see the docs",
		"(https://example.com/d) and https://x.example.",
		"  • step ]0;pwnedone continues",
		"  • bold evil",
		"    • nested step",
		"  1. first",
		"",
		"Response:",
		"",
		"    FROM logs    | x[2J",
		"",
		"Small heading",
		"Tail with some_field_name and 東京 words.",
	}
	got := Markdown(md, 50)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, l := range got {
		if Width(l) > 50 {
			t.Errorf("%q is wider than 50", l)
		}
	}
	if got := Markdown("", 50); len(got) != 0 {
		t.Errorf("empty Markdown: %q", got)
	}
}

func TestTableEmpty(t *testing.T) {
	var b bytes.Buffer
	if hidden, err := (Table{Width: 10}).Write(&b, nil); err != nil || hidden != 0 || b.Len() != 0 {
		t.Errorf("no rows: %d hidden, %v, %q", hidden, err, b.String())
	}
}
