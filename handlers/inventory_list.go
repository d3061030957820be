package handlers

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/labstack/echo/v4"

	"rolegate/internal/change"
	"rolegate/internal/drift"
	"rolegate/internal/inventory"
	"rolegate/views"
	"rolegate/views/components"
	"rolegate/views/pages"
)

// clusterPageSize is how many clusters one page of the list shows.
const clusterPageSize = 50

// clusterFilter is the list's query: search, filters, sort and page.
type clusterFilter struct {
	q, account, region, status string
	notInSync                  bool
	open                       bool // only clusters with open change requests
	drifted                    bool // only clusters changed outside Rolegate (an open drift)
	// driftSet are the clusters with an open drift, for the filter and
	// the badge; the handler fills it.
	driftSet driftSet
	tag      string // only clusters carrying this approval tag (key=value)
	sort     string // id, account, region, status, type, nodes, roles; "" = account, region then id
	desc     bool
	page     int
}

var clusterSorts = []string{"id", "account", "region", "status", "type", "nodes", "roles"}

func parseClusterFilter(v url.Values) clusterFilter {
	f := clusterFilter{
		q:         strings.TrimSpace(v.Get("q")),
		account:   v.Get("account"),
		region:    v.Get("region"),
		status:    v.Get("status"),
		notInSync: v.Get("notinsync") == "1",
		open:      v.Get("open") == "1",
		drifted:   v.Get("drift") == "1",
		tag:       v.Get("tag"),
		desc:      v.Get("dir") == "desc",
		page:      1,
	}
	if s := v.Get("sort"); slices.Contains(clusterSorts, s) {
		f.sort = s
	}
	if n, err := strconv.Atoi(v.Get("page")); err == nil && n > 1 {
		f.page = n
	}
	return f
}

// query renders the filter as a URL query, with the sort and page given.
func (f clusterFilter) query(sort string, desc bool, page int) string {
	v := url.Values{}
	if f.q != "" {
		v.Set("q", f.q)
	}
	if f.account != "" {
		v.Set("account", f.account)
	}
	if f.region != "" {
		v.Set("region", f.region)
	}
	if f.status != "" {
		v.Set("status", f.status)
	}
	if f.notInSync {
		v.Set("notinsync", "1")
	}
	if f.open {
		v.Set("open", "1")
	}
	if f.drifted {
		v.Set("drift", "1")
	}
	if f.tag != "" {
		v.Set("tag", f.tag)
	}
	if sort != "" {
		v.Set("sort", sort)
	}
	if desc {
		v.Set("dir", "desc")
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return "/clusters"
	}
	return "/clusters?" + v.Encode()
}

func (f clusterFilter) match(c *inventory.Cluster, lowerQ string, open func(*inventory.Cluster) []int64) bool {
	if f.account != "" && c.Account != f.account {
		return false
	}
	if f.region != "" && c.Region != f.region {
		return false
	}
	if f.open && len(open(c)) == 0 {
		return false
	}
	if f.drifted && !f.driftSet.has(c) {
		return false
	}
	if f.tag != "" && !hasTag(c, f.tag) {
		return false
	}
	if f.status != "" && c.Status != f.status {
		return false
	}
	if f.notInSync && c.InSync {
		return false
	}
	return lowerQ == "" || c.Matches(lowerQ)
}

func (f clusterFilter) filters() bool {
	return f.q != "" || f.account != "" || f.region != "" || f.status != "" || f.notInSync || f.open || f.drifted || f.tag != ""
}

// driftSet are the clusters with an open drift.
type driftSet map[drift.Key]bool

func (d driftSet) has(c *inventory.Cluster) bool {
	return d[drift.Key{Account: c.Account, Region: c.Region, Cluster: c.ID}]
}

// fingerprint changes whenever the set does.
func (d driftSet) fingerprint() string {
	keys := slices.SortedFunc(maps.Keys(d), func(a, b drift.Key) int {
		return cmp.Or(strings.Compare(a.Account, b.Account), strings.Compare(a.Region, b.Region), strings.Compare(a.Cluster, b.Cluster))
	})
	h := fnv.New64a()
	for _, k := range keys {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00", k.Account, k.Region, k.Cluster)
	}
	return strconv.FormatUint(h.Sum64(), 36)
}

// openByCluster is every cluster's open change requests, by ID.
type openByCluster map[change.ClusterKey][]int64

// openOf looks a cluster's open requests up in open.
func (h *Handler) openOf(open openByCluster) func(*inventory.Cluster) []int64 {
	return func(cl *inventory.Cluster) []int64 { return open[h.changes.Key(cl.Account, cl.Region, cl.ID)] }
}

