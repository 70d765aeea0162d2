// Package ecs turns one raw AWS CloudTrail record into the flat ECS document that
// Elastic's AWS integration (aws package 8.9.0, data stream aws.cloudtrail) would
// index for it, so that Elastic's ES|QL rules can be evaluated without
// Elasticsearch.
//
// The mapping follows the integration's ingest pipeline
// (packages/aws/data_stream/cloudtrail/elasticsearch/ingest_pipeline/default.yml)
// as documented in docs/cloudtrail-ecs-mapping.md, which comments cite by
// section ("docs/cloudtrail-ecs-mapping.md §5"). GeoIP/ASN enrichment (source.geo.*,
// source.as.*) is produced when a Mapper is given MaxMind databases
// (Options.GeoIP), as Elastic's geoip processor does; the opt-in entity
// fields (actor_target_mapping) are not produced.
package ecs

// PipelineVersion is the version of Elastic's AWS integration whose
// CloudTrail ingest pipeline the mapping ports.
const PipelineVersion = "aws 8.9.0"
