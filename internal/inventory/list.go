package inventory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/redshift/types"
)

// Cluster is one cluster as the API last reported it, with the fields the
// list shows read out once. Values handed out by the gateway are shared
// and must not be modified.
type Cluster struct {
	// Account is the 12-digit ID of the cluster's account: the configured
	// one, else the one its namespace ARN names; "" when neither says.
	Account     string
	AccountName string
	Region      string
	ID          string
	API         *types.Cluster
	// Fetched is when the API reported this state.
	Fetched time.Time

	Status       string // ClusterStatus
	Availability string // ClusterAvailabilityStatus
	NodeType     string
	Nodes        int
	Default      string // DefaultIamRoleArn
	Roles        int
	// InSync is true when every role's ApplyStatus is in-sync.
	InSync bool
	// Summary is true when API holds only the members the dashboard shows
	// (an entry from a sweep); live reads hold the full Cluster.
	Summary bool

	// search is the lower-cased identifier and role ARNs, for filtering.
	search string
}

// newCluster is c as seen in the region of its account.
func (r *region) newCluster(c *types.Cluster, at time.Time) *Cluster {
	cl := newCluster(r.name, c, at)
	cl.Account, cl.AccountName = r.account.ID, r.account.Name
	if cl.Account == "" {
		// No account configured: the cluster's namespace ARN names it.
		cl.Account = AccountOf(aws.ToString(c.ClusterNamespaceArn))
	}
	return cl
}

func newCluster(regionName string, c *types.Cluster, at time.Time) *Cluster {
	var b strings.Builder
	b.WriteString(strings.ToLower(aws.ToString(c.ClusterIdentifier)))
	inSync := true
	for _, r := range c.IamRoles {
		b.WriteByte('\n')
		b.WriteString(strings.ToLower(aws.ToString(r.IamRoleArn)))
		if aws.ToString(r.ApplyStatus) != "in-sync" {
			inSync = false
		}
	}
	return &Cluster{
		Region:       regionName,
		ID:           aws.ToString(c.ClusterIdentifier),
		API:          c,
		Fetched:      at,
		Status:       aws.ToString(c.ClusterStatus),
		Availability: aws.ToString(c.ClusterAvailabilityStatus),
		NodeType:     aws.ToString(c.NodeType),
		Nodes:        int(aws.ToInt32(c.NumberOfNodes)),
		Default:      aws.ToString(c.DefaultIamRoleArn),
		Roles:        len(c.IamRoles),
		InSync:       inSync,
		search:       b.String(),
	}
}

// Matches reports whether the lower-cased needle occurs in the cluster's
// identifier or one of its role ARNs.
func (c *Cluster) Matches(lowerNeedle string) bool {
	return strings.Contains(c.search, lowerNeedle)
}

// RegionStatus is the state of one region's data in one account.
type RegionStatus struct {
	Account     string
	AccountName string
	Region      string
	// Fetched is when the data shown was swept; zero when never.
	Fetched time.Time
	// Err is the last sweep's error, nil when it succeeded.
	Err error
	// Clusters is how many clusters the data shown holds.
	Clusters int
}

// Inventory is every cluster of every region as last swept. Its slices
// are shared between callers and must not be modified.
type Inventory struct {
	// Regions of every account, in the configured order.
	Regions []RegionStatus
	// Accounts whose credentials could not be had (AssumeRole failed), in
	// the configured order; every other account still lists.
	Unreachable []*AssumeRoleError
	// Clusters sorted by account and region (configured order), then
	// identifier.
	Clusters []*Cluster
	// Statuses are the distinct ClusterStatus values, sorted.
	Statuses []string
	// Version changes whenever Clusters does, so that callers may cache
	// what they derive from it.
	Version uint64
}

// combined is the last Inventory built from the regions' snapshots; it is
// reused while they stay the same.
type combined struct {
	snaps    []*snapshot
	clusters []*Cluster
	statuses []string
	version  uint64
}

