package redshiftsim

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/redshift/types"
)

// DefaultRegion is the region of requests that carry no SigV4 credential
// scope, such as a hand-written curl request.
const DefaultRegion = "us-east-1"

// APIVersion is the Redshift API version the simulator speaks.
const APIVersion = "2012-12-01"

// Options configure a Sim. The zero value is a usable simulator on real time
// with immediate transitions.
type Options struct {
	Clock      Clock         // nil = real time
	RoleDelay  time.Duration // adding→in-sync and removing→gone after this long (0: at once on the next read)
	StateDelay time.Duration // pausing/resuming/creating/deleting transitions
	Seed       int64         // randomness of rate faults
	Logger     *slog.Logger  // nil = discard
	Faults     []Fault       // faults active from the start

	// LenientDuplicates makes adding a role already associated, removing
	// one that is not and one ARN in both lists no-ops instead of
	// InvalidParameterValue.
	LenientDuplicates bool
	// RoleQuota overrides the number of roles a cluster may have (0: 50,
	// and 10 in the ISO regions).
	RoleQuota int
	// RoleTrusted, when set, is asked about every role being added; false
	// fails the call as a role whose trust policy does not name Redshift.
	RoleTrusted func(region, arn string) bool
	// RoleChangeStatus is the ClusterStatus shown while roles are adding or
	// removing ("" keeps "available", as AWS appears to do).
	RoleChangeStatus string
	// StatsLogSize is how many recent calls Stats keeps (0: 1000).
	StatsLogSize int
	// StrictTokens refuses, as AWS does, a session token that the
	// simulator's STS did not issue (InvalidClientTokenId). Without it such
	// credentials act as the default account's User, like any others.
	StrictTokens bool
	// ThrottleLookups holds CloudTrail's LookupEvents to its limit of two
	// calls a second per account and region (ThrottlingException beyond).
	ThrottleLookups bool
	// TrailDelay is how long after a call its CloudTrail event can be
	// looked up (0: at once), as CloudTrail's delivery lags by up to 15
	// minutes.
	TrailDelay time.Duration
}

// Sim is a simulated Redshift and STS endpoint over several accounts. It is
// an http.Handler and safe for concurrent use.
type Sim struct {
	o     Options
	clock Clock
	log   *slog.Logger

	mu       sync.Mutex // guards regions, accounts, users and every cluster in them
	regions  map[place]*regionState
	accounts map[string]*accountState
	users    map[string]identity // declared IAM users by access key

	creds credStore

	faults faultSet
	stats  statsRec
	trail  trail
}

type regionState struct {
	clusters map[string]*cluster
	ids      []string // sorted
}

// New returns a simulator with no clusters.
func New(o Options) *Sim {
	s := &Sim{o: o, clock: o.Clock, log: o.Logger, regions: map[place]*regionState{},
		accounts: map[string]*accountState{Account: newAccountState()}}
	if s.clock == nil {
		s.clock = realClock{}
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s.faults.init(o.Seed, o.Faults)
	s.stats.init(o.StatsLogSize)
	s.trail.configure(o.ThrottleLookups, o.TrailDelay)
	return s
}

// ServeHTTP answers Redshift Query-protocol requests and the /_sim/ control
// endpoints.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_sim/") {
		s.serveControl(w, r)
		return
	}
	s.serveAPI(w, r)
}

// requestID returns a fresh request ID in AWS's UUID form.
func requestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// ClusterSpec describes a cluster to seed. Everything not given gets a
// realistic default: ra3.xlplus, 2 nodes, available, database dev, master
// user awsuser, encrypted, deterministic endpoint, VPC and addresses.
type ClusterSpec struct {
	ID             string            `json:"id"`
	NodeType       string            `json:"node_type,omitempty"`
	NumberOfNodes  int               `json:"number_of_nodes,omitempty"`
	Status         string            `json:"status,omitempty"` // available|paused|modifying
	Roles          []RoleSpec        `json:"roles,omitempty"`
	DefaultRole    string            `json:"default_role,omitempty"`
	Tags           map[string]string `json:"tags,omitempty"`
	DBName         string            `json:"db_name,omitempty"`
	MasterUsername string            `json:"master_username,omitempty"`
	// NoNamespaceARN leaves ClusterNamespaceArn out of the cluster's
	// descriptions, as moto and some older clusters do, so that its account
	// cannot be read from it.
	NoNamespaceARN bool `json:"no_namespace_arn,omitempty"`
}

