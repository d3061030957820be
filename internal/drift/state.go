package drift

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
)

// State is a cluster's roles (sorted ARNs) and default role.
type State struct {
	Roles   []string `json:"roles"`
	Default string   `json:"default,omitempty"`
}

func newState(roles []string, def string) State {
	r := slices.Clone(roles)
	slices.Sort(r)
	r = slices.Compact(r)
	if r == nil {
		r = []string{}
	}
	return State{Roles: r, Default: def}
}

// Equal reports whether both hold the same roles and default.
func (s State) Equal(o State) bool {
	return s.Default == o.Default && slices.Equal(s.Roles, o.Roles)
}

// Hash identifies the state, for comparing without reading it whole.
func (s State) Hash() string {
	h := sha256.New()
	h.Write([]byte(s.Default))
	for _, r := range s.Roles {
		h.Write([]byte{0})
		h.Write([]byte(r))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Diff is what changed from the audited state to the live one.
type Diff struct {
	Added          []string `json:"roles_added"`
	Removed        []string `json:"roles_removed"`
	DefaultChanged bool     `json:"default_changed"`
	DefaultFrom    string   `json:"default_from,omitempty"`
	DefaultTo      string   `json:"default_to,omitempty"`
}

// Compare is the difference from audited to live.
func Compare(audited, live State) Diff {
	d := Diff{Added: []string{}, Removed: []string{}}
	for _, r := range live.Roles {
		if !slices.Contains(audited.Roles, r) {
			d.Added = append(d.Added, r)
		}
	}
	for _, r := range audited.Roles {
		if !slices.Contains(live.Roles, r) {
			d.Removed = append(d.Removed, r)
		}
	}
	if audited.Default != live.Default {
		d.DefaultChanged, d.DefaultFrom, d.DefaultTo = true, audited.Default, live.Default
	}
	return d
}

// Empty reports whether nothing changed.
func (d Diff) Empty() bool {
	return len(d.Added) == 0 && len(d.Removed) == 0 && !d.DefaultChanged
}

// fingerprint identifies a drift: the audited state it departs from and
// the live state it leads to.
func fingerprint(baselineSeq int64, live State) string {
	h := sha256.New()
	b, _ := json.Marshal(struct {
		Seq  int64 `json:"seq"`
		Live State `json:"live"`
	}{baselineSeq, live})
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// snapshotState reads the roles and default out of an audited Cluster
// snapshot (the API's Cluster as JSON).
func snapshotState(raw []byte) (State, bool) {
	var c struct {
		IamRoles []struct {
			IamRoleArn *string
		}
		DefaultIamRoleArn *string
	}
	if len(raw) == 0 || json.Unmarshal(raw, &c) != nil {
		return State{}, false
	}
	roles := make([]string, 0, len(c.IamRoles))
	for _, r := range c.IamRoles {
		if r.IamRoleArn != nil && strings.TrimSpace(*r.IamRoleArn) != "" {
			roles = append(roles, *r.IamRoleArn)
		}
	}
	def := ""
	if c.DefaultIamRoleArn != nil {
		def = *c.DefaultIamRoleArn
	}
	return newState(roles, def), true
}
