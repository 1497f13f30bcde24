package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/report"
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
	st, err := cfg.openStore(ctx, cfg.logger(stderr))
	if errors.Is(err, chorus.ErrLocked) {
		return usagef("report: %v; or download the report from the running server: curl -OJ 'http://ADDR/api/v1/events/%s/export?format=%s' (ADDR is its --addr, 127.0.0.1:8080 by default)", err, event, f)
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
	if out == "" || out == "-" {
		bw := bufio.NewWriterSize(stdout, 64<<10)
		if err := rep.Write(ctx, f, bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	return writeFile(out, func(w io.Writer) error { return rep.Write(ctx, f, w) })
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