// RegionError is a region whose sweep failed.
type RegionError struct {
	Account string // "" for Rolegate's own account when none is configured
	Region  string
	Err     error
}

func (e *RegionError) Error() string {
	if e.Account != "" {
		return "account " + e.Account + " region " + e.Region + ": " + e.Err.Error()
	}
	return "region " + e.Region + ": " + e.Err.Error()
}
func (e *RegionError) Unwrap() error { return e.Err }

// List returns every cluster of every account and region, from the cache
// when it is younger than the TTL, else sweeping the account-regions
// concurrently, at most Options.Concurrency at once (one sweep per
// account-region however many callers ask at once). The Inventory is
// always usable: an account-region that failed keeps its last good data,
// if any, the error joins a *RegionError per failed account-region, and
// an account whose role could not be assumed is in Unreachable.
func (g *Gateway) List(ctx context.Context) (Inventory, error) {
	places := g.lay.Load().places
	snaps := make([]*snapshot, len(places))
	var wg sync.WaitGroup
	for i, r := range places {
		if s := r.fresh(g.o.Now(), g.o.TTL); s != nil {
			snaps[i] = s
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			snaps[i], _ = g.sweepShared(ctx, r)
		}()
	}
	wg.Wait()
	var inv Inventory
	var errs []error
	for _, r := range places {
		st := r.status()
		inv.Regions = append(inv.Regions, st)
		if st.Err == nil {
			continue
		}
		errs = append(errs, &RegionError{Account: r.account.ID, Region: r.name, Err: st.Err})
		var ae *AssumeRoleError
		if errors.As(st.Err, &ae) && !slices.ContainsFunc(inv.Unreachable, func(x *AssumeRoleError) bool { return x.Account == ae.Account }) {
			inv.Unreachable = append(inv.Unreachable, ae)
		}
	}
	cb := g.combine(snaps)
	inv.Clusters, inv.Statuses, inv.Version = cb.clusters, cb.statuses, cb.version
	return inv, errors.Join(errs...)
}

// combine joins the regions' snapshots into one list, reusing the last
// one when no snapshot changed.
func (g *Gateway) combine(snaps []*snapshot) *combined {
	if cb := g.last.Load(); cb != nil && slices.Equal(cb.snaps, snaps) {
		return cb
	}
	n := 0
	for _, s := range snaps {
		if s != nil {
			n += len(s.clusters)
		}
	}
	cb := &combined{snaps: snaps, clusters: make([]*Cluster, 0, n), version: g.version.Add(1)}
	seen := map[string]bool{}
	for _, s := range snaps {
		if s == nil {
			continue
		}
		cb.clusters = append(cb.clusters, s.clusters...)
		for _, c := range s.clusters {
			if !seen[c.Status] && c.Status != "" {
				seen[c.Status] = true
				cb.statuses = append(cb.statuses, c.Status)
			}
		}
	}
	slices.Sort(cb.statuses)
	g.last.Store(cb)
	return cb
}

// fresh returns the snapshot when it may be served: younger than the TTL
// and not marked stale, or the last sweep failed less than a TTL ago (so a
// failing region is not hammered; Refresh forces a new try).
func (r *region) fresh(now time.Time, ttl time.Duration) *snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stale {
		return nil
	}
	if r.err != nil && now.Sub(r.errAt) < ttl {
		if r.snap != nil {
			return r.snap
		}
		return noData
	}
	if r.err == nil && r.snap != nil && now.Sub(r.snap.fetched) < ttl {
		return r.snap
	}
	return nil
}

// noData stands for a region that failed before its first good sweep.
var noData = &snapshot{}

func (r *region) status() RegionStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := RegionStatus{Account: r.account.ID, AccountName: r.account.Name, Region: r.name, Err: r.err}
	if r.snap != nil {
		st.Fetched = r.snap.fetched
		st.Clusters = len(r.snap.clusters)
	}
	return st
}

