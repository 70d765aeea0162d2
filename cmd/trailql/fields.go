package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/trailql/trailql/detect"
	"github.com/trailql/trailql/ecs"
)

func newFieldsCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "fields",
		Short: "List the fields rules and queries can read: name, ES|QL type, what it holds",
		Long: `fields prints the catalog of the logs-aws.cloudtrail-* indices as trailql serves
them: every field a rule or query can name, its ES|QL type, and where the value
comes from in a raw CloudTrail record. A name outside it is "Unknown column".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cat := detect.Catalog()
			names := make([]string, 0, len(cat))
			for n := range cat {
				names = append(names, n)
			}
			sort.Strings(names)
			out := cmd.OutOrStdout()
			switch format {
			case "table":
				w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				for _, n := range names {
					fmt.Fprintf(w, "%s\t%s\t%s\n", n, cat[n], ecs.FieldDescription(n))
				}
				return w.Flush()
			case "ndjson":
				enc := json.NewEncoder(out)
				for _, n := range names {
					if err := enc.Encode(map[string]string{"name": n, "type": cat[n].String(), "description": ecs.FieldDescription(n)}); err != nil {
						return err
					}
				}
				return nil
			}
			return usageErrorf("unknown --format %q (want table or ndjson)", format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output `FORMAT`: table or ndjson")
	return cmd
}
