package handlers_test

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"rolegate/internal/auth"
)

// access is who may use a route.
type access int

const (
	public   access = iota // anyone, signed in or not
	signedIn               // any signed-in user
	viewer
	requester
	approver
	admin
	// apiToken routes take only an API token: a browser's cookie gets 401
	// whatever the user's role (api_test.go tests the tokens).
	apiToken
)

var accessRoles = map[access]auth.Role{viewer: auth.RoleViewer, requester: auth.RoleRequester, approver: auth.RoleApprover, admin: auth.RoleAdmin}

// routeExpectations lists every route of the router ("METHOD path" as
// registered) with who may use it. A route missing here fails
// TestEveryRouteEnforcesItsRoleOnTheServer: add each new route with its rule.
func routeExpectations() map[string]access {
	return map[string]access{
		"GET /healthz":                      public,
		"GET /readyz":                       public,
		"GET /static/:hash/*":               public,
		"GET /":                             public,
		"GET /login":                        public,
		"POST /login":                       public,
		"POST /logout":                      public,
		"GET /login/mfa":                    public, // only useful with a pending second factor
		"POST /login/mfa":                   public,
		"POST /login/sso/:provider":         public,
		"GET /login/sso/:provider/callback": public,
		"POST /reauth/sso":                  signedIn,
		"GET /reauth":                       signedIn,
		"POST /reauth":                      signedIn,
		"GET /account":                      viewer,
		"POST /account/password":            viewer,
		"POST /account/recovery-codes":      viewer,
		"POST /account/time-zone":           viewer,

		"GET /admin/users":                   admin,
		"POST /admin/users":                  admin,
		"GET /admin/users/:id":               admin,
		"POST /admin/users/:id/role":         admin,
		"POST /admin/users/:id/disable":      admin,
		"POST /admin/users/:id/enable":       admin,
		"POST /admin/users/:id/password":     admin,
		"POST /admin/users/:id/sessions/end": admin,
		"POST /admin/users/:id/mfa/reset":    admin,
		"POST /admin/users/:id/break-glass":  admin,

		"GET /admin/notifications":      admin,
		"POST /admin/notifications":     admin,
		"GET /admin/notifications/:id":  admin,
		"POST /admin/notifications/:id": admin,
		"POST /account/notifications":   viewer,

		"GET /admin/accounts":                   admin,
		"POST /admin/accounts":                  admin,
		"GET /admin/accounts/:account":          admin,
		"POST /admin/accounts/:account":         admin,
		"POST /admin/accounts/:account/disable": admin,
		"POST /admin/accounts/:account/enable":  admin,

		"GET /clusters":          viewer,
		"POST /clusters/refresh": viewer,
		// Addresses from before accounts: redirected to the account's.
		"GET /clusters/:region/:cluster":                        viewer,
		"GET /clusters/:region/:cluster/roles":                  viewer,
		"GET /clusters/:region/:cluster/snapshot.json":          viewer,
		"GET /clusters/:region/:cluster/changes/new":            requester,
		"POST /clusters/:region/:cluster/changes":               requester,
		"POST /clusters/:region/:cluster/changes/preview":       requester,
		"GET /clusters/:account/:region/:cluster":               viewer,
		"GET /clusters/:account/:region/:cluster/roles":         viewer,
		"GET /clusters/:account/:region/:cluster/snapshot.json": viewer,
		"GET /audit":                 viewer,
		"GET /audit/events/:seq":     viewer,
		"GET /audit/export.csv":      viewer,
		"GET /audit/export.jsonl":    viewer,
		"GET /audit/verify":          viewer,
		"POST /audit/verify":         viewer,
		"GET /changes":               viewer,
		"GET /changes/:id":           viewer,
		"GET /changes/:id/status":    viewer,
		"POST /changes/:id/approve":  approver,
		"POST /changes/:id/reject":   approver,
		"POST /changes/:id/cancel":   requester,
		"POST /changes/:id/resubmit": requester,
		"GET /bulk":                  viewer,
		"GET /bulk/new":              requester,
		"POST /bulk/preview":         requester,
		"POST /bulk":                 requester,
		"GET /bulk/:id":              viewer,
		"GET /bulk/:id/status":       viewer,
		"POST /bulk/:id/approve":     approver,
		"POST /bulk/:id/reject":      approver,
		"POST /bulk/:id/cancel":      requester,
		"POST /bulk/:id/resubmit":    requester,
		"GET /clusters/:account/:region/:cluster/changes/new":      requester,
		"POST /clusters/:account/:region/:cluster/changes":         requester,
		"POST /clusters/:account/:region/:cluster/changes/preview": requester,
		"POST /clusters/:account/:region/:cluster/changes/search":  requester,
		"POST /clusters/:account/:region/:cluster/drift/revert":    requester,
		"POST /clusters/:account/:region/:cluster/drift/accept":    approver,

		"POST /account/tokens":                       viewer,
		"POST /account/tokens/:token/revoke":         viewer,
		"POST /admin/service-accounts":               admin,
		"POST /admin/users/:id/tokens":               admin,
		"POST /admin/users/:id/tokens/:token/revoke": admin,

		"GET /api/v1/openapi.json":                                public,
		"GET /api/v1/clusters":                                    apiToken,
		"GET /api/v1/clusters/:account/:region/:cluster":          apiToken,
		"GET /api/v1/clusters/:account/:region/:cluster/snapshot": apiToken,
		"POST /api/v1/clusters/:account/:region/:cluster/changes": apiToken,
		"GET /api/v1/changes/:id":                                 apiToken,
		"GET /api/v1/bulk":                                        apiToken,
		"POST /api/v1/bulk":                                       apiToken,
		"GET /api/v1/bulk/:id":                                    apiToken,
		"POST /api/v1/changes/:id/cancel":                         apiToken,
		"GET /api/v1/audit/events":                                apiToken,
		"GET /api/v1/audit/events.jsonl":                          apiToken,
	}
}

