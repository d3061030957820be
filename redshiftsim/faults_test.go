package redshiftsim_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshift"

	"rolegate/redshiftsim"
)

func TestFaultNextNAndScope(t *testing.T) {
	e := newEnv(t, redshiftsim.Options{Faults: []redshiftsim.Fault{
		{Op: "ModifyClusterIamRoles", Region: "eu-west-1", Kind: redshiftsim.FaultThrottle, Next: 2},
	}})
	e.add(t, "eu-west-1", redshiftsim.ClusterSpec{ID: "a"})
	e.add(t, "us-east-1", redshiftsim.ClusterSpec{ID: "a"})
	modify := func(region string) string {
		_, err := e.client(region).ModifyClusterIamRoles(ctx(t), &redshift.ModifyClusterIamRolesInput{ClusterIdentifier: aws.String("a"), DefaultIamRoleArn: aws.String("")})
		if err != nil {
			return errCode(err)
		}
		return "ok"
	}
	if _, err := e.client("eu-west-1").DescribeClusters(ctx(t), &redshift.DescribeClustersInput{}); err != nil {
		t.Errorf("other op: %v", err)
	}
	if got := modify("us-east-1"); got != "ok" {
		t.Errorf("other region: %s", got)
	}
	for i, want := range []string{"Throttling", "Throttling", "ok", "ok"} {
		if got := modify("eu-west-1"); got != want {
			t.Errorf("call %d: %s, want %s", i+1, got, want)
		}
	}
	if f := e.sim.Faults(); len(f) != 0 {
		t.Errorf("spent fault still listed: %+v", f)
	}
	st := e.sim.Stats()
	for _, o := range st.Ops {
		if o.Op == "ModifyClusterIamRoles" && o.Region == "eu-west-1" && (o.Faults != 2 || o.Codes["Throttling"] != 2 || o.Calls != 4) {
			t.Errorf("stats: %+v", o)
		}
	}
	if st.Errors("", "") != 2 {
		t.Errorf("errors = %d", st.Errors("", ""))
	}
}

// A rate fault is reproducible: the same seed throttles the same calls.
func TestFaultRateIsSeeded(t *testing.T) {
	pattern := func(seed int64) string {
		e := newEnv(t, redshiftsim.Options{Seed: seed, Faults: []redshiftsim.Fault{{Kind: redshiftsim.FaultThrottle, Rate: 0.3}}})
		var b strings.Builder
		for i := 0; i < 60; i++ {
			if r := e.post(t, "us-east-1", form("Action", "DescribeClusters")); r.status == 200 {
				b.WriteByte('.')
			} else {
				b.WriteByte('T')
			}
		}
		return b.String()
	}
	a, b := pattern(42), pattern(42)
	if a != b {
		t.Errorf("same seed, different faults:\n%s\n%s", a, b)
	}
	n := strings.Count(a, "T")
	if n == 0 || n == 60 {
		t.Errorf("rate 0.3 throttled %d of 60", n)
	}
	if pattern(43) == a {
		t.Errorf("another seed gave the same pattern")
	}
}

// latency: the call waits, and if the client gives up nothing happens.
func TestFaultLatencyAbortsWhenClientLeaves(t *testing.T) {
	e := newEnv(t, redshiftsim.Options{Faults: []redshiftsim.Fault{{Op: "ModifyClusterIamRoles", Kind: redshiftsim.FaultLatency, Latency: time.Hour, Next: 1}}})
	e.add(t, "us-east-1", redshiftsim.ClusterSpec{ID: "a"})
	c, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := e.client("us-east-1").ModifyClusterIamRoles(c, &redshift.ModifyClusterIamRolesInput{ClusterIdentifier: aws.String("a"), AddIamRoles: []string{roleA}})
	if err == nil {
		t.Fatal("the call returned before its latency")
	}
	waitFor(t, func() bool { return e.sim.Stats().Calls("ModifyClusterIamRoles", "") == 1 })
	if got := mustCluster(t, e, "us-east-1", "a"); len(got.IamRoles) != 0 {
		t.Errorf("an abandoned call changed the cluster: %+v", got.IamRoles)
	}
	if log := e.sim.Stats().Log; log[len(log)-1].Code != "ClientGone" || log[len(log)-1].Fault != redshiftsim.FaultLatency {
		t.Errorf("log: %+v", log[len(log)-1])
	}
}

// latency-after: the call takes effect even though the client never hears.
func TestFaultLatencyAfterAppliesTheCall(t *testing.T) {
	e := newEnv(t, redshiftsim.Options{Faults: []redshiftsim.Fault{{Op: "ModifyClusterIamRoles", Kind: redshiftsim.FaultLatencyAfter, Latency: time.Hour, Next: 1}}})
	e.add(t, "us-east-1", redshiftsim.ClusterSpec{ID: "a"})
	c, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := e.client("us-east-1").ModifyClusterIamRoles(c, &redshift.ModifyClusterIamRolesInput{ClusterIdentifier: aws.String("a"), AddIamRoles: []string{roleA}})
	if err == nil {
		t.Fatal("the reply came before its latency")
	}
	if got := mustCluster(t, e, "us-east-1", "a"); len(got.IamRoles) != 1 {
		t.Errorf("the call did not take effect: %+v", got.IamRoles)
	}
}

