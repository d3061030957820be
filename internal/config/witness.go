package config

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// The audit witness's settings: an S3 bucket with Object Lock that keeps a
// copy of every anchor where the service cannot rewrite it.

func witnessFlags(fs *flag.FlagSet, c *Config) {
	fs.StringVar(&c.WitnessBucket, "audit-witness-s3-bucket", "", "S3 bucket with Object Lock that keeps a copy of every audit anchor, each locked in COMPLIANCE mode (empty: no witness)")
	fs.StringVar(&c.WitnessPrefix, "audit-witness-s3-prefix", "rolegate/anchors/", "key prefix of the anchors in the witness bucket; give each Rolegate database its own")
	fs.StringVar(&c.WitnessEndpoint, "audit-witness-s3-endpoint", "", "URL of S3-compatible storage for the witness, addressed path-style (default: AWS S3)")
	fs.StringVar(&c.WitnessRegion, "audit-witness-s3-region", "", "region of the witness bucket (default: the first of -regions)")
	fs.DurationVar(&c.WitnessRetention, "audit-witness-retention", 365*24*time.Hour, "how long each anchor in the witness bucket is locked; nobody can shorten it, nor delete the anchor before")
}

// bucketPattern is S3's rule for a bucket name (general purpose buckets).
var bucketPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

const (
	minWitnessRetention = 24 * time.Hour
	maxWitnessRetention = 100 * 365 * 24 * time.Hour
	maxWitnessPrefix    = 512
)

func (c *Config) validateWitness() error {
	var errs []error
	bad := func(name, format string, a ...any) {
		errs = append(errs, fmt.Errorf("-%s: %s", name, fmt.Sprintf(format, a...)))
	}
	if b := c.WitnessBucket; b != "" && (!bucketPattern.MatchString(b) || strings.Contains(b, "..")) {
		bad("audit-witness-s3-bucket", "%q is not an S3 bucket name (3 to 63 lower-case letters, digits, dots and hyphens)", b)
	}
	p := c.WitnessPrefix
	switch {
	case len(p) > maxWitnessPrefix:
		bad("audit-witness-s3-prefix", "must be at most %d bytes", maxWitnessPrefix)
	case strings.HasPrefix(p, "/"):
		bad("audit-witness-s3-prefix", "%q must not start with /", p)
	case !utf8.ValidString(p) || strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		bad("audit-witness-s3-prefix", "%q holds characters S3 keys cannot", p)
	}
	if e := c.WitnessEndpoint; e != "" {
		if u, err := url.Parse(e); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("audit-witness-s3-endpoint", "%q is not an http or https URL", e)
		}
	}
	if r := c.WitnessRegion; r != "" && !regionPattern.MatchString(r) {
		bad("audit-witness-s3-region", "%q is not a region name", r)
	}
	if c.WitnessRetention < minWitnessRetention || c.WitnessRetention > maxWitnessRetention {
		bad("audit-witness-retention", "must be from 24h to 100 years (876000h)")
	}
	return errors.Join(errs...)
}
