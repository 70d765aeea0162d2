package sink

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/trailql/trailql/internal/state"
)

// eventBridge sends each alert version as one event to an Amazon
// EventBridge bus (PutEvents), where AWS teams route findings to Lambda,
// Step Functions, SNS or a SIEM. Source "trailql", detail-type "trailql
// alert" for a first version and "trailql alert update" for a later one,
// the alert document as the detail. Credentials come from the AWS default
// chain.
type eventBridge struct {
	client      *eventbridge.Client
	bus, source string
}

// eventBridgeBatch is PutEvents' limit of entries per call.
const eventBridgeBatch = 10

// parseEventBridge reads eventbridge:BUS[?region=R&endpoint-url=URL&source=S]
// (BUS a name or ARN; default "default").
func parseEventBridge(target string) (Sink, error) {
	bus, query, _ := strings.Cut(target, "?")
	if bus == "" {
		bus = "default"
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, fmt.Errorf("sink eventbridge: %v", err)
	}
	var lo []func(*config.LoadOptions) error
	if r := q.Get("region"); r != "" {
		lo = append(lo, config.WithRegion(r))
	}
	cfg, err := config.LoadDefaultConfig(context.Background(), lo...)
	if err != nil {
		return nil, fmt.Errorf("sink eventbridge: AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, fmt.Errorf("sink eventbridge: no AWS region: add ?region=R or set AWS_REGION")
	}
	endpoint := q.Get("endpoint-url")
	client := eventbridge.NewFromConfig(cfg, func(o *eventbridge.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
	source := q.Get("source")
	if source == "" {
		source = "trailql"
	}
	return &eventBridge{client: client, bus: bus, source: source}, nil
}

// Name is "eventbridge:" with the bus.
func (e *eventBridge) Name() string { return "eventbridge:" + e.bus }

// Close does nothing: the SDK client holds nothing to release.
func (e *eventBridge) Close() error { return nil }

// Send puts the deliveries in batches of ten; an entry EventBridge refuses
// is that delivery's failure, the others are accepted.
func (e *eventBridge) Send(ctx context.Context, ds []state.Delivery) error {
	errs := make([]error, len(ds))
	failed := false
	for lo := 0; lo < len(ds); lo += eventBridgeBatch {
		hi := min(lo+eventBridgeBatch, len(ds))
		entries := make([]types.PutEventsRequestEntry, 0, hi-lo)
		for _, d := range ds[lo:hi] {
			detailType := "trailql alert"
			if d.Revision > 1 {
				detailType = "trailql alert update"
			}
			entries = append(entries, types.PutEventsRequestEntry{EventBusName: aws.String(e.bus), Source: aws.String(e.source),
				DetailType: aws.String(detailType), Detail: aws.String(string(d.Doc))})
		}
		out, err := e.client.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
		if err != nil {
			for i := lo; i < len(ds); i++ {
				errs[i] = ErrNotAttempted
			}
			errs[lo] = fmt.Errorf("%s: %w", e.Name(), err)
			return &BatchError{Errs: errs}
		}
		for i, r := range out.Entries {
			if r.ErrorCode != nil && lo+i < hi {
				errs[lo+i] = fmt.Errorf("%s: %s: %s", e.Name(), aws.ToString(r.ErrorCode), aws.ToString(r.ErrorMessage))
				failed = true
			}
		}
	}
	if failed {
		return &BatchError{Errs: errs}
	}
	return nil
}
