package audit

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Anchor is the head of one log's chain (seq, hash) at a moment, signed
// with a key kept outside the database. Anchors are appended to a file
// outside the database directory (and, when a Witness is configured,
// published where the service cannot rewrite them), so that cutting the
// log's tail or rewriting the chain after an anchor is detected by Verify.
//
// Version 2 anchors are numbered from 1 and linked: each names the ID of
// the anchor before it, so a removed anchor line is a gap. They are signed
// with Ed25519. Version 1 anchors (written before) carry only seq, hash and
// time with an HMAC; they are still read and checked with the old key.
type Anchor struct {
	Version int       `json:"v,omitempty"`    // 2; absent in version 1
	Log     string    `json:"log,omitempty"`  // the instance ID of the log it belongs to
	N       int64     `json:"n,omitempty"`    // the anchor's own number, from 1
	Seq     int64     `json:"seq"`            // the chain seq it signs
	Hash    string    `json:"hash"`           // the chain hash at Seq
	Prev    string    `json:"prev,omitempty"` // the previous anchor's ID (GenesisHash for the first)
	Time    time.Time `json:"time"`
	Key     string    `json:"key,omitempty"` // KeyID of the signing key
	Sig     string    `json:"sig,omitempty"` // base64 Ed25519 signature of the fields above
	MAC     string    `json:"mac,omitempty"` // version 1: hex HMAC-SHA-256
}

// AnchorVersion is the version of the anchors written now.
const AnchorVersion = 2

// signed is the exact text a version 2 anchor's signature covers.
func (an Anchor) signed() []byte {
	return fmt.Appendf(nil, "rolegate.anchor.v2\n%s\n%d\n%d\n%s\n%s\n%s\n%s\n",
		an.Log, an.N, an.Seq, an.Hash, an.Prev, an.Time.UTC().Format(TimeFormat), an.Key)
}

// ID is the hex SHA-256 of what the anchor signs; the next anchor's Prev.
func (an Anchor) ID() string {
	sum := sha256.Sum256(an.signed())
	return hex.EncodeToString(sum[:])
}

// mac is a version 1 anchor's HMAC.
func (an Anchor) mac(key []byte) string {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "rolegate.anchor.v1\n%d\n%s\n%s\n", an.Seq, an.Hash, an.Time.UTC().Format(TimeFormat))
	return hex.EncodeToString(m.Sum(nil))
}

// WitnessName is the name under which an anchor is published.
func WitnessName(instance string, n int64) string {
	return fmt.Sprintf("%s/%012d.json", instance, n)
}

// AnchorConfig says where anchors go and which keys sign and check them.
type AnchorConfig struct {
	// File is the local, append-only anchor file.
	File string
	// Signer signs new anchors; nil leaves the anchors readable only
	// (verification needs just Public).
	Signer ed25519.PrivateKey
	// Public checks version 2 anchors; nil means Signer's public key.
	Public ed25519.PublicKey
	// LegacyKeyFile is the HMAC key of version 1 anchors, only read.
	LegacyKeyFile string
	// Witness keeps a copy of each anchor elsewhere; nil means none.
	Witness Witness
}

// Anchors signs, stores, publishes and reads the anchors of one log.
type Anchors struct {
	cfg AnchorConfig
	pub ed25519.PublicKey

	mu sync.Mutex // appending to the file
	// pubMu serialises publishing; unpublished is set while some anchor
	// may be missing from the witness (at start, and after a failure).
	pubMu       sync.Mutex
	unpublished bool
}

// NewAnchors uses the anchor file and keys of c.
func NewAnchors(c AnchorConfig) *Anchors {
	a := &Anchors{cfg: c, pub: c.Public, unpublished: true}
	if a.pub == nil && c.Signer != nil {
		a.pub = c.Signer.Public().(ed25519.PublicKey)
	}
	return a
}

// File is the anchor file's path.
func (a *Anchors) File() string { return a.cfg.File }

// CanSign reports whether a signing key is configured.
func (a *Anchors) CanSign() bool { return a.cfg.Signer != nil }

// HasWitness reports whether anchors are also published to a witness.
func (a *Anchors) HasWitness() bool { return a.cfg.Witness != nil }

// ErrNoSigningKey is returned when an anchor is asked for without a key.
var ErrNoSigningKey = errors.New("no audit signing key is configured")

// ErrOtherLog is returned when the anchor file holds the anchors of
// another log (another Rolegate instance's database).
var ErrOtherLog = errors.New("the anchor file belongs to another audit log")

// ErrWitness wraps a failure to publish anchors to the witness; the local
// anchor was written, and publishing is retried at the next anchor.
var ErrWitness = errors.New("publishing audit anchors to the witness failed")

// legacyKey reads the version 1 HMAC key, nil when there is none.
func (a *Anchors) legacyKey() ([]byte, error) {
	if a.cfg.LegacyKeyFile == "" {
		return nil, nil
	}
	b, err := os.ReadFile(a.cfg.LegacyKeyFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read anchor key %s: %w", a.cfg.LegacyKeyFile, err)
	}
	k, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(k) < 16 {
		return nil, fmt.Errorf("anchor key %s: not a hex key of at least 16 bytes", a.cfg.LegacyKeyFile)
	}
	return k, nil
}