// RoleSpec is a role associated with a seeded cluster. Status "" is
// in-sync; "adding" and "removing" settle after Options.RoleDelay from the
// time the cluster was added.
type RoleSpec struct {
	ARN    string `json:"arn"`
	Status string `json:"status,omitempty"`
}

// Seed places one cluster in one region of one account ("": the default
// account).
type Seed struct {
	Account string      `json:"account,omitempty"`
	Region  string      `json:"region"`
	Cluster ClusterSpec `json:"cluster"`
}

// AddCluster seeds a cluster of the default account in region. It fails on
// an invalid or duplicate identifier, an unknown node type, an invalid role
// ARN or a default role that is not among the roles. A seeded "modifying"
// status stays until the cluster is deleted.
func (s *Sim) AddCluster(region string, spec ClusterSpec) error {
	return s.AddClusterIn(Account, region, spec)
}

// AddClusterIn seeds a cluster of account in region, as AddCluster does.
// An account not declared yet is created with no roles to assume.
func (s *Sim) AddClusterIn(account, region string, spec ClusterSpec) error {
	if region == "" {
		return errors.New("redshiftsim: add cluster: empty region")
	}
	if !accountIDPattern.MatchString(account) {
		return fmt.Errorf("redshiftsim: add cluster %s: account %q is not 12 digits", spec.ID, account)
	}
	at := place{account, region}
	if !clusterIDPattern.MatchString(spec.ID) {
		return fmt.Errorf("redshiftsim: add cluster %q: invalid identifier", spec.ID)
	}
	now := s.clock.Now()
	c := newCluster(at, spec.ID, now)
	if spec.NodeType != "" {
		if _, ok := nodeTypes[spec.NodeType]; !ok {
			return fmt.Errorf("redshiftsim: add cluster %s: unknown node type %q", spec.ID, spec.NodeType)
		}
		c.nodeType = spec.NodeType
	}
	if spec.NumberOfNodes < 0 || spec.NumberOfNodes > nodeTypes[c.nodeType].maxNodes {
		return fmt.Errorf("redshiftsim: add cluster %s: invalid number of nodes %d", spec.ID, spec.NumberOfNodes)
	}
	if spec.NumberOfNodes > 0 {
		c.nodes = spec.NumberOfNodes
	}
	switch spec.Status {
	case "", StatusAvailable:
	case StatusPaused, StatusModifying:
		c.status = spec.Status
	default:
		return fmt.Errorf("redshiftsim: add cluster %s: status %q is not available, paused or modifying", spec.ID, spec.Status)
	}
	if spec.DBName != "" {
		c.dbName = spec.DBName
	}
	if spec.MasterUsername != "" {
		c.master = spec.MasterUsername
	}
	seen := map[string]bool{}
	for _, r := range spec.Roles {
		if err := checkRoleARN(region, r.ARN, nil); err != nil {
			return fmt.Errorf("redshiftsim: add cluster %s: %s", spec.ID, err.Message)
		}
		if seen[r.ARN] {
			return fmt.Errorf("redshiftsim: add cluster %s: role %s listed twice", spec.ID, r.ARN)
		}
		seen[r.ARN] = true
		st := r.Status
		switch st {
		case "":
			st = RoleInSync
		case RoleInSync, RoleAdding, RoleRemoving:
		default:
			return fmt.Errorf("redshiftsim: add cluster %s: role status %q is not in-sync, adding or removing", spec.ID, r.Status)
		}
		c.roles = append(c.roles, role{arn: r.ARN, status: st})
	}
	if len(c.roles) > roleQuota(region, s.o.RoleQuota) {
		return fmt.Errorf("redshiftsim: add cluster %s: more than %d roles", spec.ID, roleQuota(region, s.o.RoleQuota))
	}
	if spec.DefaultRole != "" && !seen[spec.DefaultRole] {
		return fmt.Errorf("redshiftsim: add cluster %s: default role %s is not among its roles", spec.ID, spec.DefaultRole)
	}
	c.defaultRole = spec.DefaultRole
	c.noNamespace = spec.NoNamespaceARN
	c.roleDue = now.Add(s.o.RoleDelay)
	keys := make([]string, 0, len(spec.Tags))
	for k := range spec.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		c.tags = append(c.tags, tag{Key: k, Value: spec.Tags[k]})
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.lookup(at, spec.ID); ok {
		return fmt.Errorf("redshiftsim: add cluster %s: already exists in %s", spec.ID, region)
	}
	s.account(account)
	s.insert(c)
	return nil
}

