package iam

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"golang.org/x/sync/singleflight"
)

// API is what Rolegate asks of IAM; the SDK's client has it.
type API interface {
	awsiam.ListRolesAPIClient
	GetRole(ctx context.Context, in *awsiam.GetRoleInput, optFns ...func(*awsiam.Options)) (*awsiam.GetRoleOutput, error)
	SimulatePrincipalPolicy(ctx context.Context, in *awsiam.SimulatePrincipalPolicyInput, optFns ...func(*awsiam.Options)) (*awsiam.SimulatePrincipalPolicyOutput, error)
}

// Reach is how one account's IAM is reached: a client signing with the
// account's credentials, and the principal Rolegate acts as there, whose
// iam:PassRole is simulated ("" when unknown: the check is not made).
type Reach struct {
	Client    API
	Principal string
}

// Connector gives the Reach of an account ("" is the one Rolegate runs in).
type Connector func(ctx context.Context, account string) (Reach, error)

// Options configure a Service.
type Options struct {
	Connect Connector
	// TTL is how long an account's role listing is served from the cache
	// (DefaultTTL when zero).
	TTL time.Duration
	// PageSize is the MaxItems of each ListRoles call (1000 when zero).
	PageSize int
	// Accounts decides which accounts' roles may go on a cluster.
	Accounts AccountRule
	Now      func() time.Time
	Logger   *slog.Logger
}

// DefaultTTL is how long a role listing is kept.
const DefaultTTL = 5 * time.Minute

// Role is one IAM role as the picker shows it.
type Role struct {
	Name, Path, ARN, Description string
	Trust                        Trust
	ServiceLinked                bool
	haystack                     string // lower-cased name, path and ARN
}

// Listing is an account's roles, in IAM's order, and when they were read.
type Listing struct {
	Roles   []Role
	Fetched time.Time
}

// Service lists and checks IAM roles. It is safe for concurrent use.
type Service struct {
	o       Options
	mu      sync.Mutex
	cache   map[string]*Listing
	reports map[string]cachedReport
	flight  singleflight.Group
}

// New returns a Service; defaults fill unset options.
func New(o Options) *Service {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.PageSize <= 0 {
		o.PageSize = 1000
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{o: o, cache: map[string]*Listing{}, reports: map[string]cachedReport{}}
}

// Roles returns the account's roles, from the cache while it is younger
// than the TTL; concurrent callers on a cold cache share one listing.
func (s *Service) Roles(ctx context.Context, account string) (*Listing, error) {
	if l := s.fresh(account); l != nil {
		return l, nil
	}
	v, err, _ := s.flight.Do(account, func() (any, error) {
		// A caller that found the cache cold just as a listing ended
		// starts a flight of its own: it takes that listing.
		if l := s.fresh(account); l != nil {
			return l, nil
		}
		l, err := s.list(context.WithoutCancel(ctx), account)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		s.cache[account] = l
		s.mu.Unlock()
		return l, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*Listing), nil
}

// fresh is the account's cached listing while younger than the TTL.
func (s *Service) fresh(account string) *Listing {
	s.mu.Lock()
	l := s.cache[account]
	s.mu.Unlock()
	if l != nil && s.o.Now().Sub(l.Fetched) < s.o.TTL {
		return l
	}
	return nil
}

// list reads every role of the account with the SDK's paginator.
func (s *Service) list(ctx context.Context, account string) (*Listing, error) {
	reach, err := s.o.Connect(ctx, account)
	if err != nil {
		return nil, err
	}
	l := &Listing{}
	pg := awsiam.NewListRolesPaginator(reach.Client, &awsiam.ListRolesInput{MaxItems: aws.Int32(int32(s.o.PageSize))})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("iam: listing the roles of account %q: %w", account, err)
		}
		for _, r := range out.Roles {
			doc, _ := url.QueryUnescape(aws.ToString(r.AssumeRolePolicyDocument))
			role := Role{Name: aws.ToString(r.RoleName), Path: aws.ToString(r.Path), ARN: aws.ToString(r.Arn),
				Description: aws.ToString(r.Description), Trust: JudgeTrust(doc)}
			role.ServiceLinked = serviceLinked(role.Path)
			role.haystack = strings.ToLower(role.Path + role.Name + "\x00" + role.ARN)
			l.Roles = append(l.Roles, role)
		}
	}
	l.Fetched = s.o.Now()
	return l, nil
}

// Search returns up to limit roles of the account whose name, path or ARN
// contains q, case-insensitively (every role for an empty q), and whether
// there were more.
func (s *Service) Search(ctx context.Context, account, q string, limit int) ([]Role, bool, error) {
	l, err := s.Roles(ctx, account)
	if err != nil {
		return nil, false, err
	}
	out, more := match(l.Roles, q, limit)
	return out, more, nil
}

// match is the search over roles already listed.
func match(roles []Role, q string, limit int) ([]Role, bool) {
	q = strings.ToLower(strings.TrimSpace(q))
	var out []Role
	for _, r := range roles {
		if q != "" && !strings.Contains(r.haystack, q) {
			continue
		}
		if limit > 0 && len(out) == limit {
			return out, true
		}
		out = append(out, r)
	}
	return out, false
}

// serviceLinked is whether a role's path is that of service-linked roles.
func serviceLinked(path string) bool { return strings.HasPrefix(path, "/aws-service-role/") }

// checkTTL is how long Cached serves a report.
const checkTTL = 30 * time.Second

type cachedReport struct {
	rep Report
	at  time.Time
}

// Cached is Check, answered from a run of the last 30 seconds for the same
// account and roles: pages that show the checklist are reloaded and
// polled, approval asks Check afresh.
func (s *Service) Cached(ctx context.Context, account string, arns []string) Report {
	key := account + "\x00" + strings.Join(arns, "\x00")
	s.mu.Lock()
	c, ok := s.reports[key]
	s.mu.Unlock()
	if ok && s.o.Now().Sub(c.at) < checkTTL {
		return c.rep
	}
	rep := s.Check(ctx, account, arns)
	s.mu.Lock()
	if len(s.reports) > 1000 {
		clear(s.reports)
	}
	s.reports[key] = cachedReport{rep: rep, at: s.o.Now()}
	s.mu.Unlock()
	return rep
}
