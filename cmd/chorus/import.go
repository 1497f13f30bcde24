package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/term"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/collector"
	"github.com/chorus-news/chorus/collector/article"
	"github.com/chorus-news/chorus/collector/file"
	_ "github.com/chorus-news/chorus/collector/weibo" // weibo-api, weibo-mobile, weibo-crawler, weibo-search
	_ "github.com/chorus-news/chorus/collector/x"     // twarc2, x-archive
	"github.com/chorus-news/chorus/ingest"
)

// importSummary is the last stdout line of `chorus import`.
type importSummary struct {
	Read       int64 `json:"read"`
	Accepted   int64 `json:"accepted"`
	Duplicates int64 `json:"duplicates"`
	Rejected   int64 `json:"rejected"`
}

func runImport(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	var cfg Config
	cfg.storeFlags(fs)
	cfg.workerFlags(fs)
	event := fs.String("event", "", "event id the posts belong to (required; created when missing)")
	format := fs.String("format", "auto", "input format: "+strings.Join(file.Supported(), ", "))
	dryRun := fs.Bool("dry-run", false, "parse and score without storing; print the canonical posts as JSON lines (for an article, also every quotation found and skipped, on stderr)")
	nowFlag := fs.String("now", env("CHORUS_WEIBO_NOW", ""), "saved Weibo pages: read relative times (5分钟前, 昨天 20:15, 06-27) against this RFC 3339 time, when the pages were fetched, instead of each file's modification time (env CHORUS_WEIBO_NOW)")
	fetchTimeout := fs.Duration("fetch-timeout", envDuration("CHORUS_FETCH_TIMEOUT", 30*time.Second), "article URLs: how long a fetch may take (env CHORUS_FETCH_TIMEOUT)")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if *event == "" {
		return usagef("import: --event is required")
	}
	if err := chorus.ValidateEventID(*event); err != nil {
		return usagef("import: --event: %v", err)
	}
	files := fs.Args()
	if len(files) == 0 {
		return usagef("import: no FILE given (use - for stdin)")
	}
	var fetched time.Time
	if v := strings.TrimSpace(*nowFlag); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return usagef("import: --now: not RFC 3339: %q", v)
		}
		fetched = t
	}
	if err := cfg.Validate(false); err != nil {
		return err
	}
	for _, name := range files { // fail before touching the store
		if name == "-" || article.IsURL(name) {
			continue
		}
		if _, err := os.Stat(name); err != nil {
			return fmt.Errorf("import: %w", err)
		}
	}
	log := cfg.logger(stderr)
	an, err := cfg.analyzer(log)
	if err != nil {
		return err
	}
	imp := &importer{event: *event, format: *format, stdin: stdin, progress: collector.NewProgress(stderr, isTerminal(stderr)),
		ctx: ctx, dry: *dryRun, fetchTimeout: *fetchTimeout, fetched: fetched}
	defer imp.progress.Stop()
	begun := time.Now()
	imp.progress.Start(func() string {
		s := imp.summary()
		return fmt.Sprintf("import: %d read, %d accepted, %d duplicates, %d rejected, %.0f posts/s",
			s.Read, s.Accepted, s.Duplicates, s.Rejected, float64(s.Read)/time.Since(begun).Seconds())
	})
	start := time.Now()
	if *dryRun {
		err = imp.dryRun(files, an, stdout)
	} else {
		st, err2 := cfg.openStore(ctx, log)
		if err2 != nil {
			return err2
		}
		defer st.Close()
		if created, err2 := st.CreateEvent(ctx, chorus.Event{ID: *event, Title: *event, CreatedAt: time.Now().UTC()}); err2 != nil {
			return fmt.Errorf("create event %s: %w", *event, err2)
		} else if created {
			log.Info("event created", "event", *event)
		}
		err = imp.store(ctx, files, st, an, cfg.Workers, log)
	}
	imp.progress.Stop() // before the summary, so no progress line follows it
	sum := imp.summary()
	elapsed := time.Since(start).Seconds()
	return sum.finish(stdout, stderr, fmt.Sprintf("import: read %d, accepted %d, duplicates %d, rejected %d in %.2fs (%.0f posts/s)",
		sum.Read, sum.Accepted, sum.Duplicates, sum.Rejected, elapsed, float64(sum.Read)/elapsed), err)
}

