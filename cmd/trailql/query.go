package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/trailql/trailql/cloudtrail"
	"github.com/trailql/trailql/detect"
	"github.com/trailql/trailql/esql"
	"github.com/trailql/trailql/internal/tabular"
)

func newQueryCmd() *cobra.Command {
	var format, namespace string
	var quiet bool
	var geoip *geoipFlags
	var maxGroups, maxRows int
	var since, until string
	var limits *inputLimits
	var s3 *s3Flags
	cmd := &cobra.Command{
		Use:   "query [flags] 'ES|QL' PATH...",
		Short: "Run an ad-hoc ES|QL query over CloudTrail files",
		Long: `query runs any ES|QL query over CloudTrail logs as if they were Elastic's
logs-aws.cloudtrail-* indices: every record is mapped to the ECS document
Elastic's AWS integration would store (see 'trailql ecs'), and the query reads
those fields with Elasticsearch's semantics. As in Elasticsearch, a query
without LIMIT returns at most 1000 rows (with a warning), and no query returns
more than --max-rows (10000, Elasticsearch's esql.query.result_truncation_max_size).
Warnings go to stderr.`,
		Example: `  trailql query 'FROM logs-aws.cloudtrail-* | STATS n = COUNT(*) BY event.provider | SORT n DESC' AWSLogs/
  trailql query --format csv 'FROM logs-aws.cloudtrail-* | WHERE user_agent.name == "aws-cli" | KEEP @timestamp, event.action, user.name' trail.json.gz
  trailql query --since -24h 'FROM logs-aws.cloudtrail-* | STATS n = COUNT(*) BY cloud.account.id' s3://my-trail-bucket/AWSLogs/`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			geo, err := geoip.open()
			if err != nil {
				return err
			}
			if geo != nil {
				defer geo.Close()
			}
			s, err := parseWhen(since)
			if err != nil {
				return usageErrorf("--since: %v", err)
			}
			u, err := parseWhen(until)
			if err != nil {
				return usageErrorf("--until: %v", err)
			}
			if maxRows < 1 {
				return usageErrorf("--max-rows %d: want a positive number", maxRows)
			}
			return runQuery(cmd.Context(), args[0], args[1:], format, detect.Options{Namespace: namespace, GeoIP: geo, Since: s, Until: u},
				detect.CompileOptions{Now: time.Now().UTC(), MaxGroups: maxGroups, MaxRows: maxRows}, quiet, limits, s3)
		},
	}
	cmd.Flags().StringVar(&format, "format", "", "output `FORMAT`: table, ndjson or csv (default: table on a terminal, else ndjson)")
	cmd.Flags().StringVar(&namespace, "namespace", "default", "data_stream.namespace given to events")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "do not print the summary line")
	geoip = addGeoIPFlags(cmd.Flags())
	cmd.Flags().StringVar(&since, "since", "", "query events at or after `TIME` (RFC 3339, YYYY-MM-DD, or -DURATION); delivery files named before it are not opened (s3:// keys not even listed)")
	cmd.Flags().StringVar(&until, "until", "", "query events at or before `TIME`; delivery files named more than a day after it are not opened (an s3:// listing ends at the first)")
	cmd.Flags().IntVar(&maxRows, "max-rows", detect.QueryMaxLimit, "return at most `N` rows, whatever the query's LIMIT (Elasticsearch's esql.query.result_truncation_max_size)")
	cmd.Flags().IntVar(&maxGroups, "max-groups", 0, "fail a query whose STATS would hold more than `N` groups, instead of exhausting memory (default 1000000; -1: no limit)")
	limits = addInputFlags(cmd.Flags(), false)
	s3 = addS3Flags(cmd.Flags())
	return cmd
}

func runQuery(ctx context.Context, text string, paths []string, format string, opts detect.Options, copts detect.CompileOptions, quiet bool, limits *inputLimits, s3 *s3Flags) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if format == "" {
		format = "ndjson"
		if isTerminal(os.Stdout) {
			format = "table"
		}
	}
	prog, err := detect.CompileQuery(text, copts)
	if err != nil {
		return withStatus(exitUsage, fmt.Errorf("query: %w", err))
	}
	out, err := tabular.New(format, os.Stdout, prog.Columns(), terminalWidth(os.Stdout))
	if err != nil {
		return withStatus(exitUsage, err)
	}
	rows := 0
	q := detect.NewQuery(prog, opts, func(row []esql.Value) error {
		rows++
		return out.Row(row)
	})
	rep := newInputReport(os.Stderr)
	reader := &cloudtrail.Reader{OnProblem: rep.problem, Since: opts.Since, Until: opts.Until}
	s3.apply(reader)
	if err := limits.apply(reader); err != nil {
		return err
	}
	rep.stats, err = reader.Read(ctx, paths, func(rec cloudtrail.Record) error {
		err := q.ProcessRecord(&rec)
		var bad *detect.RecordError
		if errors.As(err, &bad) {
			limits.recordProblem(rep, rec, err)
			return nil
		}
		return err
	})
	if err == nil {
		err = q.Finish()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	for _, w := range q.Warnings() {
		fmt.Fprintln(os.Stderr, "trailql: warning:", w)
	}
	if err != nil {
		return withStatus(exitError, err)
	}
	if !quiet {
		rep.summary(fmt.Sprintf("%d rows", rows))
	}
	return limits.status(rep.status())
}
