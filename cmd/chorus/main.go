// Command chorus imports, scores and tallies social posts about news events
// and serves the dashboard and JSON API. See README.md and CONTRACT.md.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set by the Makefile through -ldflags.
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `chorus — social reaction sentiment for news events

Usage:
  chorus serve [--demo]            dashboard, JSON API and scoring workers
  chorus worker                    scoring/tallying workers only (Redis)
  chorus import --event ID FILE…   load posts (ndjson, csv, twarc2, x-archive, article; - for stdin; .gz; URLs of news articles)
  chorus collect PLATFORM --event ID [--query Q] [--follow|--poll D]
                                   collect posts from a platform (see README);
                                   x: recent search, --follow the filtered stream,
                                   token in X_BEARER_TOKEN
  chorus score [--lang auto|en|zh] score JSON lines from stdin
  chorus event create --id ID --title T [--query-x Q] [--query-weibo Q] [--start T] [--end T]
  chorus event list
  chorus report --event ID --format csv|json|xlsx|html|pdf [-o FILE]
  chorus check --event ID [--repair] recount an event's posts against its tallies
  chorus dlq list|retry|drop --event ID [--id ID…]  posts that failed scoring or tallying 5 times
  chorus version

Settings (flag, environment): --redis CHORUS_REDIS_URL, --data-dir CHORUS_DATA_DIR,
--addr CHORUS_ADDR, --token CHORUS_TOKEN. Run 'chorus COMMAND -h' for a command's flags.
`

// run is the whole program; tests drive it in-process.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "serve":
		err = runServe(ctx, rest, stdout, stderr)
	case "worker":
		err = runWorker(ctx, rest, stderr)
	case "import":
		err = runImport(ctx, rest, stdin, stdout, stderr)
	case "score":
		err = runScore(ctx, rest, stdin, stdout, stderr)
	case "event":
		err = runEvent(ctx, rest, stdout, stderr)
	case "report":
		err = runReport(ctx, rest, stdout, stderr)
	case "collect":
		err = runCollect(ctx, rest, stdout, stderr)
	case "check":
		err = runCheck(ctx, rest, stdout, stderr)
	case "dlq":
		err = runDLQ(ctx, rest, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "chorus", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "chorus: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	return exitCode(err, stderr)
}
