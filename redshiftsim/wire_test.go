package redshiftsim_test

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// wireResp is a raw HTTP answer from the simulator.
type wireResp struct {
	status int
	header http.Header
	body   string
}

// errorResponse is the Query-protocol error envelope.
type errorResponse struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

func authFor(region string) string {
	return "AWS4-HMAC-SHA256 Credential=AKIDRAW/20260302/" + region + "/redshift/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000"
}

// post sends a form-encoded Query request signed (nominally) for region.
func (e *env) post(t testing.TB, region, form string) wireResp {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if region != "" {
		req.Header.Set("Authorization", authFor(region))
	}
	return do(t, req)
}

// get sends a Query request as a GET query string.
func (e *env) get(t testing.TB, region, query string) wireResp {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	if region != "" {
		req.Header.Set("Authorization", authFor(region))
	}
	return do(t, req)
}

func do(t testing.TB, req *http.Request) wireResp {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return wireResp{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// wantError checks an ErrorResponse's status, code and (if not "") message.
func (r wireResp) wantError(t testing.TB, status int, code, message string) {
	t.Helper()
	if r.status != status {
		t.Errorf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	var er errorResponse
	if err := xml.Unmarshal([]byte(r.body), &er); err != nil {
		t.Fatalf("error body does not parse: %v\n%s", err, r.body)
	}
	if er.Code != code {
		t.Errorf("code = %q, want %q (message %q)", er.Code, code, er.Message)
	}
	if message != "" && er.Message != message {
		t.Errorf("message = %q, want %q", er.Message, message)
	}
	if er.RequestID == "" || er.RequestID != r.header.Get("x-amzn-RequestId") {
		t.Errorf("RequestId %q, header %q", er.RequestID, r.header.Get("x-amzn-RequestId"))
	}
	if ct := r.header.Get("Content-Type"); ct != "text/xml" {
		t.Errorf("Content-Type = %q", ct)
	}
}

func (r wireResp) wantOK(t testing.TB) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status = %d; body %s", r.status, r.body)
	}
}

// form builds a Query body from key/value pairs, always with the version.
func form(kv ...string) string {
	v := url.Values{"Version": {"2012-12-01"}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}
