//go:build e2e

package e2e

import (
	"context"
	"os"
	"path/filepath"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// download runs trigger (a click on a download link), lets the browser
// save the file into a temp dir and returns the suggested file name and the
// content.
func (b *tab) download(trigger chromedp.Action[chromedp.Void]) (string, []byte) {
	b.t.Helper()
	dir := b.t.TempDir()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	begin := chromedp.BrowserEvents(ctx, browser.DownloadWillBegin)
	progress := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
	events := true
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior:         browser.SetDownloadBehaviorBehaviorAllowAndName,
		BrowserContextID: chromedp.FromContext(b.ctx).BrowserContextID,
		DownloadPath:     dir,
		EventsEnabled:    &events,
	}); err != nil {
		b.fail("allowing downloads: %v", err)
	}
	if err := chromedp.Do(ctx, trigger); err != nil {
		b.fail("starting the download: %v", err)
	}
	var name string
	for ev, err := range begin {
		if err != nil {
			b.fail("waiting for the download to begin: %v", err)
		}
		name = ev.SuggestedFilename
		break
	}
	for ev, err := range progress {
		if err != nil {
			b.fail("waiting for the download: %v", err)
		}
		switch ev.State {
		case browser.DownloadProgressStateCompleted:
			body, err := os.ReadFile(filepath.Join(dir, ev.GUID))
			if err != nil {
				b.fail("reading the download: %v", err)
			}
			return name, body
		case browser.DownloadProgressStateCanceled:
			b.fail("the download of %s was cancelled", name)
		}
	}
	b.fail("the download of %s did not finish", name)
	return "", nil
}
