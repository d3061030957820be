package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Config holds every setting of the web server. Each field is a flag with a
// ROLEGATE_* environment fallback; see Settings for the table.
type Config struct {
	Listen       string
	DBPath       string
	Regions      []string
	Demo         bool
	DemoReset    bool
	ExternalURL  string
	TLSCert      string
	TLSKey       string
	InsecureHTTP bool

	SessionKeyFile string
	SessionKeys    string // hex key pairs from the environment; never logged
	SessionIdle    time.Duration
	SessionMax     time.Duration
	ReauthAfter    time.Duration

	LogLevel  slog.Level
	LogFormat string

	MetricsListen string // a listener of its own for /metrics; "" is none
	MetricsToken  string // bearer token of /metrics; never logged

	TrustedProxies []netip.Prefix

	// AnchorFile is the audit anchor file; "" means the default, which
	// names the database's instance (see AnchorFileFor).
	AnchorFile     string
	AnchorDir      string // the anchor file's directory (derived)
	AnchorKeyFile  string // HMAC key of version 1 anchors, only read
	AnchorInterval time.Duration
	SigningKeyFile string // Ed25519 private key signing the anchors
	SigningKey     string // the same key from the environment; never logged
	PublicKeyFile  string // Ed25519 public key checking the anchors

	InventoryTTL time.Duration
	// InventoryConcurrency bounds the account-regions swept at once.
	InventoryConcurrency int
	AWSTimeout           time.Duration
	AWSEndpoint          string // Redshift API endpoint override (the simulator); "" is AWS

	RequestTTL    time.Duration
	ProductionTag string
	HighRiskTags  string // comma-separated key=value tags that also need two approvers
	// IAMAllowedAccounts are accounts (comma-separated IDs) whose roles may
	// go on clusters of another account; IAMTTL is how long an account's
	// role listing is cached.
	IAMAllowedAccounts string
	IAMTTL             time.Duration
	ApplyMaxAttempts   int
	ApplyBackoff       time.Duration
	WorkerEvery        time.Duration
	// BulkLimit is how many clusters one bulk request may hold;
	// BulkConcurrency how many of its members are applied at once.
	BulkLimit       int
	BulkConcurrency int

	// The audit witness: a copy of every anchor in an S3 bucket with
	// Object Lock. An empty bucket means no witness.
	WitnessBucket    string
	WitnessPrefix    string
	WitnessRetention time.Duration
	WitnessEndpoint  string
	WitnessRegion    string

	// Single sign-on (oidc.go).
	OIDCConfig  string
	OIDC        []OIDCProvider // from the OIDCConfig file, secrets read
	LocalSignIn string
	// The automation API: the longest lifetime of a token, and each
	// token's requests per minute.
	APITokenMaxDays int
	APIRate         int

	Version bool
}

// Setting describes one entry of the settings table.
type Setting struct {
	Flag, Env, Default, Usage string
}

// Settings lists every flag with its environment variable and default, in
// the order the README's settings table shows them.
func Settings() []Setting {
	var out []Setting
	fs, _ := newFlagSet(&Config{})
	fs.VisitAll(func(f *flag.Flag) {
		out = append(out, Setting{Flag: "-" + f.Name, Env: EnvName(f.Name), Default: f.DefValue, Usage: f.Usage})
	})
	return out
}

