package inventory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/redshift/types"
	"github.com/aws/smithy-go/middleware"
)

// Cluster returns one cluster of an account ("" for the one Rolegate runs
// in). Unless live is true it comes from the cache when the region's data
// is younger than the TTL and the cluster was not invalidated; otherwise
// it is read now with DescribeClusters (ClusterIdentifier) and the cache
// is updated. A cluster that does not exist gives ErrNotFound.
func (g *Gateway) Cluster(ctx context.Context, accountID, regionName, id string, live bool) (*Cluster, error) {
	r, err := g.place(accountID, regionName)
	if err != nil {
		return nil, err
	}
	if !live {
		if s := r.fresh(g.o.Now(), g.o.TTL); s != nil {
			if c := s.find(id); c != nil && !r.isDirty(id) && c.in(accountID) {
				return c, nil
			}
		}
	}
	tc, _, err := g.DescribeCluster(ctx, accountID, regionName, id)
	if err != nil {
		return nil, err
	}
	c := r.current().find(id)
	if c == nil || c.API != tc {
		c = r.newCluster(tc, g.o.Now())
	}
	if g.o.OnClusters != nil {
		g.o.OnClusters(ctx, []*Cluster{c})
	}
	return c, nil
}

func (s *snapshot) find(id string) *Cluster {
	if s == nil {
		return nil
	}
	i, ok := slices.BinarySearchFunc(s.clusters, id, func(c *Cluster, id string) int { return strings.Compare(c.ID, id) })
	if !ok {
		return nil
	}
	return s.clusters[i]
}

// in reports whether the cluster can be the one asked for in accountID:
// its account is the one asked, or one of them is not known.
func (c *Cluster) in(accountID string) bool {
	return accountID == "" || c.Account == "" || c.Account == accountID
}

// Invalidate makes the next Cluster read of that cluster go to the API.
func (g *Gateway) Invalidate(accountID, regionName, id string) {
	if r, err := g.place(accountID, regionName); err == nil {
		r.mu.Lock()
		if r.dirty == nil {
			r.dirty = map[string]bool{}
		}
		r.dirty[id] = true
		r.mu.Unlock()
	}
}

func (r *region) isDirty(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.dirty[id]
}

// DescribeCluster reads one cluster from the API now (never the cache),
// with the SDK's retries, and updates the cache with it. It returns the
// API request ID, also on error where AWS sent one.
func (g *Gateway) DescribeCluster(ctx context.Context, accountID, regionName, id string) (*types.Cluster, string, error) {
	r, err := g.place(accountID, regionName)
	if err != nil {
		return nil, "", err
	}
	c := r.client
	if !ValidClusterID(id) {
		return nil, "", fmt.Errorf("inventory: %s/%q is not a cluster identifier: %w", regionName, id, ErrNotFound)
	}
	ctx, cancel := context.WithTimeout(ctx, g.o.Timeout)
	defer cancel()
	out, err := c.DescribeClusters(ctx, &redshift.DescribeClustersInput{ClusterIdentifier: aws.String(id)})
	if err != nil {
		reqID := RequestIDOf(err)
		var nf *types.ClusterNotFoundFault
		if errors.As(err, &nf) {
			r.put(id, nil, g.o.Now())
			return nil, reqID, fmt.Errorf("inventory: %s/%s: %w: %w", regionName, id, ErrNotFound, err)
		}
		return nil, reqID, fmt.Errorf("inventory: DescribeClusters %s/%s: %w", regionName, id, err)
	}
	reqID := requestIDOfResult(out.ResultMetadata)
	// The API matches identifiers exactly; anything else is not this
	// cluster (Terraform's "eventual consistency check").
	for i := range out.Clusters {
		if aws.ToString(out.Clusters[i].ClusterIdentifier) == id {
			cl := out.Clusters[i]
			if !r.newCluster(&cl, time.Time{}).in(accountID) {
				// Rolegate's own credentials reached a cluster of another
				// account than the one asked for: not that cluster.
				return nil, reqID, fmt.Errorf("inventory: %s/%s is not in account %s: %w", regionName, id, accountID, ErrNotFound)
			}
			r.put(id, &cl, g.o.Now())
			return &cl, reqID, nil
		}
	}
	r.put(id, nil, g.o.Now())
	return nil, reqID, fmt.Errorf("inventory: %s/%s: %w", regionName, id, ErrNotFound)
}

