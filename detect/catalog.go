package detect

import (
	"sync"

	"github.com/trailql/trailql/ecs"
	"github.com/trailql/trailql/esql"
)

var (
	catalogOnce sync.Once
	catalog     esql.Catalog
)

// Catalog is the schema of the `logs-aws.cloudtrail-*` indices as ES|QL sees
// it: every field the ECS mapping produces or the integration's index template
// maps, with its ES|QL type. A query naming a field outside it fails with
// "Unknown column", as it would in Elasticsearch (docs/esql-semantics.md §A2).
func Catalog() esql.Catalog {
	catalogOnce.Do(func() {
		types := ecs.FieldTypes()
		catalog = make(esql.Catalog, len(types))
		for name, esType := range types {
			catalog[name] = esql.TypeFromMapping(esType)
		}
	})
	return catalog
}
