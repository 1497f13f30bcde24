package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/chorus-news/chorus"
)

// checker is a store that can recount an event (both stores).
type checker interface {
	Check(ctx context.Context, event string, repair bool) (chorus.CheckReport, error)
}

// errDrift is check's "the tallies disagree": exit 1, each drift named.
var errDrift = errors.New("tallies drift from the stored posts")

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	var cfg Config
	cfg.storeFlags(fs)
	event := fs.String("event", "", "event id to recount (required)")
	repair := fs.Bool("repair", false, "rebuild the tallies from the stored posts when they drift")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if *event == "" {
		return usagef("check: --event is required")
	}
	if fs.NArg() > 0 {
		return usagef("check: unexpected argument %q", fs.Arg(0))
	}
	if err := cfg.Validate(false); err != nil {
		return err
	}
	st, err := cfg.openStore(ctx, cfg.logger(stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	c, ok := st.(checker)
	if !ok {
		return fmt.Errorf("check: the %s store cannot recount", st.Kind())
	}
	rep, err := c.Check(ctx, *event, *repair)
	if errors.Is(err, chorus.ErrNotFound) {
		return usagef("check: event %s not found (chorus event list shows the events)", *event)
	}
	if err != nil {
		return fmt.Errorf("check %s: %w", *event, err)
	}
	for _, d := range rep.Drifts {
		fmt.Fprintf(stderr, "check %s: %s\n", *event, d)
	}
	line, _ := json.Marshal(rep)
	fmt.Fprintln(stdout, string(line))
	switch {
	case len(rep.Drifts) == 0:
		fmt.Fprintf(stderr, "check %s: %d posts, every tally agrees\n", *event, rep.Posts)
		return nil
	case rep.Repaired:
		fmt.Fprintf(stderr, "check %s: %d drifts repaired from %d posts\n", *event, len(rep.Drifts), rep.Posts)
		return nil
	}
	fmt.Fprintf(stderr, "check %s: %d drifts (chorus check --repair rebuilds the tallies from the posts)\n", *event, len(rep.Drifts))
	return errDrift
}
