package redshiftsim

import (
	"sort"
	"sync"
	"time"
)

// Call is one request in the simulator's request log.
type Call struct {
	Time      time.Time `json:"time"`
	RequestID string    `json:"request_id"`
	Service   string    `json:"service"` // signing name: redshift or sts
	Op        string    `json:"op"`
	Region    string    `json:"region"`
	Cluster   string    `json:"cluster,omitempty"`
	Target    string    `json:"target,omitempty"` // the role an AssumeRole call asked for

	// Who made the call: the account, the caller's ARN (an IAM user or an
	// assumed-role session), the assumed role, its session name and source
	// identity, and the access key, as CloudTrail's userIdentity names
	// them. Empty when the credentials were refused.
	Account        string `json:"account,omitempty"`
	Principal      string `json:"principal,omitempty"`
	Role           string `json:"role,omitempty"`
	Session        string `json:"session,omitempty"`
	SourceIdentity string `json:"source_identity,omitempty"`
	AccessKey      string `json:"access_key,omitempty"`

	Status   int           `json:"status"`         // HTTP status; 0 when no reply was sent
	Code     string        `json:"code,omitempty"` // error code, if any
	Fault    FaultKind     `json:"fault,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}

// OpStats counts the calls of one operation in one region.
type OpStats struct {
	Op     string         `json:"op"`
	Region string         `json:"region"`
	Calls  int            `json:"calls"`
	Errors int            `json:"errors"`
	Faults int            `json:"faults"`
	Codes  map[string]int `json:"codes,omitempty"` // error code → count
}

// Stats is a copy of the simulator's counters and recent request log.
type Stats struct {
	Since time.Time `json:"since"`
	Ops   []OpStats `json:"ops"` // sorted by op, then region
	Log   []Call    `json:"log"` // oldest first, at most Options.StatsLogSize
}

// Calls counts the calls of op ("" = any) in region ("" = all).
func (st Stats) Calls(op, region string) int {
	n := 0
	for _, o := range st.Ops {
		if (op == "" || o.Op == op) && (region == "" || o.Region == region) {
			n += o.Calls
		}
	}
	return n
}

// Errors counts the failed calls of op ("" = any) in region ("" = all),
// injected faults included.
func (st Stats) Errors(op, region string) int {
	n := 0
	for _, o := range st.Ops {
		if (op == "" || o.Op == op) && (region == "" || o.Region == region) {
			n += o.Errors
		}
	}
	return n
}

type opKey struct{ op, region string }

type statsRec struct {
	mu    sync.Mutex
	size  int
	since time.Time
	ops   map[opKey]*OpStats
	log   []Call
	next  int // ring position once full
}

func (r *statsRec) init(size int) {
	if size <= 0 {
		size = 1000
	}
	r.size = size
	r.reset()
}

func (r *statsRec) reset() {
	r.since = time.Now().UTC()
	r.ops = map[opKey]*OpStats{}
	r.log = make([]Call, 0, min(r.size, 64))
	r.next = 0
}

func (r *statsRec) record(c Call) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := opKey{c.Op, c.Region}
	o := r.ops[k]
	if o == nil {
		o = &OpStats{Op: c.Op, Region: c.Region}
		r.ops[k] = o
	}
	o.Calls++
	if c.Code != "" || c.Status >= 400 {
		o.Errors++
		if o.Codes == nil {
			o.Codes = map[string]int{}
		}
		o.Codes[c.Code]++
	}
	if c.Fault != "" {
		o.Faults++
	}
	if len(r.log) < r.size {
		r.log = append(r.log, c)
		return
	}
	r.log[r.next] = c
	r.next = (r.next + 1) % r.size
}

// Stats returns a copy of the counters and the request log.
func (s *Sim) Stats() Stats {
	r := &s.stats
	r.mu.Lock()
	defer r.mu.Unlock()
	st := Stats{Since: r.since, Ops: make([]OpStats, 0, len(r.ops))}
	for _, o := range r.ops {
		c := *o
		if o.Codes != nil {
			c.Codes = make(map[string]int, len(o.Codes))
			for k, v := range o.Codes {
				c.Codes[k] = v
			}
		}
		st.Ops = append(st.Ops, c)
	}
	sort.Slice(st.Ops, func(i, j int) bool {
		if st.Ops[i].Op != st.Ops[j].Op {
			return st.Ops[i].Op < st.Ops[j].Op
		}
		return st.Ops[i].Region < st.Ops[j].Region
	})
	st.Log = make([]Call, 0, len(r.log))
	st.Log = append(st.Log, r.log[r.next:]...)
	st.Log = append(st.Log, r.log[:r.next]...)
	return st
}

// ResetStats zeroes the counters and empties the request log.
func (s *Sim) ResetStats() {
	s.stats.mu.Lock()
	s.stats.reset()
	s.stats.mu.Unlock()
}
