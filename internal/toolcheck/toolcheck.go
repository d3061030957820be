package toolcheck

import (
	"flag"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
)

// RequireEnv names the variable that turns a missing tool into a failure.
const RequireEnv = "ROLEGATE_REQUIRE_TOOLS"

// Required reports whether a missing tool must fail the tests
// (ROLEGATE_REQUIRE_TOOLS=1, as .ci/run sets it).
func Required() bool { return os.Getenv(RequireEnv) == "1" }

// Missing is a tool that a suite needs and does not have. Its tests call
// Skip; the suite's TestMain calls Report after m.Run.
type Missing struct {
	Suite   string // the tests that cannot run, e.g. "rolegate/e2e: the browser tests"
	Problem string // e.g. "chromium is not installed"
	Install string // the command that installs it, e.g. "apt-get install chromium"

	skipped atomic.Int64
}

// Skip skips t for the missing tool, or fails it when the tool is required.
func (m *Missing) Skip(t testing.TB) {
	t.Helper()
	if Required() {
		t.Fatalf("%s, and %s=1 requires it; install: %s", m.Problem, RequireEnv, m.Install)
	}
	m.skipped.Add(1)
	t.Skipf("%s; install: %s", m.Problem, m.Install)
}

// Report announces how many tests skipped for the missing tool, in one
// line; it says nothing when none did.
func (m *Missing) Report() {
	if n := m.skipped.Load(); n > 0 {
		Announce(fmt.Sprintf("SKIP %s: %d %s skipped: %s; install: %s (%s=1 fails instead)",
			m.Suite, n, plural(n, "test", "tests"), m.Problem, m.Install, RequireEnv))
	}
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Announce writes line to standard error and, when the process is a test
// binary run by go test without -v (which would swallow the line for a
// passing package), also to the go command's own standard error when that
// is a terminal or a pipe.
func Announce(line string) {
	fmt.Fprintln(os.Stderr, line)
	if flag.Parsed() && testing.Verbose() {
		return
	}
	toGoCommand(line + "\n")
}