// fingerprint changes whenever the open requests do, so that a listing
// rendered for one set of them is never served for another.
func (o openByCluster) fingerprint() string {
	keys := slices.SortedFunc(maps.Keys(o), func(a, b change.ClusterKey) int {
		return cmp.Or(strings.Compare(a.Account, b.Account), strings.Compare(a.Region, b.Region), strings.Compare(a.Cluster, b.Cluster))
	})
	h := fnv.New64a()
	for _, k := range keys {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%v\x00", k.Account, k.Region, k.Cluster, o[k])
	}
	return strconv.FormatUint(h.Sum64(), 36)
}

// hasTag reports whether the cluster carries the tag key=value.
func hasTag(c *inventory.Cluster, keyValue string) bool {
	k, v, ok := strings.Cut(keyValue, "=")
	if !ok {
		return false
	}
	for _, t := range c.API.Tags {
		if aws.ToString(t.Key) == k && aws.ToString(t.Value) == v {
			return true
		}
	}
	return false
}

// clusterList shows every cluster of every region, from the gateway's
// cache; regions that could not be read get a banner. The filters, table
// and pager depend only on the data and the query, so their HTML is kept
// per data version and query and reused until the data changes.
func (h *Handler) clusterList(c echo.Context) error {
	ctx := c.Request().Context()
	inv, err := h.inv.List(ctx)
	if err != nil && errors.Is(err, context.Canceled) {
		return err
	}
	f := parseClusterFilter(c.QueryParams())
	now := time.Now()
	p := pages.ClusterListPage{
		RefreshURL: "/clusters/refresh",
		Back:       f.query(f.sort, f.desc, f.page),
	}
	for _, u := range inv.Unreachable {
		h.log.Warn("an account's role could not be assumed", "request_id", requestIDOf(c), "account", u.Account, "role", u.RoleARN, "err", u.Err)
		p.AccountBanners = append(p.AccountBanners, pages.AccountBanner{ID: u.Account, Name: u.Name, Reason: u.Reason()})
	}
	var oldest time.Time
	for _, st := range inv.Regions {
		if !st.Fetched.IsZero() && (oldest.IsZero() || st.Fetched.Before(oldest)) {
			oldest = st.Fetched
		}
		// An account whose role was refused has its own banner.
		if ae := (*inventory.AssumeRoleError)(nil); st.Err != nil && !errors.As(st.Err, &ae) {
			b := pages.RegionBanner{Account: st.AccountName, Region: st.Region, Message: awsSafeMessage(st.Err), Clusters: st.Clusters}
			if !st.Fetched.IsZero() {
				b.LastGood = "swept " + ago(now, st.Fetched)
			}
			p.Banners = append(p.Banners, b)
		}
	}
	if oldest.IsZero() {
		p.DataTime, p.DataAge = components.Moment{Text: "never"}, "no region could be read yet"
	} else {
		p.DataTime, p.DataAge = clock(oldest, zoneOf(c)), ago(now, oldest)
	}
	open, err := h.changes.OpenByCluster(ctx)
	if err != nil {
		// The list still shows the clusters; the markers are missing.
		h.log.Warn("listing open change requests for the cluster list", "request_id", requestIDOf(c), "err", err)
		open = map[change.ClusterKey][]int64{}
	}
	f.driftSet = h.driftedKeys(ctx, c)
	// Requesters get tick boxes for a bulk change, so the listing is kept
	// apart for them.
	pick := userOf(c).CanRequest()
	if pick {
		p.BulkAllURL = "/bulk/new?all=1"
		if q := strings.TrimPrefix(f.query("", false, 1), "/clusters"); q != "" {
			p.BulkAllURL += "&" + q[1:]
		}
	}
	key := p.Back + "\x00" + openByCluster(open).fingerprint() + "\x00" + f.driftSet.fingerprint() + "\x00" + strconv.FormatBool(pick)
	listing, ok := h.listings.get(inv.Version, key)
	if !ok {
		var buf bytes.Buffer
		lp := h.clusterListing(inv, f, open)
		lp.Pick = pick
		if err := pages.ClusterListing(lp).Render(ctx, &buf); err != nil {
			return err
		}
		listing = buf.String()
		h.listings.put(inv.Version, key, listing)
	}
	return h.renderSized(c, pages.ClusterList(p, templ.Raw(listing)), len(listing)+16<<10)
}

