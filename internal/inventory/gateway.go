package inventory

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/sync/singleflight"
)

// Defaults for the zero values of Options.
const (
	DefaultTTL     = 30 * time.Second
	DefaultTimeout = 20 * time.Second
	// ReadAttempts is how many times a read (DescribeClusters) is tried
	// with the SDK's standard retryer before the error is shown: enough to
	// ride out sustained throttling.
	ReadAttempts = 8
	// PageSize is the MaxRecords of each DescribeClusters call (the API's
	// maximum).
	PageSize = 100
)

// Account is an AWS account the gateway reads, and how it gets there.
type Account struct {
	// ID is the 12-digit account ID; "" only for the account of Rolegate's
	// own credentials when no account is configured.
	ID   string
	Name string
	// RoleARN is assumed with sts:AssumeRole for every call in the account;
	// "" means Rolegate's own credentials (the account it runs in).
	RoleARN    string
	ExternalID string
	// Regions to sweep; empty means Options.Regions.
	Regions []string
}

// Options configure a Gateway.
type Options struct {
	// Regions are the AWS regions whose clusters are managed: those of an
	// account without regions of its own.
	Regions []string
	// Accounts are the accounts to read, in the order they are listed.
	// None means the account of Rolegate's own credentials, in Regions.
	Accounts []Account
	// Concurrency bounds how many account-regions are swept at once
	// (DefaultConcurrency when zero).
	Concurrency int
	// CredentialWindow is how long before their expiry assumed-role
	// credentials are renewed (DefaultCredentialWindow when zero).
	CredentialWindow time.Duration
	// TTL is how long a region's sweep is served from the cache.
	TTL time.Duration
	// Timeout bounds one API call, its retries included.
	Timeout time.Duration
	// Endpoint, when set, sends every call there with static dummy
	// credentials (the simulator); empty means real AWS through the
	// default credential chain, which also honours AWS_ENDPOINT_URL_REDSHIFT.
	Endpoint string
	// HTTPClient carries the calls; nil uses the SDK's default.
	HTTPClient *http.Client
	// MaxBackoff caps the wait between retries of a read; zero uses the
	// SDK's default (20 s).
	MaxBackoff time.Duration
	Logger     *slog.Logger
	Now        func() time.Time
	// APIOptions are added to every client's middleware stack, such as
	// the metrics of AWS calls.
	APIOptions []func(*middleware.Stack) error
	// AccountAPIOptions, when set, gives the options added to the stacks of
	// one account's clients (Redshift in each region, and the STS client
	// that assumes the account's role), by account ID ("" for Rolegate's
	// own when no account is configured): the metrics label calls with
	// their account this way.
	AccountAPIOptions func(accountID string) []func(*middleware.Stack) error
	// OnSweep, when set, learns of every region sweep: how long it took,
	// the clusters it found, and its error.
	OnSweep func(region string, took time.Duration, clusters int, err error)
	// OnClusters, when set, is given the clusters of every successful
	// sweep and every live read, after the cache holds them (the drift
	// check). It runs on the reading goroutine and must not fail it.
	OnClusters func(ctx context.Context, clusters []*Cluster)
}

// Defaults of the account options.
const (
	DefaultConcurrency      = 8
	DefaultCredentialWindow = 5 * time.Minute
	// SweepSessionName is the RoleSessionName of the sessions that read
	// the inventory; changes are made in sessions named after the approver.
	SweepSessionName = "rolegate-inventory"
)

// Gateway reads and changes Redshift clusters in the configured accounts
// and regions. It is safe for concurrent use.
type Gateway struct {
	o       Options
	cfg     aws.Config
	sem     chan struct{} // bounds concurrent sweeps
	lay     atomic.Pointer[layout]
	mu      sync.Mutex // serialises SetAccounts
	flight  singleflight.Group
	last    atomic.Pointer[combined]
	version atomic.Uint64
}

// layout is the accounts and their account-regions; SetAccounts replaces
// it whole, never changes it.
type layout struct {
	accounts []*account
	places   []*region            // every account-region, in list order
	byPlace  map[placeKey]*region // the same, by account and region
	home     *account             // the account of Rolegate's own credentials, nil if not managed
	regions  map[string]*region   // the home account's regions, by name
}

type placeKey struct{ account, region string }

// account is one configured account with its credentials: nil creds and
// sts for the home account, which uses the base configuration's.
type account struct {
	Account
	creds aws.CredentialsProvider
	// sts assumes the account's role, with Rolegate's own credentials.
	sts *sts.Client
}

