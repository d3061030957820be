package auth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ParseKeyPairs reads session key pairs written as hex hash:block, separated
// by commas or newlines; the first pair encodes cookies, every pair decodes.
// Hash keys are 32 or 64 bytes, block keys 16, 24 or 32.
func ParseKeyPairs(s string) ([][]byte, error) {
	var out [][]byte
	var fields []string
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields = append(fields, strings.Split(line, ",")...)
	}
	for _, f := range fields {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		hs, bs, ok := strings.Cut(f, ":")
		if !ok {
			return nil, errors.New("session keys: each pair is hex-hash:hex-block")
		}
		hk, err1 := hex.DecodeString(hs)
		bk, err2 := hex.DecodeString(bs)
		if err1 != nil || err2 != nil {
			return nil, errors.New("session keys: keys must be hex")
		}
		if len(hk) != 32 && len(hk) != 64 {
			return nil, fmt.Errorf("session keys: hash key is %d bytes, want 32 or 64", len(hk))
		}
		if len(bk) != 16 && len(bk) != 24 && len(bk) != 32 {
			return nil, fmt.Errorf("session keys: block key is %d bytes, want 16, 24 or 32", len(bk))
		}
		out = append(out, hk, bk)
	}
	if len(out) == 0 {
		return nil, errors.New("session keys: no key pair")
	}
	return out, nil
}

// NewKeyPairLine returns a fresh random pair as "hex-hash:hex-block".
func NewKeyPairLine() (string, error) {
	hk := make([]byte, 64)
	bk := make([]byte, 32)
	if _, err := rand.Read(hk); err != nil {
		return "", err
	}
	if _, err := rand.Read(bk); err != nil {
		return "", err
	}
	return hex.EncodeToString(hk) + ":" + hex.EncodeToString(bk), nil
}

// LoadOrCreateKeyFile reads the key pairs in path, creating the file with
// one fresh pair (mode 0600) when it does not exist. To rotate, put a new
// pair on the first line and keep the old one below it for at least the
// session lifetime.
func LoadOrCreateKeyFile(path string) ([][]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		line, err := NewKeyPairLine()
		if err != nil {
			return nil, fmt.Errorf("session key file: %w", err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("session key file: %w", err)
		}
		content := "# Rolegate session cookie keys: hex hash:block, one pair a line; the first encodes.\n" + line + "\n"
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("session key file: %w", err)
		}
		if _, err := f.WriteString(content); err != nil {
			f.Close()
			return nil, fmt.Errorf("session key file: %w", err)
		}
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("session key file: %w", err)
		}
		return ParseKeyPairs(content)
	}
	if err != nil {
		return nil, fmt.Errorf("session key file: %w", err)
	}
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("session key file %s: mode %o lets others read it; chmod 600", path, st.Mode().Perm())
	}
	pairs, err := ParseKeyPairs(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return pairs, nil
}
