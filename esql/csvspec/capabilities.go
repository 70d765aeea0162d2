package csvspec

// Capabilities lists the csv-spec `required_capability` names trailql
// claims; a case requiring any other is skipped. A capability is an
// Elasticsearch feature or bug-fix flag (EsqlCapabilities.Cap).
//
// Rule for this list (checked by running the suite with
// TRAILQL_CSVSPEC_ALL_CAPS=1, which ignores required_capability):
//   - a feature capability is claimed when trailql implements the feature,
//     shown by its cases passing (all of them, or nearly all: then the rest
//     are bugs and fail honestly, listed in testdata/known_failures.txt);
//   - a bug-fix capability (fix_*) is claimed when trailql has the command
//     or function it fixes, since trailql follows the fixed behaviour, so
//     its cases fail honestly when trailql still has the bug.
//
// Not claimed (features trailql lacks, no case passes): agg_weighted_avg,
// aggregate_metric_double_v0, combine_disjunctive_cidrmatches,
// date_trunc_timezone_support (SET time_zone), date_trunc_with_arbitrary_intervals,
// enrich_load, fn_ip_prefix, functions_never_emit_text, inline_stats,
// join_lookup_v12, mixed_numeric_types_in_coalesce,
// optional_fields_nullify_tech_preview, stats_alias_collision_warnings,
// std_dev, string_literal_auto_casting, to_ip_leading_zeros,
// variance_stddev_over_time, agg_max_min_string_support,
// agg_max_min_unsigned_long.
var Capabilities = []string{
	// Features: every runnable case passes.
	"agg_max_min_boolean_support",
	"agg_max_min_ip_support",
	"agg_values",
	"filter_in_converted_null",
	"keywords_mv_count_as_single_value_fix",
	"load_constant_keyword",
	"mv_sort",
	"per_agg_filtering_ords",
	"stats_with_filtered_surrogate_fixed",
	"string_literal_auto_casting_extended",
	// Features: nearly every case passes.
	"per_agg_filtering",
	"implicit_casting_string_literal_to_temporal_amount",
	"resolve_groupings_before_resolving_references_to_groupings_in_aggregations",
	// Bug fixes to commands and functions trailql has.
	"fix_agg_on_null_by_replacing_with_eval",
	"fix_avg_agg_long_overflow",
	"fix_filter_pushdown_past_stats",
	"fix_null_comparison_type_check",
	"fix_precision_of_scaled_float_fields",
	"fix_propagate_nullable_or_disjunction",
	"fix_push_count_query_and_tags_with_multiple_aggs",
	"fix_stats_by_foldable_expression",
	"fix_stats_by_foldable_expression_2",
	"fix_stats_classcast_exception",
	"fix_stats_mv_constant_fold",
	"fix_sum_agg_long_overflow",
	"fix_sum_of_null_optimization",
	"fix_unrolled_foldable_mv_warning",
	"fixed_pushdown_past_project",
}