// region is the cache of one region of one account. snap is replaced,
// never mutated, so that readers may keep what they got without a lock.
type region struct {
	name    string
	account *account
	client  *redshift.Client

	mu       sync.Mutex
	snap     *snapshot // nil until the first good sweep
	err      error     // the last sweep's error, nil after a good one
	errAt    time.Time
	stale    bool            // Refresh asked for a new sweep
	dirty    map[string]bool // clusters to read live on next Cluster
	probed   time.Time
	probeErr error
}

// key is the flight and log name of the account-region.
func (r *region) key() string {
	if r.account.ID == "" {
		return r.name
	}
	return r.account.ID + "/" + r.name
}

// snapshot is one region's clusters from one sweep (with later targeted
// updates), sorted by identifier.
type snapshot struct {
	clusters []*Cluster
	fetched  time.Time // when the sweep that made it finished
}

// New builds a Gateway with one Redshift client per account and region,
// and for each account reached through a role a cached AssumeRole
// credential provider. It makes no call to AWS.
func New(ctx context.Context, o Options) (*Gateway, error) {
	if len(o.Regions) == 0 {
		return nil, errors.New("inventory: no regions configured")
	}
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.CredentialWindow <= 0 {
		o.CredentialWindow = DefaultCredentialWindow
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.Regions = slices.Clone(o.Regions)
	opts := []func(*awsconfig.LoadOptions) error{
		awsconfig.WithRegion(o.Regions[0]),
		awsconfig.WithRetryMode(aws.RetryModeStandard),
	}
	if o.HTTPClient != nil {
		opts = append(opts, awsconfig.WithHTTPClient(o.HTTPClient))
	}
	if o.Endpoint != "" {
		opts = append(opts,
			awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("ROLEGATELOCAL", "rolegate-local-secret", "")),
			awsconfig.WithBaseEndpoint(o.Endpoint),
		)
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("inventory: loading AWS settings: %w", err)
	}
	cfg.APIOptions = append(cfg.APIOptions, o.APIOptions...)
	maxBackoff := o.MaxBackoff
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = ReadAttempts
			if maxBackoff > 0 {
				so.MaxBackoff = maxBackoff
				so.Backoff = retry.NewExponentialJitterBackoff(maxBackoff)
			}
		})
	}
	g := &Gateway{o: o, cfg: cfg, sem: make(chan struct{}, o.Concurrency)}
	l, err := g.build(o.Accounts, nil)
	if err != nil {
		return nil, err
	}
	g.lay.Store(l)
	return g, nil
}

// SetAccounts replaces the accounts the gateway reads, as New's
// Options.Accounts. An account whose role, external ID, name and regions
// are unchanged keeps its credentials and cached clusters; the others are
// read afresh by the next List.
func (g *Gateway) SetAccounts(accounts []Account) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	l, err := g.build(accounts, g.lay.Load())
	if err != nil {
		return err
	}
	g.lay.Store(l)
	return nil
}

// build makes the layout of the accounts, reusing what old has of the
// accounts that did not change.
func (g *Gateway) build(specs []Account, old *layout) (*layout, error) {
	specs = slices.Clone(specs)
	if len(specs) == 0 {
		specs = []Account{{}}
	}
	l := &layout{byPlace: map[placeKey]*region{}, regions: map[string]*region{}}
	for _, spec := range specs {
		spec.Regions = slices.Clone(spec.Regions)
		if len(spec.Regions) == 0 {
			spec.Regions = slices.Clone(g.o.Regions)
		}
		if slices.ContainsFunc(l.accounts, func(b *account) bool { return b.ID == spec.ID }) {
			return nil, fmt.Errorf("inventory: account %q listed twice", spec.ID)
		}
		if spec.RoleARN == "" && l.home != nil {
			return nil, fmt.Errorf("inventory: accounts %q and %q both have no role to assume", l.home.ID, spec.ID)
		}
		a, regions := old.same(spec)
		if a == nil {
			a = &account{Account: spec}
			var extra []func(*middleware.Stack) error
			if g.o.AccountAPIOptions != nil {
				extra = g.o.AccountAPIOptions(a.ID)
			}
			if a.RoleARN != "" {
				a.sts = sts.NewFromConfig(g.cfg, func(so *sts.Options) { so.APIOptions = append(so.APIOptions, extra...) })
				a.creds = g.assumedCredentials(a.sts, a)
			}
			for _, name := range a.Regions {
				client := redshift.NewFromConfig(g.cfg, func(ro *redshift.Options) {
					ro.Region = name
					ro.APIOptions = append(ro.APIOptions, extra...)
					if a.creds != nil {
						ro.Credentials = a.creds
					}
				})
				regions = append(regions, &region{name: name, account: a, client: client})
			}
		}
		if a.RoleARN == "" {
			l.home = a
		}
		l.accounts = append(l.accounts, a)
		for _, r := range regions {
			k := placeKey{a.ID, r.name}
			if _, dup := l.byPlace[k]; dup {
				return nil, fmt.Errorf("inventory: region %s listed twice", r.name)
			}
			l.byPlace[k] = r
			l.places = append(l.places, r)
			if a == l.home {
				l.regions[r.name] = r
			}
		}
	}
	return l, nil
}