// renderSized is render for a page whose size is known in advance: the
// buffer is allocated once instead of doubling its way up (which showed in
// profiles of the list at 5,000 clusters).
func (h *Handler) renderSized(c echo.Context, comp templ.Component, size int) error {
	ctx := views.WithRequest(c.Request().Context(), h.viewRequest(c))
	ctx = templ.WithNonce(ctx, nonceOf(c))
	buf := bytes.NewBuffer(make([]byte, 0, size))
	if err := comp.Render(ctx, buf); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}

// clusterPage is one page of the filtered, sorted inventory.
type clusterPage struct {
	matched     []*inventory.Cluster // every cluster the filter matches, sorted
	page, pages int
	from, to    int // the page's slice of matched
}

// pickClusters filters, sorts and pages the inventory as the list's query
// says; the page and the API share it.
func (h *Handler) pickClusters(inv inventory.Inventory, f clusterFilter, open openByCluster) clusterPage {
	matched := inv.Clusters
	if f.filters() {
		lowerQ, openOf := strings.ToLower(f.q), h.openOf(open)
		matched = make([]*inventory.Cluster, 0, len(inv.Clusters))
		for _, cl := range inv.Clusters {
			if f.match(cl, lowerQ, openOf) {
				matched = append(matched, cl)
			}
		}
	}
	if f.sort != "" || f.desc {
		if !f.filters() {
			matched = slices.Clone(matched)
		}
		sortClusters(matched, f.sort, f.desc, h.inv.Accounts(), h.inv.Regions())
	}

	pagesN := max(1, (len(matched)+clusterPageSize-1)/clusterPageSize)
	page := min(f.page, pagesN)
	from := (page - 1) * clusterPageSize
	return clusterPage{matched: matched, page: page, pages: pagesN, from: from, to: min(from+clusterPageSize, len(matched))}
}

// clusterListing filters, sorts and pages the inventory.
func (h *Handler) clusterListing(inv inventory.Inventory, f clusterFilter, open openByCluster) pages.ClusterListPage {
	cp := h.pickClusters(inv, f, open)
	matched, page, pagesN, from, to := cp.matched, cp.page, cp.pages, cp.from, cp.to
	p := pages.ClusterListPage{
		Rows:      make([]pages.ClusterRow, 0, to-from),
		Matching:  len(matched),
		Total:     len(inv.Clusters),
		Page:      page,
		Pages:     pagesN,
		Q:         f.q,
		Account:   f.account,
		Region:    f.region,
		Status:    f.status,
		NotInSync: f.notInSync,
		Open:      f.open,
		Drifted:   f.drifted,
		Tag:       f.tag,
		Tags:      h.changes.ApprovalTags(),
		Sort:      f.sort,
		Desc:      f.desc,
		Accounts:  h.accountOptions(),
		Regions:   h.inv.Regions(),
		Statuses:  inv.Statuses,
		SortURLs:  map[string]string{},
	}
	for _, cl := range matched[from:to] {
		r := clusterRowOf(cl)
		r.Open = openMarker(open[h.changes.Key(cl.Account, cl.Region, cl.ID)], cl.ID)
		r.Drifted = f.driftSet.has(cl)
		r.ApprovalTags, r.TwoApprovers = approvalTags(cl, p.Tags)
		p.Rows = append(p.Rows, r)
	}
	if page > 1 {
		p.PrevURL = f.query(f.sort, f.desc, page-1)
	}
	if page < pagesN {
		p.NextURL = f.query(f.sort, f.desc, page+1)
	}
	for _, key := range clusterSorts {
		p.SortURLs[key] = f.query(key, f.sort == key && !f.desc, 1)
	}
	return p
}

func clusterRowOf(cl *inventory.Cluster) pages.ClusterRow {
	a := cl.API
	r := pages.ClusterRow{
		Pick:         targetValue(cl.Account, cl.Region, cl.ID),
		Account:      cl.Account,
		AccountName:  cl.AccountName,
		Region:       cl.Region,
		ID:           cl.ID,
		URL:          clusterURL(cl.Account, cl.Region, cl.ID),
		Status:       cl.Status,
		Availability: cl.Availability,
		NodeType:     cl.NodeType,
		Nodes:        cl.Nodes,
		Roles:        cl.Roles,
		Default:      cl.Default,
	}
	if cl.InSync {
		return r
	}
	for _, role := range a.IamRoles {
		if s := aws.ToString(role.ApplyStatus); s != "in-sync" {
			r.Unsynced = append(r.Unsynced, pages.RoleRow{ARN: aws.ToString(role.IamRoleArn), Status: s})
		}
	}
	return r
}