// EnvName maps a flag name to its environment variable: db-path → ROLEGATE_DB_PATH.
func EnvName(flagName string) string {
	return "ROLEGATE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

type rawValues struct {
	regions, logLevel, proxies string
}

func newFlagSet(c *Config) (*flag.FlagSet, *rawValues) {
	fs := flag.NewFlagSet("rolegate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	raw := &rawValues{}
	fs.StringVar(&c.Listen, "listen", "127.0.0.1:8080", "address the dashboard listens on")
	fs.StringVar(&c.DBPath, "db", "", "SQLite database file (default data/rolegate.db, or data/demo.db with -demo)")
	fs.StringVar(&raw.regions, "regions", "us-east-1", "comma-separated AWS regions to manage (demo mode: the simulated ones)")
	fs.BoolVar(&c.Demo, "demo", false, "demo mode: embedded Redshift simulator, seeded clusters, demo users")
	fs.BoolVar(&c.DemoReset, "demo-reset", false, "with -demo: delete the demo database and start afresh")
	fs.StringVar(&c.ExternalURL, "external-url", "", "URL users reach the dashboard at; https:// when a TLS proxy is in front")
	fs.StringVar(&c.TLSCert, "tls-cert", "", "TLS certificate file (serve HTTPS directly)")
	fs.StringVar(&c.TLSKey, "tls-key", "", "TLS private key file")
	fs.BoolVar(&c.InsecureHTTP, "insecure-http", false, "allow plain HTTP on a non-loopback address (cookies lose Secure)")
	fs.StringVar(&c.SessionKeyFile, "session-key-file", "", "file of session cookie key pairs, created with mode 0600 if missing (default next to the database)")
	fs.StringVar(&c.SessionKeys, "session-keys", "", "session cookie key pairs as hex hash:block,... (first pair encodes); overrides the key file")
	fs.DurationVar(&c.SessionIdle, "session-idle", 30*time.Minute, "sign out after this long without a request")
	fs.DurationVar(&c.SessionMax, "session-max", 12*time.Hour, "absolute session lifetime")
	fs.DurationVar(&c.ReauthAfter, "reauth-after", 15*time.Minute, "approving needs a sign-in newer than this")
	fs.StringVar(&raw.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", "text", "text or json")
	fs.StringVar(&raw.proxies, "trusted-proxies", "", "comma-separated CIDRs whose X-Forwarded-For is trusted")
	fs.StringVar(&c.AnchorFile, "audit-anchor-file", "", "append-only file of signed audit-chain heads, outside the database directory; it must hold only this database's anchors (default: <db name>-<instance id>.anchors in an anchors directory beside the database directory)")
	fs.StringVar(&c.AnchorKeyFile, "audit-anchor-key-file", "", "HMAC key of version 1 anchors (written before Ed25519 signing), only read to check them (default next to the anchor file)")
	fs.DurationVar(&c.AnchorInterval, "audit-anchor-interval", 5*time.Minute, "how often the audit-chain head is anchored (also at once after every change-request state change)")
	fs.StringVar(&c.SigningKeyFile, "audit-signing-key-file", "", "Ed25519 private key signing audit anchors, made by rolegate audit keygen; the service should be able to read it but not write it (demo mode: created next to the anchor file)")
	fs.StringVar(&c.MetricsListen, "metrics-listen", "", "serve Prometheus metrics at /metrics on this address of its own (e.g. 127.0.0.1:9090); empty: not served there")
	fs.StringVar(&c.MetricsToken, "metrics-token", "", "bearer token that /metrics demands (at least 16 characters; prefer the environment variable); with it /metrics is also served on -listen, without it never there")
	fs.StringVar(&c.SigningKey, "audit-signing-key", "", "the audit signing key itself (PEM, or base64 of PKCS #8), e.g. from a secret store; overrides the key file")
	fs.StringVar(&c.PublicKeyFile, "audit-public-key-file", "", "Ed25519 public key checking audit anchors (default: derived from the signing key); verifying needs only this")
	fs.DurationVar(&c.InventoryTTL, "inventory-ttl", 30*time.Second, "how long a region's cluster list is served from cache")
	fs.IntVar(&c.InventoryConcurrency, "inventory-concurrency", 8, "how many account-regions are swept at once")
	fs.StringVar(&c.AWSEndpoint, "aws-endpoint", "", "send Redshift API calls to this URL instead of AWS, e.g. a redshiftsim at http://127.0.0.1:5440 (dummy credentials are used)")
	fs.DurationVar(&c.AWSTimeout, "aws-timeout", 20*time.Second, "timeout of one AWS API operation, retries included")
	fs.IntVar(&c.APITokenMaxDays, "api-token-max-days", 90, "the longest an API token may last, in days")
	fs.IntVar(&c.APIRate, "api-rate", 600, "requests per minute each API token may send (bursts of a tenth of it); more get 429")
	fs.DurationVar(&c.RequestTTL, "request-ttl", 7*24*time.Hour, "a pending change request expires after this long")
	fs.StringVar(&c.ProductionTag, "production-tag", "environment=production", "clusters with this tag (key=value) need two approvers")
	fs.StringVar(&c.HighRiskTags, "high-risk-tags", "", "more tags whose clusters need two approvers, comma-separated key=value (e.g. data=pii,tier=critical); shown with the production tag on the cluster list")
	fs.StringVar(&c.IAMAllowedAccounts, "iam-allowed-accounts", "", "accounts (comma-separated 12-digit IDs) whose IAM roles may be associated with clusters of another account; others fail the account check")
	fs.DurationVar(&c.IAMTTL, "iam-ttl", 5*time.Minute, "how long an account's IAM role listing (the role picker) is served from cache")
	fs.IntVar(&c.ApplyMaxAttempts, "apply-max-attempts", 10, "ModifyClusterIamRoles attempts while the cluster is busy or AWS throttles")
	fs.DurationVar(&c.ApplyBackoff, "apply-backoff", 5*time.Second, "first wait between apply attempts (doubles, capped at 2m)")
	fs.DurationVar(&c.WorkerEvery, "worker-every", time.Second, "how often the apply worker looks for due work: retries, roles to follow until in-sync, applies a crash left unfinished")
	fs.IntVar(&c.BulkLimit, "bulk-limit", 100, "most clusters one bulk request may hold")
	fs.IntVar(&c.BulkConcurrency, "bulk-concurrency", 4, "members of bulk requests the apply worker works on at once (and clusters a bulk submission or approval reads at once)")
	fs.BoolVar(&c.Version, "version", false, "print the version and exit")
	witnessFlags(fs, c)
	oidcFlags(fs, c)

	return fs, raw
}

// ErrHelp is returned when -h or -help was asked for; the usage was written.
var ErrHelp = flag.ErrHelp

// Load parses args (without the program name) with environment fallbacks
// from getenv, then validates. Errors name the setting at fault.
func Load(args []string, getenv func(string) string, usage io.Writer) (Config, error) {
	var c Config
	fs, raw := newFlagSet(&c)
	// Environment values are set before parsing, so a flag on the command
	// line still wins.
	envErr := applyEnv(fs, getenv)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(usage)
			fs.PrintDefaults()
		}
		return c, err
	}
	if envErr != nil {
		return c, envErr
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q (subcommands are user and audit)", fs.Arg(0))
	}
	if err := c.fill(raw); err != nil {
		return c, err
	}
	if err := c.loadOIDC(getenv); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// applyEnv sets each flag from its ROLEGATE_* variable and reports a value
// that the flag cannot parse, naming the variable.
func applyEnv(fs *flag.FlagSet, getenv func(string) string) error {
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		name := EnvName(f.Name)
		if v := getenv(name); v != "" {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s: invalid value %q", name, v))
			}
		}
	})
	return errors.Join(errs...)
}

