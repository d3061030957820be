package change

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// FieldOpen is the new-change form's confirmation that the requester has
// seen the cluster's open requests.
const FieldOpen = "open"

// Key names the cluster in account and region as OpenByCluster does: a
// cluster of one identifier in two accounts is two keys, and the account
// Rolegate runs in is "" (so that requests stored without an account are
// its own).
func (s *Service) Key(account, region, cluster string) ClusterKey {
	if s.o.Redshift.Home(account) {
		account = ""
	}
	return ClusterKey{Account: account, Region: region, Cluster: cluster}
}

// Open lists the open requests (InFlightStates) of the cluster in account
// and region, oldest first.
func (s *Service) Open(ctx context.Context, account, region, cluster string) ([]*Request, error) {
	reqs, err := s.List(ctx, ListFilter{States: InFlightStates, Account: account, Region: region, Cluster: cluster, Limit: 200})
	if err != nil {
		return nil, err
	}
	slices.Reverse(reqs)
	return reqs, nil
}

// OpenByCluster lists the IDs of every cluster's open requests, oldest
// first, by Key; a cluster without any is absent.
func (s *Service) OpenByCluster(ctx context.Context) (map[ClusterKey][]int64, error) {
	return inFlightByCluster(ctx, s.o.DB.Reader(), s.Key)
}

// checkOpenSeen refuses a new request on a cluster that has open requests
// unless the requester was shown every one of them (their IDs came back
// with the form) and confirmed that they want another. The message names
// the requests, so that the form can show them.
// It runs before AWS is asked, and again in the transaction that stores
// the request, so that two requesters submitting at once cannot both pass
// unseen.
func (s *Service) checkOpenSeen(ctx context.Context, q querier, d Draft) (FieldErrors, error) {
	all, err := inFlightByCluster(ctx, q, s.Key)
	if err != nil {
		return nil, err
	}
	open := all[s.Key(d.Account, d.Region, d.Cluster)]
	if len(open) == 0 {
		return nil, nil
	}
	var unseen []string
	for _, id := range open {
		if !slices.Contains(d.SeenOpen, id) {
			unseen = append(unseen, "#"+strconv.FormatInt(id, 10))
		}
	}
	switch {
	case len(unseen) > 0:
		return FieldErrors{FieldOpen: fmt.Sprintf("the cluster has open requests you were not shown (%s); read them above, then confirm to submit another", strings.Join(unseen, ", "))}, nil
	case !d.ConfirmOpen:
		return FieldErrors{FieldOpen: "the cluster already has open requests (listed above); confirm that you want to submit another"}, nil
	}
	return nil, nil
}
