package redshiftsim

import (
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzSTS feeds arbitrary request bodies to the simulator's STS, signed
// (nominally) by plain credentials: it never panics, always answers
// well-formed XML with 200, 400 or 403, and only hands out credentials for
// a role that the world declares.
func FuzzSTS(f *testing.F) {
	for _, s := range []string{
		"Action=GetCallerIdentity&Version=2011-06-15",
		"Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2FRolegateAccess&RoleSessionName=fuzz",
		"Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A444455556666%3Arole%2FRolegateAccess&RoleSessionName=fuzz&ExternalId=rolegate-demo&SourceIdentity=x%40y",
		"Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2FRolegateAccess&RoleSessionName=a&DurationSeconds=99999999999",
		"Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Asaml-provider%2FX&RoleSessionName=%00%FF&SourceIdentity=aws%3Ax",
		"Action=AssumeRole&RoleArn=&RoleSessionName=&ExternalId=&DurationSeconds=",
		"Action=AssumeRole&Version=2012-12-01",
		"Action=DescribeClusters",
	} {
		f.Add(s)
	}
	sim := New(Options{})
	if err := sim.LoadWorld(DemoWorld()); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(raw))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDFUZZ/20260302/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0")
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, req)
		if rec.Code != 200 && rec.Code != 400 && rec.Code != 403 {
			t.Fatalf("status %d for %q", rec.Code, raw)
		}
		var out struct {
			XMLName xml.Name
			Arn     string `xml:"AssumeRoleResult>AssumedRoleUser>Arn"`
		}
		if err := xml.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("malformed XML for %q: %v", raw, err)
		}
		if out.XMLName.Local == "AssumeRoleResponse" && !strings.HasSuffix(strings.SplitN(out.Arn, "/", 3)[1], DemoAccessRole) {
			t.Fatalf("credentials for %q from %q", out.Arn, raw)
		}
	})
}
