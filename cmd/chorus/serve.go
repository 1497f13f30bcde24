package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/alert"
	"github.com/chorus-news/chorus/collector"
	"github.com/chorus-news/chorus/collector/file"
	"github.com/chorus-news/chorus/demo"
	"github.com/chorus-news/chorus/ingest"
	"github.com/chorus-news/chorus/web"
)

// webStore is what the web layer needs of a store.
type webStore = web.Store

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var cfg Config
	cfg.storeFlags(fs)
	cfg.workerFlags(fs)
	cfg.serveFlags(fs)
	loadDemo := fs.Bool("demo", false, "load the demo event "+demo.EventID+" (idempotent)")
	webhook := secret(env("CHORUS_ALERT_WEBHOOK", "")) // a chat webhook's URL is its secret: never printed
	fs.Var(&webhook, "alert-webhook", "POST a JSON alert to this URL when a spike starts in an event's timeline (env CHORUS_ALERT_WEBHOOK)")
	var co collectOptions
	collect := fs.Bool("collect", envBool("CHORUS_COLLECT", false), "also run the collectors of every event that has a platform query and is inside its window (env CHORUS_COLLECT)")
	fs.DurationVar(&co.Poll, "poll", envDuration("CHORUS_POLL", 0), "with --collect: poll each search this often instead of streaming, e.g. 1m (env CHORUS_POLL)")
	fs.DurationVar(&co.BackoffMax, "backoff-max", envDuration("CHORUS_BACKOFF_MAX", 5*time.Minute), "with --collect: longest back-off wait where the platform names no reset time (env CHORUS_BACKOFF_MAX)")
	apiBase := map[string]*string{}
	for _, pl := range platforms() {
		v := "CHORUS_" + strings.ToUpper(pl.Name) + "_API_BASE"
		apiBase[pl.Name] = fs.String(pl.Name+"-api-base", env(v, ""), "with --collect: scheme and host of the "+pl.Name+" API (default: the platform's own; env "+v+")")
	}
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if webhook != "" {
		if err := alert.CheckURL(string(webhook)); err != nil {
			return usagef("--alert-webhook (CHORUS_ALERT_WEBHOOK): %v", err)
		}
	}
	if fs.NArg() > 0 {
		return usagef("serve: unexpected argument %q", fs.Arg(0))
	}
	if err := cfg.Validate(true); err != nil {
		return err
	}
	log := cfg.logger(stderr)
	st, an, err := cfg.openScoring(ctx, log)
	if err != nil {
		return err
	}
	defer st.Close()
	if *loadDemo {
		res, err := demo.Load(ctx, st)
		if err != nil {
			return err
		}
		log.Info("demo event loaded", "event", demo.EventID, "new_posts", res.Accepted, "already_stored", res.Duplicates)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	ingest.NewBacklogCollector(reg, st)
	h, err := web.New(web.Config{Store: st, Logger: log, Token: string(cfg.Token), Decode: file.DecodePost, Gatherer: reg, Registerer: reg, Version: version})
	if err != nil {
		return fmt.Errorf("build web handler: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (--addr, CHORUS_ADDR): %w", cfg.Addr, err)
	}
	// Requests run under reqCtx, ended at shutdown so that long-lived
	// streams (/live) return instead of holding Shutdown up.
	reqCtx, endRequests := context.WithCancel(context.WithoutCancel(ctx))
	defer endRequests()
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute,
		BaseContext: func(net.Listener) context.Context { return reqCtx }}

	wctx, stopWorkers := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	if cfg.Workers > 0 {
		wg.Go(func() {
			ingest.RunWorkers(wctx, cfg.Workers, consumerName("serve"), ingest.Worker{Source: st, Analyzer: an, Logger: log, Stats: ingest.NewMetrics(reg)})
		})
	}
	if webhook != "" {
		wg.Go(func() { _ = (&alert.Watcher{Store: st, URL: string(webhook), Logger: log}).Run(wctx) })
	}
	if *collect {
		co.Follow, co.Logger = true, log
		sup := &collector.Supervisor{Store: st, Logger: log, Jobs: func(ctx context.Context) ([]collector.Job, error) {
			return collectorJobs(ctx, st, co, apiBase, &postSink{queue: st})
		}}
		reg.MustRegister(collector.Metrics{Statuses: sup.Statuses})
		wg.Go(func() { _ = sup.Run(wctx) })
		log.Info("collectors on", "platforms", platformNames())
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("serving", "url", "http://"+ln.Addr().String()+"/", "store", st.Kind(), "workers", cfg.Workers, "token", cfg.Token != "", "alert_webhook", webhook != "")

	select {
	case <-ctx.Done():
		err = nil
	case err = <-serveErr:
		err = fmt.Errorf("http server: %w", err)
	}
	// Stop in reverse: stop taking requests, let workers finish the batch
	// in hand (its tally acknowledges it), then close the store.
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	endRequests()
	if serr := srv.Shutdown(shutCtx); serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		log.Warn("http shutdown", "err", serr)
	}
	stopWorkers()
	wg.Wait()
	log.Info("stopped")
	return err
}

