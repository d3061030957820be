package account

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Account is one AWS account as Rolegate knows it.
type Account struct {
	ID   string // 12 digits
	Name string // what people call it: "production", "analytics"
	// RoleARN is the role Rolegate assumes in the account; "" for the
	// account Rolegate runs in, reached with its own credentials.
	RoleARN string
	// ExternalID is passed to AssumeRole when set; only with a RoleARN.
	ExternalID string
	// Regions to sweep; empty means the dashboard's regions.
	Regions []string
	// ProductionTag (key=value) replaces the dashboard's rule for this
	// account's clusters when set.
	ProductionTag string
	Disabled      bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Version       int64
}

// Home reports whether this is the account Rolegate runs in (no role to
// assume).
func (a *Account) Home() bool { return a.RoleARN == "" }

// Spec is what an administrator gives for a new account.
type Spec struct {
	ID, Name, RoleARN, ExternalID string
	Regions                       []string
	ProductionTag                 string
}

// Changes are the settings `set` changes; a nil field stays as it is.
type Changes struct {
	Name, RoleARN, ExternalID *string
	Regions                   *[]string
	ProductionTag             *string
}

// Empty reports whether nothing would change.
func (c Changes) Empty() bool {
	return c.Name == nil && c.RoleARN == nil && c.ExternalID == nil && c.Regions == nil && c.ProductionTag == nil
}

// Field names of the account forms, used as keys of FieldErrors.
const (
	FieldID            = "id"
	FieldName          = "name"
	FieldRoleARN       = "role_arn"
	FieldExternalID    = "external_id"
	FieldRegions       = "regions"
	FieldProductionTag = "production_tag"
	FieldForm          = "form" // not tied to one field
)

// FieldErrors maps a form field to the message shown next to it.
type FieldErrors map[string]string

// ValidationError is returned for refused input; nothing was stored.
type ValidationError struct{ Fields FieldErrors }

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString("invalid account:")
	for _, k := range keys {
		fmt.Fprintf(&b, " %s: %s;", k, e.Fields[k])
	}
	return strings.TrimSuffix(b.String(), ";")
}

// Limits of the settings.
const (
	MaxNameLen = 64
	MaxRegions = 40
)

var (
	idPattern = regexp.MustCompile(`^\d{12}$`)
	// roleARNPattern: a role in a known partition; the account is checked
	// against the account's ID apart.
	roleARNPattern = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-[bef]|aws-eusc):iam::(\d{12}):role/((?:[\x21-\x7E]*/)?)([\w+=,.@-]{1,64})$`)
	// externalIDPattern is STS's character set; its length, 2 to 1224, is
	// checked apart (regexp repeats stop at 1000).
	externalIDPattern = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
	regionPattern     = regexp.MustCompile(`^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$`)
)

// ValidID reports whether id is a 12-digit AWS account ID.
func ValidID(id string) bool { return idPattern.MatchString(id) }

// normalise trims what people type around values and sorts nothing: the
// regions keep the order given.
func (s *Spec) normalise() {
	s.ID = strings.TrimSpace(s.ID)
	s.Name = strings.TrimSpace(s.Name)
	s.RoleARN = strings.TrimSpace(s.RoleARN)
	s.ExternalID = strings.TrimSpace(s.ExternalID)
	s.ProductionTag = strings.TrimSpace(s.ProductionTag)
	regions := make([]string, 0, len(s.Regions))
	for _, r := range s.Regions {
		if r = strings.TrimSpace(r); r != "" {
			regions = append(regions, r)
		}
	}
	s.Regions = regions
}

// validate says, per field, what is wrong with the spec.
func (s Spec) validate() FieldErrors {
	errs := FieldErrors{}
	if !ValidID(s.ID) {
		errs[FieldID] = "an AWS account ID is 12 digits"
	}
	switch {
	case s.Name == "":
		errs[FieldName] = "give the account a name people recognise"
	case utf8.RuneCountInString(s.Name) > MaxNameLen:
		errs[FieldName] = fmt.Sprintf("keep the name to %d characters", MaxNameLen)
	case strings.IndexFunc(s.Name, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		errs[FieldName] = "the name can only hold printable characters and spaces"
	}
	if s.RoleARN != "" {
		m := roleARNPattern.FindStringSubmatch(s.RoleARN)
		switch {
		case len(s.RoleARN) > 2048 || m == nil:
			errs[FieldRoleARN] = "not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)"
		case m[2] != s.ID:
			errs[FieldRoleARN] = fmt.Sprintf("the role must be in the account itself (%s), not in %s", s.ID, m[2])
		}
	}
	switch {
	case s.ExternalID == "":
	case s.RoleARN == "":
		errs[FieldExternalID] = "an external ID goes with a role to assume; the account Rolegate runs in has neither"
	case len(s.ExternalID) < 2 || len(s.ExternalID) > 1224 || !externalIDPattern.MatchString(s.ExternalID):
		errs[FieldExternalID] = "2 to 1224 letters, digits or +=,.@:/-_"
	}
	if len(s.Regions) > MaxRegions {
		errs[FieldRegions] = fmt.Sprintf("at most %d regions", MaxRegions)
	}
	for i, r := range s.Regions {
		if !regionPattern.MatchString(r) {
			errs[FieldRegions] = fmt.Sprintf("%q is not an AWS region name such as eu-west-1", r)
			break
		}
		if slices.Contains(s.Regions[:i], r) {
			errs[FieldRegions] = fmt.Sprintf("%q is listed twice", r)
			break
		}
	}
	if s.ProductionTag != "" {
		if k, v, ok := strings.Cut(s.ProductionTag, "="); !ok || k == "" || v == "" {
			errs[FieldProductionTag] = "give the tag as key=value, such as environment=production"
		}
	}
	return errs
}

// spec is the account's settings as a Spec.
func (a *Account) spec() Spec {
	return Spec{ID: a.ID, Name: a.Name, RoleARN: a.RoleARN, ExternalID: a.ExternalID,
		Regions: slices.Clone(a.Regions), ProductionTag: a.ProductionTag}
}

// apply returns the spec with the changes made.
func (c Changes) apply(s Spec) Spec {
	if c.Name != nil {
		s.Name = *c.Name
	}
	if c.RoleARN != nil {
		s.RoleARN = *c.RoleARN
	}
	if c.ExternalID != nil {
		s.ExternalID = *c.ExternalID
	}
	if c.Regions != nil {
		s.Regions = slices.Clone(*c.Regions)
	}
	if c.ProductionTag != nil {
		s.ProductionTag = *c.ProductionTag
	}
	return s
}

// SplitRegions reads a comma- or space-separated list of regions.
func SplitRegions(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
}
