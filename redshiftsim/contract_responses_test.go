package redshiftsim_test

import (
	"encoding/xml"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/redshift/types"
	"github.com/aws/smithy-go"

	"rolegate/redshiftsim"
)

// The tests here and in contract_requests_test.go hold the simulator to the
// wire contract written down in docs/redshift-contract.md, one test per
// item.

// Default role: must be among the roles after the change; removing the
// default clears it; no default means no element.
func TestDefaultRoleMustBeAmongResultingRoles(t *testing.T) {
	e := newEnv(t, redshiftsim.Options{})
	e.add(t, "us-east-1", redshiftsim.ClusterSpec{ID: "alpha", Roles: []redshiftsim.RoleSpec{{ARN: roleA}, {ARN: roleB}}, DefaultRole: roleA})
	c := e.client("us-east-1")
	modify := func(in redshift.ModifyClusterIamRolesInput) error {
		in.ClusterIdentifier = aws.String("alpha")
		_, err := c.ModifyClusterIamRoles(ctx(t), &in)
		return err
	}
	msg := "The list of Amazon Resource Names (ARNs) for customer roles should contain the ARN of the default IAM role when a default is specified."
	for name, in := range map[string]redshift.ModifyClusterIamRolesInput{
		"not associated":    {DefaultIamRoleArn: aws.String(roleC)},
		"removed and named": {RemoveIamRoles: []string{roleB}, DefaultIamRoleArn: aws.String(roleB)},
	} {
		err := modify(in)
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != "InvalidParameterValue" || api.ErrorMessage() != msg {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A default among the roles being added is fine.
	if err := modify(redshift.ModifyClusterIamRolesInput{AddIamRoles: []string{roleC}, DefaultIamRoleArn: aws.String(roleC)}); err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(mustCluster(t, e, "us-east-1", "alpha").DefaultIamRoleArn); got != roleC {
		t.Errorf("default = %q", got)
	}
	// An already associated role can become the default on its own.
	if err := modify(redshift.ModifyClusterIamRolesInput{DefaultIamRoleArn: aws.String(roleB)}); err != nil {
		t.Fatal(err)
	}
	// Removing the default clears it, and the element disappears.
	if err := modify(redshift.ModifyClusterIamRolesInput{RemoveIamRoles: []string{roleB}}); err != nil {
		t.Fatal(err)
	}
	if got := mustCluster(t, e, "us-east-1", "alpha").DefaultIamRoleArn; got != nil {
		t.Errorf("default after removing it = %q", *got)
	}
	r := e.post(t, "us-east-1", form("Action", "DescribeClusters", "ClusterIdentifier", "alpha"))
	if strings.Contains(r.body, "DefaultIamRoleArn") {
		t.Errorf("DefaultIamRoleArn rendered without a default: %s", r.body)
	}
}

// Role lifecycle: adding/removing at once, Modifying meanwhile, settled
// after the delay; DescribeClusters shows the same.
func TestRolesSettleFromAddingAndRemovingAfterDelay(t *testing.T) {
	for _, status := range []string{"", "modifying"} {
		t.Run("status="+status, func(t *testing.T) {
			e := newEnv(t, redshiftsim.Options{RoleDelay: time.Minute, RoleChangeStatus: status})
			e.add(t, "us-east-1", redshiftsim.ClusterSpec{ID: "alpha", Roles: []redshiftsim.RoleSpec{{ARN: roleA}}})
			c := e.client("us-east-1")
			out, err := c.ModifyClusterIamRoles(ctx(t), &redshift.ModifyClusterIamRolesInput{
				ClusterIdentifier: aws.String("alpha"), AddIamRoles: []string{roleB}, RemoveIamRoles: []string{roleA}})
			if err != nil {
				t.Fatal(err)
			}
			wantStatus := "available"
			if status != "" {
				wantStatus = status
			}
			check := func(cl *types.Cluster, roles map[string]string, avail, st string) {
				t.Helper()
				if got := roleStatuses(cl); !reflect.DeepEqual(got, roles) {
					t.Errorf("roles = %v, want %v", got, roles)
				}
				if got := aws.ToString(cl.ClusterAvailabilityStatus); got != avail {
					t.Errorf("ClusterAvailabilityStatus = %q, want %q", got, avail)
				}
				if got := aws.ToString(cl.ClusterStatus); got != st {
					t.Errorf("ClusterStatus = %q, want %q", got, st)
				}
			}
			pending := map[string]string{roleA: "removing", roleB: "adding"}
			check(out.Cluster, pending, "Modifying", wantStatus)
			e.clock.Advance(time.Minute - time.Millisecond)
			d, err := c.DescribeClusters(ctx(t), &redshift.DescribeClustersInput{ClusterIdentifier: aws.String("alpha")})
			if err != nil {
				t.Fatal(err)
			}
			check(&d.Clusters[0], pending, "Modifying", wantStatus)
			e.clock.Advance(time.Millisecond)
			d, err = c.DescribeClusters(ctx(t), &redshift.DescribeClustersInput{})
			if err != nil {
				t.Fatal(err)
			}
			check(&d.Clusters[0], map[string]string{roleB: "in-sync"}, "Available", "available")
		})
	}
}

// DescribeClusters: filters, parameter checks, opaque markers, stable
// order, tag filters, <Clusters/> when empty.
func TestDescribeClustersFiltersPagesAndChecksParameters(t *testing.T) {
	e := newEnv(t, redshiftsim.Options{})
	for i := 30; i >= 1; i-- { // added out of order: the listing is sorted anyway
		tags := map[string]string{"environment": []string{"production", "staging", "dev"}[i%3]}
		if i%5 == 0 {
			tags["team"] = "finance"
		}
		e.add(t, "us-east-1", redshiftsim.ClusterSpec{ID: fmt.Sprintf("c%02d", i), Tags: tags})
	}
	c := e.client("us-east-1")
	list := func(in redshift.DescribeClustersInput) ([]string, *string, error) {
		out, err := c.DescribeClusters(ctx(t), &in)
		if err != nil {
			return nil, nil, err
		}
		var ids []string
		for _, cl := range out.Clusters {
			ids = append(ids, aws.ToString(cl.ClusterIdentifier))
		}
		return ids, out.Marker, nil
	}
	code := func(err error) string {
		var api smithy.APIError
		if errors.As(err, &api) {
			return api.ErrorCode()
		}
		return fmt.Sprint(err)
	}

	all, marker, err := list(redshift.DescribeClustersInput{})
	if err != nil || len(all) != 30 || marker != nil {
		t.Fatalf("default page: %d clusters, marker %v, %v", len(all), marker, err)
	}
	for i := range all {
		if all[i] != fmt.Sprintf("c%02d", i+1) {
			t.Fatalf("order: %v", all)
		}
	}
	// Paging by 20: two pages, the last without a marker.
	p1, m1, err := list(redshift.DescribeClustersInput{MaxRecords: aws.Int32(20)})
	if err != nil || len(p1) != 20 || m1 == nil || strings.Contains(*m1, "c20") {
		t.Fatalf("page 1: %v %v %v", p1, m1, err)
	}
	p2, m2, err := list(redshift.DescribeClustersInput{MaxRecords: aws.Int32(20), Marker: m1})
	if err != nil || len(p2) != 10 || m2 != nil || p2[0] != "c21" {
		t.Fatalf("page 2: %v %v %v", p2, m2, err)
	}
	// Paging is deterministic.
	again, _, _ := list(redshift.DescribeClustersInput{MaxRecords: aws.Int32(20)})
	if !reflect.DeepEqual(p1, again) {
		t.Errorf("paging is not stable")
	}
	for _, n := range []int32{0, 19, 101, -1} {
		if _, _, err := list(redshift.DescribeClustersInput{MaxRecords: aws.Int32(n)}); code(err) != "InvalidParameterValue" {
			t.Errorf("MaxRecords %d: %v", n, err)
		}
	}
	if _, _, err := list(redshift.DescribeClustersInput{ClusterIdentifier: aws.String("c01"), Marker: m1}); code(err) != "InvalidParameterCombination" {
		t.Errorf("id + marker: %v", err)
	}
	for _, bad := range []string{"garbage!", "Zm9v", "d" + (*m1)[1:]} {
		if _, _, err := list(redshift.DescribeClustersInput{Marker: aws.String(bad)}); code(err) != "InvalidParameterValue" {
			t.Errorf("marker %q: %v", bad, err)
		}
	}
	// A marker from one region is not valid in another.
	e.add(t, "eu-west-1", redshiftsim.ClusterSpec{ID: "x"})
	if _, err := e.client("eu-west-1").DescribeClusters(ctx(t), &redshift.DescribeClustersInput{Marker: m1}); code(err) != "InvalidParameterValue" {
		t.Errorf("foreign marker: %v", err)
	}
	one, _, err := list(redshift.DescribeClustersInput{ClusterIdentifier: aws.String("c07")})
	if err != nil || !reflect.DeepEqual(one, []string{"c07"}) {
		t.Errorf("by id: %v %v", one, err)
	}

	// Tag filters.
	tagged := func(keys, values []string) []string {
		ids, _, err := list(redshift.DescribeClustersInput{TagKeys: keys, TagValues: values})
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	if got := tagged([]string{"team"}, nil); !reflect.DeepEqual(got, []string{"c05", "c10", "c15", "c20", "c25", "c30"}) {
		t.Errorf("TagKeys team: %v", got)
	}
	if got := tagged(nil, []string{"production"}); len(got) != 10 {
		t.Errorf("TagValues production: %v", got)
	}
	if got := tagged([]string{"environment"}, []string{"dev", "staging"}); len(got) != 20 {
		t.Errorf("environment in dev,staging: %v", got)
	}
	if got := tagged([]string{"team"}, []string{"finance", "production"}); len(got) != 6 {
		t.Errorf("team=finance|production: %v", got)
	}
	if got := tagged([]string{"nope"}, nil); len(got) != 0 {
		t.Errorf("unknown key: %v", got)
	}
	r := e.post(t, "us-east-1", form("Action", "DescribeClusters", "TagKeys.TagKey.1", "nope"))
	if !strings.Contains(r.body, "<Clusters/>") || strings.Contains(r.body, "<Marker") {
		t.Errorf("empty result: %s", r.body)
	}
}

// XML rendering: namespace, wrappers, request ID, element names, empty
// lists, no empty scalars, booleans, timestamps, escaping.
func TestResponsesRenderedAsAWSRendersThem(t *testing.T) {
	e := newEnv(t, redshiftsim.Options{})
	e.add(t, "us-east-1", redshiftsim.ClusterSpec{ID: "alpha", Roles: []redshiftsim.RoleSpec{{ARN: roleA}}, DefaultRole: roleA,
		Tags: map[string]string{"owner": `Ann & Bob <"data">`}})
	r := e.post(t, "us-east-1", form("Action", "DescribeClusters"))
	r.wantOK(t)
	b := r.body
	for _, want := range []string{
		`<DescribeClustersResponse xmlns="http://redshift.amazonaws.com/doc/2012-12-01/"><DescribeClustersResult><Clusters><Cluster>`,
		`</Cluster></Clusters></DescribeClustersResult><ResponseMetadata><RequestId>` + r.header.Get("x-amzn-RequestId") + `</RequestId></ResponseMetadata></DescribeClustersResponse>`,
		`<IamRoles><ClusterIamRole><IamRoleArn>` + roleA + `</IamRoleArn><ApplyStatus>in-sync</ApplyStatus></ClusterIamRole></IamRoles>`,
		`<Tags><Tag><Key>owner</Key><Value>Ann &amp; Bob &lt;&#34;data&#34;&gt;</Value></Tag></Tags>`,
		`<VpcSecurityGroups><VpcSecurityGroup><VpcSecurityGroupId>sg-`,
		`<ClusterParameterGroups><ClusterParameterGroup><ParameterGroupName>`,
		`<ClusterNodes><member><NodeRole>LEADER</NodeRole>`,
		`<ClusterSecurityGroups/>`, `<PendingActions/>`, `<PendingModifiedValues/>`, `<DeferredMaintenanceWindows/>`,
		`<Encrypted>true</Encrypted>`, `<PubliclyAccessible>false</PubliclyAccessible>`,
		`<DefaultIamRoleArn>` + roleA + `</DefaultIamRoleArn>`,
		`<Endpoint><Address>alpha.`, `<Port>5439</Port></Endpoint>`,
	} {
		if !strings.Contains(b, want) {
			t.Errorf("missing %s", want)
		}
	}
	if m := regexp.MustCompile(`<(\w+)></(\w+)>`).FindString(b); m != "" {
		t.Errorf("empty scalar element %s", m)
	}
	if m := regexp.MustCompile(`>(True|False|TRUE|FALSE)<`).FindString(b); m != "" {
		t.Errorf("boolean not lowercase: %s", m)
	}
	stamps := regexp.MustCompile(`<(ClusterCreateTime|NextMaintenanceWindowStartTime)>([^<]*)<`).FindAllStringSubmatch(b, -1)
	if len(stamps) != 2 {
		t.Fatalf("timestamps: %v", stamps)
	}
	for _, s := range stamps {
		if _, err := time.Parse("2006-01-02T15:04:05.000Z", s[2]); err != nil {
			t.Errorf("%s = %q is not ISO-8601 Z: %v", s[1], s[2], err)
		}
	}
	if err := xml.Unmarshal([]byte(b), new(struct{})); err != nil {
		t.Errorf("not well-formed: %v", err)
	}
	// An empty role list is <IamRoles/>.
	e.add(t, "us-east-1", redshiftsim.ClusterSpec{ID: "bare"})
	if r := e.post(t, "us-east-1", form("Action", "DescribeClusters", "ClusterIdentifier", "bare")); !strings.Contains(r.body, "<IamRoles/>") || !strings.Contains(r.body, "<Tags/>") {
		t.Errorf("empty lists: %s", r.body)
	}
}

// Errors: envelope, status and content type; throttling and 5xx faults
// exercise the SDK's retries.
func TestErrorEnvelopeAndInjectedFaults(t *testing.T) {
	e := newEnv(t, redshiftsim.Options{})
	e.add(t, "us-east-1", redshiftsim.ClusterSpec{ID: "alpha", Status: "paused"})
	e.post(t, "us-east-1", form("Action", "ModifyClusterIamRoles", "ClusterIdentifier", "alpha", "AddIamRoles.IamRoleArn.1", roleA)).
		wantError(t, 400, "InvalidClusterState", "The Cluster is being modified by a concurrent operation. Please check the Cluster's status and try again.")
	r := e.post(t, "us-east-1", form("Action", "DescribeClusters", "ClusterIdentifier", "gone"))
	r.wantError(t, 404, "ClusterNotFound", "Cluster gone not found.")
	if !strings.Contains(r.body, "<Type>Sender</Type>") {
		t.Errorf("no Sender type: %s", r.body)
	}

	for _, tc := range []struct {
		kind   redshiftsim.FaultKind
		status int
		code   string
	}{
		{redshiftsim.FaultThrottle, 400, "Throttling"},
		{redshiftsim.FaultUnavailable, 503, "ServiceUnavailable"},
		{redshiftsim.FaultInternal, 500, "InternalFailure"},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			e.sim.SetFaults(redshiftsim.Fault{Op: "DescribeClusters", Kind: tc.kind, Next: 1})
			e.post(t, "us-east-1", form("Action", "DescribeClusters")).wantError(t, tc.status, tc.code, "")
			// The SDK retries through two faults and then succeeds.
			e.sim.SetFaults(redshiftsim.Fault{Op: "DescribeClusters", Kind: tc.kind, Next: 2})
			e.sim.ResetStats()
			out, err := e.client("us-east-1", 3).DescribeClusters(ctx(t), &redshift.DescribeClustersInput{})
			if err != nil || len(out.Clusters) != 1 {
				t.Fatalf("with retries: %v", err)
			}
			if n := e.sim.Stats().Calls("DescribeClusters", "us-east-1"); n != 3 {
				t.Errorf("%d calls, want 3", n)
			}
			// Without retries the fault reaches the caller with its code.
			e.sim.SetFaults(redshiftsim.Fault{Kind: tc.kind, Next: 1})
			_, err = e.client("us-east-1").DescribeClusters(ctx(t), &redshift.DescribeClustersInput{})
			var api smithy.APIError
			if !errors.As(err, &api) || api.ErrorCode() != tc.code {
				t.Errorf("err = %v, want %s", err, tc.code)
			}
		})
	}
	if msg := "Rate exceeded"; true {
		e.sim.SetFaults(redshiftsim.Fault{Kind: redshiftsim.FaultThrottle, Next: 1})
		e.post(t, "us-east-1", form("Action", "DescribeClusters")).wantError(t, 400, "Throttling", msg)
	}
}

// Waiters: ClusterAvailable reaches available and ClusterDeleted gets
// ClusterNotFound.
func TestSDKWaitersReachAvailableAndDeleted(t *testing.T) {
	e := newEnv(t, redshiftsim.Options{StateDelay: time.Minute})
	c := e.client("us-east-1")
	if _, err := c.CreateCluster(ctx(t), &redshift.CreateClusterInput{ClusterIdentifier: aws.String("w"), NodeType: aws.String("ra3.xlplus"),
		NumberOfNodes: aws.Int32(2), MasterUsername: aws.String("awsuser"), MasterUserPassword: aws.String("Secret123")}); err != nil {
		t.Fatal(err)
	}
	// Each poll moves the clock on, so the waiter sees creating, then available.
	polls := 0
	fast := func(o *redshift.ClusterAvailableWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Millisecond, 2*time.Millisecond
		o.APIOptions = append(o.APIOptions, advanceAfterCall(e, &polls))
	}
	if err := redshift.NewClusterAvailableWaiter(c, fast).Wait(ctx(t), &redshift.DescribeClustersInput{ClusterIdentifier: aws.String("w")}, 10*time.Second); err != nil {
		t.Fatalf("ClusterAvailable: %v", err)
	}
	if polls < 2 {
		t.Errorf("the waiter polled %d times; it never saw creating", polls)
	}
	if _, err := c.DeleteCluster(ctx(t), &redshift.DeleteClusterInput{ClusterIdentifier: aws.String("w"), SkipFinalClusterSnapshot: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	polls = 0
	fastDel := func(o *redshift.ClusterDeletedWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Millisecond, 2*time.Millisecond
		o.APIOptions = append(o.APIOptions, advanceAfterCall(e, &polls))
	}
	if err := redshift.NewClusterDeletedWaiter(c, fastDel).Wait(ctx(t), &redshift.DescribeClustersInput{ClusterIdentifier: aws.String("w")}, 10*time.Second); err != nil {
		t.Fatalf("ClusterDeleted: %v", err)
	}
	if polls < 2 {
		t.Errorf("the waiter polled %d times; it never saw deleting", polls)
	}
}

// Client tests (aws-sdk-go-v2 part; the AWS CLI and boto3 have tests of
// their own): typed errors, the empty-list encoding, paging.
func TestSDKTypedErrorsEmptyListsAndPaginator(t *testing.T) {
	e := newEnv(t, redshiftsim.Options{})
	e.add(t, "us-east-1", redshiftsim.ClusterSpec{ID: "paused", Status: "paused"})
	c := e.client("us-east-1")
	_, err := c.ModifyClusterIamRoles(ctx(t), &redshift.ModifyClusterIamRolesInput{ClusterIdentifier: aws.String("paused"), AddIamRoles: []string{roleA}, RemoveIamRoles: []string{}})
	var ics *types.InvalidClusterStateFault
	if !errors.As(err, &ics) {
		t.Errorf("paused: %v", err)
	}
	_, err = c.DescribeClusters(ctx(t), &redshift.DescribeClustersInput{ClusterIdentifier: aws.String("none")})
	var nf *types.ClusterNotFoundFault
	if !errors.As(err, &nf) {
		t.Errorf("none: %v", err)
	}
	if err := e.sim.Load(redshiftsim.Generate(45, []string{"us-east-1"}, 3)); err != nil {
		t.Fatal(err)
	}
	seen := 0
	p := redshift.NewDescribeClustersPaginator(c, &redshift.DescribeClustersInput{MaxRecords: aws.Int32(20)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		seen += len(out.Clusters)
	}
	if seen != 46 {
		t.Errorf("paginator saw %d clusters, want 46", seen)
	}
}

// Concurrency: 100 concurrent clients; of two concurrent modifications
// of one cluster, the second is refused.
func TestConcurrentModificationsOfOneClusterRefused(t *testing.T) {
	e := newEnv(t, redshiftsim.Options{RoleDelay: time.Minute})
	for i := 0; i < 10; i++ {
		e.add(t, "us-east-1", redshiftsim.ClusterSpec{ID: fmt.Sprintf("c%d", i)})
	}
	c := e.client("us-east-1")
	var wg sync.WaitGroup
	var mu sync.Mutex
	okByCluster := map[string]int{}
	refused := 0
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if i%2 == 0 {
				if _, err := c.DescribeClusters(ctx(t), &redshift.DescribeClustersInput{}); err != nil {
					t.Error(err)
				}
				return
			}
			id := fmt.Sprintf("c%d", i%10)
			_, err := c.ModifyClusterIamRoles(ctx(t), &redshift.ModifyClusterIamRolesInput{
				ClusterIdentifier: aws.String(id), AddIamRoles: []string{fmt.Sprintf("arn:aws:iam::123456789012:role/R%d", i)}})
			mu.Lock()
			defer mu.Unlock()
			var ics *types.InvalidClusterStateFault
			switch {
			case err == nil:
				okByCluster[id]++
			case errors.As(err, &ics):
				refused++
			default:
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	// Odd i hit c1, c3, …, c9: five clusters, ten calls each; one wins each.
	if len(okByCluster) != 5 || refused != 45 {
		t.Errorf("successes %v, refused %d", okByCluster, refused)
	}
	for id, n := range okByCluster {
		if n != 1 {
			t.Errorf("%s modified %d times concurrently", id, n)
		}
	}
}
