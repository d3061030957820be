package handlers_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"rolegate/internal/auth"
	"rolegate/redshiftsim"
)

var threeRegions = []string{"us-east-1", "eu-west-1", "ap-southeast-2"}

// doc reads an HTML response, failing on a status other than want.
func doc(t *testing.T, res *http.Response, want int) *goquery.Document {
	t.Helper()
	defer res.Body.Close()
	if res.StatusCode != want {
		body, _ := io.ReadAll(res.Body)
		t.Fatalf("%s %s: status %d, want %d\n%s", res.Request.Method, res.Request.URL, res.StatusCode, want, body)
	}
	d, err := goquery.NewDocumentFromReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// listAll walks every page of /clusters?query and returns how often each
// region/id was listed.
func listAll(t *testing.T, b *browser, query string) (map[string]int, *goquery.Document) {
	t.Helper()
	seen := map[string]int{}
	path := "/clusters" + query
	var first *goquery.Document
	for page := 0; path != ""; page++ {
		if page > 1000 {
			t.Fatal("paging does not end")
		}
		d := doc(t, b.get(t, path), http.StatusOK)
		if first == nil {
			first = d
		}
		d.Find(`[data-testid="cluster-row"]`).Each(func(_ int, s *goquery.Selection) {
			seen[s.AttrOr("data-region", "")+"/"+s.AttrOr("data-id", "")]++
		})
		path = d.Find(`[data-testid="next-page"]`).AttrOr("href", "")
	}
	return seen, first
}

func wantEveryClusterOnce(t *testing.T, seen map[string]int, seeds []redshiftsim.Seed) {
	t.Helper()
	if len(seen) != len(seeds) {
		t.Errorf("listed %d distinct clusters, want %d", len(seen), len(seeds))
	}
	for _, s := range seeds {
		key := s.Region + "/" + s.Cluster.ID
		if n := seen[key]; n != 1 {
			t.Errorf("%s listed %d times, want once", key, n)
		}
	}
}

func TestClusterListShowsEveryClusterOfEveryRegionExactlyOnce(t *testing.T) {
	seeds := smallWorld(threeRegions, 250)
	app := newTestAppWith(t, func(o *testOptions) { o.regions, o.seeds = threeRegions, seeds })
	b := app.signIn(t, "vera", auth.RoleViewer)

	seen, first := listAll(t, b, "")
	wantEveryClusterOnce(t, seen, seeds)
	if n := first.Find(`[data-testid="region-error"]`).Length(); n != 0 {
		t.Errorf("%d region banners, want none", n)
	}
	if got := first.Find(`[data-testid="cluster-count"]`).Text(); !strings.Contains(got, "750 of 750") {
		t.Errorf("count reads %q, want 750 of 750", got)
	}
	// One sweep: 250 clusters at 100 a page is 3 calls per region, and
	// paging through the list served every later page from the cache.
	for _, r := range threeRegions {
		if n := app.sim.Stats().Calls("DescribeClusters", r); n != 3 {
			t.Errorf("%s: %d DescribeClusters calls, want 3", r, n)
		}
	}
}

func TestClusterListFiltersAndSorts(t *testing.T) {
	seeds := smallWorld(threeRegions, 30)
	seeds = append(seeds, redshiftsim.Seed{Region: "eu-west-1", Cluster: redshiftsim.ClusterSpec{
		ID:    "busy-one",
		Roles: []redshiftsim.RoleSpec{{ARN: "arn:aws:iam::123456789012:role/SpectrumNew", Status: "adding"}},
	}})
	app := newTestAppWith(t, func(o *testOptions) {
		o.regions, o.seeds = threeRegions, seeds
		o.sim.RoleDelay = time.Hour
	})
	b := app.signIn(t, "vera", auth.RoleViewer)

	tests := []struct {
		name, query string
		want        int
	}{
		{"region", "?region=eu-west-1", 31},
		{"identifier text", "?q=C007", 3},
		{"role ARN", "?q=" + url.QueryEscape("role/copy-ap-southeast-2-1"), 11}, // -1, -10 … -19
		{"roles not in-sync", "?notinsync=1", 1},
		{"status", "?status=available", 91},
		{"nothing", "?q=no-such-cluster", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen, _ := listAll(t, b, tt.query)
			if len(seen) != tt.want {
				t.Errorf("%s: %d clusters, want %d", tt.query, len(seen), tt.want)
			}
		})
	}

	d := doc(t, b.get(t, "/clusters?notinsync=1"), http.StatusOK)
	row := d.Find(`[data-testid="cluster-row"]`)
	if row.AttrOr("data-id", "") != "busy-one" || row.Find(`[data-testid="apply-status"]`).Text() != "adding" {
		t.Errorf("the not-in-sync row shows %q with status %q", row.AttrOr("data-id", ""), row.Find(`[data-testid="apply-status"]`).Text())
	}

	d = doc(t, b.get(t, "/clusters?sort=id&dir=desc"), http.StatusOK)
	var ids []string
	d.Find(`[data-testid="cluster-row"]`).Each(func(_ int, s *goquery.Selection) { ids = append(ids, s.AttrOr("data-id", "")) })
	if len(ids) != 50 || ids[0] != "us-east-1-c029" || ids[1] != "us-east-1-c028" {
		t.Errorf("sorted by id descending, the page starts %v (len %d)", ids[:min(3, len(ids))], len(ids))
	}
}

