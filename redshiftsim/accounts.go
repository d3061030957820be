package redshiftsim

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// place is where a cluster lives: an account and a region in it.
type place struct{ account, region string }

// World is a whole simulated estate: the accounts with the roles STS lets
// callers assume, and the clusters of every account.
type World struct {
	Accounts []AccountSpec `json:"accounts,omitempty"`
	Seeds    []Seed        `json:"clusters"`
	// CloudTrail, when set, overrides the CloudTrail settings of Options
	// (ThrottleLookups, TrailDelay) for the whole simulator.
	CloudTrail *TrailSpec `json:"cloudtrail,omitempty"`
}

// TrailSpec is how the simulated CloudTrail behaves.
type TrailSpec struct {
	// ThrottleLookups holds LookupEvents to two calls a second per
	// account and region.
	ThrottleLookups bool `json:"throttle_lookups,omitempty"`
	// DelaySeconds is how long after a call its event can be looked up.
	DelaySeconds int `json:"delay_seconds,omitempty"`
}

// SeedsIn returns the seeds of the world that belong to account.
func (w World) SeedsIn(account string) []Seed {
	var out []Seed
	for _, sd := range w.Seeds {
		if sd.accountID() == account {
			out = append(out, sd)
		}
	}
	return out
}

// AccountSpec declares an AWS account and the IAM roles in it that STS
// AssumeRole can hand out credentials for. Clusters are seeded apart
// (Seed.Account).
type AccountSpec struct {
	ID    string          `json:"id"`
	Roles []AssumableRole `json:"roles,omitempty"`
	// IAM, when set, is the account's IAM as ListRoles, GetRole and
	// SimulatePrincipalPolicy answer it (see IAMSpec).
	IAM *IAMSpec `json:"iam,omitempty"`
	// Users are IAM users of the account with their access keys: a call
	// signed with one of those keys is made as that user (any other key
	// without a session STS issued is the default account's User).
	Users []UserSpec `json:"users,omitempty"`
	// DenyLookupEvents refuses cloudtrail:LookupEvents to every caller in
	// the account (AccessDeniedException), as for a policy that lacks it.
	DenyLookupEvents bool `json:"deny_lookup_events,omitempty"`
}

// UserSpec is an IAM user and the access key it signs with.
type UserSpec struct {
	Name      string `json:"name"`
	AccessKey string `json:"access_key"`
}

// AssumableRole is an IAM role as STS sees it: who its trust policy lets
// assume it and on what conditions.
type AssumableRole struct {
	// Name is the role's name, after an optional path ("RolegateAccess",
	// "service-role/RolegateAccess"): the part of the ARN after "role/".
	Name string `json:"name"`
	// Trust lists the principals allowed to assume the role: a 12-digit
	// account ID or "arn:aws:iam::ACCOUNT:root" (every identity of that
	// account), an IAM user or role ARN (that user, or every session of that
	// role), or "*" (anyone).
	Trust []string `json:"trust"`
	// ExternalID, when set, must be passed as AssumeRole's ExternalId.
	ExternalID string `json:"external_id,omitempty"`
	// AllowSourceIdentity is whether the trust policy allows
	// sts:SetSourceIdentity: without it a call that sets a source identity,
	// or chains from a session that has one, is refused.
	AllowSourceIdentity bool `json:"allow_source_identity,omitempty"`
	// MaxSessionDuration in seconds, 3600–43200 (0: 3600).
	MaxSessionDuration int `json:"max_session_duration,omitempty"`
}

// accountState is one account's IAM roles, keyed by Name. Guarded by
// Sim.mu.
type accountState struct {
	roles       map[string]AssumableRole
	iam         *iamState // nil: the account's IAM is not simulated
	denyLookups bool
}

func newAccountState() *accountState { return &accountState{roles: map[string]AssumableRole{}} }

var (
	accountIDPattern = regexp.MustCompile(`^\d{12}$`)
	userNamePattern  = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	roleNamePattern  = regexp.MustCompile(`^(?:[\x21-\x7E]*/)?[\w+=,.@-]{1,64}$`)
	trustARNPattern  = regexp.MustCompile(`^arn:[a-z-]+:iam::\d{12}:(root|user/.+|role/.+)$`)
)

func (sd Seed) accountID() string {
	if sd.Account == "" {
		return Account
	}
	return sd.Account
}

// maxSession is the role's longest session.
func (r AssumableRole) maxSession() int {
	if r.MaxSessionDuration == 0 {
		return 3600
	}
	return r.MaxSessionDuration
}

func (r AssumableRole) validate() error {
	if len(r.Name) > 576 || !roleNamePattern.MatchString(r.Name) {
		return fmt.Errorf("role name %q is not a valid IAM role name with optional path", r.Name)
	}
	if len(r.Trust) == 0 {
		return fmt.Errorf("role %s trusts nobody", r.Name)
	}
	for _, p := range r.Trust {
		if p != "*" && !accountIDPattern.MatchString(p) && !trustARNPattern.MatchString(p) {
			return fmt.Errorf("role %s: trusted principal %q is not an account ID, an IAM root, user or role ARN, or *", r.Name, p)
		}
	}
	if r.ExternalID != "" && (len(r.ExternalID) < 2 || len(r.ExternalID) > 1224 || !externalIDChars.MatchString(r.ExternalID)) {
		return fmt.Errorf("role %s: external ID %q is not 2–1224 characters of [\\w+=,.@:/-]", r.Name, r.ExternalID)
	}
	if r.MaxSessionDuration != 0 && (r.MaxSessionDuration < 3600 || r.MaxSessionDuration > 43200) {
		return fmt.Errorf("role %s: max session duration %d is not 3600–43200 seconds", r.Name, r.MaxSessionDuration)
	}
	return nil
}

