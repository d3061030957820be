package inventory

import "strings"

// ValidClusterID reports whether id follows Redshift's rules for a cluster
// identifier: 1 to 63 characters, lowercase letters, digits and hyphens,
// starting with a letter, with no two consecutive hyphens and no hyphen
// at the end. Anything else cannot name a cluster, so it is refused
// before an AWS call is made.
func ValidClusterID(id string) bool {
	if len(id) < 1 || len(id) > 63 || id[0] < 'a' || id[0] > 'z' || id[len(id)-1] == '-' {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch b := id[i]; {
		case b >= 'a' && b <= 'z', b >= '0' && b <= '9':
		case b == '-':
			if id[i-1] == '-' {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// AccountOf takes the account ID from an ARN such as a cluster's namespace
// ARN (arn:aws:redshift:eu-west-1:123456789012:namespace:…); "" when it
// has none.
func AccountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && len(parts[4]) == 12 && strings.Trim(parts[4], "0123456789") == "" {
		return parts[4]
	}
	return ""
}
