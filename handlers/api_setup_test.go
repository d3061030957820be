package handlers_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"rolegate/handlers"
	"rolegate/internal/config"
)

// apiClient calls the API with one token and checks every request it
// sends and every response it gets against the served OpenAPI document,
// with kin-openapi (OpenAPI 3.1, JSON Schema 2020-12), so the document
// cannot drift from the handlers.
type apiClient struct {
	app    *testApp
	token  string
	router routers.Router
}

// openAPIRouter loads the OpenAPI document the router serves, for the
// test server at base.
func openAPIRouter(t *testing.T, base string) routers.Router {
	t.Helper()
	raw, err := handlers.OpenAPIDocument()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatalf("load openapi: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("the document is OpenAPI %s, want 3.1", doc.OpenAPI)
	}
	doc.Servers = openapi3.Servers{{URL: base}}
	r, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatalf("openapi router: %v", err)
	}
	return r
}

func (a *testApp) apiClient(t *testing.T, token string) *apiClient {
	return &apiClient{app: a, token: token, router: openAPIRouter(t, a.url)}
}

// jsonlDecoder reads JSON Lines as an array, for the stream's schema.
func jsonlDecoder(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	var out []any
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var v any
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, sc.Err()
}

var validationOptions = &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}

// do sends a request whose body is v encoded as JSON (nil: no body), checks
// the request against the document, and returns the checked response and
// its body.
func (c *apiClient) do(t *testing.T, method, path string, v any) (*http.Response, []byte) {
	t.Helper()
	var body []byte
	hdr := map[string]string{}
	if v != nil {
		var err error
		if body, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
		hdr["Content-Type"] = "application/json"
	}
	return c.send(t, method, path, body, hdr, true)
}

// raw sends the body as is with the headers; only the response is checked
// against the document (the request may be wrong on purpose).
func (c *apiClient) raw(t *testing.T, method, path string, body []byte, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	return c.send(t, method, path, body, hdr, false)
}

func (c *apiClient) send(t *testing.T, method, path string, body []byte, hdr map[string]string, checkRequest bool) (*http.Response, []byte) {
	t.Helper()
	openapi3filter.RegisterBodyDecoder("application/jsonl", jsonlDecoder)
	req, err := http.NewRequest(method, c.app.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body == nil {
		req.Body = http.NoBody
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	route, params, rerr := c.router.FindRoute(req)
	var in *openapi3filter.RequestValidationInput
	if rerr == nil {
		in = &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: validationOptions}
		if checkRequest {
			if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
				t.Fatalf("%s %s: the request does not match the OpenAPI document: %v", method, path, err)
			}
			if body != nil {
				req.Body = io.NopCloser(bytes.NewReader(body))
			}
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	got, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if in == nil {
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
			t.Fatalf("%s %s: not in the document, and the answer is not a problem document: %d %s", method, path, res.StatusCode, got)
		}
		return res, got
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.StatusCode, Header: res.Header, Options: validationOptions}
	out.SetBodyBytes(got)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Fatalf("%s %s: the %d response does not match the OpenAPI document: %v\n%s", method, path, res.StatusCode, err, got)
	}
	return res, got
}

// problemOf decodes a problem document, checking its media type.
func problemOf(t *testing.T, res *http.Response, body []byte) map[string]any {
	t.Helper()
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, want application/problem+json: %s", ct, body)
	}
	var p map[string]any
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	if p["request_id"] == "" || p["request_id"] == nil {
		t.Fatalf("problem without request_id: %s", body)
	}
	return p
}

var tokenSecret = regexp.MustCompile(`rgp_[a-z2-7]{52}`)

// makeToken makes a token on the account page (or, with base, the admin
// page of a service account) and returns the secret shown once.
func (b *browser) makeToken(t *testing.T, base, name, scope string, days string) string {
	t.Helper()
	if base == "" {
		base = "/account/tokens"
	}
	res := b.postForm(t, base, url.Values{"name": {name}, "scope": {scope}, "days": {days}})
	body := readBody(t, res)
	m := tokenSecret.FindString(body)
	if res.StatusCode != http.StatusOK || m == "" {
		t.Fatalf("make token: status %d:\n%s", res.StatusCode, body)
	}
	return m
}

type apiTestOptions struct {
	// apiRate is each token's requests per minute (-api-rate); tests that
	// do not test the limit get one they never reach.
	apiRate int
}

func setupAPITest(o *testOptions, cfg *config.Config) {
	cfg.APIRate = o.apiRate
	if cfg.APIRate == 0 {
		cfg.APIRate = 600000
	}
}
