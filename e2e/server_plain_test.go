//go:build e2e

package e2e

import (
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"rolegate/redshiftsim"
)

// The plain server is rolegate as it runs for real, outside demo mode:
// admins sign in with a second factor, the audit log is signed with a key
// made by `rolegate audit keygen`, the first admins are created with
// `rolegate user add`, and Redshift is a simulator that this test process
// serves (never AWS). Only the tests that need it start it, through
// needPlain; it is started once and shared.

// The admins of the plain server, one per test, each enrolling their own
// second factor; they all have plainPassword.
const (
	plainEnrolAdmin    = "adele"
	plainRecoveryAdmin = "rhea"
	plainPassword      = "e2e-admin-passphrase-not-a-demo"
)

// plainServer is the plain server, its simulator, and how starting them
// went.
type plainServer struct {
	once sync.Once
	srv  *server
	sim  *httptest.Server
	err  error
}

// needPlain is needSuite for a test on the plain server, which it starts
// the first time.
func needPlain(t *testing.T) *server {
	t.Helper()
	needSuite(t)
	p := &suite.plain
	p.once.Do(func() { p.srv, p.sim, p.err = startPlain(suite.bin, suite.tmp) })
	if p.err != nil {
		t.Fatalf("starting the server outside demo mode: %v", p.err)
	}
	return p.srv
}

// startPlain starts the simulator, makes the signing key and the admins,
// then starts the server against the simulator. What started is returned
// also on an error, for stop.
func startPlain(bin, tmp string) (*server, *httptest.Server, error) {
	dir := filepath.Join(tmp, "plain")
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
		return nil, nil, err
	}
	sim := httptest.NewServer(redshiftsim.New(redshiftsim.Options{}))
	key := filepath.Join(dir, "audit-signing.key")
	db := filepath.Join(dir, "data", "rolegate.db")
	if err := command(bin, dir, "", "audit", "keygen", "-o", key); err != nil {
		return nil, sim, err
	}
	for _, name := range []string{plainEnrolAdmin, plainRecoveryAdmin} {
		if err := command(bin, dir, plainPassword+"\n", "user", "add", "-db", db, "-role", "admin", name); err != nil {
			return nil, sim, err
		}
	}
	// No instance metadata service either: the simulator's endpoint comes
	// with dummy credentials.
	srv, err := launch(bin, dir, "rolegate-plain", []string{"AWS_EC2_METADATA_DISABLED=true"},
		"-db", db, "-aws-endpoint", sim.URL, "-audit-signing-key-file", key)
	if err != nil && srv != nil {
		srv.dumpLog(os.Stderr)
	}
	return srv, sim, err
}

// command runs a rolegate subcommand to its end, with stdin as its input.
func command(bin, dir, stdin string, args ...string) error {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = serverEnv()
	cmd.Stdin = strings.NewReader(stdin)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("rolegate %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// check is TestMain's check of the plain server after the run, like the
// suite server's: it must have survived and logged no error. It returns
// the run's exit code.
func (p *plainServer) check(code int) int {
	if p.srv == nil {
		return code
	}
	if err := p.srv.alive(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: the server outside demo mode:", err)
		code = 1
	}
	if errs := p.srv.errorLines(); len(errs) > 0 {
		fmt.Fprintf(os.Stderr, "e2e: the server outside demo mode logged %d errors:\n%s\n", len(errs), strings.Join(errs, "\n"))
		code = 1
	}
	if code != 0 {
		p.srv.dumpLog(os.Stderr)
	}
	return code
}

// stop ends the plain server and its simulator, if they were started.
func (p *plainServer) stop() {
	if p.srv != nil {
		p.srv.stop()
	}
	if p.sim != nil {
		p.sim.Close()
	}
}