// sweepShared runs one sweep of the region for all concurrent callers. The
// sweep is detached from the caller's cancellation (others may wait on it);
// a caller whose context ends stops waiting.
func (g *Gateway) sweepShared(ctx context.Context, r *region) (*snapshot, error) {
	ch := g.flight.DoChan("sweep/"+r.key(), func() (any, error) {
		// A sweep that finished between the caller's check and now
		// already made fresh data.
		if s := r.fresh(g.o.Now(), g.o.TTL); s != nil {
			return s, nil
		}
		// Sweeps beyond the bound wait for a free slot.
		g.sem <- struct{}{}
		defer func() { <-g.sem }()
		return g.sweep(context.WithoutCancel(ctx), r)
	})
	select {
	case res := <-ch:
		s, _ := res.Val.(*snapshot)
		if s == nil {
			s = r.current()
		}
		return s, res.Err
	case <-ctx.Done():
		return r.current(), ctx.Err()
	}
}

func (r *region) current() *snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.snap
}

// sweep lists every cluster of the region, page by page, and replaces the
// region's snapshot; on error it keeps the old one and records the error.
func (g *Gateway) sweep(ctx context.Context, r *region) (*snapshot, error) {
	c := r.client
	started := g.o.Now()
	p := redshift.NewDescribeClustersPaginator(c, &redshift.DescribeClustersInput{MaxRecords: aws.Int32(PageSize)})
	decoder := withSweepDecoder(g.o.Logger)
	var list []*Cluster
	pages := 0
	for p.HasMorePages() {
		cctx, cancel := context.WithTimeout(ctx, g.o.Timeout)
		out, err := p.NextPage(cctx, decoder)
		cancel()
		if err != nil {
			err = fmt.Errorf("DescribeClusters page %d: %w", pages+1, err)
			g.o.Logger.Warn("inventory sweep failed", "account", r.account.ID, "region", r.name, "pages", pages, "request_id", RequestIDOf(err), "err", err)
			r.mu.Lock()
			r.err, r.errAt, r.stale = err, g.o.Now(), false
			s := r.snap
			r.mu.Unlock()
			if g.o.OnSweep != nil {
				g.o.OnSweep(r.name, g.o.Now().Sub(started), 0, err)
			}
			return s, err
		}
		pages++
		now := g.o.Now()
		for i := range out.Clusters {
			// Already cut down to the summary by the sweep's decoder.
			c := r.newCluster(&out.Clusters[i], now)
			c.Summary = true
			list = append(list, c)
		}
	}
	// Markers make pages disjoint, but a cluster created between two pages
	// could in principle appear twice: keep one per identifier.
	slices.SortStableFunc(list, func(a, b *Cluster) int { return strings.Compare(a.ID, b.ID) })
	list = slices.CompactFunc(list, func(a, b *Cluster) bool { return a.ID == b.ID })
	s := &snapshot{clusters: list, fetched: g.o.Now()}
	r.mu.Lock()
	r.snap, r.err, r.errAt, r.stale = s, nil, time.Time{}, false
	r.probed, r.probeErr = s.fetched, nil
	r.mu.Unlock()
	g.o.Logger.Debug("inventory swept", "account", r.account.ID, "region", r.name, "clusters", len(list), "pages", pages, "took", g.o.Now().Sub(started))
	if g.o.OnSweep != nil {
		g.o.OnSweep(r.name, g.o.Now().Sub(started), len(list), nil)
	}
	if g.o.OnClusters != nil {
		g.o.OnClusters(ctx, list)
	}
	return s, nil
}

// Refresh marks a region's data in every account (every region's when
// name is "") stale, so that the next List sweeps it again.
func (g *Gateway) Refresh(name string) {
	for _, r := range g.lay.Load().places {
		if name == "" || r.name == name {
			r.mu.Lock()
			r.stale = true
			r.mu.Unlock()
		}
	}
}