// collectorJobs lists what serve --collect keeps running now: for each
// platform, the events that have a query for it and whose window holds
// now, as the platform groups them into jobs.
func collectorJobs(ctx context.Context, st appStore, co collectOptions, apiBase map[string]*string, sink *postSink) ([]collector.Job, error) {
	events, err := st.Events(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	var jobs []collector.Job
	for _, pl := range platforms() {
		o := co
		if p := apiBase[pl.Name]; p != nil {
			o.APIBase = *p
		}
		var mine []chorus.Event
		for _, ev := range events {
			if pl.Query(ev) == "" {
				continue
			}
			if (ev.Start.IsZero() || !now.Before(ev.Start)) && (ev.End.IsZero() || now.Before(ev.End)) {
				mine = append(mine, ev)
			} else {
				outsideWindow(ctx, st, pl, eventOptions(o, pl, ev), ev, now)
			}
		}
		if len(mine) == 0 {
			continue
		}
		jobs = append(jobs, pl.Jobs(o, mine, st, sink)...)
	}
	return jobs, nil
}

// outsideWindow says on the collectors route why serve --collect runs no
// collector for an event whose window does not hold now, so that an empty
// list is not mistaken for a stall. A record a collector left is kept.
func outsideWindow(ctx context.Context, st appStore, pl platform, o collectOptions, ev chorus.Event, now time.Time) {
	status := pl.Status(o, ev)
	list, err := st.Collectors(ctx, ev.ID)
	if err != nil {
		return
	}
	for _, c := range list {
		if c.Name == status.Name && !strings.HasPrefix(c.Note, "not collecting:") {
			return
		}
	}
	when := fmt.Sprintf("its window ended at %s", ev.End.UTC().Format(time.RFC3339))
	if !ev.Start.IsZero() && now.Before(ev.Start) {
		when = fmt.Sprintf("its window starts at %s", ev.Start.UTC().Format(time.RFC3339))
	}
	status.Event, status.Query, status.State, status.UpdatedAt = ev.ID, o.Query, chorus.CollectorStopped, now.UTC()
	status.Note = fmt.Sprintf("not collecting: %s, and serve --collect collects only inside an event's window; chorus collect %s --event %s searches it once", when, pl.Name, ev.ID)
	for _, c := range list {
		if c.Name == status.Name && c.Note == status.Note {
			return // said already
		}
	}
	_ = st.SaveCollector(ctx, status)
}

// eventOptions are o for one event: its query for the platform and its
// window (serve --collect, where no flag narrows them).
func eventOptions(o collectOptions, pl platform, ev chorus.Event) collectOptions {
	o.Query = pl.Query(ev)
	o.Start, o.End = ev.Start, ev.End
	return o
}

func runWorker(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	var cfg Config
	cfg.storeFlags(fs)
	cfg.workerFlags(fs)
	metricsAddr := fs.String("metrics-addr", env("CHORUS_METRICS_ADDR", ""), "serve /metrics on this address (env CHORUS_METRICS_ADDR); empty for none")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if err := cfg.Validate(false); err != nil {
		return err
	}
	if cfg.Workers < 1 {
		return usagef("worker: --workers must be at least 1")
	}
	log := cfg.logger(stderr)
	st, an, err := cfg.openScoring(ctx, log)
	if err != nil {
		return err
	}
	defer st.Close()
	reg := prometheus.NewRegistry()
	if *metricsAddr != "" {
		reg.MustRegister(collectors.NewGoCollector())
		ingest.NewBacklogCollector(reg, st)
		go func() {
			mux := http.NewServeMux()
			mux.Handle("/metrics", promhttpHandler(reg))
			srv := &http.Server{Addr: *metricsAddr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
			if err := srv.ListenAndServe(); err != nil {
				log.Error("metrics server", "err", err)
			}
		}()
	}
	log.Info("working", "store", st.Kind(), "workers", cfg.Workers)
	ingest.RunWorkers(ctx, cfg.Workers, consumerName("worker"), ingest.Worker{Source: st, Analyzer: an, Logger: log, Stats: ingest.NewMetrics(reg)})
	log.Info("stopped")
	return nil
}

func promhttpHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}
