//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// apiCall sends one API request with the token and decodes the JSON answer
// into out.
func apiCall(t *testing.T, token, method, path string, body, out any) int {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, suite.baseURL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if out != nil {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: %d, undecodable answer: %v", method, path, res.StatusCode, err)
		}
	}
	return res.StatusCode
}

// TestAPIProposeApproveInBrowser is a pipeline's path: a requester makes
// a request token on her account page, the pipeline proposes a change by
// API, an approver approves it in the browser, and the pipeline polls the
// request by API until it is in_sync.
func TestAPIProposeApproveInBrowser(t *testing.T) {
	needSuite(t)
	const account, region, cluster = "444455556666", "ap-southeast-2", "apac-payments"
	role := "arn:aws:iam::" + account + ":role/RedshiftSpectrum"

	rita := newTab(t, "rita")
	rita.signIn("rita")
	rita.open("/account", 200)
	rita.do(
		chromedp.SendKeys(chromedp.CSS("#token-name"), "payments pipeline", chromedp.NodeVisible),
		chromedp.SetValue(chromedp.CSS("#token-scope"), "request"),
		chromedp.SetValue(chromedp.CSS("#token-days"), "7"),
	)
	rita.click(tid("token-create"))
	token := strings.TrimSpace(rita.text(tid("token-secret")))
	if !strings.HasPrefix(token, "rgp_") {
		rita.fail("the new token page shows %q", token)
	}
	rita.click(tid("token-continue"))
	if n := rita.count(`[data-testid="token-row"]`); n < 1 {
		rita.fail("the account page lists no token")
	}

	base := "/api/v1/clusters/" + account + "/" + region + "/" + cluster
	var cl struct {
		OpenChanges []int64 `json:"open_changes"`
	}
	if st := apiCall(t, token, http.MethodGet, base, nil, &cl); st != http.StatusOK {
		t.Fatalf("read the cluster: %d", st)
	}
	var created struct {
		ID     int64             `json:"id"`
		State  string            `json:"state"`
		Errors map[string]string `json:"errors"`
	}
	st := apiCall(t, token, http.MethodPost, base+"/changes", map[string]any{
		"add": []string{role}, "reason": "Spectrum queries over the settled payments", "ticket": "PAY-88",
		"confirm_open": len(cl.OpenChanges) > 0, "open_seen": cl.OpenChanges,
	}, &created)
	if st != http.StatusCreated || created.State != "pending" {
		t.Fatalf("propose by API: %d %+v", st, created)
	}

	arno := newTab(t, "arno")
	arno.signIn("arno")
	path := fmt.Sprintf("/changes/%d", created.ID)
	arno.open(path, 200)
	arno.wantState("pending")
	arno.do(chromedp.SendKeys(chromedp.CSS("#approve-comment"), "Pipeline change checked", chromedp.NodeVisible))
	arno.activate(tid("approve"), 200)

	deadline := time.Now().Add(inSyncLimit)
	for {
		var got struct {
			State string `json:"state"`
			Done  bool   `json:"done"`
		}
		if st := apiCall(t, token, http.MethodGet, fmt.Sprintf("/api/v1/changes/%d", created.ID), nil, &got); st != http.StatusOK {
			t.Fatalf("poll: %d", st)
		}
		if got.State == "in_sync" {
			break
		}
		if got.Done || time.Now().After(deadline) {
			t.Fatalf("the request is %q", got.State)
		}
		time.Sleep(500 * time.Millisecond)
	}
	arno.open(path, 200)
	arno.wantState("in-sync")
}
