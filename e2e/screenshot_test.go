//go:build e2e

package e2e

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"sort"

	"github.com/chromedp/chromedp"
)

// maxShotBytes is what a committed screenshot may weigh.
const maxShotBytes = 150 << 10

// shot saves the viewport as docs/screenshots/<name>.png when
// ROLEGATE_SCREENSHOTS=1; otherwise it does nothing, so that a test run
// leaves the tree as it was. The page shows from its top, or from the
// element at (a CSS selector) when one is given.
func (b *tab) shot(name string, at ...string) {
	b.t.Helper()
	if suite.shots == "" {
		return
	}
	scroll := `window.scrollTo(0, 0)`
	if len(at) > 0 {
		scroll = fmt.Sprintf(`window.scrollTo(0, document.querySelector(%q).getBoundingClientRect().top + window.scrollY - 80)`, at[0])
	}
	b.do(chromedp.Evaluate[chromedp.Void](scroll))
	raw := run(b, chromedp.CaptureScreenshot())
	small, err := compressPNG(raw)
	if err != nil {
		b.fail("screenshot %s: %v", name, err)
	}
	path := filepath.Join(suite.shots, name+".png")
	if err := os.WriteFile(path, small, 0o644); err != nil {
		b.fail("screenshot %s: %v", name, err)
	}
	if len(small) > maxShotBytes {
		b.t.Errorf("screenshot %s weighs %d KB, more than %d KB", name, len(small)>>10, maxShotBytes>>10)
	}
}

// compressPNG re-encodes a screenshot with the best compression and, when
// it is still heavy, as a 256-colour paletted image: the screens are flat
// colours and text, which survive the reduction.
func compressPNG(raw []byte) ([]byte, error) {
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	var buf bytes.Buffer
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	if buf.Len() <= maxShotBytes*2/3 {
		return buf.Bytes(), nil
	}
	buf.Reset()
	if err := enc.Encode(&buf, paletted(img)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// paletted maps the image onto its 256 most frequent colours, each other
// colour going to the nearest of them.
func paletted(img image.Image) *image.Paletted {
	bounds := img.Bounds()
	freq := map[color.RGBA]int{}
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			freq[rgba(img.At(x, y))]++
		}
	}
	colors := make([]color.RGBA, 0, len(freq))
	for c := range freq {
		colors = append(colors, c)
	}
	sort.Slice(colors, func(i, j int) bool {
		if freq[colors[i]] != freq[colors[j]] {
			return freq[colors[i]] > freq[colors[j]]
		}
		a, b := colors[i], colors[j]
		return uint32(a.R)<<16|uint32(a.G)<<8|uint32(a.B) < uint32(b.R)<<16|uint32(b.G)<<8|uint32(b.B)
	})
	if len(colors) > 256 {
		colors = colors[:256]
	}
	pal := make(color.Palette, len(colors))
	for i, c := range colors {
		pal[i] = c
	}
	index := map[color.RGBA]uint8{}
	out := image.NewPaletted(bounds, pal)
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			c := rgba(img.At(x, y))
			i, ok := index[c]
			if !ok {
				i = uint8(pal.Index(c))
				index[c] = i
			}
			out.SetColorIndex(x, y, i)
		}
	}
	return out
}

func rgba(c color.Color) color.RGBA {
	r, g, b, a := c.RGBA()
	return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}
}