// account is the configured account id, nil if there is none.
func (l *layout) account(id string) *account {
	for _, a := range l.accounts {
		if a.ID == id {
			return a
		}
	}
	return nil
}

// same is old's account and regions when spec describes it exactly, else
// nil.
func (l *layout) same(spec Account) (*account, []*region) {
	if l == nil {
		return nil, nil
	}
	for _, a := range l.accounts {
		if a.ID == spec.ID && a.Name == spec.Name && a.RoleARN == spec.RoleARN && a.ExternalID == spec.ExternalID && slices.Equal(a.Regions, spec.Regions) {
			var out []*region
			for _, name := range a.Regions {
				out = append(out, l.byPlace[placeKey{a.ID, name}])
			}
			return a, out
		}
	}
	return nil, nil
}

// Regions lists every region of every account, each once, in the order
// of the accounts and their regions.
func (g *Gateway) Regions() []string {
	var out []string
	for _, r := range g.lay.Load().places {
		if !slices.Contains(out, r.name) {
			out = append(out, r.name)
		}
	}
	return out
}

// Accounts lists the configured accounts in their order; one with an empty
// ID when none is configured.
func (g *Gateway) Accounts() []Account {
	l := g.lay.Load()
	out := make([]Account, len(l.accounts))
	for i, a := range l.accounts {
		out[i] = a.Account
		out[i].ExternalID = ""
		out[i].Regions = slices.Clone(a.Regions)
	}
	return out
}

// ErrNotFound means the cluster does not exist in that region.
var ErrNotFound = errors.New("cluster not found")

// ErrUnknownRegion means the region (or its account) is not one the
// gateway manages.
var ErrUnknownRegion = errors.New("region not managed by Rolegate")

// place is the account-region where a cluster is addressed. The account
// "" is the one Rolegate runs in. With no account configured, Rolegate's
// own is the only one: every account ID leads there, and reads check the
// cluster's own account (from its namespace ARN) against the one asked.
func (g *Gateway) place(accountID, regionName string) (*region, error) {
	l := g.lay.Load()
	if r, ok := l.byPlace[placeKey{accountID, regionName}]; ok {
		return r, nil
	}
	if l.home != nil && (accountID == "" || l.home.ID == "") {
		if r, ok := l.regions[regionName]; ok {
			return r, nil
		}
	}
	if accountID != "" && !slices.ContainsFunc(l.accounts, func(a *account) bool { return a.ID == accountID }) {
		return nil, fmt.Errorf("inventory: account %q: %w", accountID, ErrUnknownRegion)
	}
	return nil, fmt.Errorf("inventory: %q in account %q: %w", regionName, accountID, ErrUnknownRegion)
}

// Configured reports whether accountID is one of the configured accounts:
// then a cluster read in it is known to be in it, namespace ARN or not.
func (g *Gateway) Configured(accountID string) bool {
	return accountID != "" && slices.ContainsFunc(g.lay.Load().accounts, func(a *account) bool { return a.ID == accountID })
}

// Home reports whether accountID is the account Rolegate runs in: its
// configured ID, any ID when no account is configured (Rolegate's own is
// then the only one), and "" (a cluster whose account is not known, which
// can only be read there).
func (g *Gateway) Home(accountID string) bool {
	l := g.lay.Load()
	return accountID == "" || l.home != nil && (l.home.ID == "" || l.home.ID == accountID)
}

// Known reports whether the account-region is one the gateway reads.
func (g *Gateway) Known(accountID, regionName string) bool {
	_, err := g.place(accountID, regionName)
	return err == nil
}
