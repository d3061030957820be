package auth

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// RFC 6238 appendix B vectors (SHA-1, 8 digits there; the last 6 here).
func TestTOTPMatchesRFC6238Vectors(t *testing.T) {
	secret := b32.EncodeToString([]byte("12345678901234567890"))
	for _, v := range []struct {
		unix int64
		code string
	}{{59, "94287082"}, {1111111109, "07081804"}, {1111111111, "14050471"}, {1234567890, "89005924"}, {2000000000, "69279037"}} {
		got, err := TOTPCode(secret, time.Unix(v.unix, 0))
		if err != nil {
			t.Fatal(err)
		}
		if got != v.code[2:] {
			t.Errorf("t=%d: %s, want %s", v.unix, got, v.code[2:])
		}
		if !CheckTOTP(secret, got, time.Unix(v.unix+30, 0)) || CheckTOTP(secret, got, time.Unix(v.unix+95, 0)) {
			t.Errorf("t=%d: drift window wrong", v.unix)
		}
	}
	if CheckTOTP(secret, "12345", time.Now()) || CheckTOTP("!!", "123456", time.Now()) {
		t.Fatal("accepted a short code or a bad secret")
	}
}

func TestCheckPassword(t *testing.T) {
	for pw, ok := range map[string]bool{
		"short":                      false,
		"twelve chars":               true,
		strings.Repeat("é", 12):      false, // one repeated character
		strings.Repeat("ab", 10):     false,
		"qwerty123456":               false,
		"QWERTY123456":               false,
		strings.Repeat("x y ", 33):   false, // 132 characters
		"a sensible long passphrase": true,
	} {
		err := CheckPassword(pw, "")
		if (err == nil) != ok || (err != nil && !errors.Is(err, ErrWeakPassword)) {
			t.Errorf("%q: %v", pw, err)
		}
	}
	if CheckPassword("vera.vera.vera", "vera.vera") == nil {
		t.Error("a password built on the username was accepted")
	}
}

func TestVerifyPasswordRejectsMalformedHashes(t *testing.T) {
	for _, h := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=99999999,t=1,p=1$AAAA$AAAA", "plain"} {
		if VerifyPassword(h, "anything at all") {
			t.Errorf("%q verified", h)
		}
	}
}

func TestParseKeyPairs(t *testing.T) {
	line, _ := NewKeyPairLine()
	line2, _ := NewKeyPairLine()
	p, err := ParseKeyPairs("# comment, with a comma\n" + line + "," + line2)
	if err != nil || len(p) != 4 || len(p[0]) != 64 || len(p[1]) != 32 {
		t.Fatalf("%d keys, %v", len(p), err)
	}
	for _, bad := range []string{"", "abcd", "zz:zz", strings.Repeat("a", 20) + ":" + strings.Repeat("b", 32)} {
		if _, err := ParseKeyPairs(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
