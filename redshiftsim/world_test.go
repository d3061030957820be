package redshiftsim_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"rolegate/redshiftsim"
)

func TestDemoWorld(t *testing.T) {
	e := newEnv(t, redshiftsim.Options{RoleDelay: 1 << 40})
	world := redshiftsim.DemoWorld()
	if err := e.sim.LoadWorld(world); err != nil {
		t.Fatal(err)
	}
	seeds := world.SeedsIn(redshiftsim.Account)
	regions := e.sim.Regions()
	if len(seeds) < 12 || len(regions) < 3 || !reflect.DeepEqual(regions[:1], []string{"ap-southeast-2"}) {
		t.Fatalf("%d clusters in %v", len(seeds), regions)
	}
	var paused, withDefault, adding, production int
	nodeTypes := map[string]bool{}
	for _, r := range regions {
		for _, c := range e.sim.Clusters(r) {
			nodeTypes[aws.ToString(c.NodeType)] = true
			if aws.ToString(c.ClusterStatus) == "paused" {
				paused++
			}
			if c.DefaultIamRoleArn != nil {
				withDefault++
			}
			for _, role := range c.IamRoles {
				if aws.ToString(role.ApplyStatus) == "adding" {
					adding++
				}
			}
			for _, tg := range c.Tags {
				if aws.ToString(tg.Key) == "environment" && aws.ToString(tg.Value) == "production" {
					production++
				}
			}
		}
	}
	if paused < 1 || withDefault < 3 || adding < 1 || production < 1 || len(nodeTypes) < 4 {
		t.Errorf("paused %d, with default %d, adding %d, production %d, node types %v", paused, withDefault, adding, production, nodeTypes)
	}
	for _, r := range []string{"us-east-1", "eu-west-1"} {
		if len(e.sim.Clusters(r)) == 0 {
			t.Errorf("no clusters in %s", r)
		}
	}
}

func TestGenerateIsDeterministicAndLoads(t *testing.T) {
	a := redshiftsim.Generate(300, []string{"us-east-1", "eu-west-1", "us-gov-west-1"}, 9)
	b := redshiftsim.Generate(300, []string{"us-east-1", "eu-west-1", "us-gov-west-1"}, 9)
	if !reflect.DeepEqual(a, b) || len(a) != 300 {
		t.Fatal("Generate is not deterministic")
	}
	e := newEnv(t, redshiftsim.Options{})
	if err := e.sim.Load(a); err != nil {
		t.Fatal(err)
	}
	if n := len(e.sim.Clusters("us-gov-west-1")); n != 100 {
		t.Errorf("%d clusters in us-gov-west-1", n)
	}
}

func TestLoadWorldFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "world.json")
	os.WriteFile(good, []byte(`[
	  {"region": "us-east-1", "cluster": {"id": "one", "node_type": "dc2.large", "number_of_nodes": 2,
	    "roles": [{"arn": "`+roleA+`"}, {"arn": "`+roleB+`", "status": "adding"}], "default_role": "`+roleA+`",
	    "tags": {"environment": "production"}, "db_name": "warehouse", "master_username": "root"}},
	  {"region": "eu-west-1", "cluster": {"id": "two", "status": "paused"}}
	]`), 0o600)
	seeds, err := redshiftsim.LoadWorldFile(good)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, redshiftsim.Options{RoleDelay: 1 << 40})
	if err := e.sim.Load(seeds); err != nil {
		t.Fatal(err)
	}
	one := mustCluster(t, e, "us-east-1", "one")
	if aws.ToString(one.DBName) != "warehouse" || aws.ToString(one.MasterUsername) != "root" || len(one.IamRoles) != 2 ||
		aws.ToString(one.ClusterAvailabilityStatus) != "Modifying" {
		t.Errorf("one: %+v", one)
	}
	if two := mustCluster(t, e, "eu-west-1", "two"); aws.ToString(two.ClusterStatus) != "paused" {
		t.Errorf("two: %+v", two)
	}
	for name, body := range map[string]string{
		"unknown field": `[{"region": "us-east-1", "cluster": {"id": "x", "colour": "red"}}]`,
		"no region":     `[{"cluster": {"id": "x"}}]`,
		"not json":      `nope`,
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
		os.WriteFile(p, []byte(body), 0o600)
		if _, err := redshiftsim.LoadWorldFile(p); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if _, err := redshiftsim.LoadWorldFile(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("missing file accepted")
	}
}

func TestAddClusterRefusesBadSpecs(t *testing.T) {
	e := newEnv(t, redshiftsim.Options{RoleQuota: 2})
	e.add(t, "us-east-1", redshiftsim.ClusterSpec{ID: "taken"})
	for name, spec := range map[string]redshiftsim.ClusterSpec{
		"duplicate":      {ID: "taken"},
		"bad id":         {ID: "Bad_ID"},
		"node type":      {ID: "x", NodeType: "m5.large"},
		"nodes":          {ID: "x", NumberOfNodes: 1000},
		"status":         {ID: "x", Status: "creating"},
		"role arn":       {ID: "x", Roles: []redshiftsim.RoleSpec{{ARN: "bad"}}},
		"role twice":     {ID: "x", Roles: []redshiftsim.RoleSpec{{ARN: roleA}, {ARN: roleA}}},
		"role status":    {ID: "x", Roles: []redshiftsim.RoleSpec{{ARN: roleA, Status: "gone"}}},
		"over quota":     {ID: "x", Roles: []redshiftsim.RoleSpec{{ARN: roleA}, {ARN: roleB}, {ARN: roleC}}},
		"default absent": {ID: "x", Roles: []redshiftsim.RoleSpec{{ARN: roleA}}, DefaultRole: roleB},
	} {
		if err := e.sim.AddCluster("us-east-1", spec); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if err := e.sim.AddCluster("", redshiftsim.ClusterSpec{ID: "x"}); err == nil {
		t.Error("empty region accepted")
	}
	if n := len(e.sim.Clusters("us-east-1")); n != 1 {
		t.Errorf("%d clusters after refusals", n)
	}
}

// The snapshot Cluster returns is the caller's to change.
func TestClusterSnapshotIsACopy(t *testing.T) {
	e := newEnv(t, redshiftsim.Options{})
	e.add(t, "us-east-1", redshiftsim.ClusterSpec{ID: "a", Roles: []redshiftsim.RoleSpec{{ARN: roleA}}})
	c := mustCluster(t, e, "us-east-1", "a")
	*c.NodeType = "changed"
	c.IamRoles[0].ApplyStatus = aws.String("removing")
	again := mustCluster(t, e, "us-east-1", "a")
	if aws.ToString(again.NodeType) != "ra3.xlplus" || aws.ToString(again.IamRoles[0].ApplyStatus) != "in-sync" {
		t.Errorf("state changed through a snapshot: %+v", again)
	}
}

// The example world file documented for `redshiftsim -world` loads.
func TestExampleWorldFileLoads(t *testing.T) {
	seeds, err := redshiftsim.LoadWorldFile("testdata/example-world.json")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, redshiftsim.Options{RoleDelay: 1 << 40})
	if err := e.sim.Load(seeds); err != nil {
		t.Fatal(err)
	}
	if c := mustCluster(t, e, "us-east-1", "warehouse-prod"); len(c.IamRoles) != 2 || aws.ToString(c.ClusterAvailabilityStatus) != "Modifying" {
		t.Errorf("warehouse-prod: %+v", c)
	}
	if c := mustCluster(t, e, "eu-west-1", "eu-reporting"); aws.ToString(c.ClusterStatus) != "modifying" {
		t.Errorf("eu-reporting: %+v", c)
	}
}
