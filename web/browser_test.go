package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/chorus-news/chorus"
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

// browser is one headless Chromium tab, counting the dialogs anything
// opened (a hostile post that ran would alert).
type browser struct {
	t       *testing.T
	ctx     context.Context
	dialogs atomic.Int32
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1280, 1000),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel)
	b := &browser{t: t, ctx: ctx}
	_ = chromedp.Listen(ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			b.dialogs.Add(1)
		}
	})
	return b
}

func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("browser: %s: %v", what, err)
	}
}

// eval runs js in the page and decodes its value into a T.
func eval[T any](b *browser, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("browser: %s: %v", js, err)
	}
	return v
}

// waitFor polls js until it is true, failing after d.
func (b *browser) waitFor(what, js string, d time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(d)
	for !eval[bool](b, js) {
		if time.Now().After(deadline) {
			b.t.Fatalf("browser: %s: not within %v", what, d)
		}
		b.do("wait", chromedp.Sleep(50*time.Millisecond))
	}
}

func (b *browser) screenshot(name string) {
	b.t.Helper()
	if dir := os.Getenv("CHORUS_SCREENSHOTS"); dir != "" {
		shot, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			b.t.Fatalf("screenshot: %v", err)
		}
		_ = os.WriteFile(dir+"/"+name+".png", shot, 0o644)
	}
}

// field is the text of the page's [data-field=name] element.
func field(name string) string {
	return `(document.querySelector('[data-field="` + name + `"]') || {}).textContent`
}

func (f *fixture) summary() chorus.Summary {
	f.t.Helper()
	code, body := f.do("GET", "/api/v1/events/ev/summary", "", "", "")
	var s chorus.Summary
	if err := json.Unmarshal([]byte(body), &s); code != 200 || err != nil {
		f.t.Fatalf("summary = %d %s: %v", code, body, err)
	}
	return s
}

// hostile is post text that would run if the page built HTML from it.
const hostile = `<script>alert("pwned")</script><img src=x onerror="alert(1)">`

func seed(f *fixture) {
	f.t.Helper()
	f.do("POST", "/api/v1/events/ev/posts", "application/json", token, "["+
		postJSON("x", "1", "This is the true Olympic spirit! So happy")+","+
		postJSON("x", "2", hostile)+","+
		postJSON("x", "3", "What a disgrace, I hate this, terrible")+","+
		postJSON("x", "4", "I love it, wonderful moment")+","+
		postJSON("weibo", "1", "合影太暖了[心]")+","+
		postJSON("weibo", "2", "真的气死我了[怒]")+"]")
	f.drain()
}

