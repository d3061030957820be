package auth

import (
	_ "embed"
	"strings"
	"sync"
)

// commonPasswords is a list of frequently used and breached passwords of 12
// characters or more (shorter ones fail the length rule anyway), one a line,
// lower case.
//
//go:embed common_passwords.txt
var commonPasswords string

var common = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, l := range strings.Split(commonPasswords, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			m[l] = true
		}
	}
	return m
})

// isCommonPassword reports a listed password, case-insensitively, and
// passwords made of one repeated character or short repeated pattern.
func isCommonPassword(pw string) bool {
	lower := strings.ToLower(pw)
	if common()[lower] {
		return true
	}
	for n := 1; n <= 4 && n < len(lower); n++ {
		if strings.Repeat(lower[:n], len(lower)/n+1)[:len(lower)] == lower {
			return true
		}
	}
	return false
}
