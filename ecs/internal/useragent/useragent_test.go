package useragent

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// uaVector is one line of shared/testdata/user-agents.jsonl: a user-agent
// string and the user_agent object Elasticsearch's processor gives for it.
type uaVector struct {
	Original string `json:"original"`
	Name     string `json:"name"`
	Version  string `json:"version"`
	OS       struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		Full    string `json:"full"`
	} `json:"os"`
	Device struct {
		Name string `json:"name"`
	} `json:"device"`
}

// TestUserAgentVectors checks every vector (docs/cloudtrail-ecs-mapping.md §6.3): name, version, os.*,
// device.name must all agree.
func TestUserAgentVectors(t *testing.T) {
	shared := sharedDir(t)
	f, err := os.Open(filepath.Join(shared, "testdata", "user-agents.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	total, agree := 0, 0
	for sc.Scan() {
		var v uaVector
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		total++
		got := parseUserAgent(v.Original)
		want := Info{Name: v.Name, Version: v.Version, OSName: v.OS.Name, OSVersion: v.OS.Version, OSFull: v.OS.Full, DeviceName: v.Device.Name}
		if got != want {
			t.Errorf("%q:\n got  %+v\n want %+v", v.Original, got, want)
			continue
		}
		agree++
	}
	t.Logf("user-agent vectors: %d/%d agree", agree, total)
	if total != 111 {
		t.Errorf("expected 111 vectors, read %d", total)
	}
}

// TestUserAgentAWSCLI pins the forms docs/cloudtrail-ecs-mapping.md §6.2 says must give aws-cli.
func TestUserAgentAWSCLI(t *testing.T) {
	for _, tc := range []struct{ ua, name, version string }{
		{"aws-cli/1.18.147 Python/2.7.18 Linux/4.14 botocore/1.18.6", "aws-cli", "1.18.147"},
		{"aws-cli/2.15.30 Python/3.11.8 Linux/6.1 exe/x86_64.amzn.2023 prompt/off command/ec2.describe-instances", "aws-cli", "2.15.30"},
		{"[aws-cli/2.17.60 md/awscrt#0.21.2 ua/2.0 os/macos#23.6.0 md/arch#arm64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#source md/prompt#off md/command#s3api.copy-object]", "aws-cli", "2.17.60"},
		{"kali-linux aws-cli/2.0.0", "aws-cli", "2.0.0"},
		{"aws-sdk-go-v2/1.24.0 os/linux lang/go#1.21 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.140", "Other", ""},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "Chrome", "120.0.0.0"},
	} {
		got := cachedUserAgent(tc.ua)
		if got.Name != tc.name || got.Version != tc.version {
			t.Errorf("%q: got %q %q, want %q %q", tc.ua, got.Name, got.Version, tc.name, tc.version)
		}
	}
}
