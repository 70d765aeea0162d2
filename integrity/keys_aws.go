package integrity

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
)

// CloudTrailKeys is a KeySource that asks CloudTrail (ListPublicKeys) for
// the keys valid in the period, with their fingerprints.
type CloudTrailKeys struct{ Client *cloudtrail.Client }

// PublicKeys lists the keys CloudTrail used between start and end.
func (c CloudTrailKeys) PublicKeys(ctx context.Context, start, end time.Time) (*Keys, error) {
	keys := NewKeys()
	in := &cloudtrail.ListPublicKeysInput{StartTime: aws.Time(start), EndTime: aws.Time(end)}
	for {
		out, err := c.Client.ListPublicKeys(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("cloudtrail ListPublicKeys: %w", err)
		}
		for _, k := range out.PublicKeyList {
			if err := keys.Add(aws.ToString(k.Fingerprint), k.Value); err != nil {
				return nil, fmt.Errorf("cloudtrail key %s: %w", aws.ToString(k.Fingerprint), err)
			}
		}
		if out.NextToken == nil {
			return keys, nil
		}
		in.NextToken = out.NextToken
	}
}
