package redshiftsim

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FaultKind is what an injected fault does to a call.
type FaultKind string

// The kinds of faults.
const (
	FaultThrottle     FaultKind = "throttle"      // 400 Throttling "Rate exceeded"
	FaultUnavailable  FaultKind = "unavailable"   // 503 ServiceUnavailable
	FaultInternal     FaultKind = "internal"      // 500 InternalFailure
	FaultLatency      FaultKind = "latency"       // delay before processing; nothing happens if the client gives up
	FaultLatencyAfter FaultKind = "latency-after" // process the call, then delay the reply
	FaultDrop         FaultKind = "drop"          // close the connection without a reply
)

func (k FaultKind) valid() bool {
	switch k {
	case FaultThrottle, FaultUnavailable, FaultInternal, FaultLatency, FaultLatencyAfter, FaultDrop:
		return true
	}
	return false
}

// Fault makes matching calls fail or slow down. Op and Region "" match any.
// With Next > 0 the fault hits the next Next matching calls and is then
// spent; otherwise it hits each matching call with probability Rate (0
// means every call), drawn from the simulator's seeded source.
type Fault struct {
	Op      string        `json:"op,omitempty"`
	Region  string        `json:"region,omitempty"`
	Kind    FaultKind     `json:"kind"`
	Rate    float64       `json:"rate,omitempty"`
	Next    int           `json:"next,omitempty"`
	Latency time.Duration `json:"-"`
}

type faultJSON struct {
	Op      string    `json:"op,omitempty"`
	Region  string    `json:"region,omitempty"`
	Kind    FaultKind `json:"kind"`
	Rate    float64   `json:"rate,omitempty"`
	Next    int       `json:"next,omitempty"`
	Latency string    `json:"latency,omitempty"`
}

// MarshalJSON writes Latency as a Go duration string ("250ms").
func (f Fault) MarshalJSON() ([]byte, error) {
	j := faultJSON{Op: f.Op, Region: f.Region, Kind: f.Kind, Rate: f.Rate, Next: f.Next}
	if f.Latency != 0 {
		j.Latency = f.Latency.String()
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads a fault with Latency as a duration string.
func (f *Fault) UnmarshalJSON(b []byte) error {
	var j faultJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*f = Fault{Op: j.Op, Region: j.Region, Kind: j.Kind, Rate: j.Rate, Next: j.Next}
	if j.Latency != "" {
		d, err := time.ParseDuration(j.Latency)
		if err != nil {
			return fmt.Errorf("fault latency: %w", err)
		}
		f.Latency = d
	}
	return f.Validate()
}

// Validate reports a fault that cannot work.
func (f Fault) Validate() error {
	if !f.Kind.valid() {
		return fmt.Errorf("fault kind %q is not one of throttle, unavailable, internal, latency, latency-after, drop", f.Kind)
	}
	if f.Rate < 0 || f.Rate > 1 {
		return fmt.Errorf("fault rate %v is not between 0 and 1", f.Rate)
	}
	if f.Next < 0 {
		return fmt.Errorf("fault next %d is negative", f.Next)
	}
	if f.Latency < 0 {
		return fmt.Errorf("fault latency %v is negative", f.Latency)
	}
	if (f.Kind == FaultLatency || f.Kind == FaultLatencyAfter) && f.Latency == 0 {
		return fmt.Errorf("fault kind %s needs a latency", f.Kind)
	}
	return nil
}

// ParseFault reads a fault written as comma-separated key=value pairs:
// op, region, kind, rate, next, latency. Example:
// "op=ModifyClusterIamRoles,kind=throttle,rate=0.3".
func ParseFault(s string) (Fault, error) {
	var f Fault
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return Fault{}, fmt.Errorf("fault %q: %q is not key=value", s, kv)
		}
		var err error
		switch k {
		case "op":
			f.Op = v
		case "region":
			f.Region = v
		case "kind":
			f.Kind = FaultKind(v)
		case "rate":
			f.Rate, err = strconv.ParseFloat(v, 64)
		case "next":
			f.Next, err = strconv.Atoi(v)
		case "latency":
			f.Latency, err = time.ParseDuration(v)
		default:
			return Fault{}, fmt.Errorf("fault %q: unknown key %q", s, k)
		}
		if err != nil {
			return Fault{}, fmt.Errorf("fault %q: %s: %w", s, k, err)
		}
	}
	if err := f.Validate(); err != nil {
		return Fault{}, fmt.Errorf("fault %q: %w", s, err)
	}
	return f, nil
}

type faultSet struct {
	mu     sync.Mutex
	rnd    *rand.Rand
	faults []Fault
}

func (fs *faultSet) init(seed int64, faults []Fault) {
	fs.rnd = rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	fs.faults = append([]Fault(nil), faults...)
}

// match returns the first fault that hits this call, spending one of its
// Next calls.
func (fs *faultSet) match(op, region string) (Fault, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i := range fs.faults {
		f := &fs.faults[i]
		if (f.Op != "" && f.Op != op) || (f.Region != "" && f.Region != region) {
			continue
		}
		if f.Next > 0 {
			hit := *f
			f.Next--
			if f.Next == 0 {
				fs.faults = append(fs.faults[:i], fs.faults[i+1:]...)
			}
			return hit, true
		}
		if f.Rate == 0 || fs.rnd.Float64() < f.Rate {
			return *f, true
		}
	}
	return Fault{}, false
}

// SetFaults replaces the active faults.
func (s *Sim) SetFaults(f ...Fault) {
	s.faults.mu.Lock()
	s.faults.faults = append([]Fault(nil), f...)
	s.faults.mu.Unlock()
}

// AddFaults adds to the active faults. Earlier faults are checked first.
func (s *Sim) AddFaults(f ...Fault) {
	s.faults.mu.Lock()
	s.faults.faults = append(s.faults.faults, f...)
	s.faults.mu.Unlock()
}

// ClearFaults removes every fault.
func (s *Sim) ClearFaults() { s.SetFaults() }

// Faults returns the active faults, with what is left of their Next counts.
func (s *Sim) Faults() []Fault {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	return append([]Fault{}, s.faults.faults...)
}
