package inventory_test

import (
	"testing"

	"rolegate/internal/config"
	"rolegate/internal/inventory"
)

// TestDefaultsMatchTheSettings: the gateway's defaults for unset options
// are the defaults of the settings that set them, so that a gateway built
// without them behaves as the documented configuration does.
func TestDefaultsMatchTheSettings(t *testing.T) {
	want := map[string]string{
		"-inventory-ttl": inventory.DefaultTTL.String(),
		"-aws-timeout":   inventory.DefaultTimeout.String(),
	}
	for _, s := range config.Settings() {
		if d, ok := want[s.Flag]; ok {
			if s.Default != d {
				t.Errorf("%s defaults to %s, the gateway to %s", s.Flag, s.Default, d)
			}
			delete(want, s.Flag)
		}
	}
	for flag := range want {
		t.Errorf("no setting %s", flag)
	}
}