func TestClusterListOneRegionFailingShowsTheOthersAndABanner(t *testing.T) {
	seeds := smallWorld(threeRegions, 120)
	app := newTestAppWith(t, func(o *testOptions) {
		o.regions, o.seeds = threeRegions, seeds
		o.sim.Faults = []redshiftsim.Fault{{Op: "DescribeClusters", Region: "eu-west-1", Kind: "unavailable", Rate: 1}}
	})
	b := app.signIn(t, "vera", auth.RoleViewer)

	seen, first := listAll(t, b, "")
	var healthy []redshiftsim.Seed
	for _, s := range seeds {
		if s.Region != "eu-west-1" {
			healthy = append(healthy, s)
		}
	}
	wantEveryClusterOnce(t, seen, healthy)
	banner := first.Find(`[data-testid="region-error"]`)
	if banner.Length() != 1 || banner.AttrOr("data-region", "") != "eu-west-1" {
		t.Fatalf("banners: %d, region %q; want one for eu-west-1", banner.Length(), banner.AttrOr("data-region", ""))
	}
	text := banner.Text()
	for _, want := range []string{"eu-west-1", "server error", "No data for this region yet"} {
		if !strings.Contains(text, want) {
			t.Errorf("banner %q does not say %q", text, want)
		}
	}

	// Once the region recovers, a refresh brings it back and the banner goes.
	app.sim.ClearFaults()
	res := b.postForm(t, "/clusters/refresh", url.Values{"back": {"/clusters?region=eu-west-1"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/clusters?region=eu-west-1" {
		t.Fatalf("refresh: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	seen, first = listAll(t, b, "")
	wantEveryClusterOnce(t, seen, seeds)
	if n := first.Find(`[data-testid="region-error"]`).Length(); n != 0 {
		t.Errorf("%d banners after recovery, want none", n)
	}

	// When it fails again after a good sweep, its last good data stays
	// with the banner saying how old it is.
	app.sim.SetFaults(redshiftsim.Fault{Op: "DescribeClusters", Region: "eu-west-1", Kind: "unavailable", Rate: 1})
	res = b.postForm(t, "/clusters/refresh", nil)
	res.Body.Close()
	seen, first = listAll(t, b, "")
	wantEveryClusterOnce(t, seen, seeds)
	if text := first.Find(`[data-testid="region-error"]`).Text(); !strings.Contains(text, "last good data (120 clusters") {
		t.Errorf("banner %q does not tell about the last good data", text)
	}
}

func TestClusterListUnderThirtyPercentThrottlingIsComplete(t *testing.T) {
	seeds := smallWorld(threeRegions, 250)
	app := newTestAppWith(t, func(o *testOptions) {
		o.regions, o.seeds = threeRegions, seeds
		o.sim.Seed = 7
		o.sim.Faults = []redshiftsim.Fault{{Op: "DescribeClusters", Kind: "throttle", Rate: 0.3}}
	})
	b := app.signIn(t, "vera", auth.RoleViewer)

	seen, first := listAll(t, b, "")
	wantEveryClusterOnce(t, seen, seeds)
	if n := first.Find(`[data-testid="region-error"]`).Length(); n != 0 {
		t.Errorf("%d region banners under 30%% throttling, want none: %s", n, first.Find(`[data-testid="region-error"]`).Text())
	}
	// The throttling happened and was retried through: more calls than the
	// 9 pages, some of them refused.
	stats := app.sim.Stats()
	if calls, refused := stats.Calls("DescribeClusters", ""), stats.Errors("DescribeClusters", ""); calls <= 9 || refused == 0 {
		t.Errorf("%d DescribeClusters calls, %d throttled, for 9 pages: the throttling did not happen", calls, refused)
	}
}

func TestClusterListConcurrentViewsShareOneSweepPerRegion(t *testing.T) {
	seeds := smallWorld(threeRegions, 250)
	app := newTestAppWith(t, func(o *testOptions) {
		o.regions, o.seeds = threeRegions, seeds
		// Slow pages make the 50 requests overlap the sweeps.
		o.sim.Faults = []redshiftsim.Fault{{Op: "DescribeClusters", Kind: "latency", Rate: 1, Latency: 30 * time.Millisecond}}
	})
	b := app.signIn(t, "vera", auth.RoleViewer)

	const viewers = 50
	var wg sync.WaitGroup
	statuses := make([]int, viewers)
	counts := make([]string, viewers)
	errs := make([]error, viewers)
	for i := range viewers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := b.client.Get(app.url + "/clusters")
			if err != nil {
				errs[i] = err
				return
			}
			defer res.Body.Close()
			statuses[i] = res.StatusCode
			d, err := goquery.NewDocumentFromReader(res.Body)
			if err != nil {
				errs[i] = err
				return
			}
			counts[i] = d.Find(`[data-testid="cluster-count"]`).Text()
		}()
	}
	wg.Wait()
	for i := range viewers {
		if errs[i] != nil || statuses[i] != http.StatusOK || !strings.Contains(counts[i], "750 of 750") {
			t.Errorf("viewer %d: status %d, count %q, err %v", i, statuses[i], counts[i], errs[i])
		}
	}
	for _, r := range threeRegions {
		if n := app.sim.Stats().Calls("DescribeClusters", r); n != 3 {
			t.Errorf("%s: %d DescribeClusters calls for %d concurrent views, want 3 (one sweep of 3 pages)", r, n, viewers)
		}
	}
}

func TestClusterRolesFragmentPollsUntilEveryRoleIsInSync(t *testing.T) {
	clock := redshiftsim.NewManualClock(time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC))
	const (
		copyRole     = "arn:aws:iam::123456789012:role/Copy"
		spectrumRole = "arn:aws:iam::123456789012:role/Spectrum"
	)
	app := newTestAppWith(t, func(o *testOptions) {
		o.regions = []string{"us-east-1"}
		o.sim.Clock, o.sim.RoleDelay = clock, 10*time.Second
		o.seeds = []redshiftsim.Seed{{Region: "us-east-1", Cluster: redshiftsim.ClusterSpec{
			ID:          "analytics",
			Roles:       []redshiftsim.RoleSpec{{ARN: copyRole}, {ARN: spectrumRole, Status: "adding"}},
			DefaultRole: copyRole,
		}}}
	})
	b := app.signIn(t, "vera", auth.RoleViewer)

	page := doc(t, b.get(t, "/clusters/123456789012/us-east-1/analytics"), http.StatusOK)
	frag := page.Find(`[data-testid="cluster-roles"]`)
	if frag.AttrOr("hx-trigger", "") != "every 2s" || frag.AttrOr("hx-get", "") != "/clusters/123456789012/us-east-1/analytics/roles" {
		t.Fatalf("page fragment: hx-trigger %q hx-get %q, want polling", frag.AttrOr("hx-trigger", ""), frag.AttrOr("hx-get", ""))
	}
	if got := roleStatuses(page); got[spectrumRole] != "adding" || got[copyRole] != "in-sync" {
		t.Errorf("roles %v", got)
	}
	if def := page.Find(`[data-testid="role-row"]:has([data-testid="default-role"])`).AttrOr("data-arn", ""); def != copyRole {
		t.Errorf("default marked on %q, want %q", def, copyRole)
	}

	d := doc(t, b.get(t, "/clusters/123456789012/us-east-1/analytics/roles"), http.StatusOK)
	if d.Find(`[data-testid="cluster-roles"]`).AttrOr("hx-trigger", "") == "" {
		t.Error("the fragment stopped polling while a role is adding")
	}

	clock.Advance(11 * time.Second)
	d = doc(t, b.get(t, "/clusters/123456789012/us-east-1/analytics/roles"), http.StatusOK)
	frag = d.Find(`[data-testid="cluster-roles"]`)
	if _, ok := frag.Attr("hx-trigger"); ok || frag.AttrOr("data-live", "") != "false" {
		t.Errorf("fragment still polls once all roles are in-sync: hx-trigger present=%v data-live=%q", ok, frag.AttrOr("data-live", ""))
	}
	if got := roleStatuses(d); got[spectrumRole] != "in-sync" || got[copyRole] != "in-sync" {
		t.Errorf("roles after the delay %v, want both in-sync", got)
	}
	if d.Find("html").Length() != 0 && d.Find("nav").Length() != 0 {
		t.Error("the fragment came with the page frame")
	}
}

func roleStatuses(d *goquery.Document) map[string]string {
	out := map[string]string{}
	d.Find(`[data-testid="role-row"]`).Each(func(_ int, s *goquery.Selection) {
		out[s.AttrOr("data-arn", "")] = s.Find(`[data-testid="apply-status"]`).Text()
	})
	return out
}

func TestClusterPageShowsTheSnapshotAndRefusesUnknownClusters(t *testing.T) {
	app := newTestApp(t)
	b := app.signIn(t, "vera", auth.RoleViewer)

	d := doc(t, b.get(t, "/clusters/123456789012/eu-west-1/eu-west-1-c002"), http.StatusOK)
	if got := d.Find(`[data-testid="cluster-id"]`).Text(); got != "eu-west-1-c002" {
		t.Errorf("cluster id %q", got)
	}
	if got := d.Find(`[data-testid="cluster-status"]`).Text(); got != "available" {
		t.Errorf("status %q", got)
	}
	if got := d.Find(`[data-testid="endpoint"]`).Text(); !strings.Contains(got, ":5439") {
		t.Errorf("endpoint %q", got)
	}
	if got := d.Find(`[data-testid="tags"]`).Text(); !strings.Contains(got, "team") || !strings.Contains(got, "data") {
		t.Errorf("tags %q", got)
	}
	if href := d.Find(`[data-testid="snapshot-download"]`).AttrOr("href", ""); href != "/clusters/123456789012/eu-west-1/eu-west-1-c002/snapshot.json" {
		t.Errorf("snapshot link %q", href)
	}

	res := b.get(t, "/clusters/123456789012/eu-west-1/eu-west-1-c002/snapshot.json")
	defer res.Body.Close()
	var snap map[string]any
	if err := json.NewDecoder(res.Body).Decode(&snap); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("snapshot: %d %v", res.StatusCode, err)
	}
	if snap["ClusterIdentifier"] != "eu-west-1-c002" || snap["DefaultIamRoleArn"] != "arn:aws:iam::123456789012:role/copy-eu-west-1-2" {
		t.Errorf("snapshot %v", snap)
	}
	if !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("Content-Disposition %q", res.Header.Get("Content-Disposition"))
	}

	for _, path := range []string{"/clusters/123456789012/eu-west-1/nope", "/clusters/123456789012/mars-north-1/eu-west-1-c002", "/clusters/123456789012/eu-west-1/nope/roles", "/clusters/123456789012/eu-west-1/nope/snapshot.json"} {
		res := b.get(t, path)
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, res.StatusCode)
		}
	}
}

