package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
	"github.com/trailql/trailql/ecs"
	"github.com/trailql/trailql/rule"
)

// version is set at release time (-ldflags "-X main.version=v1.2.3");
// otherwise the module version of the build, or "(devel)".
var version = ""

// buildInfo is what trailql version reports.
type buildInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`
	GoVersion string `json:"go_version"`
	Rules     string `json:"bundled_rules"`
	ECS       string `json:"ecs_pipeline"`
}

func readBuildInfo() buildInfo {
	b := buildInfo{Version: version, GoVersion: runtime.Version(), Rules: rule.BundledVersion, ECS: ecs.PipelineVersion}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if b.Version == "" && bi.Main.Version != "" {
			b.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				b.Commit = s.Value
			}
		}
	}
	if b.Version == "" {
		b.Version = "(devel)"
	}
	return b
}

func (b buildInfo) String() string {
	s := "trailql " + b.Version
	if b.Commit != "" {
		s += " (" + b.Commit[:min(12, len(b.Commit))] + ")"
	}
	return s + ", " + b.GoVersion + ", rules " + b.Rules + ", ECS mapping of " + b.ECS
}

func newVersionCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the trailql version, its bundled rule set and ECS mapping",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b := readBuildInfo()
			switch format {
			case "text":
				fmt.Fprintln(cmd.OutOrStdout(), b)
			case "json":
				return json.NewEncoder(cmd.OutOrStdout()).Encode(b)
			default:
				return usageErrorf("unknown --format %q (want text or json)", format)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output `FORMAT`: text or json")
	return cmd
}
