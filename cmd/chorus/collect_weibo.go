package main

import (
	"context"
	"flag"
	"os"
	"strings"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/collector"
	"github.com/chorus-news/chorus/collector/weibo"
)

// weiboFlags are chorus collect weibo's own settings.
type weiboFlags struct {
	via      string
	now      string
	delay    time.Duration
	maxPages int
}

// weiboPlatform is the Weibo collector: the mobile web search with
// WEIBO_COOKIE, or the open API when WEIBO_ACCESS_TOKEN is set.
func weiboPlatform() platform {
	wf := &weiboFlags{via: env("CHORUS_WEIBO_VIA", ""), now: env("CHORUS_WEIBO_NOW", ""), delay: envDuration("CHORUS_WEIBO_DELAY", 0), maxPages: envInt("CHORUS_WEIBO_MAX_PAGES", weibo.MaxPages)}
	query := func(ev chorus.Event) string { return ev.QueryWeibo }
	return platform{
		Name:  "weibo",
		Query: query,
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&wf.via, "via", wf.via, "weibo: mobile (m.weibo.cn search, WEIBO_COOKIE) or api (open API, WEIBO_ACCESS_TOKEN); default api when WEIBO_ACCESS_TOKEN is set, else mobile (env CHORUS_WEIBO_VIA)")
			fs.DurationVar(&wf.delay, "delay", wf.delay, "weibo: pause between pages, plus up to as much again at random (default 3s against Weibo itself, none with --api-base; env CHORUS_WEIBO_DELAY)")
			fs.StringVar(&wf.now, "now", wf.now, "weibo: read relative times (5分钟前, 昨天 20:15) against this RFC 3339 time instead of each answer's Date, for replaying recorded pages (env CHORUS_WEIBO_NOW)")
			fs.IntVar(&wf.maxPages, "max-pages", wf.maxPages, "weibo: pages per query or time slice, where Weibo's search stops (env CHORUS_WEIBO_MAX_PAGES)")
		},
		Collect: func(ctx context.Context, o collectOptions, ev chorus.Event, run *collector.Run, st collector.Store, sink collector.Sink) error {
			c, err := newWeibo(o, ev, wf)
			if err != nil {
				return err
			}
			err = c.Run(ctx, run, st, sink)
			for _, note := range c.Capped() {
				o.Progress.Printf("collect weibo: %s", note)
			}
			return err
		},
		Status: func(o collectOptions, ev chorus.Event) chorus.CollectorStatus {
			st := chorus.CollectorStatus{Name: weiboName(wf), Platform: chorus.Weibo, Mode: "once"}
			if o.Follow {
				st.Mode = "follow"
				if o.Poll > 0 {
					st.Mode = "poll"
				}
			}
			return st
		},
		Jobs: func(o collectOptions, events []chorus.Event, st collector.Store, sink collector.Sink) []collector.Job {
			var jobs []collector.Job
			for _, ev := range events {
				eo := eventOptions(o, platform{Query: query}, ev)
				name := weiboName(wf)
				jobs = append(jobs, collector.Job{
					Key:    name + "/" + ev.ID,
					Status: chorus.CollectorStatus{Event: ev.ID, Name: name, Platform: chorus.Weibo, Query: eo.Query, Mode: "follow"},
					Run: func(ctx context.Context, run *collector.Run) error {
						c, err := newWeibo(eo, ev, wf)
						if err != nil {
							return err
						}
						return c.Run(ctx, run, st, sink)
					},
				})
			}
			return jobs
		},
	}
}

// weiboName is the collector's name: weibo-api or weibo-mobile.
func weiboName(wf *weiboFlags) string {
	if useWeiboAPI(wf) {
		return weibo.NameAPI
	}
	return weibo.NameMobile
}

func useWeiboAPI(wf *weiboFlags) bool {
	switch strings.ToLower(strings.TrimSpace(wf.via)) {
	case "api", "open-api":
		return true
	case "mobile", "m", "web":
		return false
	}
	return os.Getenv("WEIBO_ACCESS_TOKEN") != ""
}

// newWeibo builds the collector for one event from the shared options and
// the credentials in the environment.
func newWeibo(o collectOptions, ev chorus.Event, wf *weiboFlags) (*weibo.Collector, error) {
	via := strings.ToLower(strings.TrimSpace(wf.via))
	if via != "" && via != "api" && via != "open-api" && via != "mobile" && via != "m" && via != "web" {
		return nil, usagef("collect weibo: --via %q: want mobile or api", wf.via)
	}
	wo := weibo.Options{
		Event: ev.ID, Query: o.Query, Start: o.Start, End: o.End,
		Cookie:     weibo.NewSecret(strings.TrimSpace(os.Getenv("WEIBO_COOKIE"))),
		Token:      weibo.NewSecret(strings.TrimSpace(os.Getenv("WEIBO_ACCESS_TOKEN"))),
		Base:       o.APIBase,
		BackoffMax: o.BackoffMax,
		Follow:     o.Follow,
		Poll:       o.Poll,
		Delay:      wf.delay,
		MaxPages:   wf.maxPages,
		Logger:     o.Logger,
	}
	if wf.now != "" {
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(wf.now))
		if err != nil {
			return nil, usagef("collect weibo: --now: not RFC 3339: %q", wf.now)
		}
		wo.Now, wo.FixedNow = func() time.Time { return t }, true
	}
	if useWeiboAPI(wf) {
		if !wo.Token.Set() {
			return nil, usagef("collect weibo: --via api needs WEIBO_ACCESS_TOKEN")
		}
		return weibo.NewAPI(wo), nil
	}
	if !wo.Cookie.Set() && o.Logger != nil {
		o.Logger.Warn("WEIBO_COOKIE is not set: searching without a login, which Weibo soon refuses")
	}
	return weibo.NewMobile(wo), nil
}
