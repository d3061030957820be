package notify_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"rolegate/internal/toolcheck"
)

// mailpitVersion is the mailpit release the SMTP tests run against.
const mailpitVersion = "v1.33.1"

var mailpitMissing = &toolcheck.Missing{
	Suite:   "rolegate/internal/notify: the SMTP tests",
	Problem: "mailpit is not installed",
	Install: "GOBIN=${ROLEGATE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rolegate-tools}/bin go install github.com/axllent/mailpit@" + mailpitVersion,
}

// TestMain reports, in one visible line, tests skipped for want of mailpit.
func TestMain(m *testing.M) {
	code := m.Run()
	mailpitMissing.Report()
	os.Exit(code)
}

// mailpitBinary finds mailpit on PATH, then in the tools cache .ci/run
// installs it into.
func mailpitBinary(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p
	}
	dirs := []string{os.Getenv("ROLEGATE_TOOLS_DIR")}
	if c, err := os.UserCacheDir(); err == nil {
		dirs = append(dirs, filepath.Join(c, "rolegate-tools"))
	}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		p := filepath.Join(d, "bin", "mailpit")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	mailpitMissing.Skip(t)
	return ""
}

// mailpit is a running mailpit: SMTP with STARTTLS required, on a
// certificate made for the test, and its HTTP API.
type mailpit struct {
	SMTP  string // host:port
	API   string // http://host:port
	Roots *x509.CertPool
}

// startMailpit starts mailpit; without starttls it offers no STARTTLS.
func startMailpit(t testing.TB, starttls bool) *mailpit {
	t.Helper()
	bin := mailpitBinary(t)
	dir := t.TempDir()
	certFile, keyFile, roots := selfSigned(t, dir)
	var lastErr error
	for range 3 { // a free port can be taken before mailpit binds it
		smtpAddr, apiAddr := freeAddr(t), freeAddr(t)
		args := []string{"--smtp", smtpAddr, "--listen", apiAddr, "--database", filepath.Join(dir, fmt.Sprintf("mailpit-%d.db", time.Now().UnixNano())), "--quiet"}
		if starttls {
			args = append(args, "--smtp-tls-cert", certFile, "--smtp-tls-key", keyFile, "--smtp-require-starttls", "--smtp-auth-accept-any")
		}
		cmd := exec.Command(bin, args...)
		var out lockedBuffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		stop := func() { _ = cmd.Process.Kill(); <-exited }
		m := &mailpit{SMTP: smtpAddr, API: "http://" + apiAddr, Roots: roots}
		if err := m.waitReady(exited); err != nil {
			stop()
			lastErr = fmt.Errorf("%w; output:\n%s", err, out.String())
			continue
		}
		t.Cleanup(stop)
		return m
	}
	t.Fatalf("start mailpit: %v", lastErr)
	return nil
}

func (m *mailpit) waitReady(exited <-chan struct{}) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(m.API + "/api/v1/info")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				if c, err := net.DialTimeout("tcp", m.SMTP, time.Second); err == nil {
					c.Close()
					return nil
				}
			}
		}
		select {
		case <-exited:
			return fmt.Errorf("mailpit exited before it was ready")
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("mailpit not ready: %v", err)
		}
	}
}

// TLS is the client configuration that trusts the test's certificate.
func (m *mailpit) TLS() *tls.Config {
	return &tls.Config{RootCAs: m.Roots, MinVersion: tls.VersionTLS12}
}

// mpMessage is a message as mailpit's API shows it.
type mpMessage struct {
	ID        string `json:"ID"`
	MessageID string `json:"MessageID"`
	Subject   string `json:"Subject"`
	To        []struct {
		Address string `json:"Address"`
	} `json:"To"`
	Text string `json:"Text"`
	HTML string `json:"HTML"`
}

// messages reads every message mailpit received, in full.
func (m *mailpit) messages(t testing.TB) []mpMessage {
	t.Helper()
	var list struct {
		Messages []struct {
			ID string `json:"ID"`
		} `json:"messages"`
	}
	m.get(t, "/api/v1/messages", &list)
	var out []mpMessage
	for _, s := range list.Messages {
		var full mpMessage
		m.get(t, "/api/v1/message/"+s.ID, &full)
		out = append(out, full)
	}
	return out
}

func (m *mailpit) get(t testing.TB, path string, v any) {
	t.Helper()
	resp, err := http.Get(m.API + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns
// a pool that trusts it.
func selfSigned(t testing.TB, dir string) (certFile, keyFile string, roots *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots = x509.NewCertPool()
	roots.AddCert(cert)
	return certFile, keyFile, roots
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

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
