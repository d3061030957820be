//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"rolegate/internal/toolcheck"
)

// suite is what every test shares: the running server and the browser.
// TestMain sets it once before any test runs.
var suite struct {
	missing *toolcheck.Missing // chromium, when the tests skip without it; nil when they run
	baseURL string             // the server, http://127.0.0.1:port
	browser context.Context    // the chromedp context that owns the browser
	srv     *server
	shots   string // directory for screenshots; empty unless ROLEGATE_SCREENSHOTS=1
	axe     string // the axe-core script that checkPage injects into every page
	tmp     string // the run's temp dir
	bin     string // the rolegate binary built for the run
	// plain is the server outside demo mode, started by the first test
	// that needs it (needPlain).
	plain plainServer
}

func TestMain(m *testing.M) { os.Exit(runMain(m)) }

func runMain(m *testing.M) int {
	chrome, problem := findChromium()
	if chrome == "" {
		suite.missing = &toolcheck.Missing{Suite: "rolegate/e2e: the browser tests", Problem: problem, Install: "apt-get install chromium"}
		if toolcheck.Required() {
			fmt.Fprintf(os.Stderr, "e2e: %s (install: %s) and %s=1\n", problem, suite.missing.Install, toolcheck.RequireEnv)
			return 1
		}
		code := m.Run()
		suite.missing.Report()
		return code
	}
	axe, err := loadAxe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: axe-core:", err)
		return 1
	}
	suite.axe = axe
	tmp, err := os.MkdirTemp("", "rolegate-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(tmp)

	if os.Getenv("ROLEGATE_SCREENSHOTS") == "1" {
		suite.shots = filepath.Join("..", "docs", "screenshots")
		if err := os.MkdirAll(suite.shots, 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			return 1
		}
	}

	srv, err := startServer(tmp)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: starting rolegate:", err)
		if srv != nil {
			srv.dumpLog(os.Stderr)
			srv.stop()
		}
		return 1
	}
	defer srv.stop()
	suite.srv, suite.baseURL = srv, srv.url
	suite.tmp, suite.bin = tmp, srv.cmd.Path
	defer suite.plain.stop()

	browser, stop, err := startBrowser(chrome, tmp)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: starting chromium:", err)
		return 1
	}
	defer stop()
	suite.browser = browser

	code := m.Run()
	// The server must have survived the run and logged no error: an error
	// in its log is a 500 or a broken background job that the pages may
	// not show.
	if err := srv.alive(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		code = 1
	}
	if errs := srv.errorLines(); len(errs) > 0 {
		fmt.Fprintf(os.Stderr, "e2e: rolegate logged %d errors:\n%s\n", len(errs), strings.Join(errs, "\n"))
		code = 1
	}
	if code != 0 {
		srv.dumpLog(os.Stderr)
	}
	return suite.plain.check(code)
}

// findChromium returns the path of the browser named by ROLEGATE_CHROMIUM,
// or else of Debian's chromium or another Chromium-based browser on PATH;
// when there is none, it returns "" and what is wrong.
func findChromium() (path, problem string) {
	if p := os.Getenv("ROLEGATE_CHROMIUM"); p != "" {
		if found, err := exec.LookPath(p); err == nil {
			return found, ""
		}
		return "", fmt.Sprintf("ROLEGATE_CHROMIUM=%s is not an executable", p)
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome-stable", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, ""
		}
	}
	return "", "chromium is not installed"
}

// needSuite skips the test when the browser is missing and marks it
// parallel: every test has its own users' browser contexts and its own
// cluster, so they run side by side.
func needSuite(t *testing.T) {
	t.Helper()
	if suite.missing != nil {
		suite.missing.Skip(t)
	}
	t.Parallel()
}

// startBrowser starts headless chromium with a fresh profile and returns
// the context that owns it.
func startBrowser(chrome, tmp string) (context.Context, func(), error) {
	logf, err := os.Create(filepath.Join(tmp, "chromium.log"))
	if err != nil {
		return nil, nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(filepath.Join(tmp, "chromium-profile")),
		chromedp.WindowSize(viewportWidth, viewportHeight),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,OptimizationHints,MediaRouter,PasswordLeakDetection,AutofillServerCommunication"),
		chromedp.CombinedOutput(logf),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	stop := func() {
		cancel()
		cancelAlloc()
		logf.Close()
	}
	// The first Do starts the browser, bound to ctx (no timeout).
	if err := chromedp.Do(ctx); err != nil {
		stop()
		return nil, nil, err
	}
	return ctx, stop, nil
}