// TestDashboardInBrowser loads the event page in real headless Chromium:
// the totals are the API's, X and Weibo side by side, hostile post text
// shown as text (no script runs, no dialog opens), the stylesheet applied
// under the CSP, every timeline bar a link.
func TestDashboardInBrowser(t *testing.T) {
	f := newFixture(t, token)
	seed(f)
	sum := f.summary()
	b := newBrowser(t)
	b.do("navigate", chromedp.Navigate(f.srv.URL+"/events/ev"))
	b.do("wait for the quotes", chromedp.WaitVisible(chromedp.CSS(`#quotes li.post`)))
	if title := eval[string](b, `document.title`); !strings.Contains(title, "Test <b>event</b>") {
		t.Errorf("title = %q, want the event title as text", title)
	}
	want := map[string]int64{"total": sum.Total, "positive": sum.ByLabel.Positive, "neutral": sum.ByLabel.Neutral,
		"negative": sum.ByLabel.Negative, "unscored": sum.ByLabel.Unscored,
		"x-total": sum.ByPlatform[chorus.X].Total, "weibo-total": sum.ByPlatform[chorus.Weibo].Total}
	for name, n := range want {
		if got := eval[string](b, field(name)); got != fmt.Sprint(n) {
			t.Errorf("page %s = %q, API says %d", name, got, n)
		}
	}
	if got, want := eval[string](b, field("net")), fmt.Sprintf("%+.2f", sum.Net); got != want {
		t.Errorf("page net = %q, API says %s", got, want)
	}
	xText := eval[string](b, `document.querySelector('#quotes').innerText`)
	if !strings.Contains(xText, `<script>alert("pwned")</script>`) {
		t.Errorf("quotes do not show the hostile text as text: %q", xText)
	}
	if !strings.Contains(xText, "合影太暖了[心]") {
		t.Errorf("quotes = %q, want the Weibo post", xText)
	}
	if n := eval[int](b, `document.querySelectorAll('#platforms section.platform').length`); n != 2 {
		t.Errorf("%d platform columns, want X and Weibo", n)
	}
	if n := eval[int](b, `document.querySelectorAll("script:not([src='/static/dashboard.js']), img").length`); n != 0 {
		t.Errorf("page has %d script or img elements besides dashboard.js; want none", n)
	}
	if d := eval[string](b, `getComputedStyle(document.querySelector('.totals')).display`); d != "flex" {
		t.Errorf(".totals display = %q, want flex (stylesheet not applied)", d)
	}
	if n := eval[int](b, `document.querySelectorAll('svg.chart a.col').length`); n < 1 {
		t.Errorf("timeline has %d linked bars, want at least 1", n)
	}
	if hidden := eval[bool](b, `document.querySelector('li.post .tools').hidden`); hidden {
		t.Errorf("the script did not enhance the quote cards (tools still hidden)")
	}
	// Copy quote puts the text and its attribution on the clipboard (the
	// browser's clipboard is stood in for, to read back what was written).
	eval[bool](b, `navigator.clipboard.writeText = function (t) { window.__copied = t; return Promise.resolve(); }, true`)
	card := `#quotes li.post[data-platform="x"][data-id="1"]`
	b.do("copy", chromedp.Click(chromedp.CSS(card+` button.copy`)))
	b.waitFor("the copy", `document.querySelector('`+card+` .status').textContent === "Quote copied."`, 5*time.Second)
	if got, want := eval[string](b, `window.__copied`), "“This is the true Olympic spirit! So happy” — unknown author on X, 2024-07-31 19:05 UTC"; got != want {
		t.Errorf("copied %q, want %q", got, want)
	}
	b.do("settle", chromedp.Sleep(300*time.Millisecond)) // time for an injected handler to fire
	if b.dialogs.Load() != 0 {
		t.Errorf("the page opened %d dialogs; want none", b.dialogs.Load())
	}
	b.screenshot("event")
}

// TestLiveInBrowser: a post sent to the API shows up on an open page, in
// the totals and as a quote card, without a reload.
func TestLiveInBrowser(t *testing.T) {
	f := newFixture(t, token)
	seed(f)
	b := newBrowser(t)
	b.do("navigate", chromedp.Navigate(f.srv.URL+"/events/ev"))
	b.do("wait", chromedp.WaitVisible(chromedp.CSS(`#quotes li.post`)))
	eval[bool](b, `window.__sameDocument = true`)
	before := f.summary()
	f.do("POST", "/api/v1/events/ev/posts", "application/json", token, "["+postJSON("weibo", "9", "冠军实至名归，太开心了[哈哈]")+"]")
	f.drain()
	b.waitFor("the live total", field("total")+` === "`+fmt.Sprint(before.Total+1)+`"`, 10*time.Second)
	b.waitFor("the new post's card", `document.querySelector('#quotes').innerText.includes("冠军实至名归")`, 10*time.Second)
	if !eval[bool](b, `window.__sameDocument === true`) {
		t.Errorf("the page reloaded; want it updated in place")
	}
	if got, want := eval[string](b, field("weibo-total")), fmt.Sprint(before.ByPlatform[chorus.Weibo].Total+1); got != want {
		t.Errorf("live Weibo total = %q, want %s", got, want)
	}
	// Hostile text that arrives live stays text too.
	evil := `<img src=x onerror="alert(2)">so happy <b>really</b>`
	f.do("POST", "/api/v1/events/ev/posts", "application/json", token, "["+postJSON("x", "evil", evil)+"]")
	f.drain()
	b.waitFor("the hostile live post", `document.querySelector('#quotes').innerText.includes('<img src=x onerror="alert(2)">')`, 10*time.Second)
	b.do("settle", chromedp.Sleep(300*time.Millisecond))
	if n := eval[int](b, `document.querySelectorAll('#quotes img, #quotes b').length`); n != 0 || b.dialogs.Load() != 0 {
		t.Errorf("a live hostile post became %d elements and opened %d dialogs; want none", n, b.dialogs.Load())
	}
}

