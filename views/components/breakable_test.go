package components_test

import (
	"context"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"rolegate/views/components"
)

// Long identifiers get a line-break opportunity after '/', ':' and '.',
// and nothing else: their text (what is copied or read out) is unchanged
// and still escaped, with hidden characters written out as Visible does.
func TestBreakable(t *testing.T) {
	for _, c := range []struct{ in, html, text string }{
		{"", "", ""},
		{"analytics-prod", "analytics-prod", "analytics-prod"},
		{
			"arn:aws:iam::123456789012:role/service-role/RedshiftETL",
			"arn:<wbr>aws:<wbr>iam::<wbr>123456789012:<wbr>role/<wbr>service-role/<wbr>RedshiftETL",
			"arn:aws:iam::123456789012:role/service-role/RedshiftETL",
		},
		{
			"eu-dev.c1a2b3.eu-west-1.redshift.amazonaws.com:5439",
			"eu-dev.<wbr>c1a2b3.<wbr>eu-west-1.<wbr>redshift.<wbr>amazonaws.<wbr>com:<wbr>5439",
			"eu-dev.c1a2b3.eu-west-1.redshift.amazonaws.com:5439",
		},
		{"role/", "role/", "role/"},
		{"<b>a/b</b>", "&lt;b&gt;a/<wbr>b&lt;/<wbr>b&gt;", "<b>a/b</b>"},
		{"a/\u202Eb", "a/<wbr>⟨U+202E⟩b", "a/⟨U+202E⟩b"},
	} {
		var b strings.Builder
		if err := components.Breakable(c.in).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		if b.String() != c.html {
			t.Errorf("Breakable(%q) renders %q, want %q", c.in, b.String(), c.html)
		}
		d, err := goquery.NewDocumentFromReader(strings.NewReader("<p>" + b.String() + "</p>"))
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Find("p").Text(); got != c.text {
			t.Errorf("Breakable(%q) has the text %q, want %q", c.in, got, c.text)
		}
	}
}
