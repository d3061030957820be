package components

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Visible returns s for display with every invisible or direction-changing
// character written out as ⟨U+XXXX⟩: the bidirectional controls
// (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), zero-width
// characters (U+200B–U+200D, U+2060, U+FEFF) and every other control (Cc)
// or format (Cf) character, plus the line and paragraph separators. Such
// characters could make "abc\u202Egnp.exe" read as "abcexe.png" or hide
// text in a tag, an ARN, a reason or a ticket. Tab, line feed and carriage
// return stay as they are (they render as white space); invalid UTF-8 is
// shown as ⟨invalid⟩. Only display uses it: stored and exported text is
// kept exactly as typed.
func Visible(s string) string {
	if strings.IndexFunc(s, hidden) < 0 && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteString("⟨invalid⟩")
		case hidden(r):
			b.WriteString("⟨U+")
			h := strings.ToUpper(strconv.FormatInt(int64(r), 16))
			b.WriteString(strings.Repeat("0", max(0, 4-len(h))))
			b.WriteString(h)
			b.WriteString("⟩")
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// hidden reports whether r is shown as its code point.
func hidden(r rune) bool {
	switch r {
	case '\t', '\n', '\r':
		return false
	case '\u2028', '\u2029':
		return true
	}
	return unicode.In(r, unicode.Cc, unicode.Cf)
}
