package notify_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"rolegate/audit"
	"rolegate/internal/auth"
	"rolegate/internal/change"
	"rolegate/internal/inventory"
	"rolegate/internal/notify"
	"rolegate/internal/store"
	"rolegate/redshiftsim"
)

const (
	rigRegion   = "eu-west-1"
	externalURL = "https://rolegate.example.com"
	roleARN     = "arn:aws:iam::123456789012:role/RedshiftCopy"
)

// rig is the change service and the notification service on one real
// database and audit log, the change service talking to the simulator
// over HTTP. No worker runs unless a test starts one: tests call Step.
type rig struct {
	db     *store.DB
	audit  *audit.Log
	sim    *redshiftsim.Sim
	simURL string
	svc    *change.Service
	notify *notify.Service
	users  map[string]change.Actor
}

// people of every rig, in user ID order.
var people = []struct {
	username string
	role     auth.Role
	disabled bool
}{
	{"rita", auth.RoleRequester, false},
	{"arno", auth.RoleApprover, false},
	{"anna", auth.RoleApprover, false},
	{"adam", auth.RoleAdmin, false},
	{"vic", auth.RoleViewer, false},
	{"dora", auth.RoleApprover, true},
}

func newRig(t testing.TB, o notify.Options) *rig {
	t.Helper()
	ctx := context.Background()
	sim := redshiftsim.New(redshiftsim.Options{})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "rolegate.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	gw, err := inventory.New(ctx, inventory.Options{Regions: []string{rigRegion}, Endpoint: srv.URL, Timeout: 10 * time.Second, MaxBackoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	g := &rig{db: db, audit: audit.New(db), sim: sim, simURL: srv.URL, users: map[string]change.Actor{}}
	dir := auth.NewDirectory(auth.NewUsers(db), g.audit)
	for _, p := range people {
		u, err := dir.Create(ctx, audit.System, audit.Origin{}, auth.NewUser{Username: p.username, Role: p.role, Password: "a long enough password for " + p.username})
		if err != nil {
			t.Fatal(err)
		}
		g.users[p.username] = change.Actor{ID: u.ID, Username: u.Username, Name: u.DisplayName, Role: p.role}
		if p.disabled {
			if err := dir.Disable(ctx, audit.System, audit.Origin{}, u.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	o.DB, o.Audit = db, g.audit
	if o.BaseURL == "" {
		o.BaseURL = externalURL
	}
	if o.Backoff == 0 {
		o.Backoff, o.MaxBackoff = time.Millisecond, 5*time.Millisecond
	}
	g.notify = notify.New(o)
	g.svc = change.New(change.Options{DB: db, Audit: g.audit, Redshift: gw, MaxAttempts: 3, Notifier: g.notify,
		Backoff: time.Millisecond, MaxBackoff: time.Millisecond, FollowEvery: time.Millisecond, CallTimeout: 10 * time.Second})
	return g
}

func (g *rig) actor(name string) change.Actor { return g.users[name] }

func (g *rig) auditActor(name string) audit.Actor {
	a := g.users[name]
	return audit.Actor{UserID: a.ID, Username: a.Username, Role: string(a.Role)}
}

// cluster adds a cluster to the simulator.
func (g *rig) cluster(t testing.TB, id string) {
	t.Helper()
	if err := g.sim.AddCluster(rigRegion, redshiftsim.ClusterSpec{ID: id}); err != nil {
		t.Fatal(err)
	}
}

// submit makes rita's request adding one role to the cluster.
func (g *rig) submit(t testing.TB, cluster string) *change.Request {
	t.Helper()
	r, err := g.svc.Create(context.Background(), g.actor("rita"), audit.Origin{}, change.ParseDraft(change.Input{
		Region: rigRegion, Cluster: cluster, Add: roleARN, Reason: "the nightly load needs COPY"}))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (g *rig) approve(t testing.TB, r *change.Request, who string) *change.Request {
	t.Helper()
	r, err := g.svc.Approve(context.Background(), g.actor(who), audit.Origin{}, r.ID, r.Hash, "")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (g *rig) addChannel(t testing.TB, f notify.ChannelForm) notify.Channel {
	t.Helper()
	c, err := g.notify.AddChannel(context.Background(), g.auditActor("adam"), audit.Origin{}, f)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (g *rig) setPrefs(t testing.TB, who string, p notify.Prefs) {
	t.Helper()
	if err := g.notify.SetPrefs(context.Background(), g.auditActor(who), audit.Origin{}, p); err != nil {
		t.Fatal(err)
	}
}

// drain runs worker steps until nothing is pending or the time is up.
func (g *rig) drain(t testing.TB, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if err := g.notify.Step(context.Background()); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := g.db.Reader().QueryRow(`SELECT COUNT(*) FROM notify_outbox WHERE state = 'pending'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d notifications still pending after %s", n, within)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// received is one delivery a test receiver accepted.
type received struct {
	Key   string
	Event string
	Body  map[string]any
	Raw   []byte
}

// receiver is a webhook receiver that checks the signature the way the
// documented scheme says, answers with status(), and drops a key it has
// already seen.
type receiver struct {
	t      testing.TB
	secret []byte
	srv    *httptest.Server

	mu     sync.Mutex
	status func() int
	got    []received
	seen   map[string]int // key → deliveries seen, duplicates included
	bad    int            // deliveries whose signature failed
	notify chan struct{}
}

func newReceiver(t testing.TB, secret string) *receiver {
	rc := &receiver{t: t, secret: []byte(secret), status: func() int { return http.StatusOK }, seen: map[string]int{}, notify: make(chan struct{}, 1000)}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if code := rc.status(); code != http.StatusOK {
		w.WriteHeader(code)
		return
	}
	if rc.secret != nil {
		if err := notify.Verify(rc.secret, r.Header.Get(notify.HeaderSignature), body, time.Now(), notify.Tolerance); err != nil {
			rc.bad++
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
	}
	key := r.Header.Get(notify.HeaderIdempotency)
	rc.seen[key]++
	if rc.seen[key] > 1 {
		w.WriteHeader(http.StatusOK) // a duplicate: acknowledged, dropped
		return
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		http.Error(w, "not JSON", http.StatusBadRequest)
		return
	}
	rc.got = append(rc.got, received{Key: key, Event: r.Header.Get(notify.HeaderEvent), Body: m, Raw: body})
	rc.notify <- struct{}{}
}

func (rc *receiver) setStatus(f func() int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.status = f
}

func (rc *receiver) deliveries() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// events are the event types received, in order.
func (rc *receiver) events() []string {
	var out []string
	for _, d := range rc.deliveries() {
		out = append(out, d.Event)
	}
	return out
}
