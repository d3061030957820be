package witnesstest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"rolegate/internal/toolcheck"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Version is the versitygw release the tests run against.
const Version = "v1.8.0"

// InstallCommand installs the gateway where Binary looks for it.
const InstallCommand = "GOBIN=${XDG_CACHE_HOME:-$HOME/.cache}/rolegate-tools/bin go install github.com/versity/versitygw/cmd/versitygw@" + Version

// The gateway's root account; it exists only inside the test's server.
const (
	accessKey = "ROLEGATETESTKEY"
	secretKey = "rolegate-test-secret-not-for-anything-else"
	region    = "us-east-1"
)

// Binary finds the versitygw binary: $ROLEGATE_VERSITYGW, then PATH, then
// the cache folder .ci/run installs it into. When it is missing the test
// skips with the command that installs it, or fails under
// ROLEGATE_REQUIRE_TOOLS=1 (as in CI).
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("ROLEGATE_VERSITYGW"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("ROLEGATE_VERSITYGW=%s: %v", p, err)
		}
		return p
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p
	}
	if dir, err := os.UserCacheDir(); err == nil {
		p := filepath.Join(dir, "rolegate-tools", "bin", "versitygw")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	Missing.Skip(t)
	return ""
}

// Missing counts the tests skipped for want of versitygw; a suite's
// TestMain calls Missing.Report after m.Run so that the skip shows in one
// line even when go test hides the package's output.
var Missing = &toolcheck.Missing{
	Suite:   "rolegate/internal/witness: the S3 Object Lock tests",
	Problem: "versitygw is not installed",
	Install: InstallCommand,
}

// Server is a running gateway.
type Server struct {
	// URL is the gateway's endpoint, http://127.0.0.1:port.
	URL string
	// Config reaches the gateway as its root account, without reading any
	// AWS configuration or credentials of the machine.
	Config aws.Config
	// Client is an S3 client on Config, with path-style addressing.
	Client *s3.Client
}

// PathStyle addresses buckets in the path, as the gateway on a loopback
// address needs; pass it to witness.NewS3 or s3.NewFromConfig.
func PathStyle(o *s3.Options) { o.UsePathStyle = true }

// Start runs a gateway on a loopback port with its buckets and object
// versions in t.TempDir(), and stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := Binary(t)
	var lastErr error
	// The free port is found by listening and closing; another process can
	// take it before the gateway binds, so try a few.
	for range 3 {
		s, err := start(t, bin)
		if err == nil {
			return s
		}
		lastErr = err
	}
	t.Fatalf("start versitygw: %v", lastErr)
	return nil
}

func start(t testing.TB, bin string) (*Server, error) {
	dir := t.TempDir()
	root, versions := filepath.Join(dir, "buckets"), filepath.Join(dir, "versions")
	for _, d := range []string{root, versions} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return nil, err
		}
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--port", addr, "--region", region, "--quiet",
		"posix", "--versioning-dir", versions, root)
	cmd.Env = []string{
		"HOME=" + dir,
		"ROOT_ACCESS_KEY_ID=" + accessKey,
		"ROOT_SECRET_ACCESS_KEY=" + secretKey,
	}
	cmd.SysProcAttr = procAttr()
	var output lockedBuffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop := func() {
		_ = cmd.Process.Kill()
		<-exited
	}

	s := &Server{URL: "http://" + addr}
	s.Config = aws.Config{
		Region:       region,
		Credentials:  aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(accessKey, secretKey, "")),
		BaseEndpoint: aws.String(s.URL),
	}
	s.Client = s3.NewFromConfig(s.Config, PathStyle)
	if err := s.waitReady(exited); err != nil {
		stop()
		return nil, fmt.Errorf("%w; gateway output:\n%s", err, output.String())
	}
	t.Cleanup(stop)
	return s, nil
}

// waitReady waits until the gateway answers ListBuckets, or has exited.
func (s *Server) waitReady(exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		try, tcancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := s.Client.ListBuckets(try, &s3.ListBucketsInput{})
		tcancel()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return errors.New("versitygw exited before it was ready")
		case <-ctx.Done():
			return fmt.Errorf("versitygw not ready at %s: %w", s.URL, err)
		case <-tick.C:
		}
	}
}

// Bucket creates a bucket, with Object Lock (and so versioning) enabled
// when objectLock is true.
func (s *Server) Bucket(t testing.TB, name string, objectLock bool) {
	t.Helper()
	in := &s3.CreateBucketInput{Bucket: &name}
	if objectLock {
		in.ObjectLockEnabledForBucket = aws.Bool(true)
	}
	if _, err := s.Client.CreateBucket(context.Background(), in); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := l.Addr().String()
	return addr, l.Close()
}

// lockedBuffer collects the gateway's output, written from the process's
// pipes while a failing start reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.TrimSpace(l.b.String())
}