// ModifyClusterIamRoles sends the change once: the SDK's retries are off
// for this call because the API has no idempotency token, so a retried
// call could apply twice or fail on its own first success. It returns the
// Cluster the API answered with and the request ID, also on error where
// AWS sent one; the cache is updated with the answer.
//
// In an account reached through a role the change is made as the person
// named by as (the approver): the role is assumed for this call alone with
// their name, sanitised to STS's characters, as RoleSessionName and
// SourceIdentity, so that the account's CloudTrail names them. The Session
// says who it was made as; in the account Rolegate runs in, or with as
// empty, it is made with Rolegate's own credentials and Session is zero.
func (g *Gateway) ModifyClusterIamRoles(ctx context.Context, accountID, regionName, as string, in *redshift.ModifyClusterIamRolesInput) (*types.Cluster, Session, string, error) {
	r, err := g.place(accountID, regionName)
	if err != nil {
		return nil, Session{}, "", err
	}
	c := r.client
	if in == nil || aws.ToString(in.ClusterIdentifier) == "" {
		return nil, Session{}, "", errors.New("inventory: ModifyClusterIamRoles needs a ClusterIdentifier")
	}
	id := aws.ToString(in.ClusterIdentifier)
	if !ValidClusterID(id) {
		return nil, Session{}, "", fmt.Errorf("inventory: %s/%q is not a cluster identifier: %w", regionName, id, ErrNotFound)
	}
	ctx, cancel := context.WithTimeout(ctx, g.o.Timeout)
	defer cancel()
	var sess Session
	var creds aws.CredentialsProvider
	if r.account.RoleARN != "" && as != "" {
		if creds, sess, err = g.assumeAs(ctx, r.account, as); err != nil {
			return nil, Session{}, RequestIDOf(err), fmt.Errorf("inventory: ModifyClusterIamRoles %s/%s: %w", regionName, id, err)
		}
	}
	out, err := c.ModifyClusterIamRoles(ctx, in, func(o *redshift.Options) {
		o.Retryer = aws.NopRetryer{}
		o.RetryMaxAttempts = 1
		if creds != nil {
			o.Credentials = creds
		}
	})
	if err != nil {
		// Whatever happened, the cached state may be wrong now.
		g.Invalidate(accountID, regionName, id)
		return nil, sess, RequestIDOf(err), fmt.Errorf("inventory: ModifyClusterIamRoles %s/%s: %w", regionName, id, err)
	}
	reqID := requestIDOfResult(out.ResultMetadata)
	if out.Cluster != nil {
		r.put(id, out.Cluster, g.o.Now())
	} else {
		g.Invalidate(accountID, regionName, id)
	}
	return out.Cluster, sess, reqID, nil
}

// put replaces (or, with nil, removes) one cluster in the region's
// snapshot, copying the snapshot so that readers keep what they have, and
// clears its invalidation. Before the first sweep nothing is cached.
func (r *region) put(id string, c *types.Cluster, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.dirty, id)
	if r.snap == nil {
		return
	}
	old := r.snap.clusters
	i, found := slices.BinarySearchFunc(old, id, func(x *Cluster, id string) int { return strings.Compare(x.ID, id) })
	var list []*Cluster
	switch {
	case c == nil && !found:
		return
	case c == nil:
		list = slices.Delete(slices.Clone(old), i, i+1)
	case found:
		list = slices.Clone(old)
		list[i] = r.newCluster(c, at)
	default:
		list = slices.Insert(slices.Clone(old), i, r.newCluster(c, at))
	}
	r.snap = &snapshot{clusters: list, fetched: r.snap.fetched}
}

func requestIDOfResult(md middleware.Metadata) string {
	id, _ := awsmiddleware.GetRequestIDMetadata(md)
	return id
}

// Cached returns the cluster as last read, without calling AWS, or nil.
func (g *Gateway) Cached(accountID, regionName, id string) *Cluster {
	r, err := g.place(accountID, regionName)
	if err != nil {
		return nil
	}
	if c := r.current().find(id); c != nil && c.in(accountID) {
		return c
	}
	return nil
}
