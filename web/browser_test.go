package web_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// chromium finds the browser; a missing one fails with the install hint.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("CHORUS_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("headless Chromium is needed for the browser tests: apt-get install -y chromium (make test installs it)")
	return ""
}

// TestDashboardInBrowser loads the event page in real headless Chromium:
// X and Weibo posts side by side, hostile post text shown as text (no
// script runs, no dialog opens), the stylesheet applied under the CSP.
func TestDashboardInBrowser(t *testing.T) {
	f := newFixture(t, "")
	hostile := `<script>alert("pwned")</script><img src=x onerror="alert(1)">`
	f.do("POST", "/api/v1/events/ev/posts", "application/json", "", "["+
		postJSON("x", "1", "This is the true Olympic spirit! So happy")+","+
		postJSON("x", "2", hostile)+","+
		postJSON("weibo", "1", "合影太暖了[心]")+"]")
	f.drain()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	var dialogs atomic.Int32
	_ = chromedp.Listen(ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			dialogs.Add(1)
		}
	})
	check := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("browser: %s: %v", what, err)
		}
	}
	check("navigate", chromedp.Do(ctx, chromedp.Navigate(f.srv.URL+"/events/ev")))
	check("wait for the weibo column", chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`section.platform.weibo li.post`))))
	title, err := chromedp.Run(ctx, chromedp.Title())
	check("title", err)
	xText, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`section.platform.x`)))
	check("x column", err)
	weiboText, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`section.platform.weibo`)))
	check("weibo column", err)
	count := func(sel string) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+"`"+sel+"`"+`).length`))
		check("count "+sel, err)
		return n
	}
	scripts, xPosts, weiboPosts := count("script:not([src='/static/live.js'])"), count("section.platform.x li.post"), count("section.platform.weibo li.post")
	barDisplay, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('.bar')).display`))
	check("bar style", err)
	check("settle", chromedp.Do(ctx, chromedp.Sleep(300*time.Millisecond))) // time for an injected handler to fire
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	check("screenshot", err)
	if !strings.Contains(title, "Test <b>event</b>") {
		t.Errorf("title = %q, want the event title as text", title)
	}
	if xPosts != 2 || weiboPosts != 1 {
		t.Errorf("posts shown: x %d, weibo %d; want 2 and 1", xPosts, weiboPosts)
	}
	if !strings.Contains(xText, `<script>alert("pwned")</script>`) {
		t.Errorf("X column does not show the hostile text as text: %q", xText)
	}
	if !strings.Contains(weiboText, "合影太暖了[心]") {
		t.Errorf("Weibo column = %q, want the Weibo post", weiboText)
	}
	if scripts != 0 || dialogs.Load() != 0 {
		t.Errorf("page has %d script elements besides live.js and opened %d dialogs; want none", scripts, dialogs.Load())
	}
	// The totals follow the live stream without a reload.
	f.do("POST", "/api/v1/events/ev/posts", "application/json", "", "["+postJSON("weibo", "2", "太好了")+"]")
	f.drain()
	var total string
	for range 100 {
		total, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-field="total"]').textContent`))
		check("live total", err)
		if total == "4" {
			break
		}
		check("wait", chromedp.Do(ctx, chromedp.Sleep(100*time.Millisecond)))
	}
	if total != "4" {
		t.Errorf("live total = %q, want 4 without a reload", total)
	}
	if barDisplay != "flex" {
		t.Errorf(".bar display = %q, want flex (stylesheet not applied)", barDisplay)
	}
	if dir := os.Getenv("CHORUS_SCREENSHOTS"); dir != "" {
		_ = os.WriteFile(dir+"/event.png", shot, 0o644)
	}
}
