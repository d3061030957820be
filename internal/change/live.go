package change

import (
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshift/types"
)

// Live is what a change needs to know of a cluster as the API reported it.
type Live struct {
	Region       string
	Cluster      string
	Account      string
	Status       string // ClusterStatus
	Availability string // ClusterAvailabilityStatus
	Roles        []LiveRole
	Default      string
	Tags         map[string]string
}

// LiveRole is one associated role and its ApplyStatus.
type LiveRole struct {
	ARN    string
	Status string // adding, in-sync, removing
}

// LiveFrom reads the fields a change needs from a Cluster.
func LiveFrom(region string, c *types.Cluster) Live {
	l := Live{
		Region:       region,
		Cluster:      aws.ToString(c.ClusterIdentifier),
		Account:      accountOf(aws.ToString(c.ClusterNamespaceArn)),
		Status:       aws.ToString(c.ClusterStatus),
		Availability: aws.ToString(c.ClusterAvailabilityStatus),
		Default:      aws.ToString(c.DefaultIamRoleArn),
		Tags:         map[string]string{},
	}
	for _, r := range c.IamRoles {
		l.Roles = append(l.Roles, LiveRole{ARN: aws.ToString(r.IamRoleArn), Status: aws.ToString(r.ApplyStatus)})
	}
	slices.SortFunc(l.Roles, func(a, b LiveRole) int { return strings.Compare(a.ARN, b.ARN) })
	for _, t := range c.Tags {
		l.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return l
}

// LiveAt is LiveFrom for a cluster addressed in an account: the account
// it was read in is its account, known even when the API's answer has no
// namespace ARN; "" leaves the namespace ARN to say.
func LiveAt(account, region string, c *types.Cluster) Live {
	l := LiveFrom(region, c)
	if account != "" {
		l.Account = account
	}
	return l
}

// accountOf takes the account ID from an ARN such as the cluster's
// namespace ARN (arn:aws:redshift:eu-west-1:123456789012:namespace:…).
func accountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && accountPattern.MatchString(parts[4]) {
		return parts[4]
	}
	return ""
}

// ARNs lists the associated roles, whatever their ApplyStatus, sorted.
func (l Live) ARNs() []string {
	out := make([]string, 0, len(l.Roles))
	for _, r := range l.Roles {
		out = append(out, r.ARN)
	}
	return out
}

// Has reports whether the role is associated (in any ApplyStatus).
func (l Live) Has(arn string) bool {
	for _, r := range l.Roles {
		if r.ARN == arn {
			return true
		}
	}
	return false
}

// statusOf is the ApplyStatus of the role, or "".
func (l Live) statusOf(arn string) string {
	for _, r := range l.Roles {
		if r.ARN == arn {
			return r.Status
		}
	}
	return ""
}

// AllInSync reports whether every associated role is in-sync.
func (l Live) AllInSync() bool {
	for _, r := range l.Roles {
		if r.Status != "in-sync" {
			return false
		}
	}
	return true
}

// Modifiable reports whether ModifyClusterIamRoles can be expected to be
// accepted now: the cluster is available and nothing is being associated.
func (l Live) Modifiable() bool {
	return l.Status == "available" && (l.Availability == "" || l.Availability == "Available") && l.AllInSync()
}

// HasTag reports whether the cluster carries the tag key=value.
func (l Live) HasTag(keyValue string) bool {
	k, v, ok := strings.Cut(keyValue, "=")
	return ok && l.Tags[k] == v
}

// DriftFrom lists how the live roles and default differ from a request's
// captured base, in plain words; empty when they match.
func (l Live) DriftFrom(r *Request) []string {
	var out []string
	live := l.ARNs()
	for _, a := range live {
		if !slices.Contains(r.BaseRoles, a) {
			out = append(out, "role added since the request: "+a)
		}
	}
	for _, a := range r.BaseRoles {
		if !slices.Contains(live, a) {
			out = append(out, "role removed since the request: "+a)
		}
	}
	if l.Default != r.BaseDefault {
		out = append(out, "default role changed from "+orNone(r.BaseDefault)+" to "+orNone(l.Default))
	}
	return out
}

// Satisfies reports whether the live cluster already shows the request's
// change: every added role associated (adding or in-sync), every removed
// role gone or being removed, and the default as requested.
func (l Live) Satisfies(r *Request) bool {
	for _, a := range r.Add {
		if s := l.statusOf(a); s == "" || s == "removing" {
			return false
		}
	}
	for _, a := range r.Remove {
		if s := l.statusOf(a); s != "" && s != "removing" {
			return false
		}
	}
	return r.Default == "" || l.Default == r.Default
}

// Settled reports whether the change is complete: satisfied, removed roles
// gone, and every role in-sync.
func (l Live) Settled(r *Request) bool {
	if !l.Satisfies(r) || !l.AllInSync() {
		return false
	}
	for _, a := range r.Remove {
		if l.Has(a) {
			return false
		}
	}
	return true
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
