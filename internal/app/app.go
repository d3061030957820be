package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	"rolegate/audit"
	"rolegate/handlers"
	"rolegate/internal/account"
	"rolegate/internal/auth"
	"rolegate/internal/change"
	"rolegate/internal/config"
	"rolegate/internal/drift"
	"rolegate/internal/iam"
	"rolegate/internal/inventory"
	"rolegate/internal/metrics"
	"rolegate/internal/notify"
	"rolegate/internal/store"
	"rolegate/static"
	"rolegate/views/pages"
)

// Options are what the app needs besides its settings.
type Options struct {
	// Logger is the one logger, passed down to every part; nil discards.
	Logger *slog.Logger
	// Stdout gets the demo's start-up lines (the simulator, the sign-ins).
	Stdout  io.Writer
	Version string
	// Now is the sessions' clock; time.Now when nil.
	Now func() time.Time
	// LoginLimits bound failed sign-ins; handlers.DefaultLoginLimits when
	// zero.
	LoginLimits handlers.LoginLimits
	// PasswordOnlyAdmins lets admins sign in without a second factor. Demo
	// mode always does; the dashboard never sets it otherwise.
	PasswordOnlyAdmins bool
	// Pace holds the waits that no setting reaches; zero fields take the
	// dashboard's.
	Pace Pace
}

// Pace is how often the background work looks again.
type Pace struct {
	// ApplyMaxBackoff caps the doubling wait between apply attempts; zero
	// is the change service's own cap.
	ApplyMaxBackoff time.Duration
	// Follow is how often an applied change is read until in-sync.
	Follow time.Duration
	// ReadBackoff caps the wait between retries of a Redshift read; zero
	// is the SDK's own cap.
	ReadBackoff time.Duration
	// SessionSweep is how often expired sessions are deleted.
	SessionSweep time.Duration
	// BodyRead bounds reading a request's body; zero is the handlers'
	// own bound.
	BodyRead time.Duration
	// NotifyBackoff is the first wait after a failed delivery, doubling up
	// to NotifyMaxBackoff; zero is the notification service's own.
	NotifyBackoff, NotifyMaxBackoff time.Duration
}

func (p Pace) withDefaults() Pace {
	if p.Follow <= 0 {
		p.Follow = 2 * time.Second
	}
	if p.SessionSweep <= 0 {
		p.SessionSweep = 5 * time.Minute
	}
	return p
}

// App is Rolegate assembled: the store, the services, the Redshift
// gateway and the HTTP handler, built once by New, with the background
// work (the apply worker, notification delivery, audit anchoring, the
// session sweep) run by Run or Serve under one context, and released by
// Close. The dashboard and the handler tests build it the same way.
type App struct {
	cfg  config.Config
	log  *slog.Logger
	pace Pace

	DB        *store.DB
	Audit     *audit.Log
	Users     *auth.Users
	Directory *auth.Directory
	Sessions  *auth.SessionStore
	Accounts  *account.Service
	Gateway   *inventory.Gateway
	Changes   *change.Service
	// Roles lists and checks IAM roles in each account.
	Roles *iam.Service
	// Drift checks every read cluster against its audited state.
	Drift  *drift.Service
	Notify *notify.Service
	// Tokens are the API's personal access tokens.
	Tokens *auth.Tokens
	// Metrics are served on -metrics-listen, and on the router at
	// /metrics when -metrics-token is set.
	Metrics *metrics.Metrics
	// Assets are the static files the pages link to.
	Assets *static.Assets
	// Router is the HTTP handler: every route and middleware.
	Router *echo.Echo

	// SSO signs users in through the -oidc-config providers.
	SSO *auth.SSO

	// demoSim is the demo mode's simulator, nil otherwise.
	demoSim *http.Server
}

