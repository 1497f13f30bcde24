package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/report"
	"github.com/chorus-news/chorus/store/embedded"
)

// runReport writes an event's report: the same bytes as
// GET /api/v1/events/:id/export?format=F for the same stored data.
func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	var cfg Config
	cfg.storeFlags(fs)
	var event, format, out, bucket string
	var top int
	fs.StringVar(&event, "event", "", "event id (required)")
	fs.StringVar(&format, "format", "", "csv, json, xlsx, html or pdf (default: from the -o file's extension, else csv)")
	fs.StringVar(&out, "o", "", "write to this file instead of stdout")
	fs.StringVar(&bucket, "bucket", "", "timeline bucket: 1m, 1h or 1d (default: from the span of the posts)")
	fs.IntVar(&top, "top", 5, "quotes per label in the html and pdf reports")
	fs.StringVar(&cfg.Addr, "addr", env("CHORUS_ADDR", "127.0.0.1:8080"), "embedded store: when a chorus serve holds the data dir, ask it at this address (env CHORUS_ADDR)")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("report: unexpected argument %q (flags go before it? want --event ID --format F [-o FILE])", fs.Arg(0))
	}
	if event == "" {
		return usagef("report: --event is required")
	}
	if err := chorus.ValidateEventID(event); err != nil {
		return usagef("report: --event: %v", err)
	}
	if format == "" {
		format = "csv"
		if ext := strings.TrimPrefix(filepath.Ext(out), "."); ext != "" {
			if _, err := report.ParseFormat(ext); err == nil {
				format = ext
			}
		}
	}
	f, err := report.ParseFormat(format)
	if err != nil {
		return usagef("report: --%v", err)
	}
	opt := report.Options{Top: top}
	if bucket != "" {
		b, ok := chorus.ParseBucket(bucket)
		if !ok {
			return usagef("report: --bucket: %q: want 1m, 1h or 1d", bucket)
		}
		opt.Bucket = b
	}
	if (f == report.XLSX || f == report.PDF) && (out == "" || out == "-") && isTerminal(stdout) {
		return usagef("report: --format %s is a binary file: write it with -o %s (or redirect stdout)", f, report.Filename(event, f))
	}
	if top < 1 || top > 100 {
		return usagef("report: --top: %d: want 1 to 100", top)
	}
	if err := cfg.Validate(false); err != nil {
		return err
	}
	emit := func(write func(io.Writer) error) error {
		if out == "" || out == "-" {
			bw := bufio.NewWriterSize(stdout, 64<<10)
			if err := write(bw); err != nil {
				return err
			}
			return bw.Flush()
		}
		return writeFile(out, write)
	}
	st, err := cfg.openStore(ctx, cfg.logger(stderr))
	var locked *embedded.LockedError
	if errors.As(err, &locked) && locked.Holder != nil && strings.HasSuffix(locked.Holder.Command, " serve") {
		// A chorus serve holds the embedded store: its export route gives
		// the same bytes.
		u := exportURL(cfg.Addr, event, f, opt)
		ferr := emit(func(w io.Writer) error { return fetchReport(ctx, u, f, w) })
		if ferr == nil {
			fmt.Fprintf(stderr, "chorus report: the data dir is held by a running server; the report came from %s\n", u)
			return nil
		}
		return usagef("report: %v; asking the running server at %s failed too (%v): give its address with --addr or CHORUS_ADDR, or download http://ADDR/api/v1/events/%s/export?format=%s", err, cfg.Addr, ferr, event, f)
	}
	if errors.Is(err, chorus.ErrLocked) {
		return usagef("report: %v", err)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := report.Load(ctx, st, event, opt)
	if errors.Is(err, chorus.ErrNotFound) {
		return usagef("report: event %s not found (chorus event list shows the events)", event)
	}
	if err != nil {
		return err
	}
	return emit(func(w io.Writer) error { return rep.Write(ctx, f, w) })
}

// exportURL is the export route of the server listening on addr.
func exportURL(addr, event string, f report.Format, opt report.Options) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host, port = addr, "8080"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	q := url.Values{"format": {string(f)}}
	if opt.Bucket != "" {
		q.Set("bucket", string(opt.Bucket))
	}
	if opt.Top != 0 {
		q.Set("top", strconv.Itoa(opt.Top))
	}
	return "http://" + net.JoinHostPort(host, port) + "/api/v1/events/" + url.PathEscape(event) + "/export?" + q.Encode()
}

// fetchReport copies the export at u to w, checking that what answers is
// a Chorus export of format f.
func fetchReport(ctx context.Context, u string, f report.Format, w io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		if json.Unmarshal(body, &e) == nil && e.Error != "" {
			return fmt.Errorf("%s: %s", resp.Status, e.Error)
		}
		return errors.New(resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); ct != f.ContentType() {
		return fmt.Errorf("answered %q, not a %s report", ct, f)
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("read the report: %w", err)
	}
	return nil
}

// writeFile writes path through a temporary file beside it, renamed into
// place only when write succeeded: a failed report leaves no half file.
func writeFile(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriterSize(tmp, 64<<10)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return fmt.Errorf("write %s: %w", path, err)
		}
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