func TestClusterPageWhenAWSFailsShowsASafeMessage(t *testing.T) {
	var logs strings.Builder
	app := newTestAppWith(t, func(o *testOptions) { o.logs = &lockedBuilder{b: &logs} })
	b := app.signIn(t, "vera", auth.RoleViewer)
	app.sim.SetFaults(redshiftsim.Fault{Op: "DescribeClusters", Kind: "internal", Rate: 1})

	res := b.get(t, "/clusters/123456789012/us-east-1/us-east-1-c001")
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", res.StatusCode)
	}
	if !strings.Contains(string(body), "server error") || strings.Contains(string(body), "operation error") {
		t.Errorf("the page does not give a safe message:\n%s", body)
	}
	if !strings.Contains(logs.String(), "aws_request_id=") || strings.Contains(logs.String(), `aws_request_id=""`) {
		t.Errorf("the log lacks the AWS request ID:\n%s", logs.String())
	}
}

type lockedBuilder struct {
	mu sync.Mutex
	b  *strings.Builder
}

func (l *lockedBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func TestReadyzReportsEachRegion(t *testing.T) {
	app := newTestAppWith(t, func(o *testOptions) { o.regions = threeRegions; o.seeds = smallWorld(threeRegions, 2) })
	app.sim.SetFaults(redshiftsim.Fault{Op: "DescribeClusters", Region: "ap-southeast-2", Kind: "unavailable", Rate: 1})

	res := app.get(t, "/readyz")
	defer res.Body.Close()
	var r struct {
		Status  string
		Regions map[string]string
	}
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || r.Status != "degraded" {
		t.Errorf("readyz %d %q, want 200 degraded", res.StatusCode, r.Status)
	}
	if r.Regions["us-east-1"] != "ok" || r.Regions["eu-west-1"] != "ok" || !strings.HasPrefix(r.Regions["ap-southeast-2"], "unreachable") {
		t.Errorf("regions %v", r.Regions)
	}
}

func TestClusterPageFallsBackToTheListDataWhenAWSFails(t *testing.T) {
	app := newTestApp(t)
	b := app.signIn(t, "vera", auth.RoleViewer)
	doc(t, b.get(t, "/clusters"), http.StatusOK) // sweeps
	app.sim.SetFaults(redshiftsim.Fault{Op: "DescribeClusters", Kind: "unavailable", Rate: 1})

	d := doc(t, b.get(t, "/clusters/123456789012/us-east-1/us-east-1-c003"), http.StatusOK)
	warn := d.Find(`[data-testid="cluster-warning"]`).Text()
	if !strings.Contains(warn, "server error") || !strings.Contains(warn, "summary") {
		t.Errorf("warning %q", warn)
	}
	if got := roleStatuses(d); got["arn:aws:iam::123456789012:role/copy-us-east-1-3"] != "in-sync" {
		t.Errorf("roles %v", got)
	}
}

func TestReadyzIsUnavailableWhenNoRegionAnswers(t *testing.T) {
	app := newTestApp(t)
	app.sim.SetFaults(redshiftsim.Fault{Op: "DescribeClusters", Kind: "unavailable", Rate: 1})
	res := app.get(t, "/readyz")
	defer res.Body.Close()
	var r struct {
		Status  string
		Regions map[string]string
	}
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusServiceUnavailable || r.Status != "unavailable" || len(r.Regions) != 2 {
		t.Errorf("readyz %d %q %v, want 503 unavailable with both regions", res.StatusCode, r.Status, r.Regions)
	}
}
