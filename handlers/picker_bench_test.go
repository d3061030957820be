package handlers_test

import (
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"rolegate/internal/auth"
	"rolegate/redshiftsim"
)

// TestRolePickerLoad measures the role picker over an account with 5,000
// IAM roles: the cold search, which lists them in pages of 1,000 with
// ListRoles answering after 50 ms each, against the floor of those pages
// made one after another; then the searches once the listing is cached,
// as htmx sends them and as the whole form posts them without JavaScript.
// It times things, so it runs only when asked:
//
//	ROLEGATE_BENCH=1 go test -run TestRolePickerLoad -v -count=1 ./handlers/
//
// (The numbers go to BENCHMARKS.md; nothing here asserts a time.)
func TestRolePickerLoad(t *testing.T) {
	if testing.Short() || os.Getenv("ROLEGATE_BENCH") == "" {
		t.Skip("set ROLEGATE_BENCH=1 to run the role picker measurement")
	}
	const latency = 50 * time.Millisecond
	w := redshiftsim.World{
		Accounts: []redshiftsim.AccountSpec{{ID: testAccount, IAM: &redshiftsim.IAMSpec{Roles: redshiftsim.GenerateIAMRoles(5000)}}},
		Seeds:    []redshiftsim.Seed{{Region: testRegion, Cluster: redshiftsim.ClusterSpec{ID: "sales"}}},
	}
	app := newTestAppWith(t, func(o *testOptions) {
		o.world = &w
		o.sim.Faults = []redshiftsim.Fault{{Op: "ListRoles", Kind: redshiftsim.FaultLatency, Latency: latency}}
	})
	b := app.signIn(t, "rita", auth.RoleRequester)
	base := app.url + "/clusters/" + testAccount + "/" + testRegion + "/sales/changes/new?role_q="
	get := func(q string) (time.Duration, string) {
		req, _ := http.NewRequest(http.MethodGet, base+q, nil)
		req.Header.Set("HX-Request", "true")
		s := time.Now()
		res, err := b.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		d := time.Since(s)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d", res.StatusCode)
		}
		return d, string(body)
	}
	cold, body := get("Role0421")
	pages := app.sim.Stats().Calls("ListRoles", "")
	if !strings.Contains(body, "Role04210") {
		t.Fatalf("the cold search did not find Role04210:\n%s", body)
	}
	t.Logf("cold search (listing 5,000 roles): %v; %d ListRoles pages at %v each: floor %v; over the floor %v",
		cold.Round(time.Millisecond), pages, latency, time.Duration(pages)*latency, (cold - time.Duration(pages)*latency).Round(time.Millisecond))

	queries := []string{"Role0421", "service-role", "ROLE049", "arn:aws:iam::123456789012:role/Role00007", "no-such-role", ""}
	var lat []time.Duration
	for round := 0; round < 40; round++ {
		for _, q := range queries {
			d, _ := get(q)
			if round > 0 {
				lat = append(lat, d)
			}
		}
	}
	slices.Sort(lat)
	p := func(q float64) time.Duration { return lat[int(q*float64(len(lat)-1))] }
	t.Logf("cached search, %d requests over %d queries: p50=%v p90=%v p99=%v max=%v",
		len(lat), len(queries), p(0.5).Round(time.Microsecond), p(0.9).Round(time.Microsecond), p(0.99).Round(time.Microsecond), lat[len(lat)-1].Round(time.Microsecond))

	// Without JavaScript: the whole form, typed fields and all, posted to
	// …/changes/search, and the whole page back with the results and the
	// preview of the typed role (its IAM checks answered from the cache).
	search := app.url + "/clusters/" + testAccount + "/" + testRegion + "/sales/changes/search"
	var form []time.Duration
	for round := 0; round < 40; round++ {
		for _, q := range queries {
			f := url.Values{"_csrf": {b.csrfToken(t)}, "add": {"arn:aws:iam::123456789012:role/Role00007"}, "reason": {"nightly loads into the ledger"}, "ticket": {"OPS-7"}, "role_q": {q}}
			s := time.Now()
			res := b.postRaw(t, "/clusters/"+testAccount+"/"+testRegion+"/sales/changes/search", f, nil)
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			d := time.Since(s)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s: status %d", search, res.StatusCode)
			}
			if round > 0 {
				form = append(form, d)
			}
		}
	}
	slices.Sort(form)
	pf := func(q float64) time.Duration { return form[int(q*float64(len(form)-1))] }
	t.Logf("cached search without JavaScript (whole form posted), %d requests over %d queries: p50=%v p90=%v p99=%v max=%v",
		len(form), len(queries), pf(0.5).Round(time.Microsecond), pf(0.9).Round(time.Microsecond), pf(0.99).Round(time.Microsecond), form[len(form)-1].Round(time.Microsecond))
	if n := app.sim.Stats().Calls("ListRoles", ""); n != pages {
		t.Fatalf("cached searches listed again: %d ListRoles calls", n)
	}
}
