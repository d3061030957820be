package audit

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
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

// Anchor is the head of the chain (seq, hash) at a moment, signed with a
// key kept outside the database. Anchors are appended to a file outside
// the database directory, so that truncating the log's tail or rewriting
// the chain after an anchor was written is detected by Verify.
type Anchor struct {
	Seq  int64     `json:"seq"`
	Hash string    `json:"hash"`
	Time time.Time `json:"time"`
	MAC  string    `json:"mac"` // hex HMAC-SHA-256 of the fields above
}

// Anchors signs and stores anchors.
type Anchors struct {
	file, keyFile string
	mu            sync.Mutex
}

// NewAnchors uses the anchor file and the HMAC key file (created with mode
// 0600, with a fresh random key, when missing).
func NewAnchors(file, keyFile string) *Anchors {
	return &Anchors{file: file, keyFile: keyFile}
}

// File is the anchor file's path.
func (a *Anchors) File() string { return a.file }

// key reads the HMAC key, creating it on first use.
func (a *Anchors) key() ([]byte, error) {
	b, err := os.ReadFile(a.keyFile)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(a.keyFile), 0o700); err != nil {
			return nil, fmt.Errorf("anchor key directory: %w", err)
		}
		k := make([]byte, 32)
		if _, err := rand.Read(k); err != nil {
			return nil, err
		}
		var f *os.File
		f, err = os.OpenFile(a.keyFile, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			_, err = f.Write([]byte(hex.EncodeToString(k) + "\n"))
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return nil, fmt.Errorf("write anchor key %s: %w", a.keyFile, err)
			}
			return k, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("create anchor key %s: %w", a.keyFile, err)
		}
		b, err = os.ReadFile(a.keyFile)
	}
	if err != nil {
		return nil, fmt.Errorf("read anchor key %s: %w", a.keyFile, err)
	}
	k, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(k) < 16 {
		return nil, fmt.Errorf("anchor key %s: not a hex key of at least 16 bytes", a.keyFile)
	}
	return k, nil
}

func (an Anchor) mac(key []byte) string {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "rolegate.anchor.v1\n%d\n%s\n%s\n", an.Seq, an.Hash, an.Time.UTC().Format(TimeFormat))
	return hex.EncodeToString(m.Sum(nil))
}

// Write signs (seq, hash) and appends it to the anchor file, synced to
// disk before it returns.
func (a *Anchors) Write(seq int64, hash string, now time.Time) (Anchor, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	key, err := a.key()
	if err != nil {
		return Anchor{}, err
	}
	an := Anchor{Seq: seq, Hash: hash, Time: now.UTC().Truncate(time.Microsecond)}
	an.MAC = an.mac(key)
	line, _ := json.Marshal(an)
	if err := os.MkdirAll(filepath.Dir(a.file), 0o700); err != nil {
		return an, fmt.Errorf("anchor directory: %w", err)
	}
	f, err := os.OpenFile(a.file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return an, fmt.Errorf("open anchor file: %w", err)
	}
	_, err = f.Write(append(line, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return an, fmt.Errorf("write anchor file %s: %w", a.file, err)
	}
	return an, nil
}

// Latest returns the newest anchor in the file, whether its signature is
// valid, and false when the file holds none.
func (a *Anchors) Latest() (an Anchor, valid, found bool, err error) {
	f, err := os.Open(a.file)
	if errors.Is(err, os.ErrNotExist) {
		return an, false, false, nil
	}
	if err != nil {
		return an, false, false, fmt.Errorf("open anchor file: %w", err)
	}
	defer f.Close()
	// Only the tail matters: read the last 64 KiB.
	if st, err := f.Stat(); err == nil && st.Size() > 64<<10 {
		if _, err := f.Seek(st.Size()-64<<10, io.SeekStart); err != nil {
			return an, false, false, err
		}
	}
	var last string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if t := strings.TrimSpace(sc.Text()); strings.HasPrefix(t, "{") {
			last = t
		}
	}
	if err := sc.Err(); err != nil {
		return an, false, false, fmt.Errorf("read anchor file: %w", err)
	}
	if last == "" {
		return an, false, false, nil
	}
	if err := json.Unmarshal([]byte(last), &an); err != nil {
		return an, false, true, nil
	}
	key, err := a.key()
	if err != nil {
		return an, false, true, err
	}
	return an, hmac.Equal([]byte(an.mac(key)), []byte(an.MAC)), true, nil
}

// Anchor writes the current head to the anchor file. When skipUnchanged
// is set and the newest anchor already holds the head, it writes nothing
// and returns that anchor.
func (l *Log) Anchor(ctx context.Context, skipUnchanged bool) (Anchor, error) {
	if l.anchors == nil {
		return Anchor{}, errors.New("audit anchors are not configured")
	}
	seq, hash, err := l.Head(ctx)
	if err != nil {
		return Anchor{}, err
	}
	if skipUnchanged {
		if last, valid, found, err := l.anchors.Latest(); err == nil && found && valid && last.Seq == seq && last.Hash == hash {
			return last, nil
		}
	}
	return l.anchors.Write(seq, hash, l.now())
}

// AnchorEvery anchors the head every interval until ctx ends, logging
// failures through report; the caller anchors once more on shutdown.
func (l *Log) AnchorEvery(ctx context.Context, interval time.Duration, report func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := l.Anchor(ctx, true); err != nil && ctx.Err() == nil {
				report(err)
			}
		}
	}
}

// FormatAnchor is a one-line description of an anchor for people.
func FormatAnchor(a Anchor) string {
	return "seq " + strconv.FormatInt(a.Seq, 10) + ", hash " + a.Hash + ", at " + a.Time.UTC().Format(time.RFC3339)
}

// SetAnchors configures the anchors of a Log built without WithAnchors;
// call it before the Log is shared.
func (l *Log) SetAnchors(a *Anchors) { l.anchors = a }
