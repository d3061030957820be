package components

import (
	"context"
	"io"
	"strings"

	"github.com/a-h/templ"
)

// Breakable shows s as Visible does, with a line-break opportunity (<wbr>)
// after every '/', ':' and '.', so that a long role ARN, KMS key ARN or
// endpoint wraps at those points on a narrow screen instead of making the
// page scroll sideways. A <wbr> adds no character: what is copied or read
// out is s itself (as Visible shows it).
func Breakable(s string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		v := Visible(s)
		var b strings.Builder
		b.Grow(len(v) + len(v)/4)
		for {
			i := strings.IndexAny(v, "/:.")
			if i < 0 {
				break
			}
			b.WriteString(templ.EscapeString(v[:i+1]))
			// No break opportunity at the very end, nor inside "::".
			if i+1 < len(v) && v[i+1] != ':' {
				b.WriteString("<wbr>")
			}
			v = v[i+1:]
		}
		b.WriteString(templ.EscapeString(v))
		_, err := io.WriteString(w, b.String())
		return err
	})
}
