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

// Open lists the cluster's open requests (InFlightStates), oldest first.
func (s *Service) Open(ctx context.Context, region, cluster string) ([]*Request, error) {
	reqs, err := listRequests(ctx, s.o.DB.Reader(), ListFilter{States: InFlightStates, Region: region, Cluster: cluster, Limit: 200})
	if err != nil {
		return nil, err
	}
	slices.Reverse(reqs)
	return reqs, nil
}

// OpenByCluster lists the IDs of every cluster's open requests, oldest
// first; a cluster without any is absent.
func (s *Service) OpenByCluster(ctx context.Context) (map[ClusterKey][]int64, error) {
	return inFlightByCluster(ctx, s.o.DB.Reader())
}

// checkOpenSeen refuses a new request on a cluster that has open requests
// unless the requester was shown every one of them (their IDs came back
// with the form) and confirmed that they want another. The message names
// the requests, so that the form can show them.
// It runs before AWS is asked, and again in the transaction that stores
// the request, so that two requesters submitting at once cannot both pass
// unseen.
func checkOpenSeen(ctx context.Context, q querier, d Draft) (FieldErrors, error) {
	all, err := inFlightByCluster(ctx, q)
	if err != nil {
		return nil, err
	}
	open := all[ClusterKey{Region: d.Region, Cluster: d.Cluster}]
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
