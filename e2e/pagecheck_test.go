//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// Every page and state the tests visit is checked by checkPage: the tab's
// open, submit and waitFor call it, so no page is missed. It checks that
// the page does not scroll sideways, at the tab's own width and at
// narrowWidth, and that axe-core finds no serious or critical violation
// in the light theme nor in the dark one.

// axeVersion is the vendored axe-core, e2e/testdata/axe-core (test-only:
// it never ships in the binary). The README names it too.
const axeVersion = "4.14.1"

// narrowWidth is the narrowest screen every page must fit without
// scrolling sideways.
const narrowWidth = 360

// failImpacts are the axe-core impacts that fail a test.
var failImpacts = map[string]bool{"serious": true, "critical": true}

// loadAxe reads the vendored axe-core script.
func loadAxe() (string, error) {
	b, err := os.ReadFile(filepath.Join("testdata", "axe-core", "axe.min.js"))
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(string(b), "/*! axe v"+axeVersion+"\n") {
		return "", fmt.Errorf("testdata/axe-core/axe.min.js is not axe-core %s", axeVersion)
	}
	return string(b), nil
}

// axeViolation is one axe-core rule that failed, with its nodes.
type axeViolation struct {
	ID      string    `json:"id"`
	Impact  string    `json:"impact"`
	Help    string    `json:"help"`
	HelpURL string    `json:"helpUrl"`
	Nodes   []axeNode `json:"nodes"`
}

type axeNode struct {
	Target  string `json:"target"`
	Summary string `json:"summary"`
	HTML    string `json:"html"`
}

// axeRun runs every axe-core rule that is not experimental over the whole
// document, and target-size too (WCAG 2.2 AA 2.5.8, which axe-core leaves
// off by default), and returns the violations. A swap by htmx during the
// run can make it throw; it is then run again.
const axeRun = `(async () => {
	let last;
	for (let i = 0; i < 3; i++) {
		try {
			const r = await axe.run(document, {resultTypes: ["violations"], rules: {"target-size": {enabled: true}}});
			return r.violations.map(v => ({
				id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
				nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary || "", html: n.html})),
			}));
		} catch (e) {
			last = e;
		}
	}
	throw last;
})()`

// overflowProbe measures how wide the page is and, when it is wider than
// the given width, names the innermost elements that stick out.
const overflowProbe = `((width) => {
	const doc = document.documentElement;
	const out = {scrollWidth: doc.scrollWidth, culprits: []};
	if (doc.scrollWidth <= width) return out;
	const name = (e) => {
		let s = e.tagName.toLowerCase();
		if (e.id) s += "#" + e.id;
		if (e.dataset && e.dataset.testid) s += '[data-testid="' + e.dataset.testid + '"]';
		if (typeof e.className === "string" && e.className.trim()) s += "." + e.className.trim().split(/\s+/).join(".");
		return s;
	};
	const sticks = (e) => e.getBoundingClientRect().right > width + 0.5;
	for (const e of document.body.querySelectorAll("*")) {
		if (!sticks(e) || [...e.children].some(sticks)) continue;
		let p = e.parentElement, scrolls = false;
		for (; p && p !== document.body; p = p.parentElement) {
			const s = getComputedStyle(p);
			if (s.overflowX === "auto" || s.overflowX === "scroll" || s.overflowX === "hidden") { scrolls = true; break; }
		}
		if (scrolls) continue;
		const path = [];
		for (let q = e; q && q !== document.body && path.length < 4; q = q.parentElement) path.unshift(name(q));
		out.culprits.push(path.join(" > ") + " (right edge at " + Math.round(e.getBoundingClientRect().right) + " px)");
		if (out.culprits.length >= 6) break;
	}
	return out;
})`

// controlContrast lists the form fields whose border, the only edge that
// shows where to type, has less than 3:1 contrast with the background
// behind it (WCAG 2.2 1.4.11, which axe-core does not check).
const controlContrast = `(() => {
	const rgb = (c) => {
		const m = c.match(/rgba?\(([^)]+)\)/);
		if (!m) return null;
		const [r, g, b, a = 1] = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
		return {r, g, b, a};
	};
	const lum = ({r, g, b}) => {
		const f = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
		return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
	};
	const behind = (e) => {
		for (let p = e.parentElement; p; p = p.parentElement) {
			const c = rgb(getComputedStyle(p).backgroundColor);
			if (c && c.a > 0) return c;
		}
		return rgb(getComputedStyle(document.documentElement).backgroundColor) || {r: 255, g: 255, b: 255, a: 1};
	};
	const out = [];
	for (const e of document.querySelectorAll("input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea")) {
		if (!e.checkVisibility()) continue;
		const s = getComputedStyle(e);
		const border = rgb(s.borderTopColor), bg = behind(e);
		if (!border || parseFloat(s.borderTopWidth) === 0) { out.push((e.id || e.name) + ": no border"); continue; }
		const [hi, lo] = [lum(border), lum(bg)].sort((x, y) => y - x);
		const ratio = (hi + 0.05) / (lo + 0.05);
		if (ratio < 3) out.push((e.id || e.name) + ": border " + s.borderTopColor + " on " + JSON.stringify(bg) + " is " + ratio.toFixed(2) + ":1");
	}
	return out;
})()`

