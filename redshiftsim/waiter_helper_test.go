package redshiftsim_test

import (
	"context"
	"time"

	"github.com/aws/smithy-go/middleware"
)

// advanceAfterCall returns an API option that moves the simulator's clock a
// minute on after each call, so a waiter sees a transition complete.
func advanceAfterCall(e *env, polls *int) func(*middleware.Stack) error {
	return func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("advanceClock",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleInitialize(ctx, in)
				*polls++
				e.clock.Advance(time.Minute)
				return out, md, err
			}), middleware.After)
	}
}
