package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rolegate/internal/auth"
)

// A path segment that cannot be a Redshift cluster identifier is refused
// with 404 before any AWS call: the simulator sees none.
func TestClusterIdentifierCheckedBeforeAnyAWSCall(t *testing.T) {
	app := newTestApp(t)
	b := app.signIn(t, "rita", auth.RoleRequester)
	bad := []string{
		"Sales", "1sales", "sales--dw", "sales-", "sales_dw", "sales.dw",
		"a" + strings.Repeat("b", 63), url.PathEscape("sales\u202edw"), url.PathEscape("sales dw"),
	}
	app.sim.ResetStats()
	for _, id := range bad {
		for _, path := range []string{
			"/clusters/123456789012/eu-west-1/" + id,
			"/clusters/123456789012/eu-west-1/" + id + "/roles",
			"/clusters/123456789012/eu-west-1/" + id + "/snapshot.json",
			"/clusters/123456789012/eu-west-1/" + id + "/changes/new",
		} {
			res := b.get(t, path)
			res.Body.Close()
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("%s: status %d, want 404", path, res.StatusCode)
			}
		}
	}
	if n := app.sim.Stats().Calls("", ""); n != 0 {
		t.Fatalf("the simulator saw %d calls for identifiers that cannot exist", n)
	}
	// A well-formed identifier that does not exist is asked about.
	res := b.get(t, "/clusters/123456789012/eu-west-1/no-such-cluster")
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound || app.sim.Stats().Calls("DescribeClusters", "eu-west-1") != 1 {
		t.Fatalf("well-formed unknown cluster: status %d, %d calls", res.StatusCode, app.sim.Stats().Calls("DescribeClusters", "eu-west-1"))
	}
}