// New builds the app from its settings: it opens (and migrates) the
// database, in demo mode creates the demo users (so that the first anchor
// covers them), checks and anchors the audit chain, in demo mode starts
// the simulator, and builds the gateway, the change service and the
// router. Each part is given the parts it uses as arguments, so that a
// part cannot be built before what it needs.
func New(ctx context.Context, cfg config.Config, o Options) (_ *App, err error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	stdout := o.Stdout
	if stdout == nil {
		stdout = io.Discard
	}
	if cfg.Demo && cfg.DemoReset {
		if err := resetDemo(ctx, cfg, stdout); err != nil {
			return nil, err
		}
	}
	db, err := store.Open(ctx, cfg.DBPath, log)
	if err != nil {
		return nil, err
	}
	a := &App{cfg: cfg, log: log, pace: o.Pace.withDefaults(), DB: db, Audit: audit.New(db), Metrics: metrics.New(db)}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()

	a.Users = auth.NewUsers(db)
	a.Directory = auth.NewDirectory(a.Users, a.Audit)
	a.Tokens = auth.NewTokens(a.Users, a.Audit, cfg.APITokenMaxDays, o.Now)
	if a.Sessions, err = sessionStore(cfg, db, o.Now); err != nil {
		return nil, err
	}
	a.SSO = auth.NewSSO(ctx, ssoProviders(cfg), nil, log, o.Now)
	var demo []pages.DemoUser
	if cfg.Demo {
		if demo, err = createDemoUsers(ctx, a.Users, a.Directory, stdout); err != nil {
			return nil, err
		}
	}
	if err := a.startAudit(ctx); err != nil {
		return nil, err
	}

	var simURL string
	var simRegions []string
	if cfg.Demo {
		if a.demoSim, simURL, simRegions, err = demoSimulator(log, stdout); err != nil {
			return nil, err
		}
	}
	a.Accounts = a.accounts()
	accs, err := gatewayAccounts(ctx, a.Accounts, cfg.Demo)
	if err != nil {
		return nil, err
	}
	a.Notify = notifications(cfg, a.pace, log, db, a.Audit)
	a.Metrics.WatchOutbox(a.Notify)
	a.Drift = drift.New(drift.Options{DB: db, Audit: a.Audit, Notifier: a.Notify, Logger: log.With("component", "drift")})
	if a.Gateway, err = gateway(ctx, cfg, a.pace, log, a.Metrics, accs, simURL, simRegions, a.Drift); err != nil {
		return nil, err
	}
	// Drift asks CloudTrail who made it with the credentials the inventory
	// reads each account with.
	a.Drift.UseCloudTrail(a.Gateway.AccountConfig)
	a.Roles = roles(cfg, log, a.Gateway)
	a.Changes = changes(cfg, a.pace, log, db, a.Audit, a.Gateway, a.Accounts, a.Notify, a.Roles)
	a.Assets = static.New()

	a.Router, err = handlers.New(handlers.Options{
		Logger:         log,
		Version:        o.Version,
		Demo:           cfg.Demo,
		HTTPS:          cfg.HTTPS(),
		TrustedProxies: cfg.TrustedProxies,
		BodyTimeout:    a.pace.BodyRead,
		DB:             db,
		Assets:         a.Assets,
		Audit:          a.Audit,
		AccessOptions: handlers.AccessOptions{
			Users:       a.Users,
			Directory:   a.Directory,
			Sessions:    a.Sessions,
			ReauthAfter: cfg.ReauthAfter,
			AdminMFA:    !cfg.Demo && !o.PasswordOnlyAdmins,
			DemoUsers:   demo,
			Throttle:    o.LoginLimits,
			SSO:         a.SSO,
			LocalSignIn: cfg.LocalSignIn,
		},
		InventoryOptions: handlers.InventoryOptions{Gateway: a.Gateway},
		ChangeOptions:    handlers.ChangeOptions{Changes: a.Changes, Roles: a.Roles},
		DriftOptions:     handlers.DriftOptions{Drift: a.Drift},
		NotifyOptions:    handlers.NotifyOptions{Notify: a.Notify},
		AccountOptions: handlers.AccountOptions{
			Accounts: a.Accounts, DefaultRegions: defaultRegions(cfg, simRegions), DefaultProductionTag: cfg.ProductionTag,
		},
		MetricsOptions: a.metricsOptions(),
		APIOptions:     handlers.APIOptions{Tokens: a.Tokens, Rate: apiRate(cfg.APIRate)},
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Run does the background work until ctx ends: the apply worker (with its
// reconciler), notification delivery, audit anchoring and the session
// sweep. When all have stopped it anchors the audit chain a last time.
// The first loop to fail stops the others and is the error returned; an
// ended ctx returns nil.
func (a *App) Run(ctx context.Context) error { return a.run(ctx, nil) }

// Serve is Run with the dashboard served on ln as well, with TLS when the
// settings name a certificate. When ctx ends the server stops taking
// requests and finishes those under way.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.Router,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	var metricsLn net.Listener
	if a.cfg.MetricsListen != "" {
		var err error
		if metricsLn, err = net.Listen("tcp", a.cfg.MetricsListen); err != nil {
			return fmt.Errorf("-metrics-listen: %w", err)
		}
	}
	return a.run(ctx, func(ctx context.Context) error {
		if metricsLn != nil {
			mctx, stop := context.WithCancel(ctx)
			stopped := make(chan struct{})
			go func() {
				a.serveMetrics(mctx, metricsLn)
				close(stopped)
			}()
			// Stopped with the dashboard's server, however that ends.
			defer func() { stop(); <-stopped }()
		}
		errc := make(chan error, 1)
		go func() {
			if a.cfg.TLSCert != "" {
				errc <- srv.ServeTLS(ln, a.cfg.TLSCert, a.cfg.TLSKey)
			} else {
				errc <- srv.Serve(ln)
			}
		}()
		select {
		case err := <-errc:
			return err
		case <-ctx.Done():
		}
		a.log.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			return fmt.Errorf("shutdown: %w", err)
		}
		return nil
	})
}

// loops is the app's background work, each until its context ends; a new
// loop is one more entry here.
func (a *App) loops() []func(context.Context) error {
	return []func(context.Context) error{a.applyChanges, a.deliverNotifications, a.anchorLoop, a.sweepSessions, a.watchAccounts}
}

func (a *App) run(ctx context.Context, serve func(context.Context) error) error {
	g, gctx := errgroup.WithContext(ctx)
	for _, loop := range a.loops() {
		g.Go(func() error { return loop(gctx) })
	}
	if serve != nil {
		g.Go(func() error { return serve(gctx) })
	}
	err := g.Wait()
	// Nothing appends to the log any more: anchor what the last requests
	// and steps recorded.
	a.anchorNow(context.WithoutCancel(ctx), "audit chain anchored at shutdown")
	return err
}

// Close releases what New holds: the demo simulator, then the database.
// Call it after Run or Serve has returned.
func (a *App) Close() {
	if a.demoSim != nil {
		_ = a.demoSim.Close()
	}
	a.DB.Close()
}

// resetDemo deletes the demo database, its WAL files and the demo audit
// anchors (which would otherwise report the fresh chain as truncated), so
// that the demo starts afresh.
func resetDemo(ctx context.Context, cfg config.Config, stdout io.Writer) error {
	for _, p := range []string{demoAnchorFile(ctx, cfg), cfg.DBPath, cfg.DBPath + "-wal", cfg.DBPath + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("-demo-reset: %w", err)
		}
	}
	fmt.Fprintf(stdout, "Demo reset: deleted %s and its audit anchors\n", cfg.DBPath)
	return nil
}

// metricsOptions are the metrics' part of the router: every request
// counted, and /metrics only behind -metrics-token.
func (a *App) metricsOptions() handlers.MetricsOptions {
	o := handlers.MetricsOptions{Middleware: a.Metrics.Echo()}
	if a.cfg.MetricsToken != "" {
		o.Endpoint = a.Metrics.Handler(a.cfg.MetricsToken)
	}
	return o
}

// serveMetrics serves /metrics on its own listener (with the token when
// one is set) until ctx ends.
func (a *App) serveMetrics(ctx context.Context, ln net.Listener) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.Metrics.Handler(a.cfg.MetricsToken))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second,
		ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn)}
	a.log.Info("metrics listening", "url", "http://"+ln.Addr().String()+"/metrics", "token", a.cfg.MetricsToken != "")
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		a.log.Error("metrics listener failed", "err", err)
	}
}

// apiRate is each API token's budget for -api-rate requests a minute: a
// tenth of them at once, then evenly spread.
func apiRate(perMinute int) handlers.APIRate {
	if perMinute < 1 {
		return handlers.APIRate{}
	}
	return handlers.APIRate{Burst: max(1, perMinute/10), Every: time.Minute / time.Duration(perMinute)}
}
