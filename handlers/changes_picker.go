package handlers

import (
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"rolegate/internal/change"
	"rolegate/internal/inventory"
	"rolegate/views/pages"
)

// pickerLimit is how many roles the picker lists at once.
const pickerLimit = 25

// rolePicker is the role search of a cluster's change form. With searched
// it lists the roles of the cluster's account whose name, path or ARN
// contains q, each marked by whether it trusts Redshift and whether the
// cluster or the form already has it.
func (h *Handler) rolePicker(c echo.Context, in change.Input, live change.Live, q string, searched bool) pages.RolePicker {
	if h.roles == nil {
		return pages.RolePicker{}
	}
	p := pages.RolePicker{Enabled: true, SearchURL: clusterURL(in.Account, in.Region, in.Cluster) + "/changes/new", Query: q, Searched: searched}
	if !searched {
		return p
	}
	roles, more, err := h.roles.Search(c.Request().Context(), accountOf(live, in.Account), q, pickerLimit)
	if err != nil {
		h.log.Warn("listing IAM roles for the picker", "request_id", requestIDOf(c), "account", accountOf(live, in.Account), "err", err)
		p.Error = "The account's IAM roles could not be listed just now; type the role ARN instead."
		if inventory.Classify(err).Kind == inventory.KindDenied {
			p.Error = "Rolegate may not list this account's IAM roles (iam:ListRoles is not allowed); type the role ARN instead."
		}
		return p
	}
	adding := strings.Fields(in.Add)
	for _, r := range roles {
		p.Results = append(p.Results, pages.RolePick{
			ARN: r.ARN, Name: r.Name, Path: r.Path, Description: r.Description,
			TrustsRedshift: r.Trust.Redshift, ServiceLinked: r.ServiceLinked,
			Attached: slices.ContainsFunc(live.Roles, func(lr change.LiveRole) bool { return lr.ARN == r.ARN }),
			Adding:   slices.Contains(adding, r.ARN),
		})
	}
	p.More = more
	return p
}

// withPick adds the role the picker chose to the typed roles to add, on a
// line of its own, unless it is there already.
func withPick(add, pick string) string {
	pick = strings.TrimSpace(pick)
	if pick == "" || slices.Contains(strings.Fields(add), pick) {
		return add
	}
	add = strings.TrimRight(add, " \t\r\n")
	if add == "" {
		return pick
	}
	return add + "\n" + pick
}
