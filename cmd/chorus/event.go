package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/chorus-news/chorus"
)

func runEvent(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("event: want a subcommand: create or list")
	}
	switch args[0] {
	case "create":
		return runEventCreate(ctx, args[1:], stdout, stderr)
	case "list":
		return runEventList(ctx, args[1:], stdout, stderr)
	}
	return usagef("event: unknown subcommand %q (want create or list)", args[0])
}

func runEventCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("event create", flag.ContinueOnError)
	var cfg Config
	cfg.storeFlags(fs)
	var ev chorus.Event
	var start, end string
	fs.StringVar(&ev.ID, "id", "", "event id: letters, digits, - _ . (required)")
	fs.StringVar(&ev.Title, "title", "", "title shown on the dashboard (required)")
	fs.StringVar(&ev.QueryX, "query-x", "", "X search query for collectors")
	fs.StringVar(&ev.QueryWeibo, "query-weibo", "", "Weibo search query for collectors")
	fs.StringVar(&start, "start", "", "start time, RFC 3339")
	fs.StringVar(&end, "end", "", "end time, RFC 3339")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if ev.ID == "" || ev.Title == "" {
		return usagef("event create: --id and --title are required")
	}
	for _, f := range []struct {
		name string
		v    string
		t    *time.Time
	}{{"start", start, &ev.Start}, {"end", end, &ev.End}} {
		if f.v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, f.v)
		if err != nil {
			return usagef("event create: --%s: not RFC 3339: %q", f.name, f.v)
		}
		*f.t = t.UTC()
	}
	if err := ev.Validate(); err != nil {
		return usagef("event create: %v", err)
	}
	if err := cfg.Validate(false); err != nil {
		return err
	}
	st, err := cfg.openStore(ctx, cfg.logger(stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	ev.CreatedAt = time.Now().UTC()
	created, err := st.CreateEvent(ctx, ev)
	if err != nil {
		return fmt.Errorf("create event %s: %w", ev.ID, err)
	}
	if !created {
		fmt.Fprintf(stderr, "event %s exists already; left as it is\n", ev.ID)
	}
	got, err := st.Event(ctx, ev.ID)
	if err != nil {
		return fmt.Errorf("read event %s: %w", ev.ID, err)
	}
	return json.NewEncoder(stdout).Encode(got)
}

func runEventList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("event list", flag.ContinueOnError)
	var cfg Config
	cfg.storeFlags(fs)
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if err := cfg.Validate(false); err != nil {
		return err
	}
	st, err := cfg.openStore(ctx, cfg.logger(stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	events, err := st.Events(ctx)
	if err != nil {
		return fmt.Errorf("list events: %w", err)
	}
	enc := json.NewEncoder(stdout)
	for _, e := range events {
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	return nil
}
