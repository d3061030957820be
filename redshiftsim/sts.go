package redshiftsim

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// STSVersion is the STS API version the simulator speaks.
const STSVersion = "2011-06-15"

const stsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"

var (
	sessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]*$`)
	externalIDChars    = regexp.MustCompile(`^[\w+=,.@:/-]*$`)
)

// errValidation is STS's answer to parameters that break their
// constraints: every failure of the call in one message.
func errValidation(failures []string) *apiError {
	noun := "error"
	if len(failures) > 1 {
		noun = "errors"
	}
	return senderErr(http.StatusBadRequest, "ValidationError", "%d validation %s detected: %s", len(failures), noun, strings.Join(failures, "; "))
}

func errAssumeDenied(who identity, roleARN string) *apiError {
	return senderErr(http.StatusForbidden, "AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", who.arn, roleARN)
}

// checkString applies an STS string constraint to an optional parameter
// and adds the failure, worded as STS words it, to failures.
func checkString(failures []string, p params, key, member string, minLen, maxLen int, pattern *regexp.Regexp, patternText string) []string {
	v, present := p.v[key]
	if !present {
		return failures
	}
	s := v[0]
	quoted := fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: ", s, member)
	switch {
	case len(s) < minLen:
		return append(failures, fmt.Sprintf("%sMember must have length greater than or equal to %d", quoted, minLen))
	case len(s) > maxLen:
		return append(failures, fmt.Sprintf("%sMember must have length less than or equal to %d", quoted, maxLen))
	case pattern != nil && !pattern.MatchString(s):
		return append(failures, fmt.Sprintf("%sMember must satisfy regular expression pattern: %s", quoted, patternText))
	}
	return failures
}

// assumeRole implements AssumeRole: the role must exist in its account,
// trust the caller, get the external ID it requires, and allow a source
// identity when one is set or carried over from the caller's session.
// Credentials issued expire DurationSeconds (default 3600) later on the
// simulator's clock.
func (s *Sim) assumeRole(who identity, region string, p params, w *xw) *apiError {
	var failures []string
	for _, k := range []struct{ key, member string }{{"RoleArn", "roleArn"}, {"RoleSessionName", "roleSessionName"}} {
		if !has(p, k.key) {
			failures = append(failures, fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", k.member))
		}
	}
	failures = checkString(failures, p, "RoleArn", "roleArn", 20, 2048, nil, "")
	failures = checkString(failures, p, "RoleSessionName", "roleSessionName", 2, 64, sessionNamePattern, `[\w+=,.@-]*`)
	failures = checkString(failures, p, "ExternalId", "externalId", 2, 1224, externalIDChars, `[\w+=,.@:\/-]*`)
	failures = checkString(failures, p, "SourceIdentity", "sourceIdentity", 2, 64, sessionNamePattern, `[\w+=,.@-]*`)
	duration, durationSet, derr := p.integer("DurationSeconds")
	if derr != nil {
		failures = append(failures, fmt.Sprintf("Value '%s' at 'durationSeconds' failed to satisfy constraint: Member must be an integer", p.str("DurationSeconds")))
	} else if durationSet && duration < 900 {
		failures = append(failures, fmt.Sprintf("Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900", duration))
	} else if durationSet && duration > 43200 {
		failures = append(failures, fmt.Sprintf("Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200", duration))
	}
	if len(failures) > 0 {
		return errValidation(failures)
	}
	roleARN, session := p.str("RoleArn"), p.str("RoleSessionName")
	source := p.str("SourceIdentity")
	if strings.HasPrefix(strings.ToLower(source), "aws:") {
		return senderErr(http.StatusBadRequest, "ValidationError", "The source identity must not start with the reserved prefix aws:.")
	}
	if !durationSet {
		duration = 3600
	}
	// An ARN of something other than a role is invalid; one that merely
	// names no role is denied like any other (observed from AWS).
	if parts := strings.SplitN(roleARN, ":", 6); len(parts) == 6 && parts[0] == "arn" && !strings.HasPrefix(parts[5], "role/") {
		return senderErr(http.StatusBadRequest, "ValidationError", "Request ARN is invalid")
	}

	s.mu.Lock()
	account, role, ok := s.findRole(partitionOf(region), roleARN)
	s.mu.Unlock()
	if !ok || !role.trusts(who) || (role.ExternalID != "" && p.str("ExternalId") != role.ExternalID) {
		return errAssumeDenied(who, roleARN)
	}
	if who.sourceIdentity != "" {
		// A session's source identity carries over and cannot change.
		if source != "" && source != who.sourceIdentity {
			return errAssumeDenied(who, roleARN)
		}
		source = who.sourceIdentity
	}
	if source != "" && !role.AllowSourceIdentity {
		return errAssumeDenied(who, roleARN)
	}
	if who.role != "" && duration > 3600 {
		return senderErr(http.StatusBadRequest, "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	if duration > role.maxSession() {
		return senderErr(http.StatusBadRequest, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}

	partition := partitionOf(region)
	roleName := role.Name[strings.LastIndex(role.Name, "/")+1:]
	iamARN := "arn:" + partition + ":iam::" + account + ":role/" + role.Name
	key, secret, token := newCredentials()
	c := &issued{
		who: identity{
			account:        account,
			arn:            "arn:" + partition + ":sts::" + account + ":assumed-role/" + roleName + "/" + session,
			userID:         "AROA" + stableID(iamARN, 17) + ":" + session,
			role:           iamARN,
			session:        session,
			sourceIdentity: source,
			accessKey:      key,
		},
		secret:  secret,
		token:   token,
		expires: s.clock.Now().Add(time.Duration(duration) * time.Second).UTC().Truncate(time.Second),
	}
	s.creds.add(c, s.clock.Now())

	w.open("Credentials")
	w.text("AccessKeyId", key)
	w.text("SecretAccessKey", secret)
	w.text("SessionToken", token)
	w.text("Expiration", c.expires.Format(time.RFC3339))
	w.close("Credentials")
	w.open("AssumedRoleUser")
	w.text("AssumedRoleId", c.who.userID)
	w.text("Arn", c.who.arn)
	w.close("AssumedRoleUser")
	if source != "" {
		w.text("SourceIdentity", source)
	}
	return nil
}

// getCallerIdentity implements GetCallerIdentity: the account, ARN and
// user ID of the credentials that signed the call.
func (s *Sim) getCallerIdentity(who identity, region string, p params, w *xw) *apiError {
	w.text("Arn", who.arn)
	w.text("UserId", who.userID)
	w.text("Account", who.account)
	return nil
}

func has(p params, key string) bool {
	_, ok := p.v[key]
	return ok
}
