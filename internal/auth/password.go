package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: OWASP's minimum (t=2, m=19 MiB, p=1).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// Password length limits, in characters. No composition rules.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 128
)

// ErrWeakPassword wraps every reason CheckPassword refuses a password.
var ErrWeakPassword = errors.New("password not accepted")

// CheckPassword applies the password policy: 12 to 128 characters and not
// a commonly used password. The message is safe to show.
func CheckPassword(pw, username string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLen:
		return fmt.Errorf("%w: use at least %d characters", ErrWeakPassword, MinPasswordLen)
	case n > MaxPasswordLen:
		return fmt.Errorf("%w: use at most %d characters", ErrWeakPassword, MaxPasswordLen)
	case isCommonPassword(pw):
		return fmt.Errorf("%w: this password is too common; choose another", ErrWeakPassword)
	case username != "" && strings.Contains(strings.ToLower(pw), strings.ToLower(username)) && n < len(username)+8:
		return fmt.Errorf("%w: do not base the password on the username", ErrWeakPassword)
	}
	return nil
}

// HashPassword returns a PHC-format argon2id hash with a fresh random salt.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw matches the PHC hash. It always does
// the full argon2id work, so a malformed hash costs as much as a real one.
func VerifyPassword(hash, pw string) bool {
	var version int
	var mem, t uint32
	var p uint8
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return verifyDummy(pw)
	}
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return verifyDummy(pw)
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &p); err != nil || mem > 1<<20 || t > 10 || p == 0 {
		return verifyDummy(pw)
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return verifyDummy(pw)
	}
	got := argon2.IDKey([]byte(pw), salt, t, mem, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is verified against for unknown users so that a wrong username
// takes as long as a wrong password. It is made on first use, not when
// every rolegate command or test binary starts.
var dummyHash = sync.OnceValue(func() string {
	h, err := HashPassword("rolegate dummy password for timing")
	if err != nil {
		panic(err)
	}
	return h
})

func verifyDummy(pw string) bool {
	VerifyPassword(dummyHash(), pw)
	return false
}

// BurnPasswordTime does the work of one verification and fails; use it for
// unknown users.
func BurnPasswordTime(pw string) { verifyDummy(pw) }
