package inventory

import (
	"context"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
)

// Reachable reports, per region, whether the Redshift API answered: nil
// when a sweep or probe succeeded within the TTL, the error otherwise. A
// region with no recent answer is probed with one small DescribeClusters
// call (single-flight), so readiness checks cost at most one call per
// region per TTL.
//
// The map is keyed by region, "ACCOUNT/region" for a configured account.
func (g *Gateway) Reachable(ctx context.Context) map[string]error {
	places := g.lay.Load().places
	out := make(map[string]error, len(places))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, r := range places {
		name := r.key()
		if err, ok := r.recentAnswer(g.o.Now(), g.o.TTL); ok {
			out[name] = err
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ch := g.flight.DoChan("probe/"+name, func() (any, error) {
				return nil, g.probe(context.WithoutCancel(ctx), r)
			})
			var err error
			select {
			case res := <-ch:
				err = res.Err
			case <-ctx.Done():
				err = ctx.Err()
			}
			mu.Lock()
			out[name] = err
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

func (r *region) recentAnswer(now time.Time, ttl time.Duration) (error, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.err != nil && now.Sub(r.errAt) < ttl:
		return r.err, true
	case !r.probed.IsZero() && now.Sub(r.probed) < ttl:
		return r.probeErr, true
	}
	return nil, false
}

func (g *Gateway) probe(ctx context.Context, r *region) error {
	ctx, cancel := context.WithTimeout(ctx, g.o.Timeout)
	defer cancel()
	_, err := r.client.DescribeClusters(ctx, &redshift.DescribeClustersInput{MaxRecords: aws.Int32(20)})
	r.mu.Lock()
	r.probed, r.probeErr = g.o.Now(), err
	r.mu.Unlock()
	if err != nil {
		g.o.Logger.Warn("inventory probe failed", "region", r.name, "request_id", RequestIDOf(err), "err", err)
	}
	return err
}