// storedAnchor is one line of the anchor file.
type storedAnchor struct {
	Anchor
	Line   string
	LineNo int
	Bad    bool // not an anchor at all
}

func parseAnchorLine(s string, no int) storedAnchor {
	sa := storedAnchor{Line: s, LineNo: no}
	if err := json.Unmarshal([]byte(s), &sa.Anchor); err != nil || (sa.Version != 0 && sa.Version != AnchorVersion) {
		sa.Bad = true
	}
	return sa
}

// read returns every anchor line of the file, and false when there is no
// file.
func (a *Anchors) read() ([]storedAnchor, bool, error) {
	f, err := os.Open(a.cfg.File)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("open anchor file: %w", err)
	}
	defer f.Close()
	var out []storedAnchor
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for no := 1; sc.Scan(); no++ {
		if t := strings.TrimSpace(sc.Text()); t != "" {
			out = append(out, parseAnchorLine(t, no))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, true, fmt.Errorf("read anchor file: %w", err)
	}
	return out, true, nil
}

// newest returns the file's last anchor line, reading only its tail.
func (a *Anchors) newest() (storedAnchor, bool, error) {
	f, err := os.Open(a.cfg.File)
	if errors.Is(err, os.ErrNotExist) {
		return storedAnchor{}, false, nil
	}
	if err != nil {
		return storedAnchor{}, false, fmt.Errorf("open anchor file: %w", err)
	}
	defer f.Close()
	const tail = 16 << 10
	if st, err := f.Stat(); err == nil && st.Size() > tail {
		if _, err := f.Seek(st.Size()-tail, io.SeekStart); err != nil {
			return storedAnchor{}, false, err
		}
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return storedAnchor{}, false, fmt.Errorf("read anchor file: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	last := strings.TrimSpace(lines[len(lines)-1])
	if last == "" {
		return storedAnchor{}, false, nil
	}
	return parseAnchorLine(last, 0), true, nil
}

// check says whether an anchor's signature holds, and if not, why.
func (a *Anchors) check(an Anchor, legacy []byte) (ok bool, why string) {
	if an.Version == 0 {
		if legacy == nil {
			return false, "a version 1 anchor, and its HMAC key file is not there to check it"
		}
		if !hmac.Equal([]byte(an.mac(legacy)), []byte(an.MAC)) {
			return false, "its HMAC does not match the version 1 anchor key"
		}
		return true, ""
	}
	if a.pub == nil {
		return false, "no public key is configured to check it"
	}
	if an.Key != KeyID(a.pub) {
		return false, fmt.Sprintf("it names signing key %q, not the configured key %q", an.Key, KeyID(a.pub))
	}
	sig, err := base64.StdEncoding.DecodeString(an.Sig)
	if err != nil || !ed25519.Verify(a.pub, an.signed(), sig) {
		return false, "its Ed25519 signature does not match the public key"
	}
	return true, ""
}

// next builds and signs the anchor that follows last (nil: the first).
func (a *Anchors) next(last *Anchor, instance string, seq int64, hash string, now time.Time) (Anchor, []byte) {
	an := Anchor{Version: AnchorVersion, Log: instance, N: 1, Seq: seq, Hash: hash, Prev: GenesisHash,
		Time: now.UTC().Truncate(time.Microsecond), Key: KeyID(a.pub)}
	if last != nil && last.Version == AnchorVersion {
		an.N, an.Prev = last.N+1, last.ID()
	}
	an.Sig = base64.StdEncoding.EncodeToString(ed25519.Sign(a.cfg.Signer, an.signed()))
	line, _ := json.Marshal(an)
	return an, line
}

// appendLine appends one line to the anchor file, synced to disk (and the
// directory too when the file is new) before it returns.
func (a *Anchors) appendLine(line []byte) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	dir := filepath.Dir(a.cfg.File)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("anchor directory: %w", err)
	}
	_, statErr := os.Stat(a.cfg.File)
	f, err := os.OpenFile(a.cfg.File, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open anchor file: %w", err)
	}
	_, err = f.Write(append(bytes.TrimSpace(line), '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write anchor file %s: %w", a.cfg.File, err)
	}
	if errors.Is(statErr, os.ErrNotExist) {
		if d, err := os.Open(dir); err == nil {
			_ = d.Sync()
			d.Close()
		}
	}
	return nil
}

// otherOwner returns the instance ID of a version 2 anchor in the file that
// is not instance's ("" when every anchor is instance's or version 1).
func (a *Anchors) otherOwner(instance string) (string, error) {
	all, _, err := a.read()
	if err != nil {
		return "", err
	}
	for _, s := range all {
		if !s.Bad && s.Version == AnchorVersion && s.Log != instance {
			return s.Log, nil
		}
	}
	return "", nil
}

// FormatAnchor is a one-line description of an anchor for people.
func FormatAnchor(a Anchor) string {
	s := "seq " + strconv.FormatInt(a.Seq, 10) + ", hash " + a.Hash + ", at " + a.Time.UTC().Format(time.RFC3339)
	if a.Version == AnchorVersion {
		s += " (anchor " + strconv.FormatInt(a.N, 10) + ")"
	}
	return s
}
