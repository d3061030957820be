package redshiftsim

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// IAMVersion is the IAM API version the simulator speaks.
const IAMVersion = "2010-05-08"

const iamNamespace = "https://iam.amazonaws.com/doc/2010-05-08/"

var iamService = service{name: "iam", title: "AWSIdentityManagementV20100508", version: IAMVersion, namespace: iamNamespace,
	actions: map[string]action{
		"ListRoles":               (*Sim).listRoles,
		"GetRole":                 (*Sim).getRole,
		"SimulatePrincipalPolicy": (*Sim).simulatePrincipalPolicy,
	}}

func errNoSuchRole(name string) *apiError {
	return senderErr(http.StatusNotFound, "NoSuchEntity", "The role with name %s cannot be found.", name)
}

func errIAMDenied(who identity, action, resource string) *apiError {
	return senderErr(http.StatusForbidden, "AccessDenied", "User: %s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action", who.arn, action, resource, action)
}

// iamOf returns the caller's account IAM, or the AccessDenied of action on
// resource when the account refuses it. An account whose IAM is not
// declared refuses every IAM action, as for a caller without IAM
// permissions. s.mu is held.
func (s *Sim) iamOf(who identity, action, resource string) (*iamState, *apiError) {
	st := s.account(who.account).iam
	if st == nil || slices.Contains(st.deny, action) || slices.Contains(st.deny, "iam:*") {
		return nil, errIAMDenied(who, action, resource)
	}
	return st, nil
}

// writeRole writes one role as ListRoles and GetRole show it; the trust policy
// is percent-encoded, as IAM returns it.
func (st *iamState) writeRole(w *xw, r iamRole, full bool) {
	w.text("Path", r.path)
	w.text("RoleName", r.roleName)
	w.text("RoleId", r.id)
	w.text("Arn", r.arn)
	w.text("CreateDate", st.created.Format(time.RFC3339))
	w.text("AssumeRolePolicyDocument", url.QueryEscape(r.policy))
	if r.Description != "" {
		w.text("Description", r.Description)
	}
	w.text("MaxSessionDuration", "3600")
	if full {
		w.empty("RoleLastUsed")
	}
}

// listRoles implements ListRoles: the roles whose path starts with
// PathPrefix, MaxItems (1–1000, default 100) at a time, in path and name
// order, with an opaque Marker while IsTruncated.
func (s *Sim) listRoles(who identity, region string, p params, w *xw) *apiError {
	var failures []string
	maxItems, set, err := p.integer("MaxItems")
	switch {
	case err != nil:
		failures = append(failures, fmt.Sprintf("Value '%s' at 'maxItems' failed to satisfy constraint: Member must be an integer", p.str("MaxItems")))
	case set && maxItems < 1:
		failures = append(failures, fmt.Sprintf("Value '%d' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1", maxItems))
	case set && maxItems > 1000:
		failures = append(failures, fmt.Sprintf("Value '%d' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000", maxItems))
	}
	prefix := "/"
	if has(p, "PathPrefix") {
		prefix = p.str("PathPrefix")
		if !strings.HasPrefix(prefix, "/") {
			failures = append(failures, fmt.Sprintf("Value '%s' at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*", prefix))
		}
	}
	if len(failures) > 0 {
		return errValidation(failures)
	}
	if !set {
		maxItems = 100
	}
	start := 0
	if m := p.str("Marker"); m != "" {
		b, derr := base64.RawURLEncoding.DecodeString(m)
		n, aerr := strconv.Atoi(strings.TrimPrefix(string(b), "roles:"))
		if derr != nil || aerr != nil || !strings.HasPrefix(string(b), "roles:") || n < 0 {
			return senderErr(http.StatusBadRequest, "InvalidInput", "Invalid Marker.")
		}
		start = n
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	st, aerr := s.iamOf(who, "iam:ListRoles", "arn:aws:iam::"+who.account+":role"+prefix)
	if aerr != nil {
		return aerr
	}
	w.open("Roles")
	n, next := 0, -1
	for i := start; i < len(st.roles); i++ {
		r := st.roles[i]
		if !strings.HasPrefix(r.path, prefix) {
			continue
		}
		if n == maxItems {
			next = i
			break
		}
		w.open("member")
		st.writeRole(w, r, false)
		w.close("member")
		n++
	}
	w.close("Roles")
	w.text("IsTruncated", strconv.FormatBool(next >= 0))
	if next >= 0 {
		w.text("Marker", base64.RawURLEncoding.EncodeToString([]byte("roles:"+strconv.Itoa(next))))
	}
	return nil
}

// getRole implements GetRole, which takes the role's name without its path.
func (s *Sim) getRole(who identity, region string, p params, w *xw) *apiError {
	name := p.str("RoleName")
	if !has(p, "RoleName") {
		return errValidation([]string{"Value null at 'roleName' failed to satisfy constraint: Member must not be null"})
	}
	if failures := checkString(nil, p, "RoleName", "roleName", 1, 64, sessionNamePattern, `[\w+=,.@-]+`); len(failures) > 0 {
		return errValidation(failures)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, aerr := s.iamOf(who, "iam:GetRole", "arn:aws:iam::"+who.account+":role/"+name)
	if aerr != nil {
		return aerr
	}
	i, ok := st.byName[name]
	if !ok {
		return errNoSuchRole(name)
	}
	w.open("Role")
	st.writeRole(w, st.roles[i], true)
	w.close("Role")
	return nil
}

// simulatePrincipalPolicy implements SimulatePrincipalPolicy for the
// caller's account: iam:PassRole of a declared role is decided by its Pass;
// every other action or resource is implicitly denied.
func (s *Sim) simulatePrincipalPolicy(who identity, region string, p params, w *xw) *apiError {
	source := p.str("PolicySourceArn")
	actions, _, err := p.list("ActionNames", "member")
	if err != nil {
		return err.(*apiError)
	}
	resources, _, err := p.list("ResourceArns", "member")
	if err != nil {
		return err.(*apiError)
	}
	var failures []string
	if source == "" {
		failures = append(failures, "Value null at 'policySourceArn' failed to satisfy constraint: Member must not be null")
	}
	if len(actions) == 0 {
		failures = append(failures, "Value null at 'actionNames' failed to satisfy constraint: Member must not be null")
	}
	if len(failures) > 0 {
		return errValidation(failures)
	}
	if !strings.Contains(source, ":iam::"+who.account+":") {
		return senderErr(http.StatusBadRequest, "InvalidInput", "Invalid ARN %s: the policy source must be a user, group or role of this account.", source)
	}
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, aerr := s.iamOf(who, "iam:SimulatePrincipalPolicy", source)
	if aerr != nil {
		return aerr
	}
	w.open("EvaluationResults")
	for _, act := range actions {
		for _, res := range resources {
			decision := DecisionImplicitDeny
			if strings.EqualFold(act, "iam:PassRole") {
				for _, r := range st.roles {
					if r.arn == res {
						decision = r.decision()
					}
				}
			}
			w.open("member")
			w.text("EvalActionName", act)
			w.text("EvalResourceName", res)
			w.text("EvalDecision", decision)
			w.empty("MatchedStatements")
			w.empty("MissingContextValues")
			w.close("member")
		}
	}
	w.close("EvaluationResults")
	w.text("IsTruncated", "false")
	return nil
}
