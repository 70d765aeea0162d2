package investigate

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chromium finds Debian's chromium (.ci/run installs it), or skips.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium on PATH (apt-get install chromium): the HTML report is not rendered")
	return ""
}

// artifactDir is where the screenshot is kept: $TRAILQL_ARTIFACTS, else a
// directory under the system's temporary one that outlives the test.
func artifactDir(t *testing.T) string {
	dir := os.Getenv("TRAILQL_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "trailql-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// The report renders in headless Chromium: the timeline is drawn (a circle
// per event), no script element exists, the hostile strings planted in the
// logs are text, not markup; the screenshot is kept as an artifact.
func TestInvestigateReportInChromium(t *testing.T) {
	bin := chromium(t)
	r := hostileReport(t)
	var b bytes.Buffer
	if err := r.WriteHTML(&b, t0); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	if err := os.WriteFile(page, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) []byte {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
			"--user-data-dir=" + filepath.Join(dir, "profile")}
		cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("chromium %v: %v\n%s", args, err, errb.String())
		}
		return out.Bytes()
	}
	dom := string(run("--dump-dom", "file://"+page))
	if n := strings.Count(dom, "<circle"); n != len(r.Events) || n == 0 {
		t.Errorf("the rendered DOM has %d circles for %d events", n, len(r.Events))
	}
	if regexp.MustCompile(`(?i)<script`).MatchString(dom) || strings.Contains(dom, "<img") || strings.Contains(dom, "<i>x</i>") {
		t.Error("log content became markup in the rendered page")
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "mallory&lt;i&gt;x&lt;/i&gt;", "CreateAccessKey", "Sensitive follow-on actions"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the rendered page lacks %q", want)
		}
	}
	shot := filepath.Join(artifactDir(t), "investigate-report.png")
	run("--window-size=1280,1000", "--hide-scrollbars", "--screenshot="+shot, "file://"+page)
	png, err := os.ReadFile(shot)
	if err != nil || len(png) < 1000 || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("screenshot %s: %d bytes, %v", shot, len(png), err)
	}
	t.Logf("artifact: %s (%d bytes)", shot, len(png))
}
