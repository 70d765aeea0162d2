package cloudtrail_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/trailql/trailql/cloudtrail"
)

// Read a delivery file and a digest file; the digest is skipped. Records come
// in file order, which is not time order.
func ExampleReader_Read() {
	r := cloudtrail.Reader{OnProblem: func(p cloudtrail.Problem) { fmt.Println("problem:", p) }}
	st, err := r.Read(context.Background(),
		[]string{"../testdata/cloudtrail/delivery.json", "../testdata/cloudtrail/digest.json.gz"},
		func(rec cloudtrail.Record) error {
			var ev struct{ EventTime, EventName string }
			if err := json.Unmarshal(rec.Raw, &ev); err != nil {
				return err
			}
			fmt.Println(rec.Index, ev.EventTime, ev.EventName, len(rec.Raw))
			return nil
		})
	fmt.Printf("err=%v files=%d records=%d digests=%d\n", err, st.Files, st.Records, st.DigestFiles)
	// Output:
	// 0 2026-11-02T08:00:07Z DescribeInstances 770
	// 1 2026-11-02T08:00:03Z GetObject 842
	// 2 2026-11-02T07:59:58Z ListRoles 543
	// err=<nil> files=2 records=3 digests=1
}
