package main

import (
	"encoding/json"
	"testing"
)

// boto3Script exercises the simulator with boto3: paging, a role change,
// the modelled exceptions, and the empty-list encoding.
const boto3Script = `
import json, sys
import boto3
c = boto3.client("redshift", endpoint_url=sys.argv[1], region_name="eu-west-1")
out = {}
pages = c.get_paginator("describe_clusters").paginate(PaginationConfig={"PageSize": 20})
out["ids"] = [cl["ClusterIdentifier"] for p in pages for cl in p["Clusters"]]
r = c.modify_cluster_iam_roles(ClusterIdentifier="eu-dev", AddIamRoles=["arn:aws:iam::123456789012:role/RedshiftML"],
                               RemoveIamRoles=[], DefaultIamRoleArn="arn:aws:iam::123456789012:role/RedshiftML")
out["roles"] = {x["IamRoleArn"]: x["ApplyStatus"] for x in r["Cluster"]["IamRoles"]}
out["default"] = r["Cluster"]["DefaultIamRoleArn"]
out["encrypted"] = r["Cluster"]["Encrypted"]
out["created_tz"] = r["Cluster"]["ClusterCreateTime"].utcoffset().total_seconds()
try:
    c.modify_cluster_iam_roles(ClusterIdentifier="eu-gdpr-archive", AddIamRoles=["arn:aws:iam::123456789012:role/RedshiftML"])
except c.exceptions.InvalidClusterStateFault as e:
    out["state_error"] = [e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]]
try:
    c.describe_clusters(ClusterIdentifier="nope")
except c.exceptions.ClusterNotFoundFault as e:
    out["not_found"] = [e.response["Error"]["Code"], e.response["Error"]["Message"], e.response["ResponseMetadata"]["HTTPStatusCode"]]
try:
    c.describe_clusters(MaxRecords=5)
except c.exceptions.ClientError as e:
    out["bad_max"] = e.response["Error"]["Code"]
print(json.dumps(out))
`

func TestBoto3AgainstTheSimulator(t *testing.T) {
	t.Parallel()
	py := needTool(t, "python3", boto3Missing)
	env := toolEnv(t, "eu-west-1")
	if r := runTool(t, env, py, "-c", "import boto3"); r.code != 0 {
		t.Logf("python3 -c 'import boto3': %s", r.stderr)
		boto3Missing.Skip(t)
	}
	url := startProcess(t, "-world", "demo", "-role-delay", "0s")
	r := runTool(t, env, py, "-c", boto3Script, url)
	if r.code != 0 {
		t.Fatalf("boto3 script: exit %d\n%s", r.code, r.stderr)
	}
	var out struct {
		IDs       []string          `json:"ids"`
		Roles     map[string]string `json:"roles"`
		Default   string            `json:"default"`
		Encrypted bool              `json:"encrypted"`
		CreatedTZ float64           `json:"created_tz"`
		State     []any             `json:"state_error"`
		NotFound  []any             `json:"not_found"`
		BadMax    string            `json:"bad_max"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if len(out.IDs) != 5 {
		t.Errorf("eu-west-1 clusters: %v", out.IDs)
	}
	if out.Roles["arn:aws:iam::123456789012:role/RedshiftML"] != "adding" || out.Default != "arn:aws:iam::123456789012:role/RedshiftML" || !out.Encrypted || out.CreatedTZ != 0 {
		t.Errorf("modify: %+v", out)
	}
	if len(out.State) != 2 || out.State[0] != "InvalidClusterState" || out.State[1] != float64(400) {
		t.Errorf("InvalidClusterStateFault: %v", out.State)
	}
	if len(out.NotFound) != 3 || out.NotFound[0] != "ClusterNotFound" || out.NotFound[1] != "Cluster nope not found." || out.NotFound[2] != float64(404) {
		t.Errorf("ClusterNotFoundFault: %v", out.NotFound)
	}
	if out.BadMax != "InvalidParameterValue" {
		t.Errorf("MaxRecords=5: %q", out.BadMax)
	}
}
