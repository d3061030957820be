package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// ChangeKind says how a field differs between two snapshots.
type ChangeKind string

// Change kinds.
const (
	Added   ChangeKind = "added"
	Removed ChangeKind = "removed"
	Changed ChangeKind = "changed"
)

// FieldChange is one difference between two snapshots.
type FieldChange struct {
	Path   string     // IamRoles[arn:aws:iam::…:role/X].ApplyStatus, NodeType, Tags[0].Value
	Kind   ChangeKind // added, removed or changed
	Before string     // "" when added
	After  string     // "" when removed
	// Role is set when the field is about an IAM role or the default
	// role, so that pages highlight it.
	Role bool
}

// Diff is the field-by-field difference of two Cluster snapshots.
type Diff struct {
	Changes []FieldChange
	// RolesAdded and RolesRemoved are the role ARNs attached or detached.
	RolesAdded, RolesRemoved []string
}

// Empty reports whether the snapshots are the same.
func (d Diff) Empty() bool { return len(d.Changes) == 0 }

// DiffSnapshots compares two Cluster snapshots as JSON. IamRoles are
// matched by IamRoleArn, so that a role keeps its identity when the list
// is reordered; every other list is compared by position.
func DiffSnapshots(before, after json.RawMessage) (Diff, error) {
	var a, b any
	if err := decodeSnapshot(before, &a); err != nil {
		return Diff{}, fmt.Errorf("before: %w", err)
	}
	if err := decodeSnapshot(after, &b); err != nil {
		return Diff{}, fmt.Errorf("after: %w", err)
	}
	fa, fb := map[string]string{}, map[string]string{}
	flatten("", a, fa)
	flatten("", b, fb)
	// An empty list or object that gains members (no roles, then roles) is
	// shown as the members added, not as the empty value removed.
	dropFilledEmpties(fa, fb)
	dropFilledEmpties(fb, fa)
	paths := map[string]bool{}
	for p := range fa {
		paths[p] = true
	}
	for p := range fb {
		paths[p] = true
	}
	sorted := make([]string, 0, len(paths))
	for p := range paths {
		sorted = append(sorted, p)
	}
	sort.Strings(sorted)
	var d Diff
	for _, p := range sorted {
		x, inA := fa[p]
		y, inB := fb[p]
		c := FieldChange{Path: p, Before: x, After: y, Role: isRolePath(p)}
		switch {
		case inA && inB && x == y:
			continue
		case !inA:
			c.Kind = Added
		case !inB:
			c.Kind = Removed
		default:
			c.Kind = Changed
		}
		d.Changes = append(d.Changes, c)
	}
	ra, rb := roleSet(a), roleSet(b)
	for arn := range rb {
		if !ra[arn] {
			d.RolesAdded = append(d.RolesAdded, arn)
		}
	}
	for arn := range ra {
		if !rb[arn] {
			d.RolesRemoved = append(d.RolesRemoved, arn)
		}
	}
	sort.Strings(d.RolesAdded)
	sort.Strings(d.RolesRemoved)
	return d, nil
}

func decodeSnapshot(raw json.RawMessage, v *any) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		*v = map[string]any{}
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(v)
}

func isRolePath(p string) bool {
	return hasPrefix(p, "IamRoles") || hasPrefix(p, "DefaultIamRoleArn")
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

// flatten writes every leaf of v under its path.
func flatten(path string, v any, out map[string]string) {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 && path != "" {
			out[path] = "{}"
		}
		for k, x := range t {
			p := k
			if path != "" {
				p = path + "." + k
			}
			flatten(p, x, out)
		}
	case []any:
		if len(t) == 0 {
			out[path] = "[]"
		}
		for i, x := range t {
			key := strconv.Itoa(i)
			if path == "IamRoles" {
				if m, ok := x.(map[string]any); ok {
					if arn, ok := m["IamRoleArn"].(string); ok {
						key = arn
					}
				}
			}
			flatten(path+"["+key+"]", x, out)
		}
	case nil:
		out[path] = "null"
	case string:
		out[path] = t
	default:
		b, _ := json.Marshal(t)
		out[path] = string(b)
	}
}

// dropFilledEmpties removes from one side an empty list or object whose
// path has members on the other side.
func dropFilledEmpties(side, other map[string]string) {
	for p, v := range side {
		if v != "[]" && v != "{}" {
			continue
		}
		for q := range other {
			if strings.HasPrefix(q, p+"[") || strings.HasPrefix(q, p+".") {
				delete(side, p)
				break
			}
		}
	}
}

// roleSet is the set of role ARNs in a snapshot's IamRoles.
func roleSet(v any) map[string]bool {
	set := map[string]bool{}
	m, _ := v.(map[string]any)
	roles, _ := m["IamRoles"].([]any)
	for _, r := range roles {
		if rm, ok := r.(map[string]any); ok {
			if arn, ok := rm["IamRoleArn"].(string); ok {
				set[arn] = true
			}
		}
	}
	return set
}
