package inventory_test

import (
	"strings"
	"testing"

	"rolegate/internal/inventory"
)

func TestValidClusterID(t *testing.T) {
	for _, c := range []struct {
		id   string
		want bool
	}{
		{"a", true},
		{"sales-dw", true},
		{"us-east-1-c000", true},
		{"a" + strings.Repeat("b", 62), true},
		{"", false},
		{"a" + strings.Repeat("b", 63), false},
		{"Sales", false},
		{"1sales", false},
		{"-sales", false},
		{"sales-", false},
		{"sales--dw", false},
		{"sales_dw", false},
		{"sales.dw", false},
		{"sales dw", false},
		{"sales/../dw", false},
		{"sales\u202edw", false},
		{"sálès", false},
		{"sales\x00", false},
	} {
		if got := inventory.ValidClusterID(c.id); got != c.want {
			t.Errorf("ValidClusterID(%q) = %v, want %v", c.id, got, c.want)
		}
	}
}
