package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/labstack/echo/v4"

	"rolegate/audit"
	"rolegate/static"
)

// Pinger answers whether a dependency is usable; the database is one.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Options are the dependencies and settings of the HTTP layer, built by
// the app (internal/app). Each capability's part is declared beside its
// pages (access.go, audit.go, inventory.go, changes.go, account.go).
type Options struct {
	Logger         *slog.Logger
	Version        string
	Demo           bool
	HTTPS          bool // users reach us over TLS (directly or via a proxy)
	TrustedProxies []netip.Prefix
	DB             Pinger
	Assets         *static.Assets
	Audit          *audit.Log
	// BodyTimeout bounds reading a request's body; 10 s when zero.
	BodyTimeout time.Duration

	AccessOptions
	AuditOptions
	InventoryOptions
	ChangeOptions
	DriftOptions
	NotifyOptions
	AccountOptions
	MetricsOptions
	APIOptions
}

// Handler holds the dependencies every route handler uses.
type Handler struct {
	log     *slog.Logger
	version string
	demo    bool
	https   bool
	bodyTTL time.Duration
	db      Pinger
	assets  *static.Assets
	audit   *audit.Log

	accessDeps
	inventoryDeps
	changeDeps
	driftDeps
	notifyDeps
	accountDeps
	metricsDeps
	apiDeps
}

// New builds the echo instance with every route and middleware registered.
func New(o Options) (*echo.Echo, error) {
	if o.Logger == nil || o.DB == nil || o.Assets == nil || o.Audit == nil {
		return nil, fmt.Errorf("handlers: Logger, DB, Assets and Audit are required")
	}
	h := &Handler{
		log:     o.Logger,
		version: o.Version,
		demo:    o.Demo,
		https:   o.HTTPS,
		bodyTTL: o.BodyTimeout,
		db:      o.DB,
		assets:  o.Assets,
		audit:   o.Audit,
	}
	for _, setup := range []func(Options) error{h.setupAccess, h.setupAudit, h.setupInventory, h.setupChanges, h.setupDrift, h.setupAccounts, h.setupNotify, h.setupMetrics, h.setupAPI} {
		if err := setup(o); err != nil {
			return nil, err
		}
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = h.errorHandler
	e.IPExtractor = ipExtractor(o.TrustedProxies)
	if err := h.register(e); err != nil {
		return nil, err
	}
	return e, nil
}

// ipExtractor trusts X-Forwarded-For only from the configured proxies;
// without any, the peer address is the client.
func ipExtractor(proxies []netip.Prefix) echo.IPExtractor {
	if len(proxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range proxies {
		_, n, err := net.ParseCIDR(p.String())
		if err == nil {
			opts = append(opts, echo.TrustIPRange(n))
		}
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}
