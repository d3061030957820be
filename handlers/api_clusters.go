package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/labstack/echo/v4"

	"rolegate/internal/change"
	"rolegate/internal/inventory"
)

// apiCluster is a cluster as the API shows it.
type apiCluster struct {
	Account      string            `json:"account"`
	AccountName  string            `json:"account_name,omitempty"`
	Region       string            `json:"region"`
	ID           string            `json:"id"`
	Status       string            `json:"status"`
	Availability string            `json:"availability,omitempty"`
	NodeType     string            `json:"node_type,omitempty"`
	Nodes        int               `json:"nodes"`
	DefaultRole  string            `json:"default_role,omitempty"`
	Roles        []apiRole         `json:"roles"`
	InSync       bool              `json:"in_sync"`
	Tags         map[string]string `json:"tags,omitempty"`
	OpenChanges  []int64           `json:"open_changes,omitempty"`
	// Drifted: the roles were changed outside Rolegate and the drift is
	// still open (the list's drift=1 filter).
	Drifted   bool      `json:"drifted"`
	FetchedAt time.Time `json:"fetched_at"`
	URL       string    `json:"url"`
}

type apiRole struct {
	ARN         string `json:"arn"`
	ApplyStatus string `json:"apply_status"`
}

// apiClusterList is the list's answer: one page of the matching clusters.
type apiClusterList struct {
	Clusters []apiCluster `json:"clusters"`
	Matching int          `json:"matching"`
	Total    int          `json:"total"`
	Page     int          `json:"page"`
	Pages    int          `json:"pages"`
	Next     string       `json:"next,omitempty"`
	Prev     string       `json:"prev,omitempty"`
	// Unreadable names the account-regions that could not be read: their
	// clusters are the last ones seen, or missing.
	Unreadable []apiUnreadable `json:"unreadable,omitempty"`
}

type apiUnreadable struct {
	Account string `json:"account,omitempty"`
	Region  string `json:"region,omitempty"`
	Reason  string `json:"reason"`
}

func apiClusterOf(cl *inventory.Cluster, open []int64, drifted driftSet) apiCluster {
	a := cl.API
	out := apiCluster{
		Account: cl.Account, AccountName: cl.AccountName, Region: cl.Region, ID: cl.ID,
		Status: cl.Status, Availability: cl.Availability, NodeType: cl.NodeType, Nodes: cl.Nodes,
		DefaultRole: cl.Default, Roles: make([]apiRole, 0, len(a.IamRoles)), InSync: cl.InSync,
		OpenChanges: open, Drifted: drifted.has(cl), FetchedAt: cl.Fetched.UTC(), URL: "/api/v1" + clusterURL(cl.Account, cl.Region, cl.ID),
	}
	for _, r := range a.IamRoles {
		out.Roles = append(out.Roles, apiRole{ARN: aws.ToString(r.IamRoleArn), ApplyStatus: aws.ToString(r.ApplyStatus)})
	}
	if len(a.Tags) > 0 {
		out.Tags = make(map[string]string, len(a.Tags))
		for _, t := range a.Tags {
			out.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	return out
}

// apiClusterList lists the inventory with the list page's filters, sort
// and paging (the same query parameters, parsed by the same code).
func (h *Handler) apiClusterList(c echo.Context) error {
	ctx := c.Request().Context()
	inv, err := h.inv.List(ctx)
	if err != nil && errors.Is(err, context.Canceled) {
		return err
	}
	f := parseClusterFilter(c.QueryParams())
	open, err := h.changes.OpenByCluster(ctx)
	if err != nil {
		h.log.Warn("listing open change requests for the API cluster list", "request_id", requestIDOf(c), "err", err)
		open = map[change.ClusterKey][]int64{}
	}
	var unreadable []apiUnreadable
	for _, u := range inv.Unreachable {
		unreadable = append(unreadable, apiUnreadable{Account: u.Account, Reason: u.Reason()})
	}
	for _, st := range inv.Regions {
		if ae := (*inventory.AssumeRoleError)(nil); st.Err != nil && !errors.As(st.Err, &ae) {
			unreadable = append(unreadable, apiUnreadable{Account: st.Account, Region: st.Region, Reason: awsSafeMessage(st.Err)})
		}
	}
	// The answer depends only on the data, the query, the open requests
	// and the unreadable regions: it is kept per data version, as the
	// page's listing is.
	f.driftSet = h.driftedKeys(ctx, c)
	key := f.query(f.sort, f.desc, f.page) + "\x00" + openByCluster(open).fingerprint() + "\x00" + f.driftSet.fingerprint() + "\x00" + fmt.Sprint(unreadable)
	if b, ok := h.apiListings.get(inv.Version, key); ok {
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, []byte(b))
	}
	cp := h.pickClusters(inv, f, open)
	out := apiClusterList{
		Clusters: make([]apiCluster, 0, cp.to-cp.from), Matching: len(cp.matched), Total: len(inv.Clusters),
		Page: cp.page, Pages: cp.pages, Unreadable: unreadable,
	}
	for _, cl := range cp.matched[cp.from:cp.to] {
		out.Clusters = append(out.Clusters, apiClusterOf(cl, open[h.changes.Key(cl.Account, cl.Region, cl.ID)], f.driftSet))
	}
	if cp.page > 1 {
		out.Prev = "/api/v1" + f.query(f.sort, f.desc, cp.page-1)
	}
	if cp.page < cp.pages {
		out.Next = "/api/v1" + f.query(f.sort, f.desc, cp.page+1)
	}
	var buf bytes.Buffer
	if err := jsonEncode(&buf, out); err != nil {
		return err
	}
	h.apiListings.put(inv.Version, key, buf.String())
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, buf.Bytes())
}

// apiClusterDetail is one cluster, read from AWS now; Warning says when
// AWS could not be read and the cached state is shown instead.
type apiClusterDetail struct {
	apiCluster
	Warning string `json:"warning,omitempty"`
}

func (h *Handler) apiClusterShow(c echo.Context) error {
	cl, warning, err := h.loadCluster(c)
	if err != nil {
		return err
	}
	open, err := h.changes.OpenByCluster(c.Request().Context())
	if err != nil {
		h.log.Warn("listing open change requests for the API cluster", "request_id", requestIDOf(c), "err", err)
	}
	out := apiClusterDetail{apiCluster: apiClusterOf(cl, open[h.changes.Key(cl.Account, cl.Region, cl.ID)], h.driftedKeys(c.Request().Context(), c)), Warning: strings.TrimSpace(warning)}
	return apiJSONResponse(c, http.StatusOK, out)
}

// apiClusterSnapshot is the cluster's full Cluster as DescribeClusters
// returned it.
func (h *Handler) apiClusterSnapshot(c echo.Context) error {
	cl, _, err := h.loadCluster(c)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, append(inventory.SnapshotJSON(cl.API), '\n'))
}
