//go:build e2e

package e2e

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The viewport of every tab, and of the screenshots, unless the tab is a
// phone's.
const (
	viewportWidth  = 1280
	viewportHeight = 800
)

// The viewport of a phone's tab: a common phone held upright.
const (
	phoneWidth  = 390
	phoneHeight = 844
)

// viewport is a tab's screen: its size in CSS pixels and, for a phone, a
// mobile touch screen with two device pixels per CSS pixel.
type viewport struct {
	width, height int64
	phone         bool
}

func (v viewport) emulate() chromedp.Action[chromedp.Void] {
	if v.phone {
		return chromedp.EmulateViewport(v.width, v.height, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait, chromedp.EmulateScale(2))
	}
	return chromedp.EmulateViewport(v.width, v.height)
}

// stepTimeout bounds one browser step (a navigation, a click, a query).
const stepTimeout = 30 * time.Second

// demoPassword is the password of every demo user.
const demoPassword = "rolegate-demo"

// tab is one person's browser: a tab in a browser context of its own, so
// that each user has separate cookies. It records every console error and
// uncaught exception of every page it shows; the test fails on any that it
// did not declare expected.
type tab struct {
	t    *testing.T
	name string
	ctx  context.Context
	view viewport
	noJS bool    // script execution is off in the tab
	srv  *server // the server the tab's paths are on: the suite's, unless onServer

	mu      sync.Mutex
	url     string // the page shown now
	errs    []string
	allowed []*regexp.Regexp
}

type tabOption func(*tabConfig)

type tabConfig struct {
	noJS  bool
	phone bool
	srv   *server
}

// withoutJS turns script execution off in the tab, as in a browser with
// JavaScript disabled.
func withoutJS() tabOption { return func(c *tabConfig) { c.noJS = true } }

// onServer points the tab's paths at another server than the suite's.
func onServer(s *server) tabOption { return func(c *tabConfig) { c.srv = s } }

// newTab opens a tab in a fresh browser context for the person name.
func newTab(t *testing.T, name string, opts ...tabOption) *tab {
	t.Helper()
	var cfg tabConfig
	for _, o := range opts {
		o(&cfg)
	}
	b := &tab{t: t, name: name, view: viewport{width: viewportWidth, height: viewportHeight}, noJS: cfg.noJS, srv: suite.srv}
	if cfg.srv != nil {
		b.srv = cfg.srv
	}
	if cfg.phone {
		b.view = viewport{width: phoneWidth, height: phoneHeight, phone: true}
	}
	ctx, cancel := chromedp.NewContext(suite.browser,
		chromedp.WithNewBrowserContext(),
		chromedp.WithListener(b.onEvent),
	)
	b.ctx = ctx
	t.Cleanup(func() {
		b.checkConsole()
		cancel()
	})
	// The first Do opens the tab; it runs without a timeout because the tab
	// lives as long as ctx.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("%s: opening a tab: %v", name, err)
	}
	b.do(b.view.emulate(), colorScheme("light"))
	if cfg.noJS {
		b.do(scriptsDisabled(true))
	}
	return b
}

// scriptsDisabled turns script execution off or on in the tab.
func scriptsDisabled(off bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: off})
		return err
	})
}

// onEvent runs in the tab's event loop, in order: it must be quick and run
// no command.
func (b *tab) onEvent(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *page.EventFrameNavigated:
		if ev.Frame != nil && ev.Frame.ParentID == "" {
			b.url = ev.Frame.URL
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range ev.Args {
				if a.Description != "" {
					parts = append(parts, a.Description)
				} else {
					parts = append(parts, strings.Trim(string(a.Value), `"`))
				}
			}
			b.errs = append(b.errs, fmt.Sprintf("console.%s on %s: %s", ev.Type, b.url, strings.Join(parts, " ")))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			msg += " " + d.Exception.Description
		}
		b.errs = append(b.errs, fmt.Sprintf("uncaught exception on %s: %s (%s:%d)", b.url, msg, d.URL, d.LineNumber+1))
	case *log.EventEntryAdded:
		if e := ev.Entry; e != nil && e.Level == log.EntryLevelError {
			b.errs = append(b.errs, fmt.Sprintf("%s error on %s: %s (%s)", e.Source, b.url, e.Text, e.URL))
		}
	}
}

// allowConsole declares a console error the test expects, such as the
// browser's note about a 422 or 403 answer that the test provokes.
func (b *tab) allowConsole(pattern string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.allowed = append(b.allowed, regexp.MustCompile(pattern))
}

// allowStatus expects the browser's "Failed to load resource" note for an
// answer with this status.
func (b *tab) allowStatus(code int) {
	b.allowConsole(fmt.Sprintf(`Failed to load resource: the server responded with a status of %d\b`, code))
}

// checkConsole fails the test for every console error and exception that
// was not declared expected. A last command first flushes the events that
// the browser sent before it.
func (b *tab) checkConsole() {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	_ = chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`0`))
	cancel()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.errs {
		if !b.isAllowed(e) {
			b.t.Errorf("%s's browser: %s", b.name, e)
		}
	}
}

func (b *tab) isAllowed(e string) bool {
	for _, re := range b.allowed {
		if re.MatchString(e) {
			return true
		}
	}
	return false
}