// DeclareAccount adds an account, or adds roles to one already known. It
// fails on an invalid account ID or role, or a role declared twice.
func (s *Sim) DeclareAccount(spec AccountSpec) error {
	if !accountIDPattern.MatchString(spec.ID) {
		return fmt.Errorf("redshiftsim: declare account %q: not 12 digits", spec.ID)
	}
	seen := map[string]bool{}
	for _, r := range spec.Roles {
		if err := r.validate(); err != nil {
			return fmt.Errorf("redshiftsim: declare account %s: %w", spec.ID, err)
		}
		if seen[r.Name] {
			return fmt.Errorf("redshiftsim: declare account %s: role %s declared twice", spec.ID, r.Name)
		}
		seen[r.Name] = true
	}
	for _, u := range spec.Users {
		if !userNamePattern.MatchString(u.Name) || u.AccessKey == "" || strings.HasPrefix(u.AccessKey, "ASIA") {
			return fmt.Errorf("redshiftsim: declare account %s: user %q needs a valid name and a long-term (not ASIA) access key", spec.ID, u.Name)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.account(spec.ID)
	for _, r := range spec.Roles {
		if _, dup := a.roles[r.Name]; dup {
			return fmt.Errorf("redshiftsim: declare account %s: role %s declared twice", spec.ID, r.Name)
		}
	}
	for _, u := range spec.Users {
		if _, dup := s.users[u.AccessKey]; dup {
			return fmt.Errorf("redshiftsim: declare account %s: access key of user %s declared twice", spec.ID, u.Name)
		}
	}
	if spec.IAM != nil {
		if err := s.declareIAM(spec.ID, spec.IAM); err != nil {
			return fmt.Errorf("redshiftsim: declare account %s: %w", spec.ID, err)
		}
	}
	for _, r := range spec.Roles {
		r.Trust = append([]string(nil), r.Trust...)
		a.roles[r.Name] = r
	}
	if s.users == nil {
		s.users = map[string]identity{}
	}
	for _, u := range spec.Users {
		arn := "arn:aws:iam::" + spec.ID + ":user/" + u.Name
		s.users[u.AccessKey] = identity{account: spec.ID, arn: arn, userID: "AIDA" + stableID(arn, 17), accessKey: u.AccessKey}
	}
	a.denyLookups = a.denyLookups || spec.DenyLookupEvents
	return nil
}

// LoadWorld declares the world's accounts, then seeds its clusters,
// stopping at the first error.
func (s *Sim) LoadWorld(w World) error {
	if w.CloudTrail != nil {
		if w.CloudTrail.DelaySeconds < 0 {
			return fmt.Errorf("redshiftsim: cloudtrail delay_seconds %d is negative", w.CloudTrail.DelaySeconds)
		}
		s.trail.configure(w.CloudTrail.ThrottleLookups, time.Duration(w.CloudTrail.DelaySeconds)*time.Second)
	}
	for _, a := range w.Accounts {
		if err := s.DeclareAccount(a); err != nil {
			return err
		}
	}
	return s.Load(w.Seeds)
}

// Accounts returns the IDs of the accounts the simulator knows, sorted: the
// default account, those declared and those that clusters were seeded in.
func (s *Sim) Accounts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.accounts))
	for id := range s.accounts {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// account returns the state of account id, creating it. s.mu is held.
func (s *Sim) account(id string) *accountState {
	a := s.accounts[id]
	if a == nil {
		a = newAccountState()
		s.accounts[id] = a
	}
	return a
}

// findRole looks up the role an ARN names in partition. s.mu is held.
func (s *Sim) findRole(partition, arn string) (account string, r AssumableRole, ok bool) {
	rest, found := strings.CutPrefix(arn, "arn:"+partition+":iam::")
	if !found {
		return "", AssumableRole{}, false
	}
	account, name, found := strings.Cut(rest, ":role/")
	if !found || !accountIDPattern.MatchString(account) {
		return "", AssumableRole{}, false
	}
	a := s.accounts[account]
	if a == nil {
		return "", AssumableRole{}, false
	}
	r, ok = a.roles[name]
	return account, r, ok
}

// trusts reports whether the role's trust policy names the caller.
func (r AssumableRole) trusts(who identity) bool {
	for _, p := range r.Trust {
		switch {
		case p == "*":
			return true
		case p == who.account, strings.HasSuffix(p, ":iam::"+who.account+":root"):
			return true
		case who.role != "" && p == who.role:
			return true
		case who.role == "" && p == who.arn:
			return true
		}
	}
	return false
}
