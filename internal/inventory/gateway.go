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

// Options configure a Gateway.
type Options struct {
	// Regions are the AWS regions whose clusters are managed.
	Regions []string
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
	// OnSweep, when set, learns of every region sweep: how long it took,
	// the clusters it found, and its error.
	OnSweep func(region string, took time.Duration, clusters int, err error)
}

// Gateway reads and changes Redshift clusters in the configured regions.
// It is safe for concurrent use.
type Gateway struct {
	o       Options
	clients map[string]*redshift.Client
	regions map[string]*region
	flight  singleflight.Group
	last    atomic.Pointer[combined]
	version atomic.Uint64
}

// region is the cache of one region. snap is replaced, never mutated, so
// that readers may keep what they got without a lock.
type region struct {
	name string

	mu       sync.Mutex
	snap     *snapshot // nil until the first good sweep
	err      error     // the last sweep's error, nil after a good one
	errAt    time.Time
	stale    bool            // Refresh asked for a new sweep
	dirty    map[string]bool // clusters to read live on next Cluster
	probed   time.Time
	probeErr error
}

// snapshot is one region's clusters from one sweep (with later targeted
// updates), sorted by identifier.
type snapshot struct {
	clusters []*Cluster
	fetched  time.Time // when the sweep that made it finished
}

// New builds a Gateway with one Redshift client per region. It makes no
// call to AWS.
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
	g := &Gateway{o: o, clients: map[string]*redshift.Client{}, regions: map[string]*region{}}
	for _, r := range o.Regions {
		if _, dup := g.clients[r]; dup {
			return nil, fmt.Errorf("inventory: region %s listed twice", r)
		}
		g.clients[r] = redshift.NewFromConfig(cfg, func(ro *redshift.Options) { ro.Region = r })
		g.regions[r] = &region{name: r}
	}
	return g, nil
}

// Regions lists the configured regions in their configured order.
func (g *Gateway) Regions() []string { return slices.Clone(g.o.Regions) }

// ErrNotFound means the cluster does not exist in that region.
var ErrNotFound = errors.New("cluster not found")

// ErrUnknownRegion means the region is not one the gateway manages.
var ErrUnknownRegion = errors.New("region not managed by Rolegate")

func (g *Gateway) client(regionName string) (*redshift.Client, *region, error) {
	c, ok := g.clients[regionName]
	if !ok {
		return nil, nil, fmt.Errorf("inventory: %q: %w", regionName, ErrUnknownRegion)
	}
	return c, g.regions[regionName], nil
}
