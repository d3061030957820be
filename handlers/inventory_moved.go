package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"rolegate/internal/auth"
	"rolegate/internal/inventory"
	"rolegate/views/pages"
)

// oldClusterPrefix is the route prefix of a cluster's addresses before
// accounts: /clusters/{region}/{cluster}.
const oldClusterPrefix = "/clusters/:region/:cluster"

// routesMoved answers every address the pages had before clusters were
// placed in accounts, each behind the role its new address needs.
func (h *Handler) routesMoved(e *echo.Echo) {
	viewer := h.requireRole(auth.RoleViewer)
	requester := h.requireRole(auth.RoleRequester)
	for _, r := range []struct {
		method, suffix string
		role           echo.MiddlewareFunc
	}{
		{http.MethodGet, "", viewer},
		{http.MethodGet, "/roles", viewer},
		{http.MethodGet, "/snapshot.json", viewer},
		{http.MethodGet, "/changes/new", requester},
		{http.MethodPost, "/changes", requester},
		{http.MethodPost, "/changes/preview", requester},
	} {
		e.Add(r.method, oldClusterPrefix+r.suffix, h.clusterMoved, h.requireSignIn, r.role)
	}
}

// clusterMoved sends an old address to the cluster's address in its
// account when exactly one account has a cluster of that name in that
// region: 301 for a GET, 308 for a POST (so that the form is sent again,
// unchanged, to the new address). When several accounts have one, it
// offers the choice (300); when none has, 404.
func (h *Handler) clusterMoved(c echo.Context) error {
	region, id := c.Param("region"), c.Param("cluster")
	suffix := strings.TrimPrefix(c.Path(), oldClusterPrefix)
	if isAccountSegment(region) {
		// /clusters/{account}/{region}/roles is the page of a cluster named
		// "roles", which the old roles fragment's route catches first.
		if suffix == "/roles" && c.Request().Method == http.MethodGet {
			c.SetParamNames("account", "region", "cluster")
			c.SetParamValues(region, id, "roles")
			return h.clusterShow(c)
		}
		return httpError(http.StatusNotFound, "There is no such page.", nil)
	}
	inv, err := h.inv.List(c.Request().Context())
	if err != nil && len(inv.Clusters) == 0 {
		h.log.Warn("listing clusters for an old address", "request_id", requestIDOf(c), "err", err)
		return httpError(http.StatusServiceUnavailable, awsSafeMessage(err), err)
	}
	var found []*inventory.Cluster
	for _, cl := range inv.Clusters {
		if cl.Region == region && cl.ID == id {
			found = append(found, cl)
		}
	}
	query := ""
	if q := c.Request().URL.RawQuery; q != "" {
		query = "?" + q
	}
	switch len(found) {
	case 0:
		return httpError(http.StatusNotFound, "There is no cluster "+strconv.Quote(id)+" in "+region+" of any account Rolegate manages.", nil)
	case 1:
		status := http.StatusMovedPermanently
		if c.Request().Method != http.MethodGet {
			status = http.StatusPermanentRedirect
		}
		return c.Redirect(status, clusterURL(found[0].Account, region, id)+suffix+query)
	}
	// A choice leads to the same page in each account; a form sent to the
	// old address leads to the cluster's page, since a link cannot send it.
	if c.Request().Method != http.MethodGet {
		suffix, query = "", ""
	}
	p := pages.ClusterMovedPage{Region: region, Cluster: id}
	for _, cl := range found {
		p.Choices = append(p.Choices, pages.ClusterMovedChoice{
			AccountName: h.accountName(cl.Account), AccountID: cl.Account,
			URL: clusterURL(cl.Account, region, id) + suffix + query,
		})
	}
	return h.render(c, http.StatusMultipleChoices, pages.ClusterMoved(p))
}

// isAccountSegment reports whether a path segment is an account as
// cluster addresses write it: 12 digits, or "-" for one not known.
func isAccountSegment(s string) bool {
	return s == unknownAccount || len(s) == 12 && strings.Trim(s, "0123456789") == ""
}

// accountName is the configured name of the account, "" when it has none.
func (h *Handler) accountName(account string) string {
	if account == "" {
		return ""
	}
	for _, a := range h.inv.Accounts() {
		if a.ID == account {
			return a.Name
		}
	}
	return ""
}