func (c *Config) fill(raw *rawValues) error {
	c.Regions = splitList(raw.regions)
	switch strings.ToLower(raw.logLevel) {
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "info":
		c.LogLevel = slog.LevelInfo
	case "warn", "warning":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		return fmt.Errorf("-log-level: %q is not one of debug, info, warn, error", raw.logLevel)
	}
	for _, p := range splitList(raw.proxies) {
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			addr, aerr := netip.ParseAddr(p)
			if aerr != nil {
				return fmt.Errorf("-trusted-proxies: %q is not a CIDR or IP address", p)
			}
			pfx = netip.PrefixFrom(addr, addr.BitLen())
		}
		c.TrustedProxies = append(c.TrustedProxies, pfx.Masked())
	}
	if c.DBPath == "" {
		if c.Demo {
			c.DBPath = filepath.Join("data", "demo.db")
		} else {
			c.DBPath = filepath.Join("data", "rolegate.db")
		}
	}
	if c.SessionKeyFile == "" {
		c.SessionKeyFile = filepath.Join(filepath.Dir(c.DBPath), "session.keys")
	}
	if c.AnchorFile == "" {
		c.AnchorDir = filepath.Join(filepath.Dir(c.DBPath), "..", "anchors")
	} else {
		c.AnchorDir = filepath.Dir(c.AnchorFile)
	}
	if c.AnchorKeyFile == "" {
		c.AnchorKeyFile = filepath.Join(c.AnchorDir, "anchor.key")
	}
	if c.Demo && c.SigningKeyFile == "" && c.SigningKey == "" {
		c.SigningKeyFile = filepath.Join(c.AnchorDir, "demo-signing.key")
	}
	return nil
}