// TestCorrectLabelInBrowser: a desk editor enters the token and corrects a
// post's label from its card; the tallies move by exactly one, on the page
// and in the API. Without the token nothing moves and the card says why.
func TestCorrectLabelInBrowser(t *testing.T) {
	f := newFixture(t, token)
	seed(f)
	before := f.summary()
	b := newBrowser(t)
	b.do("navigate", chromedp.Navigate(f.srv.URL+"/events/ev"))
	b.do("wait", chromedp.WaitVisible(chromedp.CSS(`#quotes li.post`)))
	card := `#quotes li.post[data-platform="x"][data-id="4"]`
	// No token yet: refused, nothing moves.
	b.do("pick negative", chromedp.SetValue(chromedp.CSS(card+` select`), "negative"))
	b.do("save without token", chromedp.Click(chromedp.CSS(card+` button.save`)))
	b.waitFor("the refusal", `document.querySelector('`+card+` .status').textContent.includes("token")`, 5*time.Second)
	if s := f.summary(); s.ByLabel != before.ByLabel {
		t.Fatalf("a refused correction moved the tallies: %+v, was %+v", s.ByLabel, before.ByLabel)
	}
	// With the token.
	b.do("enter token", chromedp.SendKeys(chromedp.CSS(`#token`), token), chromedp.Click(chromedp.CSS(`form.token button[type=submit]`)))
	if v := eval[string](b, `document.querySelector('#token').value`); v != "" {
		t.Errorf("token field keeps %q after use; want it cleared", v)
	}
	if inURL := eval[bool](b, `location.href.includes("`+token+`") || document.documentElement.outerHTML.includes("`+token+`")`); inURL {
		t.Errorf("the token shows in the page or its address")
	}
	b.do("pick negative", chromedp.SetValue(chromedp.CSS(card+` select`), "negative"))
	b.do("save", chromedp.Click(chromedp.CSS(card+` button.save`)))
	want := before.ByLabel
	want.Positive--
	want.Negative++
	b.waitFor("the page's tallies", field("negative")+` === "`+fmt.Sprint(want.Negative)+`" && `+field("positive")+` === "`+fmt.Sprint(want.Positive)+`"`, 10*time.Second)
	after := f.summary()
	if after.ByLabel != want || after.Total != before.Total {
		t.Errorf("API after the correction: total %d %+v, want total %d %+v", after.Total, after.ByLabel, before.Total, want)
	}
	if got := eval[string](b, field("total")); got != fmt.Sprint(before.Total) {
		t.Errorf("page total after a correction = %q, want %d (unchanged)", got, before.Total)
	}
	p, err := f.store.Post(context.Background(), "ev", chorus.X, "4")
	if err != nil || p.Sentiment == nil || !p.Sentiment.Corrected || p.Sentiment.Label != chorus.Negative {
		t.Errorf("stored post after the correction: %+v, %v", p.Sentiment, err)
	}
}