// fail stops the test with the page the tab shows and the end of the
// server's log.
func (b *tab) fail(format string, a ...any) {
	b.t.Helper()
	url, _ := b.runLocation()
	b.t.Fatalf("%s's browser on %s: %s\n---- the page's text ----\n%s\n---- rolegate log (end) ----\n%s",
		b.name, url, fmt.Sprintf(format, a...), b.pageText(1500), b.srv.logTail(3000))
}

// pageText is the start of the visible text of the page, for failure
// messages.
func (b *tab) pageText(max int) string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if err != nil {
		return "(unavailable: " + err.Error() + ")"
	}
	if len(text) > max {
		text = text[:max] + "…"
	}
	return text
}

func (b *tab) runLocation() (string, error) {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Location())
}

// do runs browser steps with the step timeout.
func (b *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.fail("%v", err)
	}
}

// run runs one browser step that returns a value.
func run[T any](b *tab, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.fail("%v", err)
	}
	return v
}

// tid selects elements by their data-testid.
func tid(id string) chromedp.CSS { return chromedp.CSS(`[data-testid="` + id + `"]`) }

// open loads path, checks the answer's status and checks the page (see
// checkPage).
func (b *tab) open(path string, wantStatus int) {
	b.t.Helper()
	resp := run(b, chromedp.NavigateResponse(b.srv.url+path))
	if resp == nil {
		b.fail("no response for %s", path)
	}
	if int(resp.Status) != wantStatus {
		b.fail("GET %s answered %d, want %d", path, resp.Status, wantStatus)
	}
	b.checkPage("GET " + path)
}

// submit runs the trigger (a click or a key press that submits a form),
// waits for the page it leads to, checks the final answer's status and
// checks the page (see checkPage).
func (b *tab) submit(trigger chromedp.Action[chromedp.Void], wantStatus int) *network.Response {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, trigger)
	if err != nil {
		b.fail("submitting: %v", err)
	}
	if resp == nil {
		b.fail("submitting led to no page")
	}
	if int(resp.Status) != wantStatus {
		b.fail("the submit answered %d, want %d", resp.Status, wantStatus)
	}
	b.checkPage(fmt.Sprintf("a submit answered %d", resp.Status))
	return resp
}

// click clicks the element and waits for the page it leads to.
func (b *tab) click(sel chromedp.CSS) {
	b.t.Helper()
	b.submit(chromedp.Click(sel, chromedp.NodeVisible), 200)
}

// activate focuses a button and presses Enter on it, then waits for the
// page it leads to. Buttons on pages that refresh a panel above them (the
// request page polls its status) are pressed this way: a mouse click aims
// at coordinates, which a swap just before the click can move.
func (b *tab) activate(sel chromedp.CSS, wantStatus int) {
	b.t.Helper()
	b.submit(chromedp.Steps(chromedp.Focus(sel, chromedp.NodeVisible), chromedp.KeyEvent(kb.Enter)), wantStatus)
}

// text is the visible text of the first match, trimmed.
func (b *tab) text(sel chromedp.CSS) string {
	b.t.Helper()
	return strings.TrimSpace(run(b, chromedp.Text(sel, chromedp.NodeVisible)))
}

// value is the value of a form field.
func (b *tab) value(sel chromedp.CSS) string {
	b.t.Helper()
	return run(b, chromedp.Value(sel, chromedp.NodeReady))
}

// attr is an attribute of the first match ("" when absent).
func (b *tab) attr(sel chromedp.CSS, name string) string {
	b.t.Helper()
	r := run(b, chromedp.AttributeValue(sel, name, chromedp.NodeReady))
	return r.Value
}

// count is how many elements match, without waiting.
func (b *tab) count(sel string) int {
	b.t.Helper()
	return run(b, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, sel)))
}

// location is the URL the tab shows.
func (b *tab) location() string {
	b.t.Helper()
	return run(b, chromedp.Location())
}

// waitFor waits up to limit for sel to be visible, for things that take
// longer than a step (roles turning in-sync), then checks the page in that
// state (see checkPage).
func (b *tab) waitFor(sel chromedp.CSS, limit time.Duration) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, limit)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(sel)); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			b.fail("%s did not show up within %s", sel, limit)
		}
		b.fail("waiting for %s: %v", sel, err)
	}
	b.checkPage("waiting for " + string(sel))
}

// signIn signs the tab's person in through the sign-in form.
func (b *tab) signIn(username string) {
	b.t.Helper()
	b.open("/login", 200)
	b.do(
		chromedp.SendKeys(chromedp.CSS("#username"), username, chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.CSS("#password"), demoPassword, chromedp.NodeVisible),
	)
	b.submit(chromedp.Click(tid("sign-in"), chromedp.NodeVisible), 200)
	if got := b.text(tid("current-user")); !strings.Contains(strings.ToLower(got), username) {
		b.fail("after signing in as %s the header shows %q", username, got)
	}
}

// signOut signs out with the header's button and checks the sign-in page
// says so.
func (b *tab) signOut() {
	b.t.Helper()
	b.submit(chromedp.Click(tid("sign-out"), chromedp.NodeVisible), 200)
	b.do(chromedp.WaitVisible(chromedp.CSS("#username")))
	if n := b.count(`[data-testid="current-user"]`); n != 0 {
		b.fail("still signed in after signing out")
	}
}
