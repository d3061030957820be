package main

import (
	"net/http/httptest"
	"slices"

	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"rolegate/redshiftsim"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var addrRE = regexp.MustCompile(`listening on (http://\S+)`)

// startServer runs the whole program on a free port and returns its URL and
// a function that stops it and returns run's error and the log.
func startServer(t *testing.T, args []string, env map[string]string) (string, func() (string, error)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	env = withSigningKey(env)
	getenv := func(k string) string { return env[k] }
	if !slices.Contains(args, "-demo") && !slices.Contains(args, "-aws-endpoint") {
		// Never AWS: a simulator of our own unless the test brings one.
		sim := httptest.NewServer(redshiftsim.New(redshiftsim.Options{}))
		t.Cleanup(sim.Close)
		args = append([]string{"-aws-endpoint", sim.URL}, args...)
	}
	go func() {
		done <- run(ctx, append([]string{"-listen", "127.0.0.1:0"}, args...), getenv, &stdout, &stderr)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m := addrRE.FindStringSubmatch(stdout.String()); m != nil {
			return m[1], func() (string, error) {
				cancel()
				select {
				case err := <-done:
					return stderr.String(), err
				case <-time.After(20 * time.Second):
					t.Fatal("server did not stop")
					return "", nil
				}
			}
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("server stopped early: %v\n%s", err, stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("server did not start:\n%s", stderr.String())
		}
	}
}

func TestServerCreatesDatabaseThenReusesIt(t *testing.T) {
	db := filepath.Join(t.TempDir(), "data", "rolegate.db")
	url, stop := startServer(t, []string{"-db", db}, nil)
	res, err := http.Get(url + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusSeeOther {
		t.Fatalf("GET / = %d", res.StatusCode)
	}
	_ = body
	logs, err := stop()
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if !strings.Contains(logs, "migration applied") {
		t.Fatalf("first start applied no migration:\n%s", logs)
	}

	url, stop = startServer(t, []string{"-db", db}, nil)
	res, err = http.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	logs, err = stop()
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	if strings.Contains(logs, "migration applied") {
		t.Fatalf("second start re-applied migrations:\n%s", logs)
	}
	if !strings.Contains(logs, "shutting down") {
		t.Fatalf("no graceful shutdown in the log:\n%s", logs)
	}
}

func TestVersionFlag(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-version"}, func(string) string { return "" }, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "rolegate ") || len(strings.TrimSpace(out.String())) <= len("rolegate ") {
		t.Fatalf("-version printed %q", out.String())
	}
}

func TestBadSettingIsNamed(t *testing.T) {
	err := run(context.Background(), []string{"-listen", "0.0.0.0:8080"}, func(string) string { return "" }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "-listen") {
		t.Fatalf("want an error naming -listen, got %v", err)
	}
	env := map[string]string{"ROLEGATE_SESSION_IDLE": "soon"}
	err = run(context.Background(), nil, func(k string) string { return env[k] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "ROLEGATE_SESSION_IDLE") {
		t.Fatalf("want an error naming ROLEGATE_SESSION_IDLE, got %v", err)
	}
}
