package inventory_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/redshift/types"

	"rolegate/internal/change"
	"rolegate/internal/inventory"
	"rolegate/redshiftsim"
)

// The change worker calls the gateway through its own interface.
var _ change.Redshift = (*inventory.Gateway)(nil)

const (
	copyRole     = "arn:aws:iam::123456789012:role/Copy"
	spectrumRole = "arn:aws:iam::123456789012:role/Spectrum"
)

func newGateway(t *testing.T, so redshiftsim.Options, regions ...string) (*inventory.Gateway, *redshiftsim.Sim) {
	t.Helper()
	sim := redshiftsim.New(so)
	for _, r := range regions {
		if err := sim.AddCluster(r, redshiftsim.ClusterSpec{ID: "analytics", Roles: []redshiftsim.RoleSpec{{ARN: copyRole}}, DefaultRole: copyRole}); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	g, err := inventory.New(context.Background(), inventory.Options{
		Regions: regions, Endpoint: srv.URL, Timeout: 10 * time.Second, MaxBackoff: 10 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return g, sim
}

func TestModifyClusterIamRolesIsSentOnceAndKeepsTheRequestID(t *testing.T) {
	ctx := context.Background()
	g, sim := newGateway(t, redshiftsim.Options{RoleDelay: time.Hour}, "us-east-1", "eu-west-1")
	in := &redshift.ModifyClusterIamRolesInput{ClusterIdentifier: aws.String("analytics"), AddIamRoles: []string{spectrumRole}}

	sim.SetFaults(redshiftsim.Fault{Op: "ModifyClusterIamRoles", Region: "eu-west-1", Kind: "throttle", Next: 1})
	c, _, reqID, err := g.ModifyClusterIamRoles(ctx, "", "eu-west-1", "", in)
	if err == nil || c != nil {
		t.Fatalf("throttled call: cluster %v, err %v", c, err)
	}
	if reqID == "" {
		t.Error("no request ID on the throttled call")
	}
	if n := sim.Stats().Calls("ModifyClusterIamRoles", "eu-west-1"); n != 1 {
		t.Errorf("%d ModifyClusterIamRoles calls, want 1 (no SDK retry)", n)
	}

	c, _, reqID, err = g.ModifyClusterIamRoles(ctx, "", "eu-west-1", "", in)
	if err != nil || reqID == "" {
		t.Fatalf("second call: %v (request %q)", err, reqID)
	}
	if !slices.ContainsFunc(c.IamRoles, func(r types.ClusterIamRole) bool {
		return aws.ToString(r.IamRoleArn) == spectrumRole && aws.ToString(r.ApplyStatus) == "adding"
	}) {
		t.Errorf("returned roles %+v lack %s adding", c.IamRoles, spectrumRole)
	}
	// The other region's cluster of the same name is untouched.
	other, _, err := g.DescribeCluster(ctx, "", "us-east-1", "analytics")
	if err != nil || len(other.IamRoles) != 1 {
		t.Errorf("us-east-1 analytics: %v roles, err %v", other, err)
	}
}

func TestDescribeClusterIsLiveAndUpdatesTheCache(t *testing.T) {
	ctx := context.Background()
	g, sim := newGateway(t, redshiftsim.Options{}, "us-east-1")
	inv, err := g.List(ctx)
	if err != nil || len(inv.Clusters) != 1 {
		t.Fatalf("list: %d clusters, %v", len(inv.Clusters), err)
	}
	if err := sim.AddCluster("us-east-1", redshiftsim.ClusterSpec{ID: "late"}); err != nil {
		t.Fatal(err)
	}
	if c := g.Cached("", "us-east-1", "late"); c != nil {
		t.Fatal("a cluster added after the sweep is cached")
	}
	c, err := g.Cluster(ctx, "", "us-east-1", "late", false)
	if err != nil || c.ID != "late" {
		t.Fatalf("Cluster: %v %v", c, err)
	}
	if g.Cached("", "us-east-1", "late") == nil {
		t.Error("the live read did not update the cache")
	}
	before := sim.Stats().Calls("DescribeClusters", "us-east-1")
	if _, err := g.Cluster(ctx, "", "us-east-1", "analytics", false); err != nil {
		t.Fatal(err)
	}
	if after := sim.Stats().Calls("DescribeClusters", "us-east-1"); after != before {
		t.Errorf("a cached read called AWS (%d → %d)", before, after)
	}
	g.Invalidate("", "us-east-1", "analytics")
	if _, err := g.Cluster(ctx, "", "us-east-1", "analytics", false); err != nil {
		t.Fatal(err)
	}
	if after := sim.Stats().Calls("DescribeClusters", "us-east-1"); after != before+1 {
		t.Errorf("an invalidated read made %d calls, want 1", after-before)
	}

	_, reqID, err := g.DescribeCluster(ctx, "", "us-east-1", "missing")
	if !errors.Is(err, inventory.ErrNotFound) || reqID == "" {
		t.Errorf("missing cluster: %v (request %q)", err, reqID)
	}
	var nf *types.ClusterNotFoundFault
	if !errors.As(err, &nf) {
		t.Errorf("missing cluster error %T does not carry the API fault", err)
	}
	if _, err := g.Cluster(ctx, "", "mars-north-1", "x", true); !errors.Is(err, inventory.ErrUnknownRegion) {
		t.Errorf("unknown region: %v", err)
	}
}

func TestSnapshotJSONDropsUnsetMembers(t *testing.T) {
	c := &types.Cluster{
		ClusterIdentifier:     aws.String("analytics"),
		NumberOfNodes:         aws.Int32(2),
		IamRoles:              []types.ClusterIamRole{},
		AquaConfiguration:     &types.AquaConfiguration{AquaStatus: types.AquaStatusEnabled},
		SnapshotScheduleState: "",
	}
	var got map[string]any
	dec := json.NewDecoder(bytes.NewReader(inventory.SnapshotJSON(c)))
	dec.UseNumber()
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"ClusterIdentifier": "analytics",
		"NumberOfNodes":     json.Number("2"),
		"IamRoles":          []any{},
		"AquaConfiguration": map[string]any{"AquaStatus": "enabled"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("snapshot %v (keys %v), want %v", got, keys(got), want)
	}
	for _, k := range []string{"SnapshotScheduleState", "Endpoint", "ReservedNodeExchangeStatus"} {
		if _, ok := got[k]; ok {
			t.Errorf("unset member %s kept: %v", k, got[k])
		}
	}
	if aq, _ := got["AquaConfiguration"].(map[string]any); len(aq) != 1 || aq["AquaStatus"] != "enabled" {
		t.Errorf("AquaConfiguration %v, want only AquaStatus", got["AquaConfiguration"])
	}
	if inventory.SnapshotJSON(nil) != nil {
		t.Error("a nil cluster gave a snapshot")
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