// Load seeds every cluster, each in its seed's account, stopping at the
// first error.
func (s *Sim) Load(seeds []Seed) error {
	for _, sd := range seeds {
		if err := s.AddClusterIn(sd.accountID(), sd.Region, sd.Cluster); err != nil {
			return err
		}
	}
	return nil
}

// Cluster returns the default account's cluster as DescribeClusters would
// show it now.
func (s *Sim) Cluster(region, id string) (types.Cluster, bool) {
	return s.ClusterIn(Account, region, id)
}

// ClusterIn returns account's cluster as DescribeClusters would show it now.
func (s *Sim) ClusterIn(account, region, id string) (types.Cluster, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.lookup(place{account, region}, id)
	if !ok {
		return types.Cluster{}, false
	}
	return c.snapshot(&s.o), true
}

// Clusters returns every cluster of the default account in region, in
// DescribeClusters order.
func (s *Sim) Clusters(region string) []types.Cluster {
	return s.ClustersIn(Account, region)
}

// ClustersIn returns every cluster of account in region, in
// DescribeClusters order.
func (s *Sim) ClustersIn(account, region string) []types.Cluster {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.all(place{account, region})
	out := make([]types.Cluster, len(cs))
	for i, c := range cs {
		out[i] = c.snapshot(&s.o)
	}
	return out
}

// Regions returns the regions in which the default account has clusters,
// sorted.
func (s *Sim) Regions() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for at, rs := range s.regions {
		if at.account == Account && len(rs.ids) > 0 {
			out = append(out, at.region)
		}
	}
	sort.Strings(out)
	return out
}

// lookup finds a cluster after settling its due transitions. s.mu is held.
func (s *Sim) lookup(at place, id string) (*cluster, bool) {
	rs := s.regions[at]
	if rs == nil {
		return nil, false
	}
	c, ok := rs.clusters[id]
	if !ok {
		return nil, false
	}
	if c.settle(s.clock.Now()) {
		s.remove(c)
		return nil, false
	}
	return c, true
}

// all returns the clusters of an account's region in identifier order
// after settling them. s.mu is held.
func (s *Sim) all(at place) []*cluster {
	rs := s.regions[at]
	if rs == nil {
		return nil
	}
	now := s.clock.Now()
	out := make([]*cluster, 0, len(rs.ids))
	var gone []*cluster
	for _, id := range rs.ids {
		c := rs.clusters[id]
		if c.settle(now) {
			gone = append(gone, c)
			continue
		}
		out = append(out, c)
	}
	for _, c := range gone {
		s.remove(c)
	}
	return out
}

func (s *Sim) insert(c *cluster) {
	at := place{c.account, c.region}
	rs := s.regions[at]
	if rs == nil {
		rs = &regionState{clusters: map[string]*cluster{}}
		s.regions[at] = rs
	}
	rs.clusters[c.id] = c
	i := sort.SearchStrings(rs.ids, c.id)
	rs.ids = append(rs.ids, "")
	copy(rs.ids[i+1:], rs.ids[i:])
	rs.ids[i] = c.id
}

func (s *Sim) remove(c *cluster) {
	rs := s.regions[place{c.account, c.region}]
	delete(rs.clusters, c.id)
	i := sort.SearchStrings(rs.ids, c.id)
	if i < len(rs.ids) && rs.ids[i] == c.id {
		rs.ids = append(rs.ids[:i], rs.ids[i+1:]...)
	}
}