type overflow struct {
	ScrollWidth int      `json:"scrollWidth"`
	Culprits    []string `json:"culprits"`
}

// checkPage checks the page the tab shows now; what names the step that
// led to it, for the failure message.
func (b *tab) checkPage(what string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 2*stepTimeout)
	defer cancel()
	url, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		b.fail("checking the page after %s: %v", what, err)
	}
	var problems []string
	for _, w := range b.widths() {
		o, err := b.measure(ctx, w)
		if err != nil {
			b.fail("measuring the page after %s at %d px: %v", what, w, err)
		}
		if o.ScrollWidth > int(w) {
			problems = append(problems, fmt.Sprintf("at %d px wide the page is %d px wide and scrolls sideways; sticking out:\n\t\t%s",
				w, o.ScrollWidth, strings.Join(o.Culprits, "\n\t\t")))
		}
	}
	for _, theme := range []string{"light", "dark"} {
		vs, err := b.axe(ctx, theme)
		if err != nil {
			b.fail("running axe-core after %s in the %s theme: %v", what, theme, err)
		}
		weak, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](controlContrast))
		if err != nil {
			b.fail("measuring the form fields' contrast after %s in the %s theme: %v", what, theme, err)
		}
		if len(weak) > 0 {
			problems = append(problems, fmt.Sprintf("%s theme: form fields whose border has less than 3:1 contrast (WCAG 1.4.11):\n\t\t%s",
				theme, strings.Join(weak, "\n\t\t")))
		}
		for _, v := range vs {
			if !failImpacts[v.Impact] {
				// Shown with go test -v; they do not fail the test.
				first := ""
				if len(v.Nodes) > 0 {
					first = v.Nodes[0].Target
				}
				b.t.Logf("%s on %s: axe-core %s, %s theme: %s [%s], %d nodes, the first %s", b.name, url, v.Impact, theme, v.ID, v.Help, len(v.Nodes), first)
				continue
			}
			var nodes []string
			for _, n := range v.Nodes {
				nodes = append(nodes, fmt.Sprintf("%s\n\t\t\t%s\n\t\t\t%s", n.Target, strings.ReplaceAll(n.Summary, "\n", "\n\t\t\t"), n.HTML))
			}
			problems = append(problems, fmt.Sprintf("axe-core %s, %s theme: %s [%s] (%s), %d nodes:\n\t\t%s",
				v.Impact, theme, v.ID, v.Help, v.HelpURL, len(v.Nodes), strings.Join(nodes, "\n\t\t")))
		}
	}
	if len(problems) > 0 {
		b.fail("the page after %s (%s) fails its checks:\n\t%s", what, url, strings.Join(problems, "\n\t"))
	}
}

// widths are the screen widths the page must fit: the tab's own and the
// narrowest.
func (b *tab) widths() []int64 {
	if b.view.width == narrowWidth {
		return []int64{narrowWidth}
	}
	return []int64{b.view.width, narrowWidth}
}

// measure lays the page out at width w (the tab's own viewport otherwise
// kept) and measures it, then gives the tab its viewport back.
func (b *tab) measure(ctx context.Context, w int64) (overflow, error) {
	probe := chromedp.Evaluate[overflow](fmt.Sprintf("%s(%d)", overflowProbe, w))
	if w == b.view.width {
		return chromedp.Run(ctx, probe)
	}
	narrow := b.view
	narrow.width = w
	if err := chromedp.Do(ctx, narrow.emulate()); err != nil {
		return overflow{}, err
	}
	o, err := chromedp.Run(ctx, probe)
	if err2 := chromedp.Do(ctx, b.view.emulate()); err == nil {
		err = err2
	}
	return o, err
}

// axe runs axe-core over the page in the theme, injecting it first when the
// page does not have it yet, and leaves the tab in the light theme. In a tab
// without JavaScript, scripts run for the check alone (axe-core needs
// timers): the page's own scripts, skipped when it loaded, stay unrun.
func (b *tab) axe(ctx context.Context, theme string) ([]axeViolation, error) {
	if err := chromedp.Do(ctx, colorScheme(theme)); err != nil {
		return nil, err
	}
	defer chromedp.Do(ctx, colorScheme("light"))
	if b.noJS {
		if err := chromedp.Do(ctx, scriptsDisabled(false)); err != nil {
			return nil, err
		}
		defer chromedp.Do(ctx, scriptsDisabled(true))
	}
	has, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof axe !== "undefined"`))
	if err != nil {
		return nil, err
	}
	if !has {
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](suite.axe+"\n;0")); err != nil {
			return nil, fmt.Errorf("injecting axe-core: %w", err)
		}
	}
	if v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.version`)); err != nil || v != axeVersion {
		return nil, fmt.Errorf("the page runs axe-core %q, want %s (%v)", v, axeVersion, err)
	}
	return chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise))
}

// colorScheme emulates prefers-color-scheme.
func colorScheme(theme string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: theme}},
		})
		return err
	})
}