// TestEveryRouteEnforcesItsRoleOnTheServer walks every route of the real router as
// each role and signed out, and checks the answer against
// routeExpectations: signed out → 303 to /login, a role below the rule →
// 403 (and an audit event), at or above → neither.
func TestEveryRouteEnforcesItsRoleOnTheServer(t *testing.T) {
	var routes []*echo.Route
	app := newTestAppWith(t, func(o *testOptions) { o.extra = func(e *echo.Echo) { routes = e.Routes() } })
	users := map[auth.Role]string{auth.RoleViewer: "mvera", auth.RoleRequester: "mrita", auth.RoleApprover: "marno", auth.RoleAdmin: "mada"}
	checkRouteMatrix(t, app, routes, func(t *testing.T, role auth.Role) *browser { return app.signIn(t, users[role], role) })
}

// checkRouteMatrix walks the routes as each role, signed in by signIn, and
// signed out.
func checkRouteMatrix(t *testing.T, app *testApp, routes []*echo.Route, signIn func(t *testing.T, role auth.Role) *browser) {
	t.Helper()
	target := app.ensureUser(t, "target", auth.RoleViewer)
	expect := routeExpectations()

	seen := map[string]bool{}
	sort.Slice(routes, func(i, j int) bool { return routes[i].Path+routes[i].Method < routes[j].Path+routes[j].Method })
	type principal struct {
		name string
		role auth.Role // "" when signed out
	}
	principals := []principal{{"signed out", ""}, {"viewer", auth.RoleViewer}, {"requester", auth.RoleRequester}, {"approver", auth.RoleApprover}, {"admin", auth.RoleAdmin}}
	browsers := map[auth.Role]*browser{}
	denied := 0
	for _, r := range routes {
		key := r.Method + " " + r.Path
		if seen[key] {
			continue
		}
		seen[key] = true
		rule, ok := expect[key]
		if !ok {
			t.Errorf("route %s is not in routeExpectations", key)
			continue
		}
		path := fillParams(r.Path, itoa(target.ID))
		for _, p := range principals {
			var b *browser
			switch {
			case p.role == "":
				b = app.newBrowser()
			case r.Method != http.MethodGet || browsers[p.role] == nil:
				// A POST may end the session (sign-out); use a fresh one.
				b = signIn(t, p.role)
				if r.Method == http.MethodGet {
					browsers[p.role] = b
				}
			default:
				b = browsers[p.role]
			}
			var res *http.Response
			if r.Method == http.MethodGet {
				res = b.get(t, path)
			} else {
				req := url.Values{}
				res = b.postForm(t, path, req)
			}
			res.Body.Close()
			loc := res.Header.Get("Location")
			toLogin := res.StatusCode == http.StatusSeeOther && strings.HasPrefix(loc, "/login")
			what := key + " as " + p.name
			if res.StatusCode >= 500 {
				t.Errorf("%s: status %d", what, res.StatusCode)
				continue
			}
			switch {
			case rule == apiToken:
				if res.StatusCode != http.StatusUnauthorized {
					t.Errorf("%s: status %d, want 401 (a cookie never authenticates the API)", what, res.StatusCode)
				}
			case rule == public:
				if res.StatusCode == http.StatusForbidden {
					t.Errorf("%s: 403 on a public route", what)
				}
			case p.role == "":
				if !toLogin {
					t.Errorf("%s: status %d Location %q, want 303 to /login", what, res.StatusCode, loc)
				}
			case rule == signedIn || p.role.AtLeast(accessRoles[rule]):
				if res.StatusCode == http.StatusForbidden || toLogin {
					t.Errorf("%s: status %d Location %q, want access", what, res.StatusCode, loc)
				}
			default:
				if res.StatusCode != http.StatusForbidden {
					t.Errorf("%s: status %d, want 403", what, res.StatusCode)
				}
				denied++
			}
		}
	}
	for key := range expect {
		if !seen[key] {
			t.Errorf("routeExpectations lists %s, which the router does not have", key)
		}
	}
	if got := app.auditCount(t, "auth.access_denied"); got != denied {
		t.Errorf("%d access_denied events for %d denials", got, denied)
	}
}
