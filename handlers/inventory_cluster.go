package handlers

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/labstack/echo/v4"

	"rolegate/internal/inventory"
	"rolegate/views/pages"
)

// loadCluster reads the cluster named in the path live, falling back to
// the cached copy (with a warning) when AWS cannot be read.
func (h *Handler) loadCluster(c echo.Context) (*inventory.Cluster, string, error) {
	account, region, id, err := clusterPlace(c)
	if err != nil {
		return nil, "", err
	}
	cl, err := h.inv.Cluster(c.Request().Context(), account, region, id, true)
	if err == nil {
		return cl, "", nil
	}
	if errors.Is(err, inventory.ErrUnknownRegion) {
		return nil, "", httpError(http.StatusNotFound, "Rolegate does not manage the region "+strconv.Quote(region)+" in "+h.accountLabel(account)+".", err)
	}
	if errors.Is(err, inventory.ErrNotFound) {
		return nil, "", httpError(http.StatusNotFound, "There is no cluster "+strconv.Quote(id)+" in "+region+" of "+h.accountLabel(account)+".", err)
	}
	h.log.Warn("reading a cluster failed", "request_id", requestIDOf(c), "account", account, "region", region, "cluster", id,
		"aws_request_id", inventory.RequestIDOf(err), "err", err)
	if cached := h.inv.Cached(account, region, id); cached != nil {
		msg := awsSafeMessage(err) + " Showing the state as of " + clock(cached.Fetched, zoneOf(c)).Text
		if cached.Summary {
			msg += " (the summary kept for the list, not the full snapshot)"
		}
		return cached, msg + ".", nil
	}
	return nil, "", httpError(http.StatusServiceUnavailable, awsSafeMessage(err), err)
}

// clusterShow is one cluster's page.
func (h *Handler) clusterShow(c echo.Context) error {
	cl, warning, err := h.loadCluster(c)
	if err != nil {
		return err
	}
	a := cl.API
	base := clusterURL(cl.Account, cl.Region, cl.ID)
	p := pages.ClusterPage{
		Account:      h.accountLabel(cl.Account),
		Region:       cl.Region,
		ID:           cl.ID,
		Status:       aws.ToString(a.ClusterStatus),
		Availability: aws.ToString(a.ClusterAvailabilityStatus),
		ModifyStatus: aws.ToString(a.ModifyStatus),
		Version:      aws.ToString(a.ClusterVersion),
		NodeType:     aws.ToString(a.NodeType),
		Nodes:        int(aws.ToInt32(a.NumberOfNodes)),
		Encrypted:    yesNo(a.Encrypted),
		KMSKey:       aws.ToString(a.KmsKeyId),
		VPC:          aws.ToString(a.VpcId),
		Zone:         aws.ToString(a.AvailabilityZone),
		Maintenance:  aws.ToString(a.PreferredMaintenanceWindow),
		Database:     aws.ToString(a.DBName),
		Public:       yesNo(a.PubliclyAccessible),
		MultiAZ:      aws.ToString(a.MultiAZ),
		Namespace:    aws.ToString(a.ClusterNamespaceArn),
		Pending:      a.PendingActions,
		Roles:        rolesOf(cl, base, zoneOf(c)),
		Warning:      warning,
		CanRequest:   userOf(c).CanRequest(),
		NewChangeURL: base + "/changes/new",
		SnapshotURL:  base + "/snapshot.json",
		Snapshot:     indentJSON(inventory.SnapshotJSON(a)),
	}
	if a.Endpoint != nil && a.Endpoint.Address != nil {
		p.Endpoint = aws.ToString(a.Endpoint.Address) + ":" + strconv.Itoa(int(aws.ToInt32(a.Endpoint.Port)))
	}
	if a.ClusterCreateTime != nil {
		p.Created = clock(*a.ClusterCreateTime, zoneOf(c))
	}
	for _, t := range a.Tags {
		p.Tags = append(p.Tags, pages.TagRow{Key: aws.ToString(t.Key), Value: aws.ToString(t.Value)})
	}
	h.clusterActivity(c, cl.Account, &p)
	p.Drift = h.driftPanel(c, cl)
	status := http.StatusOK
	if _, ok := c.Get(driftFormKey).(pages.DriftForm); ok {
		// An accept refused for its missing comment.
		status = http.StatusUnprocessableEntity
	}
	return h.render(c, status, pages.Cluster(p))
}

// clusterRoles is the live roles fragment the cluster page polls while a
// role is being added or removed.
func (h *Handler) clusterRoles(c echo.Context) error {
	cl, _, err := h.loadCluster(c)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, pages.ClusterRolesFragment(rolesOf(cl, clusterURL(cl.Account, cl.Region, cl.ID), zoneOf(c))))
}

// clusterSnapshot downloads the cluster's full snapshot as the API
// returned it.
func (h *Handler) clusterSnapshot(c echo.Context) error {
	cl, _, err := h.loadCluster(c)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+accountSegment(cl.Account)+"-"+cl.Region+"-"+cl.ID+`.json"`)
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, []byte(indentJSON(inventory.SnapshotJSON(cl.API))+"\n"))
}

func rolesOf(cl *inventory.Cluster, base string, loc *time.Location) pages.ClusterRoles {
	def := aws.ToString(cl.API.DefaultIamRoleArn)
	r := pages.ClusterRoles{URL: base + "/roles", Default: def, Fetched: clock(cl.Fetched, loc)}
	for _, role := range cl.API.IamRoles {
		arn, st := aws.ToString(role.IamRoleArn), aws.ToString(role.ApplyStatus)
		r.Roles = append(r.Roles, pages.RoleRow{ARN: arn, Status: st, IsDefault: arn == def})
		if st != "in-sync" {
			r.Live = true
		}
	}
	slices.SortFunc(r.Roles, func(a, b pages.RoleRow) int { return strings.Compare(a.ARN, b.ARN) })
	return r
}

func yesNo(b *bool) string {
	switch {
	case b == nil:
		return "—"
	case *b:
		return "yes"
	default:
		return "no"
	}
}

// clusterPlace reads the cluster's account, region and identifier from the
// path: the account is 12 digits, or "-" (read as "") when not known.
func clusterPlace(c echo.Context) (account, region, id string, err error) {
	account, region, id = c.Param("account"), c.Param("region"), c.Param("cluster")
	switch {
	case account == unknownAccount:
		account = ""
	case len(account) != 12 || strings.Trim(account, "0123456789") != "":
		return "", "", "", httpError(http.StatusNotFound, "There is no account "+strconv.Quote(account)+".", nil)
	}
	return account, region, id, nil
}

// accountLabel names an account for people: its name and ID when it is a
// configured one, its ID, or that it is not known.
func (h *Handler) accountLabel(account string) string {
	if account == "" {
		return "account not known"
	}
	for _, a := range h.inv.Accounts() {
		if a.ID == account && a.Name != "" {
			return a.Name + " (" + account + ")"
		}
	}
	return "account " + account
}