var regionPattern = regexp.MustCompile(`^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$`)

// Validate checks every setting and names the one at fault.
func (c *Config) Validate() error {
	var errs []error
	bad := func(name, format string, a ...any) {
		errs = append(errs, fmt.Errorf("-%s: %s", name, fmt.Sprintf(format, a...)))
	}
	host, port, err := net.SplitHostPort(c.Listen)
	if err != nil {
		bad("listen", "%q is not host:port", c.Listen)
	} else if p, perr := strconv.Atoi(port); perr != nil || p < 0 || p > 65535 {
		bad("listen", "port %q is not a number from 0 to 65535", port)
	}
	if c.DBPath == ":memory:" || strings.ContainsAny(c.DBPath, "?#") {
		bad("db", "%q must be a plain file path", c.DBPath)
	}
	if len(c.Regions) == 0 {
		bad("regions", "at least one region is needed")
	}
	seen := map[string]bool{}
	for _, r := range c.Regions {
		if !regionPattern.MatchString(r) {
			bad("regions", "%q is not an AWS region name such as eu-west-1", r)
		}
		if seen[r] {
			bad("regions", "%q is listed twice", r)
		}
		seen[r] = true
	}
	if c.DemoReset && !c.Demo {
		bad("demo-reset", "only makes sense with -demo")
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		bad("tls-cert", "-tls-cert and -tls-key go together")
	}
	if c.ExternalURL != "" {
		u, err := url.Parse(c.ExternalURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("external-url", "%q is not an http(s) URL", c.ExternalURL)
		}
	}
	if err == nil && c.Demo && !isLoopback(host) {
		bad("demo", "demo users have a published password; listen on a loopback address (127.0.0.1) in demo mode, not %q", c.Listen)
	}
	if err == nil && !c.HTTPS() && !c.InsecureHTTP && !isLoopback(host) {
		bad("listen", "plain HTTP on %q is only allowed on loopback; use -tls-cert/-tls-key, an https -external-url behind a TLS proxy, or -insecure-http", c.Listen)
	}
	if c.APITokenMaxDays < 1 || c.APITokenMaxDays > 3660 {
		bad("api-token-max-days", "must be from 1 to 3660 days")
	}
	if c.APIRate < 1 {
		bad("api-rate", "must be at least 1 request per minute")
	}
	if c.SessionIdle < time.Minute {
		bad("session-idle", "must be at least 1m")
	}
	if c.SessionMax < c.SessionIdle {
		bad("session-max", "must be at least -session-idle")
	}
	if c.ReauthAfter < time.Minute {
		bad("reauth-after", "must be at least 1m")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("log-format", "%q is not text or json", c.LogFormat)
	}
	if c.MetricsListen != "" {
		if _, port, err := net.SplitHostPort(c.MetricsListen); err != nil {
			bad("metrics-listen", "%q is not host:port", c.MetricsListen)
		} else if p, perr := strconv.Atoi(port); perr != nil || p < 0 || p > 65535 {
			bad("metrics-listen", "port %q is not a number from 0 to 65535", port)
		} else if c.MetricsListen == c.Listen && p != 0 {
			bad("metrics-listen", "must differ from -listen; to serve /metrics on -listen, set -metrics-token")
		}
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		bad("metrics-token", "must be at least 16 characters")
	}
	if c.AnchorInterval < time.Second {
		bad("audit-anchor-interval", "must be at least 1s")
	}
	if dbDir, err := filepath.Abs(filepath.Dir(c.DBPath)); err == nil {
		if anc, err := filepath.Abs(c.AnchorDir); err == nil && anc == dbDir {
			bad("audit-anchor-file", "must not sit in the database directory %s", dbDir)
		}
	}
	if c.InventoryTTL < time.Second {
		bad("inventory-ttl", "must be at least 1s")
	}
	if c.InventoryConcurrency < 1 || c.InventoryConcurrency > 256 {
		bad("inventory-concurrency", "must be between 1 and 256")
	}
	if c.AWSEndpoint != "" {
		if u, err := url.Parse(c.AWSEndpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("aws-endpoint", "%q is not an http(s) URL", c.AWSEndpoint)
		} else if c.Demo {
			bad("aws-endpoint", "cannot be combined with -demo, which runs its own simulator")
		}
	}
	if c.AWSTimeout < time.Second {
		bad("aws-timeout", "must be at least 1s")
	}
	if c.RequestTTL < time.Minute {
		bad("request-ttl", "must be at least 1m")
	}
	if k, v, ok := strings.Cut(c.ProductionTag, "="); c.ProductionTag != "" && (!ok || k == "" || v == "") {
		bad("production-tag", "%q is not key=value", c.ProductionTag)
	}
	for _, t := range c.HighRiskTagList() {
		if k, v, ok := strings.Cut(t, "="); !ok || k == "" || v == "" {
			bad("high-risk-tags", "%q is not key=value", t)
		}
	}
	for _, a := range c.IAMAllowedAccountList() {
		if len(a) != 12 || strings.Trim(a, "0123456789") != "" {
			bad("iam-allowed-accounts", "%q is not a 12-digit account ID", a)
		}
	}
	if c.IAMTTL < time.Second {
		bad("iam-ttl", "must be at least 1s")
	}
	if c.ApplyMaxAttempts < 1 || c.ApplyMaxAttempts > 100 {
		bad("apply-max-attempts", "must be from 1 to 100")
	}
	if c.ApplyBackoff < 10*time.Millisecond {
		bad("apply-backoff", "must be at least 10ms")
	}
	if c.WorkerEvery < 10*time.Millisecond || c.WorkerEvery > time.Minute {
		bad("worker-every", "must be from 10ms to 1m")
	}
	if c.BulkLimit < 1 || c.BulkLimit > 1000 {
		bad("bulk-limit", "must be from 1 to 1000")
	}
	if c.BulkConcurrency < 1 || c.BulkConcurrency > 32 {
		bad("bulk-concurrency", "must be from 1 to 32")
	}
	errs = append(errs, c.validateWitness(), c.validateOIDC())
	return errors.Join(errs...)
}

