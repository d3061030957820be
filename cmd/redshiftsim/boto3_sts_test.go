package main

import (
	"encoding/json"
	"testing"
)

// boto3STSScript assumes the demo data account's role with boto3, uses the
// credentials for Redshift, and tries them with a wrong secret and without
// the payments account's external ID.
const boto3STSScript = `
import json, sys
import boto3
url = sys.argv[1]
s = boto3.client("sts", endpoint_url=url, region_name="us-east-1")
out = {}
r = s.assume_role(RoleArn="arn:aws:iam::111122223333:role/RolegateAccess", RoleSessionName="boto",
                  SourceIdentity="boto-user", DurationSeconds=900)
c = r["Credentials"]
out["key_prefix"] = c["AccessKeyId"][:4]
out["source_identity"] = r["SourceIdentity"]
out["arn"] = r["AssumedRoleUser"]["Arn"]
def client(service, secret):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", aws_access_key_id=c["AccessKeyId"],
                        aws_secret_access_key=secret, aws_session_token=c["SessionToken"])
out["account"] = client("sts", c["SecretAccessKey"]).get_caller_identity()["Account"]
out["ids"] = sorted(x["ClusterIdentifier"] for x in client("redshift", c["SecretAccessKey"]).describe_clusters()["Clusters"])
try:
    client("redshift", "wrong").describe_clusters()
except Exception as e:
    out["wrong_secret"] = [e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]]
try:
    s.assume_role(RoleArn="arn:aws:iam::444455556666:role/RolegateAccess", RoleSessionName="boto")
except s.exceptions.ClientError as e:
    out["no_external_id"] = [e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]]
print(json.dumps(out))
`

func TestBoto3AssumesRolesInTheDemoWorld(t *testing.T) {
	t.Parallel()
	py := needTool(t, "python3", boto3Missing)
	env := toolEnv(t, "us-east-1")
	if r := runTool(t, env, py, "-c", "import boto3"); r.code != 0 {
		t.Logf("python3 -c 'import boto3': %s", r.stderr)
		boto3Missing.Skip(t)
	}
	url := startProcess(t, "-world", "demo")
	r := runTool(t, env, py, "-c", boto3STSScript, url)
	if r.code != 0 {
		t.Fatalf("boto3 script: exit %d\n%s", r.code, r.stderr)
	}
	var out struct {
		KeyPrefix      string   `json:"key_prefix"`
		SourceIdentity string   `json:"source_identity"`
		ARN            string   `json:"arn"`
		Account        string   `json:"account"`
		IDs            []string `json:"ids"`
		WrongSecret    []any    `json:"wrong_secret"`
		NoExternalID   []any    `json:"no_external_id"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if out.KeyPrefix != "ASIA" || out.SourceIdentity != "boto-user" || out.ARN != "arn:aws:sts::111122223333:assumed-role/RolegateAccess/boto" || out.Account != "111122223333" {
		t.Errorf("assume role: %+v", out)
	}
	if len(out.IDs) != 2 || out.IDs[0] != "lakehouse-dev" || out.IDs[1] != "lakehouse-prod" {
		t.Errorf("data account clusters in us-east-1: %v", out.IDs)
	}
	if len(out.WrongSecret) != 2 || out.WrongSecret[0] != "SignatureDoesNotMatch" || out.WrongSecret[1] != float64(403) {
		t.Errorf("wrong secret: %v", out.WrongSecret)
	}
	if len(out.NoExternalID) != 2 || out.NoExternalID[0] != "AccessDenied" || out.NoExternalID[1] != float64(403) {
		t.Errorf("no external ID: %v", out.NoExternalID)
	}
	st := simStats(t, url)
	last := st.Log[len(st.Log)-3]
	if last.Op != "DescribeClusters" || last.Account != "111122223333" || last.Session != "boto" || last.SourceIdentity != "boto-user" {
		t.Errorf("boto3's describe recorded as %+v", last)
	}
}
