package witness_test

import (
	"os"
	"testing"

	"rolegate/internal/witness/witnesstest"
)

// TestMain reports, in one visible line, tests skipped for want of versitygw.
func TestMain(m *testing.M) {
	code := m.Run()
	witnesstest.Missing.Report()
	os.Exit(code)
}