// finish ends an ingest command (import, collect): a line for people on
// stderr, the summary as the last stdout line, and the exit: err, or 2
// when some records were rejected (each named already).
func (sum importSummary) finish(stdout, stderr io.Writer, human string, err error) error {
	fmt.Fprintln(stderr, human)
	line, _ := json.Marshal(sum)
	fmt.Fprintln(stdout, string(line))
	if err != nil {
		return err
	}
	if sum.Rejected > 0 {
		return &rejectedError{int(sum.Rejected)}
	}
	return nil
}

type importer struct {
	event, format string
	stdin         io.Reader
	progress      *collector.Progress // stderr: bad records, and a status line on a terminal

	// Articles (import_article.go).
	ctx          context.Context
	dry          bool
	fetchTimeout time.Duration
	clock        func() time.Time        // the import time; nil: time.Now
	fetched      time.Time               // --now: when saved pages were fetched; zero: each file's modification time
	articles     map[string]*articleInfo // --dry-run: where each post is quoted

	read, accepted, duplicates, rejected atomic.Int64
}

func (imp *importer) summary() importSummary {
	return importSummary{imp.read.Load(), imp.accepted.Load(), imp.duplicates.Load(), imp.rejected.Load()}
}

// each reads every file in turn, naming bad records on stderr and handing
// good posts (with their event set) to fn.
func (imp *importer) each(files []string, fn func(chorus.Post) error) error {
	for _, name := range files {
		if imp.isArticle(name) {
			if err := imp.eachArticle(name, fn); err != nil {
				return err
			}
			continue
		}
		display := name
		if name == "-" {
			display = "stdin"
		}
		rc, err := file.Open(name, imp.stdin)
		if err != nil {
			return err // it names the file
		}
		err = file.ReadFileAt(rc, name, imp.format, imp.fetched, func(r file.Record) error {
			imp.read.Add(1)
			if r.Err != nil {
				imp.rejected.Add(1)
				imp.progress.Printf("%s:%d: %v", display, r.Line, r.Err)
				return nil
			}
			r.Post.Event = imp.event
			return fn(r.Post)
		})
		rc.Close()
		if err != nil {
			return fmt.Errorf("read %s: %w", display, err)
		}
	}
	return nil
}

// store runs the ingest pipeline over the files.
func (imp *importer) store(ctx context.Context, files []string, st appStore, an ingest.Analyzer, workers int, log *slog.Logger) error {
	p := &ingest.Pipeline{Store: st, Analyzer: an, Workers: workers, Logger: log, Consumer: consumerName("import"),
		Progress: func(c ingest.Counts) { imp.accepted.Store(c.Accepted); imp.duplicates.Store(c.Duplicates) }}
	c, err := p.Run(ctx, imp.event, func(emit func(chorus.Post) error) error { return imp.each(files, emit) })
	imp.accepted.Store(c.Accepted)
	imp.duplicates.Store(c.Duplicates)
	return err
}

// dryRun scores without a store and prints canonical posts.
func (imp *importer) dryRun(files []string, an ingest.Analyzer, stdout io.Writer) error {
	seen := map[string]bool{}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	// Scored a batch at a time, as an import is (a remote scorer gets one
	// request per batch), and printed in input order.
	batch := make([]chorus.Entry, 0, ingest.BatchSize)
	flush := func() error {
		ingest.Score(context.Background(), an, batch)
		for i := range batch {
			if err := enc.Encode(imp.dryRunRecord(batch[i].Post)); err != nil {
				return err
			}
		}
		batch = batch[:0]
		return nil
	}
	err := imp.each(files, func(p chorus.Post) error {
		if seen[p.Key()] {
			imp.duplicates.Add(1)
			return nil
		}
		seen[p.Key()] = true
		imp.accepted.Add(1)
		batch = append(batch, chorus.Entry{Post: p})
		if len(batch) == ingest.BatchSize {
			return flush()
		}
		return nil
	})
	if ferr := flush(); err == nil {
		err = ferr
	}
	return err
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// consumerName is unique per process: host, pid and role.
func consumerName(role string) string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), role)
}
