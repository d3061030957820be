// Package e2e drives Rolegate in a real browser: chromedp controls Debian's
// chromium (headless) against the rolegate binary built from this tree and
// run in demo mode, with its embedded Redshift simulator. The two-factor
// tests need a second server outside demo mode (where admins sign in with
// a second factor); the first of them starts it, against a simulator the
// test process serves, with a signing key and admins made by the binary's
// own audit keygen and user add (server_plain_test.go).
//
// The tests carry the build tag e2e and run with the rest of the suite:
//
//	go test -race -count=1 -tags e2e ./e2e/
//
// They skip when chromium is missing (ROLEGATE_CHROMIUM names another
// browser), and TestMain then prints one line saying so with the install
// command; ROLEGATE_REQUIRE_TOOLS=1 (as in CI) makes a missing browser a
// failure. With ROLEGATE_SCREENSHOTS=1
// they also save screenshots of the main screens under docs/screenshots.
//
// Every page and state a test visits is checked (checkPage, in
// pagecheck_test.go): it must not scroll sideways at the tab's width nor
// at 360 px, and axe-core (vendored in testdata/axe-core, injected into
// the page) must find no serious or critical violation in the light and
// the dark theme.
package e2e
