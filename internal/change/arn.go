package change

import (
	"regexp"
	"strconv"
	"strings"
)

// roleARN is the IAM role ARN grammar: a known partition, a 12-digit
// account, an optional path and a role name of 1–64 characters.
var roleARN = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-[bef]|aws-eusc):iam::(\d{12}):role/((?:[\x21-\x7E]*/)?)([\w+=,.@-]{1,64})$`)

var (
	partitionPattern = regexp.MustCompile(`^(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-[bef]|aws-eusc)$`)
	accountPattern   = regexp.MustCompile(`^\d{12}$`)
)

// ARN length limits from the IAM model.
const (
	minARNLen  = 20
	maxARNLen  = 2048
	maxPathLen = 512
)

// ARN is a syntactically valid IAM role ARN, read into its parts. Path is
// "" or ends with a slash. The zero ARN stands for no role.
type ARN struct {
	Partition, Account, Path, Name string
}

// String is the ARN as AWS writes it, exactly as it was parsed; "" for the
// zero ARN.
func (a ARN) String() string {
	if a.IsZero() {
		return ""
	}
	return "arn:" + a.Partition + ":iam::" + a.Account + ":role/" + a.Path + a.Name
}

// IsZero reports whether a is the zero ARN.
func (a ARN) IsZero() bool { return a == ARN{} }

// ServiceLinked reports whether the role is an AWS service-linked role,
// which Redshift refuses to associate.
func (a ARN) ServiceLinked() bool { return strings.HasPrefix(a.Path, "aws-service-role/") }

// arnStrings lists the ARNs as AWS writes them.
func arnStrings(arns []ARN) []string {
	out := make([]string, 0, len(arns))
	for _, a := range arns {
		out = append(out, a.String())
	}
	return out
}

// parseARN checks one ARN and explains in plain words what is wrong.
func parseARN(s string) (ARN, string) {
	switch {
	case s == "":
		return ARN{}, "an ARN is empty"
	case strings.ContainsRune(s, 0):
		return ARN{}, "contains a NUL character"
	case strings.TrimSpace(s) != s || strings.ContainsAny(s, " \t"):
		return ARN{}, "contains a space; remove it"
	case len(s) > maxARNLen:
		return ARN{}, "is longer than 2048 characters"
	case len(s) < minARNLen:
		return ARN{}, "is too short to be a role ARN"
	}
	m := roleARN.FindStringSubmatch(s)
	if m == nil {
		return ARN{}, explainARN(s)
	}
	a := ARN{Partition: m[1], Account: m[2], Path: m[3], Name: m[4]}
	if len(a.Path) > maxPathLen {
		return ARN{}, "has a path longer than 512 characters"
	}
	return a, ""
}

// explainARN names the first part of a malformed ARN that is wrong.
func explainARN(s string) string {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return "is not an ARN; expected arn:aws:iam::123456789012:role/Name"
	}
	if !partitionPattern.MatchString(parts[1]) {
		return "has an unknown partition " + quote(parts[1])
	}
	if parts[2] != "iam" {
		return "is not an IAM ARN (service " + quote(parts[2]) + ")"
	}
	if parts[3] != "" {
		return "has a region; IAM ARNs have none (arn:aws:iam::…)"
	}
	if !accountPattern.MatchString(parts[4]) {
		return "has an account ID that is not 12 digits"
	}
	if !strings.HasPrefix(parts[5], "role/") {
		return "is not a role (expected :role/ after the account)"
	}
	return "has an invalid role name (1–64 of letters, digits and +=,.@_-)"
}

// quote names a value in a message, whole and as typed: a person must be
// able to find the line meant. Only what is longer than any ARN can be is
// cut, and the cut says how long it was.
func quote(s string) string {
	if len(s) > maxARNLen {
		return "\u201c" + s[:64] + "…\u201d (" + strconv.Itoa(len(s)) + " bytes)"
	}
	return "\u201c" + s + "\u201d"
}

// PartitionOf is the AWS partition a region belongs to.
func PartitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	case strings.HasPrefix(region, "eu-isoe-"):
		return "aws-iso-e"
	case strings.HasPrefix(region, "us-isof-"), strings.HasPrefix(region, "eu-isof-"):
		return "aws-iso-f"
	case strings.HasPrefix(region, "eusc-"):
		return "aws-eusc"
	default:
		return "aws"
	}
}

// RoleQuota is how many IAM roles a cluster in the region may carry.
func RoleQuota(region string) int {
	switch region {
	case "us-iso-east-1", "us-iso-west-1", "us-isob-east-1":
		return 10
	default:
		return 50
	}
}
