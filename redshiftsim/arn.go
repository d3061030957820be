package redshiftsim

import (
	"regexp"
	"strings"
)

// roleARN matches an IAM role ARN: partition, 12-digit account, optional
// path, role name (the IAM model's rules).
var roleARN = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-[bef]|aws-eusc):iam::\d{12}:role/(?:[\x21-\x7E]*/)?[\w+=,.@-]{1,64}$`)

// partitionOf returns the AWS partition a region belongs to.
func partitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	case strings.HasPrefix(region, "us-isof-"), strings.HasPrefix(region, "eu-isof-"):
		return "aws-iso-f"
	case strings.HasPrefix(region, "eu-isoe-"):
		return "aws-iso-e"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	case strings.HasPrefix(region, "eusc-"):
		return "aws-eusc"
	}
	return "aws"
}

// roleQuota is the number of IAM roles a cluster may have in region.
func roleQuota(region string, override int) int {
	if override > 0 {
		return override
	}
	switch region {
	case "us-iso-east-1", "us-iso-west-1", "us-isob-east-1":
		return 10
	}
	return 50
}

// checkRoleARN validates one role ARN for a cluster in region.
func checkRoleARN(region, arn string, trusted func(region, arn string) bool) *apiError {
	if len(arn) < 20 || len(arn) > 2048 || !roleARN.MatchString(arn) {
		return errInvalidValue("The IAM role ARN %s is not valid.", arn)
	}
	if p := strings.SplitN(arn, ":", 3)[1]; p != partitionOf(region) {
		return errInvalidValue("The IAM role ARN %s is not valid in region %s: it belongs to partition %s.", arn, region, p)
	}
	if strings.Contains(arn, ":role/aws-service-role/") {
		return errInvalidValue("The IAM Role ARN %s can't be used since it's a AWS service-linked IAM role.", arn)
	}
	if trusted != nil && !trusted(region, arn) {
		return errInvalidValue("The IAM role %s is not valid. The IAM role must delegate access to an Amazon Redshift account.", arn)
	}
	return nil
}
