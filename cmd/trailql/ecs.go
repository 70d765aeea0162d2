package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/trailql/trailql/cloudtrail"
	"github.com/trailql/trailql/ecs"
)

func newECSCmd() *cobra.Command {
	var namespace string
	var quiet bool
	var geoip *geoipFlags
	var limits *inputLimits
	cmd := &cobra.Command{
		Use:   "ecs [flags] PATH...",
		Short: "Print CloudTrail records as the ECS documents Elastic would store",
		Long: `ecs maps each CloudTrail record the way Elastic's AWS integration does and
prints the resulting ECS document as one nested JSON object per line. Use it to
see which fields a rule can read and what values they hold.`,
		Example: `  trailql ecs examples/ | head -1 | jq .
  trailql ecs trail.json.gz | jq -c '{a: .event.action, ua: .user_agent.name}'`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			geo, err := geoip.open()
			if err != nil {
				return err
			}
			if geo != nil {
				defer geo.Close()
			}
			return runECS(cmd.Context(), args, ecs.Options{Namespace: namespace, GeoIP: geo}, quiet, limits)
		},
	}
	cmd.Flags().StringVar(&namespace, "namespace", "default", "data_stream.namespace given to events")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "do not print the summary line")
	geoip = addGeoIPFlags(cmd.Flags())
	limits = addInputFlags(cmd.Flags(), false)
	return cmd
}

func runECS(ctx context.Context, paths []string, opts ecs.Options, quiet bool, limits *inputLimits) error {
	if ctx == nil {
		ctx = context.Background()
	}
	out := bufio.NewWriterSize(os.Stdout, 1<<16)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	mapper := ecs.NewMapper(opts)
	rep := newInputReport(os.Stderr)
	mapped := 0
	var err error
	reader := &cloudtrail.Reader{OnProblem: rep.problem}
	if err := limits.apply(reader); err != nil {
		return err
	}
	rep.stats, err = reader.Read(ctx, paths, func(rec cloudtrail.Record) error {
		ev, err := mapper.Map(rec.Raw)
		if err != nil {
			limits.recordProblem(rep, rec, err)
			return nil
		}
		mapped++
		return enc.Encode(ecs.Nested(ev))
	})
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return withStatus(exitError, err)
	}
	if !quiet {
		rep.summary(fmt.Sprintf("%d events printed", mapped))
	}
	return limits.status(rep.status())
}
