package toolcheck_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"rolegate/internal/toolcheck"
)

const skipLine = "SKIP skipper: 2 tests skipped: no-such-tool is not installed; install: apt-get install no-such-tool (ROLEGATE_REQUIRE_TOOLS=1 fails instead)"

// goTest runs the go command on the fixture suite, whose tool is always
// missing, the way people and CI run it, and returns what it printed.
func goTest(t *testing.T, require bool, flags ...string) (string, error) {
	t.Helper()
	goBin, err := exec.LookPath("go") // go test puts its own bin directory first on PATH
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(goBin, append(append([]string{"test", "-count=1"}, flags...), "./testdata/skipper")...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, toolcheck.RequireEnv+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if require {
		cmd.Env = append(cmd.Env, toolcheck.RequireEnv+"=1")
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestSkippedSuiteSaysSoThroughGoTest(t *testing.T) {
	out, err := goTest(t, false)
	if err != nil {
		t.Fatalf("go test: %v\n%s", err, out)
	}
	if strings.Count(out, skipLine) != 1 || !strings.Contains(out, "ok  \trolegate/internal/toolcheck/testdata/skipper") {
		t.Fatalf("go test output lacks the one skip line:\n%s", out)
	}
	out, err = goTest(t, false, "-v")
	if err != nil || strings.Count(out, skipLine) != 1 || !strings.Contains(out, "--- SKIP: TestNeedsTheTool") {
		t.Fatalf("go test -v: %v; want the skip line once:\n%s", err, out)
	}
}

func TestRequiredToolFailsTheSuite(t *testing.T) {
	out, err := goTest(t, true)
	if err == nil || !strings.Contains(out, "FAIL") || !strings.Contains(out, "no-such-tool is not installed, and ROLEGATE_REQUIRE_TOOLS=1 requires it") {
		t.Fatalf("go test with %s=1: %v\n%s", toolcheck.RequireEnv, err, out)
	}
	if strings.Contains(out, skipLine) {
		t.Fatalf("a required tool was reported as skipped:\n%s", out)
	}
}