// TestClickThroughInBrowser: a count on the page leads to exactly the
// posts it counts: a label's, a platform's label, a timeline bucket's.
func TestClickThroughInBrowser(t *testing.T) {
	f := newFixture(t, token)
	seed(f)
	f.do("POST", "/api/v1/events/ev/posts", "application/json", token, `[{"platform":"x","id":"late","text":"so happy for them","created_at":"2024-07-31T21:30:00Z"}]`)
	f.drain()
	sum := f.summary()
	b := newBrowser(t)
	cards := func() int { return eval[int](b, `document.querySelectorAll('[data-region=posts] li.post').length`) }
	for _, tc := range []struct {
		name, link string
		want       int64
		label      string
	}{
		{"positive", `#headline a[data-field="positive"]`, sum.ByLabel.Positive, "positive"},
		{"negative on weibo", `#platforms section.weibo tr.negative a`, sum.ByPlatform[chorus.Weibo].ByLabel.Negative, "negative"},
		{"all posts", `#headline a[data-field="total"]`, sum.Total, ""},
	} {
		b.do("navigate", chromedp.Navigate(f.srv.URL+"/events/ev"))
		b.do("wait", chromedp.WaitVisible(chromedp.CSS(tc.link)))
		b.do("click "+tc.name, chromedp.Click(chromedp.CSS(tc.link)))
		b.waitFor("the listing of "+tc.name, `location.pathname === "/events/ev/posts"`, 10*time.Second)
		b.do("wait", chromedp.WaitReady(chromedp.CSS(`[data-region=posts]`)))
		if n := cards(); int64(n) != tc.want {
			t.Errorf("%s: listing shows %d posts, the count says %d", tc.name, n, tc.want)
		}
		if tc.label != "" {
			if n := eval[int](b, `document.querySelectorAll('[data-region=posts] li.post:not([data-label="`+tc.label+`"])').length`); n != 0 {
				t.Errorf("%s: %d listed posts have another label", tc.name, n)
			}
		}
	}
	// A timeline bar: the hour view has two buckets, 19:00 (6 posts) and 21:00 (1).
	b.do("navigate", chromedp.Navigate(f.srv.URL+"/events/ev?bucket=1h"))
	b.do("wait", chromedp.WaitVisible(chromedp.CSS(`svg.chart a.col`)))
	if n := eval[int](b, `document.querySelectorAll('svg.chart a.col').length`); n != 2 {
		t.Fatalf("hour timeline has %d bars, want 2", n)
	}
	href := eval[string](b, `document.querySelector('svg.chart a.col').getAttribute('href')`)
	b.do("open the first bar", chromedp.Navigate(f.srv.URL+href))
	b.do("wait", chromedp.WaitReady(chromedp.CSS(`[data-region=posts]`)))
	if n, want := cards(), 6; n != want {
		t.Errorf("the 19:00 bar lists %d posts, want %d", n, want)
	}
	if h := eval[string](b, `document.querySelector('h1').textContent`); !strings.Contains(h, "19:00") {
		t.Errorf("bucket listing heading = %q, want its time", h)
	}
}

// TestPhoneLayoutInBrowser: on a phone-sized screen nothing is wider than
// the screen, the platforms stack, and the numbers are on screen.
func TestPhoneLayoutInBrowser(t *testing.T) {
	f := newFixture(t, token)
	seed(f)
	b := newBrowser(t)
	b.do("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	b.do("navigate", chromedp.Navigate(f.srv.URL+"/events/ev"))
	b.do("wait", chromedp.WaitVisible(chromedp.CSS(`#quotes li.post`)))
	if w := eval[int](b, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("page is %d px wide on a 390 px screen", w)
	}
	stacked := eval[bool](b, `(function(){var s=document.querySelectorAll('#platforms section.platform');return s[1].getBoundingClientRect().top>=s[0].getBoundingClientRect().bottom})()`)
	if !stacked {
		t.Errorf("X and Weibo are not stacked on a phone")
	}
	if !eval[bool](b, `document.querySelector('[data-field="total"]').getBoundingClientRect().right <= 390`) {
		t.Errorf("the total is off screen on a phone")
	}
	b.screenshot("event-phone")
}
