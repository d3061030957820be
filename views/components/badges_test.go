package components_test

import (
	"context"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"

	"rolegate/views/components"
)

// A badge placed right against other text or elements (as templ places a
// component call) still reads as a separate word in the text content.
func TestBadgesAreSeparateWordsInTheText(t *testing.T) {
	for _, c := range []struct {
		name string
		comp templ.Component
		word string
	}{
		{"ApplyStatus", components.ApplyStatus("in-sync"), "in-sync"},
		{"DefaultMark", components.DefaultMark(), "default"},
		{"StateBadge", components.StateBadge("applied", "ok"), "applied"},
		{"Outcome", components.Outcome("success"), "success"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b strings.Builder
			b.WriteString(`<p><span>RedshiftCopyUnload</span>`)
			if err := c.comp.Render(context.Background(), &b); err != nil {
				t.Fatal(err)
			}
			b.WriteString(`<span>attempts 1</span></p>`)
			d, err := goquery.NewDocumentFromReader(strings.NewReader(b.String()))
			if err != nil {
				t.Fatal(err)
			}
			text := d.Find("p").Text()
			if got := strings.Fields(text); len(got) != 4 || got[1] != c.word {
				t.Fatalf("text content %q: the badge %q runs into its neighbours", text, c.word)
			}
		})
	}
}
