package metrics

import (
	"context"
	"errors"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
)

// DefaultAccount is the account label of calls made with Rolegate's own
// credentials when no account is configured (and the account's ID is not
// known).
const DefaultAccount = "default"

// AWS returns an option for an aws-sdk-go-v2 client's APIOptions that
// counts and times every operation (its retries included) by service,
// operation, account, region and outcome.
func (m *Metrics) AWS(account string) func(*middleware.Stack) error {
	return func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("RolegateMetrics",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				start := time.Now()
				out, md, err := next.HandleInitialize(ctx, in)
				service, op, region := awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx), awsmiddleware.GetRegion(ctx)
				m.awsCalls.WithLabelValues(service, op, account, region, outcomeOf(ctx, err)).Inc()
				m.awsDuration.WithLabelValues(service, op, account, region).Observe(time.Since(start).Seconds())
				return out, md, err
			}), middleware.After)
	}
}

func outcomeOf(ctx context.Context, err error) string {
	var apiErr smithy.APIError
	switch {
	case err == nil:
		return "success"
	case errors.As(err, &apiErr):
		return "api_error"
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil:
		return "timeout"
	}
	return "error"
}