// AnchorFileFor is the audit anchor file of the database whose instance ID
// is instance: -audit-anchor-file, or by default one named after both the
// database file and the instance, so that two databases of the same name
// sharing an anchors directory never share a file.
func (c *Config) AnchorFileFor(instance string) string {
	if c.AnchorFile != "" {
		return c.AnchorFile
	}
	return filepath.Join(c.AnchorDir, c.dbBase()+"-"+instance+".anchors")
}

// LegacyAnchorFile is the default anchor file of releases that named it
// after the database file only; its anchors are still read.
func (c *Config) LegacyAnchorFile() string {
	if c.AnchorFile != "" {
		return ""
	}
	return filepath.Join(c.AnchorDir, c.dbBase()+".anchors")
}

func (c *Config) dbBase() string {
	return strings.TrimSuffix(filepath.Base(c.DBPath), filepath.Ext(c.DBPath))
}

// HTTPS reports whether users reach the dashboard over TLS, directly or
// through a TLS-terminating proxy named by -external-url.
func (c *Config) HTTPS() bool {
	return c.TLSCert != "" || strings.HasPrefix(c.ExternalURL, "https://")
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	addr, err := netip.ParseAddr(host)
	return err == nil && addr.IsLoopback()
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// IAMAllowedAccountList is IAMAllowedAccounts as a list, blanks dropped.
func (c Config) IAMAllowedAccountList() []string { return splitList(c.IAMAllowedAccounts) }

// HighRiskTagList is HighRiskTags as a list, blanks dropped.
func (c Config) HighRiskTagList() []string { return splitList(c.HighRiskTags) }
