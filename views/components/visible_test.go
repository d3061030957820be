package components_test

import (
	"strings"
	"testing"

	"rolegate/views/components"
)

func TestVisible(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"plain text, émigré 数据", "plain text, émigré 数据"},
		{"abc\u202Egnp.exe", "abc⟨U+202E⟩gnp.exe"},
		{"\u202A\u202B\u202C\u202D\u202E", "⟨U+202A⟩⟨U+202B⟩⟨U+202C⟩⟨U+202D⟩⟨U+202E⟩"},
		{"\u2066\u2067\u2068\u2069", "⟨U+2066⟩⟨U+2067⟩⟨U+2068⟩⟨U+2069⟩"},
		{"a\u200Eb\u200Fc\u061Cd", "a⟨U+200E⟩b⟨U+200F⟩c⟨U+061C⟩d"},
		{"zero\u200B\u200C\u200D\u2060\uFEFFwidth", "zero⟨U+200B⟩⟨U+200C⟩⟨U+200D⟩⟨U+2060⟩⟨U+FEFF⟩width"},
		{"nul\x00bel\x07esc\x1bdel\x7f", "nul⟨U+0000⟩bel⟨U+0007⟩esc⟨U+001B⟩del⟨U+007F⟩"},
		{"c1\u0085\u009b", "c1⟨U+0085⟩⟨U+009B⟩"},
		{"soft\u00ADhyphen", "soft⟨U+00AD⟩hyphen"},
		{"tag\U000E0041char", "tag⟨U+E0041⟩char"},
		{"line\u2028para\u2029", "line⟨U+2028⟩para⟨U+2029⟩"},
		{"two\r\nlines\tand a tab", "two\r\nlines\tand a tab"},
		{"bad\xffbyte", "bad⟨invalid⟩byte"},
	} {
		if got := components.Visible(c.in); got != c.want {
			t.Errorf("Visible(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	// Text without hidden characters is returned as it is.
	s := strings.Repeat("arn:aws:iam::123456789012:role/RedshiftCopyUnload ", 10)
	if got := components.Visible(s); got != s {
		t.Fatalf("plain text changed: %q", got)
	}
}
