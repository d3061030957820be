//go:build e2e

package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// server is the rolegate binary built from this tree, running as a
// subprocess on a loopback port with its database in a temp dir: in demo
// mode (the suite's server), or against a simulator of the tests' own
// (see plainServer).
type server struct {
	url            string
	cmd            *exec.Cmd
	exited         chan struct{}
	waitErr        error
	stdout, stderr string // log files
}

// startServer builds ./cmd/web into tmp, starts it with -demo and waits
// until /healthz answers.
func startServer(tmp string) (*server, error) {
	bin, err := buildBinary(tmp)
	if err != nil {
		return nil, err
	}
	dataDir := filepath.Join(tmp, "data")
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	return launch(bin, tmp, "rolegate", nil, "-demo", "-db", filepath.Join(dataDir, "demo.db"))
}

// buildBinary builds ./cmd/web as tmp/rolegate.
func buildBinary(tmp string) (string, error) {
	bin := filepath.Join(tmp, "rolegate")
	build := exec.Command("go", "build", "-o", bin, "./cmd/web")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/web: %w\n%s", err, out)
	}
	return bin, nil
}

// launch starts the binary on a free loopback port with args (and env
// added to serverEnv), its logs in dir as name.stdout and name.stderr, and
// waits until /healthz answers.
func launch(bin, dir, name string, env []string, args ...string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &server{
		url:    "http://127.0.0.1:" + port,
		exited: make(chan struct{}),
		stdout: filepath.Join(dir, name+".stdout"),
		stderr: filepath.Join(dir, name+".stderr"),
	}
	outf, err := os.Create(s.stdout)
	if err != nil {
		return nil, err
	}
	errf, err := os.Create(s.stderr)
	if err != nil {
		outf.Close()
		return nil, err
	}
	s.cmd = exec.Command(bin, append([]string{"-listen", "127.0.0.1:" + port}, args...)...)
	s.cmd.Dir = dir
	s.cmd.Env = append(serverEnv(), env...)
	s.cmd.Stdout, s.cmd.Stderr = outf, errf
	dieWithParent(s.cmd)
	if err := s.cmd.Start(); err != nil {
		outf.Close()
		errf.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		outf.Close()
		errf.Close()
		close(s.exited)
	}()
	return s, s.waitHealthy(60 * time.Second)
}

// serverEnv is this process's environment without ROLEGATE_* settings, so
// that a developer's own settings do not change what the tests see.
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ROLEGATE_") {
			env = append(env, kv)
		}
	}
	return append(env, "ROLEGATE_LOG_LEVEL=debug")
}

// freePort asks the kernel for a free loopback port. The server cannot
// tell its port back in a stable way, so the port is chosen here, released
// and handed to it; nothing else on this machine races for it in practice.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	_, port, err := net.SplitHostPort(ln.Addr().String())
	return port, err
}

func (s *server) waitHealthy(limit time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(limit)
	for {
		select {
		case <-s.exited:
			return fmt.Errorf("rolegate exited before it was healthy: %v", s.waitErr)
		default:
		}
		resp, err := client.Get(s.url + "/healthz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("rolegate did not answer /healthz within %s (last error %v)", limit, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop ends the server with SIGTERM (a graceful shutdown), then SIGKILL if
// it lingers.
func (s *server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// alive reports an error when the server has exited.
func (s *server) alive() error {
	select {
	case <-s.exited:
		return fmt.Errorf("rolegate exited: %v", s.waitErr)
	default:
		return nil
	}
}

// logTail is the end of the server's log, for failure messages.
func (s *server) logTail(max int) string {
	b, err := os.ReadFile(s.stderr)
	if err != nil {
		return err.Error()
	}
	if len(b) > max {
		b = b[len(b)-max:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return string(b)
}

// dumpLog writes the server's output, for a failed run.
func (s *server) dumpLog(w io.Writer) {
	for _, f := range []string{s.stdout, s.stderr} {
		b, err := os.ReadFile(f)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintln(w, "e2e:", err)
			continue
		}
		if len(b) > 20<<10 {
			b = b[len(b)-20<<10:]
		}
		fmt.Fprintf(w, "---- %s ----\n%s\n", filepath.Base(f), b)
	}
}

// errorLines are the lines of the server's log at level ERROR.
func (s *server) errorLines() []string {
	b, err := os.ReadFile(s.stderr)
	if err != nil {
		return []string{err.Error()}
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, "level=ERROR") {
			out = append(out, line)
		}
	}
	return out
}
