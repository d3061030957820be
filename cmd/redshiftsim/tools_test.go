package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"rolegate/internal/toolcheck"
	"rolegate/redshiftsim"
)

// The suites that need a tool Go does not bring. Their tests skip when it is
// missing (or fail, with ROLEGATE_REQUIRE_TOOLS=1 as in CI), and TestMain
// reports in one line how many skipped.
var (
	awsCLIMissing = &toolcheck.Missing{Suite: "rolegate/cmd/redshiftsim: the AWS CLI tests",
		Problem: "the AWS CLI (aws) is not on PATH", Install: "apt-get install awscli"}
	boto3Missing = &toolcheck.Missing{Suite: "rolegate/cmd/redshiftsim: the boto3 test",
		Problem: "python3 with boto3 is not installed", Install: "apt-get install python3-boto3"}
)

// needTool returns the path of an external tool, skipping the test for
// missing when it is not on PATH.
func needTool(t *testing.T, name string, missing *toolcheck.Missing) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		missing.Skip(t)
	}
	return p
}

// toolEnv is an environment for AWS tools that reads no real configuration
// or credentials and talks only to the simulator.
func toolEnv(t *testing.T, region string) []string {
	dir := t.TempDir()
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dir,
		"AWS_ACCESS_KEY_ID=AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		"AWS_DEFAULT_REGION=" + region,
		"AWS_CONFIG_FILE=" + filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_PAGER=",
		"AWS_MAX_ATTEMPTS=1",
	}
	for _, k := range []string{"PYENV_ROOT", "PYENV_VERSION", "PYTHONPATH", "LANG"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

type toolResult struct {
	code           int
	stdout, stderr string
}

func runTool(t *testing.T, env []string, name string, args ...string) toolResult {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return toolResult{code: code, stdout: out.String(), stderr: errb.String()}
}

// simStats reads the running simulator's counters.
func simStats(t *testing.T, url string) redshiftsim.Stats {
	t.Helper()
	resp, err := http.Get(url + "/_sim/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st redshiftsim.Stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}