// drop: the connection closes with no reply; the SDK retries it.
func TestFaultDropClosesTheConnection(t *testing.T) {
	e := newEnv(t, redshiftsim.Options{Faults: []redshiftsim.Fault{{Kind: redshiftsim.FaultDrop, Next: 1}}})
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL, strings.NewReader(form("Action", "DescribeClusters")))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("dropped call got a reply: %d", resp.StatusCode)
	}
	e.sim.SetFaults(redshiftsim.Fault{Kind: redshiftsim.FaultDrop, Next: 1})
	if _, err := e.client("us-east-1", 3).DescribeClusters(ctx(t), &redshift.DescribeClustersInput{}); err != nil {
		t.Errorf("the SDK did not retry a dropped connection: %v", err)
	}
}

func TestParseFault(t *testing.T) {
	f, err := redshiftsim.ParseFault("op=ModifyClusterIamRoles,region=eu-west-1,kind=latency,rate=0.3,next=2,latency=250ms")
	want := redshiftsim.Fault{Op: "ModifyClusterIamRoles", Region: "eu-west-1", Kind: "latency", Rate: 0.3, Next: 2, Latency: 250 * time.Millisecond}
	if err != nil || f != want {
		t.Errorf("ParseFault = %+v, %v", f, err)
	}
	for _, bad := range []string{"", "kind=boom", "kind=throttle,rate=2", "kind=latency", "kind=throttle,x=1", "kind=throttle,next=-1", "op"} {
		if _, err := redshiftsim.ParseFault(bad); err == nil {
			t.Errorf("ParseFault(%q) accepted", bad)
		}
	}
}

// The control endpoints switch faults and read stats over HTTP.
func TestControlEndpoints(t *testing.T) {
	e := newEnv(t, redshiftsim.Options{})
	call := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
		r := do(t, req)
		return r.status, r.body
	}
	if st, body := call("POST", "/_sim/faults", `{"op":"DescribeClusters","kind":"throttle","next":1}`); st != 200 || !strings.Contains(body, `"throttle"`) {
		t.Fatalf("add fault: %d %s", st, body)
	}
	if st, _ := call("POST", "/_sim/faults", `[{"kind":"latency","latency":"1ms","rate":0.5}]`); st != 200 {
		t.Fatal(st)
	}
	_, body := call("GET", "/_sim/faults", "")
	var faults []redshiftsim.Fault
	if err := json.Unmarshal([]byte(body), &faults); err != nil || len(faults) != 2 || faults[1].Latency != time.Millisecond {
		t.Errorf("faults: %v %s", err, body)
	}
	e.post(t, "us-east-1", form("Action", "DescribeClusters")).wantError(t, 400, "Throttling", "Rate exceeded")
	if st, body := call("DELETE", "/_sim/faults", ""); st != 200 || strings.TrimSpace(body) != "[]" {
		t.Errorf("clear: %d %s", st, body)
	}
	if st, body := call("POST", "/_sim/faults", `{"kind":"nonsense"}`); st != 400 || !strings.Contains(body, "nonsense") {
		t.Errorf("bad fault: %d %s", st, body)
	}
	if st, _ := call("POST", "/_sim/faults?replace=1", `{"kind":"internal","next":1}`); st != 200 || len(e.sim.Faults()) != 1 {
		t.Errorf("replace: %d %v", st, e.sim.Faults())
	}
	e.sim.ClearFaults()

	_, body = call("GET", "/_sim/stats", "")
	var st redshiftsim.Stats
	if err := json.Unmarshal([]byte(body), &st); err != nil || st.Calls("DescribeClusters", "us-east-1") != 1 || len(st.Log) != 1 || st.Log[0].Code != "Throttling" {
		t.Errorf("stats: %v %s", err, body)
	}
	if status, _ := call("POST", "/_sim/stats/reset", ""); status != 200 || e.sim.Stats().Calls("", "") != 0 {
		t.Errorf("reset: %d", status)
	}
	for _, c := range []struct{ method, path string }{{"PUT", "/_sim/faults"}, {"POST", "/_sim/stats"}, {"GET", "/_sim/stats/reset"}} {
		if status, _ := call(c.method, c.path, ""); status != http.StatusMethodNotAllowed {
			t.Errorf("%s %s: %d", c.method, c.path, status)
		}
	}
	if status, _ := call("GET", "/_sim/nothing", ""); status != 404 {
		t.Errorf("unknown control path: %d", status)
	}
}

func TestStatsLogIsBounded(t *testing.T) {
	e := newEnv(t, redshiftsim.Options{StatsLogSize: 3})
	for i := 0; i < 5; i++ {
		e.post(t, "us-east-1", form("Action", "DescribeClusters", "ClusterIdentifier", string(rune('a'+i))))
	}
	st := e.sim.Stats()
	if len(st.Log) != 3 || st.Log[0].Cluster != "c" || st.Log[2].Cluster != "e" || st.Calls("DescribeClusters", "") != 5 {
		t.Errorf("log: %+v", st.Log)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(errors.New("condition not reached"))
		}
		time.Sleep(5 * time.Millisecond)
	}
}
