package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/chorus-news/chorus"
)

// deadLetters is a store that keeps dead letters (Redis).
type deadLetters interface {
	DeadLetters(ctx context.Context, event string) ([]chorus.DeadLetter, error)
	RetryDeadLetters(ctx context.Context, event string, ids []string) (int, error)
	DropDeadLetters(ctx context.Context, event string, ids []string) (int, error)
}

// idList is a repeatable --id flag.
type idList []string

func (l *idList) String() string { return strings.Join(*l, ",") }
func (l *idList) Set(v string) error {
	for id := range strings.SplitSeq(v, ",") {
		if id = strings.TrimSpace(id); id != "" {
			*l = append(*l, id)
		}
	}
	return nil
}

func runDLQ(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return usagef("dlq: want a subcommand: list, retry or drop")
	}
	verb := args[0]
	if verb != "list" && verb != "retry" && verb != "drop" {
		return usagef("dlq: unknown subcommand %q (want list, retry or drop)", verb)
	}
	fs := flag.NewFlagSet("dlq "+verb, flag.ContinueOnError)
	var cfg Config
	cfg.storeFlags(fs)
	event := fs.String("event", "", "event id (required)")
	var ids idList
	if verb != "list" {
		fs.Var(&ids, "id", "dead letter to "+verb+" (repeatable, or comma-separated); all of the event's when none")
	}
	if err := parse(fs, args[1:], stderr); err != nil {
		return err
	}
	if *event == "" {
		return usagef("dlq %s: --event is required", verb)
	}
	ids = append(ids, fs.Args()...)
	if err := cfg.Validate(false); err != nil {
		return err
	}
	st, err := cfg.openStore(ctx, cfg.logger(stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.Event(ctx, *event); errors.Is(err, chorus.ErrNotFound) {
		return usagef("dlq %s: event %s not found (chorus event list shows the events)", verb, *event)
	} else if err != nil {
		return fmt.Errorf("dlq: %w", err)
	}
	dl, ok := st.(deadLetters)
	if !ok {
		// The embedded store hands a post out again until it is tallied.
		if verb == "list" {
			fmt.Fprintf(stderr, "dlq: the %s store keeps no dead letters\n", st.Kind())
			return nil
		}
		return usagef("dlq %s: the %s store keeps no dead letters", verb, st.Kind())
	}
	switch verb {
	case "list":
		all, err := dl.DeadLetters(ctx, *event)
		if err != nil {
			return fmt.Errorf("dlq list: %w", err)
		}
		enc := json.NewEncoder(stdout)
		for _, d := range all {
			if err := enc.Encode(d); err != nil {
				return err
			}
		}
		fmt.Fprintf(stderr, "dlq: %d dead letters in %s\n", len(all), *event)
	case "retry":
		n, err := dl.RetryDeadLetters(ctx, *event, ids)
		if err != nil {
			return fmt.Errorf("dlq retry: %w", err)
		}
		fmt.Fprintf(stdout, "{\"retried\":%d}\n", n)
	case "drop":
		n, err := dl.DropDeadLetters(ctx, *event, ids)
		if err != nil {
			return fmt.Errorf("dlq drop: %w", err)
		}
		fmt.Fprintf(stdout, "{\"dropped\":%d}\n", n)
	}
	return nil
}
