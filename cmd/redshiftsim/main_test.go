package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/redshift"

	"rolegate/redshiftsim"
)

// TestMain lets the test binary stand in for the redshiftsim command, so
// the AWS CLI and boto3 tests run it as a real subprocess.
func TestMain(m *testing.M) {
	if os.Getenv("REDSHIFTSIM_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	code := m.Run()
	awsCLIMissing.Report()
	boto3Missing.Report()
	os.Exit(code)
}

// startProcess runs the simulator as a subprocess with args and returns its
// base URL. It is stopped with SIGINT when the test ends and must exit 0.
func startProcess(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "REDSHIFTSIM_RUN_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("no address from redshiftsim: %v\n%s", err, stderr.String())
	}
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok {
		t.Fatalf("unexpected first line %q", line)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("redshiftsim exited with %v\n%s", err, stderr.String())
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("redshiftsim did not stop on SIGINT")
		}
	})
	return url
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
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

func TestRunServesUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-world", "generate:30", "-regions", "eu-west-1",
			"-fault", "op=DescribeClusters,kind=throttle,next=1", "-role-delay", "0s"}, func(string) string { return "" }, &stdout, &stderr)
	}()
	var url string
	for deadline := time.Now().Add(10 * time.Second); url == ""; {
		if u, ok := strings.CutPrefix(strings.TrimSpace(stdout.String()), "listening on "); ok {
			url = u
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no address; stderr %s", stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	c := redshift.New(redshift.Options{
		Region: "eu-west-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		HTTPClient:  &http.Client{Transport: redshiftsim.ClientTransport()},
	})
	if _, err := c.DescribeClusters(context.Background(), &redshift.DescribeClustersInput{}); err == nil {
		t.Error("the -fault flag did not throttle the first call")
	}
	out, err := c.DescribeClusters(context.Background(), &redshift.DescribeClustersInput{})
	if err != nil || len(out.Clusters) != 30 {
		t.Fatalf("describe: %v", err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	if !strings.Contains(stderr.String(), "redshift simulator stopped") {
		t.Errorf("stderr: %s", stderr.String())
	}
}

func TestRunRefusesBadArguments(t *testing.T) {
	dir := t.TempDir()
	bad := dir + "/bad.json"
	os.WriteFile(bad, []byte(`[{"region":"us-east-1","cluster":{"id":"Bad_Id"}}]`), 0o600)
	for _, args := range [][]string{
		{"-fault", "kind=explode"},
		{"-world", "generate:x"},
		{"-world", "generate:10:0"},
		{"-world", "generate:10:x"},
		{"-world", dir + "/missing.json"},
		{"-world", bad},
		{"-listen", "256.0.0.1:99999"},
		{"stray"},
		{"-nonsense"},
	} {
		err := run(context.Background(), args, func(string) string { return "" }, io.Discard, io.Discard)
		if err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	if err := run(context.Background(), []string{"-h"}, func(string) string { return "" }, io.Discard, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
}

func TestLoadWorldFlag(t *testing.T) {
	for world, n := range map[string]int{"demo": len(redshiftsim.DemoWorld().Seeds), "empty": 0, "generate:7": 7} {
		w, err := loadWorld(world, []string{"us-east-1"}, 1)
		if err != nil || len(w.Seeds) != n {
			t.Errorf("%s: %d seeds, %v", world, len(w.Seeds), err)
		}
	}
	// generate:N:A spreads N clusters over A accounts, the others reached
	// by assuming their RolegateAccess role.
	w, err := loadWorld("generate:40:4", []string{"us-east-1", "eu-west-1"}, 1)
	if err != nil || len(w.Seeds) != 40 || len(w.Accounts) != 4 {
		t.Fatalf("generate:40:4: %d seeds, %d accounts, %v", len(w.Seeds), len(w.Accounts), err)
	}
	for _, a := range w.Accounts {
		if n := len(w.SeedsIn(a.ID)); n != 10 {
			t.Errorf("account %s holds %d clusters, want 10", a.ID, n)
		}
		if a.ID != redshiftsim.Account && (len(a.Roles) != 1 || a.Roles[0].Name != "RolegateAccess") {
			t.Errorf("account %s: roles %+v", a.ID, a.Roles)
		}
	}
}

// TestProcessStopsGracefully runs the real binary and stops it with SIGINT
// (the check is in startProcess's cleanup).
func TestProcessStopsGracefully(t *testing.T) {
	url := startProcess(t, "-world", "demo")
	resp, err := http.Get(url + "/_sim/stats")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("stats: %d", resp.StatusCode)
	}
}
