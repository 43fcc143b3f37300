package handlers

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"chartroom/internal/testutil"
	"chartroom/models"
)

// TestScreenshots saves PNGs of key pages at phone and desktop widths into
// the folder named by CHARTROOM_SCREENSHOTS, for a person to look at. It
// asserts nothing beyond the pages loading, and is skipped unless asked for.
// CHARTROOM_SCREENSHOT_BASE points it at a running server (for example
// `go run . -demo`) and CHARTROOM_SCREENSHOT_USER / _PASSWORD sign in there.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("CHARTROOM_SCREENSHOTS")
	if dir == "" {
		t.Skip("skipped: set CHARTROOM_SCREENSHOTS=dir to save screenshots")
	}
	ctx := browser(t)
	base := os.Getenv("CHARTROOM_SCREENSHOT_BASE")
	if base == "" {
		e := newEnv(t, testutil.OpenDB(t, models.SQLite))
		e.user(models.RoleStudent, "s@example.edu")
		base = e.srv.URL
		browserLogin(t, ctx, base, "s@example.edu")
	} else {
		run(t, ctx,
			chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible(chromedp.CSS(`#f-email`)),
			chromedp.SendKeys(chromedp.CSS(`#f-email`), os.Getenv("CHARTROOM_SCREENSHOT_USER")),
			chromedp.SendKeys(chromedp.CSS(`#f-password`), os.Getenv("CHARTROOM_SCREENSHOT_PASSWORD")+"\n"),
			chromedp.WaitVisible(`//h1[contains(., "Welcome")]`),
		)
	}
	pages := strings.Fields(os.Getenv("CHARTROOM_SCREENSHOT_PAGES"))
	if len(pages) == 0 {
		pages = []string{"/dashboard", "/learn", "/learn/health-record/master-patient-index", "/glossary", "/search?q=case+mix+index", "/practice"}
	}
	for _, w := range []int64{360, 1280} {
		for _, p := range pages {
			if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: w, Height: 900, DeviceScaleFactor: 1, Mobile: w < 500}); err != nil {
				t.Fatal(err)
			}
			run(t, ctx, chromedp.Navigate(base+p))
			png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatal(err)
			}
			name := strings.NewReplacer("/", "_", "?", "_", "=", "_", "+", "_").Replace(strings.TrimPrefix(p, "/"))
			os.WriteFile(filepath.Join(dir, name+"-"+itoa(w)+".png"), png, 0o644)
		}
	}
}
