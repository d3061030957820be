package audit

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Anchors are signed with Ed25519: the service holds the private key (in
// a file it can read but not write, or in its environment), and anyone
// holding only the public key can check them.

// GenerateKey makes a new Ed25519 signing key.
func GenerateKey() (ed25519.PrivateKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	return priv, err
}

// KeyID names a public key in anchors: the first 16 hex digits of the
// SHA-256 of its bytes.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// EncodePrivateKey is the PEM (PKCS #8) text of a private key, as
// openssl writes it.
func EncodePrivateKey(k ed25519.PrivateKey) []byte {
	der, _ := x509.MarshalPKCS8PrivateKey(k) // cannot fail for Ed25519
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// EncodePublicKey is the PEM (PKIX) text of a public key.
func EncodePublicKey(k ed25519.PublicKey) []byte {
	der, _ := x509.MarshalPKIXPublicKey(k)
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// ParsePrivateKey reads a private key as PEM text or as the base64 of its
// PKCS #8 bytes (for an environment variable on one line).
func ParsePrivateKey(b []byte) (ed25519.PrivateKey, error) {
	der, err := pemOrBase64(b, "PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, errors.New("not a PKCS #8 private key")
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, errors.New("not an Ed25519 private key")
	}
	return ek, nil
}

// ParsePublicKey reads a public key as PEM text or base64 PKIX bytes.
func ParsePublicKey(b []byte) (ed25519.PublicKey, error) {
	der, err := pemOrBase64(b, "PUBLIC KEY")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, errors.New("not a PKIX public key")
	}
	ek, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, errors.New("not an Ed25519 public key")
	}
	return ek, nil
}

func pemOrBase64(b []byte, typ string) ([]byte, error) {
	s := strings.TrimSpace(string(b))
	if strings.HasPrefix(s, "-----BEGIN") {
		blk, _ := pem.Decode([]byte(s))
		if blk == nil || blk.Type != typ {
			return nil, fmt.Errorf("not a PEM %q block", typ)
		}
		return blk.Bytes, nil
	}
	der, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("neither PEM nor base64 of a %s", strings.ToLower(typ))
	}
	return der, nil
}

// ReadPrivateKeyFile reads a private key file and reports whether this
// process could also write it (a key the service can rewrite protects
// less: see the README's threat model).
func ReadPrivateKeyFile(path string) (k ed25519.PrivateKey, writable bool, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false, err
	}
	if k, err = ParsePrivateKey(b); err != nil {
		return nil, false, fmt.Errorf("%s: %w", path, err)
	}
	if f, werr := os.OpenFile(path, os.O_WRONLY, 0); werr == nil {
		f.Close()
		writable = true
	}
	return k, writable, nil
}

// ReadPublicKeyFile reads a public key file.
func ReadPublicKeyFile(path string) (ed25519.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := ParsePublicKey(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// WriteKeyPair creates privFile (mode 0400) and pubFile (0444) with a new
// key pair; it refuses to overwrite either.
func WriteKeyPair(privFile, pubFile string) (ed25519.PublicKey, error) {
	k, err := GenerateKey()
	if err != nil {
		return nil, err
	}
	pub := k.Public().(ed25519.PublicKey)
	if err := writeNew(privFile, EncodePrivateKey(k), 0o400); err != nil {
		return nil, err
	}
	if err := writeNew(pubFile, EncodePublicKey(pub), 0o444); err != nil {
		return nil, err
	}
	return pub, nil
}

// writeNew writes a file that must not exist yet, synced, with mode perm.
func writeNew(path string, b []byte, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
