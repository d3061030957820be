package handlers

import (
	"net/url"
	"strings"
)

// safeRedirect is the one check of a redirect target taken from the
// request (a next or back parameter): it returns to when it is a path on
// this site under the prefix under, and under itself otherwise. A target
// must start with one slash, carry no scheme, host, backslash or control
// character (encoded or not), and never lead back to signing in or out,
// where it would loop.
func safeRedirect(to, under string) string {
	switch {
	case !strings.HasPrefix(to, under), !strings.HasPrefix(to, "/"),
		strings.HasPrefix(to, "//"), strings.ContainsRune(to, '\\'), hasControl(to),
		strings.HasPrefix(to, "/login"), strings.HasPrefix(to, "/logout"):
		return under
	}
	u, err := url.Parse(to)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || strings.ContainsRune(u.Path, '\\') || hasControl(u.Path) {
		return under
	}
	return to
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}
