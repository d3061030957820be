package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAWSCLILookupEventsShowsTheCLICaller changes a cluster's roles with
// the AWS CLI as an IAM user of a world file, then asks CloudTrail with
// the AWS CLI who did it: botocore's own JSON 1.1 request, target and
// parsing, against the simulator as a command.
func TestAWSCLILookupEventsShowsTheCLICaller(t *testing.T) {
	world := `{
	  "accounts": [{"id": "123456789012", "users": [{"name": "oskar", "access_key": "AKIAOSKAREXAMPLE"}]}],
	  "clusters": [{"region": "eu-west-1", "cluster": {"id": "analytics", "roles": [{"arn": "` + cliRoleA + `"}]}}]
	}`
	path := filepath.Join(t.TempDir(), "world.json")
	if err := os.WriteFile(path, []byte(world), 0o600); err != nil {
		t.Fatal(err)
	}
	url := serve(t, "-world", path)
	cli := newAWSCLI(t, url, "eu-west-1")
	cli.env = append(cli.env, "AWS_ACCESS_KEY_ID=AKIAOSKAREXAMPLE")
	cli.ok(nil, "modify-cluster-iam-roles", "--cluster-identifier", "analytics", "--add-iam-roles", cliRoleB)

	r := runTool(t, cli.env, cli.bin, "cloudtrail", "lookup-events", "--endpoint-url", url, "--output", "json",
		"--lookup-attributes", "AttributeKey=EventName,AttributeValue=ModifyClusterIamRoles", "--max-results", "5")
	if r.code != 0 {
		t.Fatalf("aws cloudtrail lookup-events: exit %d\n%s", r.code, r.stderr)
	}
	var out struct {
		Events []struct {
			EventName, Username, AccessKeyId, CloudTrailEvent string
			EventTime                                         any
			Resources                                         []struct{ ResourceType, ResourceName string }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if len(out.Events) != 1 {
		t.Fatalf("%d events, want 1:\n%s", len(out.Events), r.stdout)
	}
	ev := out.Events[0]
	if ev.EventName != "ModifyClusterIamRoles" || ev.Username != "oskar" || ev.AccessKeyId != "AKIAOSKAREXAMPLE" ||
		len(ev.Resources) != 1 || ev.Resources[0].ResourceName != "analytics" || ev.EventTime == nil {
		t.Errorf("event: %+v", ev)
	}
	var doc struct {
		UserIdentity      struct{ Type, ARN string }
		UserAgent         string
		RequestParameters struct {
			ClusterIdentifier string
			AddIamRoles       []string
		}
	}
	if err := json.Unmarshal([]byte(ev.CloudTrailEvent), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.UserIdentity.Type != "IAMUser" || doc.UserIdentity.ARN != "arn:aws:iam::123456789012:user/oskar" ||
		!strings.HasPrefix(doc.UserAgent, "aws-cli/") || doc.RequestParameters.ClusterIdentifier != "analytics" ||
		len(doc.RequestParameters.AddIamRoles) != 1 || doc.RequestParameters.AddIamRoles[0] != cliRoleB {
		t.Errorf("CloudTrailEvent: %+v", doc)
	}

	// More than one lookup attribute is refused as CloudTrail refuses it.
	r = runTool(t, cli.env, cli.bin, "cloudtrail", "lookup-events", "--endpoint-url", url, "--output", "json",
		"--lookup-attributes", "AttributeKey=EventName,AttributeValue=ModifyClusterIamRoles", "AttributeKey=Username,AttributeValue=oskar")
	if r.code != cli.errc || !strings.Contains(r.stderr, "(InvalidLookupAttributesException)") {
		t.Errorf("two attributes: exit %d, %s", r.code, r.stderr)
	}
}
