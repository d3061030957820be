package change_test

import (
	"testing"

	"rolegate/internal/change"
)

func TestPartitionOfEveryRegionPrefix(t *testing.T) {
	for region, want := range map[string]string{
		"us-east-1":       "aws",
		"eu-west-1":       "aws",
		"cn-north-1":      "aws-cn",
		"us-gov-west-1":   "aws-us-gov",
		"us-iso-east-1":   "aws-iso",
		"us-isob-east-1":  "aws-iso-b",
		"eu-isoe-west-1":  "aws-iso-e",
		"us-isof-south-1": "aws-iso-f",
		"eu-isof-north-1": "aws-iso-f",
		"eusc-de-east-1":  "aws-eusc",
	} {
		if got := change.PartitionOf(region); got != want {
			t.Errorf("PartitionOf(%q) = %q, want %q", region, got, want)
		}
	}
}
