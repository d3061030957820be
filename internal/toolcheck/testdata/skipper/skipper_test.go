// Package skipper is a suite whose tool is always missing, for
// toolcheck's own test to run through go test.
package skipper

import (
	"os"
	"testing"

	"rolegate/internal/toolcheck"
)

var missing = &toolcheck.Missing{Suite: "skipper", Problem: "no-such-tool is not installed", Install: "apt-get install no-such-tool"}

func TestMain(m *testing.M) {
	code := m.Run()
	missing.Report()
	os.Exit(code)
}

func TestNeedsTheTool(t *testing.T)     { missing.Skip(t) }
func TestAlsoNeedsTheTool(t *testing.T) { missing.Skip(t) }
func TestNeedsNothing(t *testing.T)     {}
