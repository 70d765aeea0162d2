package rule

import "testing"

// FuzzParse: Parse and FileLine never panic, whatever the bytes.
func FuzzParse(f *testing.F) {
	seed, _ := bundledFS.ReadFile(seedDir + "/discovery_multiple_discovery_api_calls_via_cli.toml")
	f.Add(seed)
	f.Add([]byte("[rule]\nrule_id=\"x\"\nname=\"n\"\ntype=\"esql\"\nlanguage=\"esql\"\nquery=\"\"\"\na\\\n  b\\u0041\\\"\"\"\"\n"))
	f.Add([]byte("[rule]\nquery = '''\r\nfrom a\r\n| where b'''\nrule_id='x'\nname='n'\ntype='esql'\nlanguage='esql'\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse("f.toml", data)
		if err != nil {
			return
		}
		for l := 0; l < 4; l++ {
			for c := 0; c < 8; c++ {
				r.FileLine(l, c)
			}
		}
		keyPos(data, []string{"rule", "interval"})
	})
}