// openMarker is a cluster's open-requests badge: one request links to it,
// several to the queue filtered by the cluster.
func openMarker(ids []int64, cluster string) pages.OpenMarker {
	switch len(ids) {
	case 0:
		return pages.OpenMarker{}
	case 1:
		return pages.OpenMarker{Count: 1, URL: changeURL(ids[0])}
	}
	return pages.OpenMarker{Count: len(ids), URL: "/changes?cluster=" + url.QueryEscape(cluster)}
}

// approvalTags are, for each tag that decides approval, the cluster's value
// of its key (when it has that key), and whether a change to the cluster
// needs two approvers because of it.
func approvalTags(cl *inventory.Cluster, tags []string) ([]pages.ApprovalTag, bool) {
	var out []pages.ApprovalTag
	two := false
	for _, t := range tags {
		k, v, _ := strings.Cut(t, "=")
		for _, ct := range cl.API.Tags {
			if aws.ToString(ct.Key) != k {
				continue
			}
			at := pages.ApprovalTag{Key: k, Value: aws.ToString(ct.Value), TwoApprovers: aws.ToString(ct.Value) == v}
			two = two || at.TwoApprovers
			if !slices.Contains(out, at) {
				out = append(out, at)
			}
		}
	}
	return out, two
}

// clusterURL is a cluster's page: /clusters/{account}/{region}/{cluster},
// with "-" for an account that is not known.
func clusterURL(account, region, id string) string {
	return "/clusters/" + accountSegment(account) + "/" + url.PathEscape(region) + "/" + url.PathEscape(id)
}

// unknownAccount stands in the URL for an account that is not known.
const unknownAccount = "-"

func accountSegment(account string) string {
	if account == "" {
		return unknownAccount
	}
	return url.PathEscape(account)
}

// accountOptions are the accounts to filter the list by, when there are
// several.
func (h *Handler) accountOptions() []pages.AccountOption {
	list := h.inv.Accounts()
	if len(list) < 2 {
		return nil
	}
	out := make([]pages.AccountOption, 0, len(list))
	for _, a := range list {
		out = append(out, pages.AccountOption{ID: a.ID, Name: a.Name})
	}
	return out
}

// sortClusters orders the list by the column, ties broken by account and
// region (in configured order) and identifier. The gateway's order is
// already account, region then identifier, so the default needs no work.
func sortClusters(list []*inventory.Cluster, key string, desc bool, accounts []inventory.Account, regions []string) {
	if key == "" && !desc {
		return
	}
	rank := make(map[string]int, len(regions))
	for i, r := range regions {
		rank[r] = i
	}
	arank := make(map[string]int, len(accounts))
	for i, a := range accounts {
		arank[a.ID] = i
	}
	byRegion := func(a, b *inventory.Cluster) int {
		if c := cmp.Compare(arank[a.Account], arank[b.Account]); c != 0 {
			return c
		}
		if c := cmp.Compare(rank[a.Region], rank[b.Region]); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	}
	var primary func(a, b *inventory.Cluster) int
	switch key {
	case "id":
		primary = func(a, b *inventory.Cluster) int { return strings.Compare(a.ID, b.ID) }
	case "account":
		primary = func(a, b *inventory.Cluster) int {
			return cmp.Or(strings.Compare(a.AccountName, b.AccountName), strings.Compare(a.Account, b.Account))
		}
	case "status":
		primary = func(a, b *inventory.Cluster) int { return strings.Compare(a.Status, b.Status) }
	case "type":
		primary = func(a, b *inventory.Cluster) int { return strings.Compare(a.NodeType, b.NodeType) }
	case "nodes":
		primary = func(a, b *inventory.Cluster) int { return cmp.Compare(a.Nodes, b.Nodes) }
	case "roles":
		primary = func(a, b *inventory.Cluster) int { return cmp.Compare(a.Roles, b.Roles) }
	default:
		primary = func(a, b *inventory.Cluster) int { return 0 }
	}
	slices.SortFunc(list, func(a, b *inventory.Cluster) int {
		c := primary(a, b)
		if c == 0 {
			c = byRegion(a, b)
		}
		if desc {
			return -c
		}
		return c
	})
}

// clusterRefresh makes the next list sweep every region again.
func (h *Handler) clusterRefresh(c echo.Context) error {
	h.inv.Refresh("")
	return seeOther(c, safeRedirect(c.FormValue("back"), "/clusters"))
}

// clock formats a time of data for people, as every page does.
func clock(t time.Time, loc *time.Location) components.Moment { return components.At(t, loc) }

// ago says how long before now t was, roughly.
func ago(now, t time.Time) string { return components.Relative(t, now) }
