package redshiftsim

import (
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzParseQuery feeds arbitrary query strings to the Query-parameter
// parser and the list, tag and scalar readers built on it: none may panic,
// and a parsed list never has more members than its indices allow.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		"Action=DescribeClusters&Version=2012-12-01",
		"Action=ModifyClusterIamRoles&ClusterIdentifier=a&AddIamRoles.IamRoleArn.1=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FR&RemoveIamRoles=&DefaultIamRoleArn=",
		"AddIamRoles.IamRoleArn.2=x&AddIamRoles.IamRoleArn.1=y",
		"AddIamRoles.IamRoleArn.0=x",
		"AddIamRoles.IamRoleArn.999999999999999999999=x",
		"AddIamRoles=x",
		"TagKeys.TagKey.1=env&TagValues.TagValue.1=prod&MaxRecords=20&Marker=abc",
		"Tags.Tag.1.Key=a&Tags.Tag.1.Value=b&Tags.Tag.2.Value=c",
		"Tags.Tag.x.Key=a&Tags=",
		"MaxRecords=99999999999999999999&Encrypted=TRUE",
		"a=1&a=2",
		"%zz",
		";;&&==",
	} {
		f.Add(s)
	}
	sim := New(Options{})
	if err := sim.LoadWorld(DemoWorld()); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		// The whole handler answers well-formed XML with a sane status.
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(raw))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, req)
		if rec.Code != 200 && (rec.Code < 400 || rec.Code > 404) {
			t.Fatalf("status %d for %q", rec.Code, raw)
		}
		if err := xml.Unmarshal(rec.Body.Bytes(), new(struct{})); err != nil {
			t.Fatalf("malformed XML for %q: %v", raw, err)
		}

		p, err := parseQuery(raw)
		if err != nil {
			return
		}
		for _, l := range [][2]string{{"AddIamRoles", "IamRoleArn"}, {"RemoveIamRoles", "IamRoleArn"}, {"TagKeys", "TagKey"}, {"IamRoles", "IamRoleArn"}} {
			items, present, err := p.list(l[0], l[1])
			if err == nil && len(items) > maxListMembers {
				t.Fatalf("%s: %d members", l[0], len(items))
			}
			if err == nil && len(items) > 0 && !present {
				t.Fatalf("%s: members but not present", l[0])
			}
		}
		if tags, err := p.tags("Tags"); err == nil {
			for _, tg := range tags {
				if tg.Key == "" {
					t.Fatal("tag without key accepted")
				}
			}
		}
		_, _, _ = p.integer("MaxRecords")
		_, _, _ = p.boolean("Encrypted")
		_, _ = decodeMarker(place{Account, "us-east-1"}, p.str("Marker"))
	})
}
