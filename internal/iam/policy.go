package iam

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"slices"
	"sort"
	"strings"
)

// RedshiftPrincipal is the service principal Redshift assumes roles as.
// redshift-serverless.amazonaws.com is another principal.
const RedshiftPrincipal = "redshift.amazonaws.com"

// Trust is the judgement of a role's trust policy: whether it lets
// Redshift call sts:AssumeRole, why in plain words, and the conditions
// attached to the statements that allow it, noted but not evaluated.
type Trust struct {
	Redshift   bool
	Reason     string
	Conditions []string
}

// statement is one statement of a policy, its fields kept raw because each
// comes in several shapes.
type statement struct {
	Effect       string                                `json:"Effect"`
	Principal    json.RawMessage                       `json:"Principal"`
	NotPrincipal json.RawMessage                       `json:"NotPrincipal"`
	Action       json.RawMessage                       `json:"Action"`
	NotAction    json.RawMessage                       `json:"NotAction"`
	Condition    map[string]map[string]json.RawMessage `json:"Condition"`
}

// JudgeTrust judges a trust policy document, percent-encoded as IAM
// returns it or plain JSON. A Deny statement naming Redshift for the
// action wins over any Allow. Conditions are reported, not evaluated: a
// statement with a condition still counts as allowing.
func JudgeTrust(doc string) Trust {
	text := strings.TrimSpace(doc)
	if !strings.HasPrefix(text, "{") {
		if dec, err := url.QueryUnescape(text); err == nil {
			text = strings.TrimSpace(dec)
		}
	}
	var p struct {
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(text), &p); err != nil {
		return Trust{Reason: "its trust policy could not be read as JSON"}
	}
	var sts []statement
	raw := bytes.TrimSpace(p.Statement)
	switch {
	case len(raw) == 0:
	case raw[0] == '[':
		if err := json.Unmarshal(raw, &sts); err != nil {
			return Trust{Reason: "its trust policy's statements could not be read"}
		}
	default:
		var one statement
		if err := json.Unmarshal(raw, &one); err != nil {
			return Trust{Reason: "its trust policy's statement could not be read"}
		}
		sts = []statement{one}
	}
	var allow bool
	var conds []string
	for _, s := range sts {
		if !namesRedshift(s) || !coversAssumeRole(s) {
			continue
		}
		switch s.Effect {
		case "Deny":
			return Trust{Reason: "its trust policy has a Deny statement for " + RedshiftPrincipal + " on sts:AssumeRole"}
		case "Allow":
			allow = true
			conds = append(conds, conditions(s)...)
		}
	}
	if !allow {
		return Trust{Reason: "its trust policy does not allow " + RedshiftPrincipal + " to call sts:AssumeRole"}
	}
	t := Trust{Redshift: true, Reason: "its trust policy allows " + RedshiftPrincipal + " to call sts:AssumeRole", Conditions: conds}
	if len(conds) > 0 {
		t.Reason += ", on conditions Rolegate notes but does not evaluate: " + strings.Join(conds, "; ")
	}
	return t
}

// strings reads a JSON string or list of strings.
func stringsOf(raw json.RawMessage) []string {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		return many
	}
	return nil
}

// namesRedshift is whether the statement's Principal takes in Redshift:
// "*", {"Service": "*"} or the Redshift principal, alone or in a list. A
// NotPrincipal statement is not taken to name it.
func namesRedshift(s statement) bool {
	if len(s.Principal) == 0 {
		return false
	}
	if ps := stringsOf(s.Principal); len(ps) > 0 {
		return slices.Contains(ps, "*")
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(s.Principal, &m) != nil {
		return false
	}
	for _, svc := range stringsOf(m["Service"]) {
		if svc == "*" || strings.EqualFold(svc, RedshiftPrincipal) {
			return true
		}
	}
	return slices.Contains(stringsOf(m["AWS"]), "*")
}

// coversAssumeRole is whether the statement's Action matches
// sts:AssumeRole, wildcards included (sts:*, sts:Assume*, *). NotAction
// statements are not taken to cover it.
func coversAssumeRole(s statement) bool {
	for _, a := range stringsOf(s.Action) {
		if ok, err := path.Match(strings.ToLower(a), "sts:assumerole"); err == nil && ok {
			return true
		}
	}
	return false
}

// conditions lists a statement's conditions as "Operator key=values".
func conditions(s statement) []string {
	var out []string
	for op, keys := range s.Condition {
		for k, v := range keys {
			out = append(out, fmt.Sprintf("%s %s=%s", op, k, strings.Join(stringsOf(v), ",")))
		}
	}
	sort.Strings(out)
	return out
}
