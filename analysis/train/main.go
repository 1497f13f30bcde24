// Command train builds and judges the sentiment models. It is a developer
// tool, run from the repository root:
//
//	go run ./analysis/train train   # fit both models, write analysis/{en,zh}/model.bin
//	go run ./analysis/train eval    # val metrics and posts/s of the built-in models
//
// -data (or $CHORUS_TRAIN_DATA) names the data folder, ../shared/data beside
// the module root by default. Only train.jsonl is fitted on; val.jsonl tunes
// and reports.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", os.Getenv("CHORUS_TRAIN_DATA"), "data folder with en/ and zh/ (env CHORUS_TRAIN_DATA; default ../shared/data beside the module root)")
	out := fs.String("out", "analysis", "analysis package folder the model files are written under (train)")
	langs := fs.String("lang", "en,zh", "languages to train or evaluate")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: train [flags] train|eval")
		fs.PrintDefaults()
	}
	if len(args) == 0 {
		fs.Usage()
		return 2
	}
	// The command may come before or after the flags.
	cmd := ""
	if !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if cmd == "" && fs.NArg() > 0 {
		cmd = fs.Arg(0)
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	dir := *data
	if dir == "" {
		dir = dataDir()
	}
	if dir == "" {
		fmt.Fprintln(stderr, "train: no data folder: pass -data or set CHORUS_TRAIN_DATA (../shared/data beside the module root is absent)")
		return 1
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		fmt.Fprintf(stderr, "train: no data folder %s (pass -data or set CHORUS_TRAIN_DATA)\n", dir)
		return 1
	}
	var err error
	switch cmd {
	case "train":
		err = trainAll(ctx, log, dir, *out, splitList(*langs))
	case "eval":
		err = evalAll(ctx, stdout, dir, splitList(*langs))
	default:
		fs.Usage()
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "train %s: %v\n", cmd, err)
		return 1
	}
	return 0
}
