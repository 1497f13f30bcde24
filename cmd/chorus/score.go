package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"sync"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/analysis"
)

type scoreIn struct {
	ID   json.RawMessage `json:"id"`
	Text *string         `json:"text"`
	Lang string          `json:"lang"`
}

type scoreOut struct {
	ID         json.RawMessage `json:"id"`
	Label      chorus.Label    `json:"label"`
	Score      float64         `json:"score"`
	Confidence float64         `json:"confidence"`
	Lang       string          `json:"lang"`
	Model      string          `json:"model"`
}

type scoreErr struct {
	Line  int    `json:"line"`
	Error string `json:"error"`
}

// runScore scores JSON lines from stdin: one output line per input line, in
// input order, using every core.
func runScore(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("score", flag.ContinueOnError)
	var cfg Config
	cfg.LogLevel = env("CHORUS_LOG_LEVEL", "warn")
	lang := fs.String("lang", "auto", "auto (detect per post), en or zh")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "scoring goroutines")
	fs.StringVar(&cfg.Scorer, "scorer", env("CHORUS_SCORER", ""), "HTTP scorer URL to use before the built-in models, sent batches of lines; empty for the built-in models only (env CHORUS_SCORER)")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if *lang != "auto" && *lang != "en" && *lang != "zh" {
		return usagef("score: --lang %q: want auto, en or zh", *lang)
	}
	if fs.NArg() > 0 {
		return usagef("score: reads stdin; unexpected argument %q", fs.Arg(0))
	}
	an, err := cfg.analyzer(cfg.logger(stderr))
	if err != nil {
		return err
	}
	bad, err := scoreStream(ctx, an, *lang, max(1, *workers), stdin, stdout)
	if err != nil {
		return err
	}
	if bad > 0 {
		fmt.Fprintf(stderr, "score: %d input lines were not valid posts (see the \"error\" lines on stdout)\n", bad)
		return &rejectedError{bad}
	}
	return nil
}

// scoreStream does the work of runScore and returns how many lines were bad.
func scoreStream(ctx context.Context, an *analysis.Engine, lang string, workers int, r io.Reader, w io.Writer) (int, error) {
	const chunk = 2048
	type job struct {
		first int
		lines [][]byte
		out   [][]byte
		bad   int
		done  chan struct{}
	}
	jobs := make(chan *job, workers)
	order := make(chan *job, 2*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				j.out, j.bad = scoreChunk(ctx, an, lang, j.first, j.lines)
				close(j.done)
			}
		})
	}
	var bad int
	var werr error
	writer := make(chan struct{})
	go func() {
		defer close(writer)
		bw := bufio.NewWriterSize(w, 64<<10)
		for j := range order {
			<-j.done
			bad += j.bad
			for _, o := range j.out {
				if werr == nil {
					bw.Write(o)
					_, werr = bw.Write([]byte{'\n'})
				}
			}
		}
		if werr == nil {
			werr = bw.Flush()
		}
	}()
	br := bufio.NewReaderSize(r, 64<<10)
	lineNo := 0
	cur := &job{first: 1, done: make(chan struct{})}
	send := func() {
		jobs <- cur
		order <- cur
		cur = &job{first: lineNo + 1, done: make(chan struct{})}
	}
	var rerr error
	for ctx.Err() == nil {
		line, err := readLine(br, chorus.MaxRecordBytes)
		if len(line) > 0 || err == nil || errors.Is(err, errLineTooLong) {
			lineNo++
			if errors.Is(err, errLineTooLong) {
				line = nil // scoreLine reports it
			}
			cur.lines = append(cur.lines, line)
			if len(cur.lines) == chunk {
				send()
			}
		}
		if err != nil && !errors.Is(err, errLineTooLong) {
			if err != io.EOF {
				rerr = fmt.Errorf("read stdin: %w", err)
			}
			break
		}
	}
	if len(cur.lines) > 0 {
		send()
	}
	close(jobs)
	close(order)
	wg.Wait()
	<-writer
	if rerr == nil {
		rerr = ctx.Err()
	}
	if rerr == nil && werr != nil {
		rerr = fmt.Errorf("write stdout: %w", werr)
	}
	return bad, rerr
}

// scoreChunk scores lines numbered from first, in one batch (one request
// per batch to a remote scorer), and returns an output line for each and
// how many were bad.
func scoreChunk(ctx context.Context, an *analysis.Engine, lang string, first int, lines [][]byte) ([][]byte, int) {
	out := make([][]byte, len(lines))
	ins := make([]scoreIn, 0, len(lines))
	at := make([]int, 0, len(lines)) // the line of each good input
	bad := 0
	for i, line := range lines {
		in, errLine := parseScoreLine(first+i, line)
		if errLine != nil {
			out[i] = errLine
			bad++
			continue
		}
		ins = append(ins, in)
		at = append(at, i)
	}
	texts, hints, langs := make([]string, len(ins)), make([]string, len(ins)), make([]string, len(ins))
	for k := range ins {
		texts[k], hints[k] = *ins[k].Text, ins[k].Lang
	}
	sents := make([]chorus.Sentiment, len(ins))
	if lang == "auto" {
		an.AnalyzeBatch(ctx, texts, hints, langs, sents)
	} else {
		for k := range langs {
			langs[k] = lang
		}
		an.ScoreBatch(ctx, texts, langs, sents)
	}
	for k, in := range ins {
		s := sents[k]
		out[at[k]], _ = json.Marshal(scoreOut{ID: in.ID, Label: s.Label, Score: round3(s.Score), Confidence: round3(s.Confidence), Lang: langs[k], Model: s.Model})
	}
	return out, bad
}

// parseScoreLine reads input line n; a bad line gives its error line.
func parseScoreLine(n int, line []byte) (scoreIn, []byte) {
	fail := func(msg string) (scoreIn, []byte) {
		b, _ := json.Marshal(scoreErr{Line: n, Error: msg})
		return scoreIn{}, b
	}
	if line == nil {
		return fail(fmt.Sprintf("line over the %d byte limit", chorus.MaxRecordBytes))
	}
	var in scoreIn
	if err := json.Unmarshal(line, &in); err != nil {
		return fail("not valid JSON: " + err.Error())
	}
	if in.Text == nil {
		return fail("text: missing")
	}
	if len(in.ID) == 0 {
		in.ID = json.RawMessage(strconv.Itoa(n))
	}
	return in, nil
}

func round3(f float64) float64 {
	return float64(int64(f*1000+copysign(0.5, f))) / 1000
}

func copysign(a, b float64) float64 {
	if b < 0 {
		return -a
	}
	return a
}

var errLineTooLong = errors.New("line too long")

// readLine returns the next line without its end (\n or \r\n). A line over
// limit is skipped to its end and reported as errLineTooLong, so one huge
// line costs no memory and the next line is read correctly.
func readLine(br *bufio.Reader, limit int) ([]byte, error) {
	var buf []byte
	for {
		frag, err := br.ReadSlice('\n')
		if len(buf)+len(frag) > limit+2 {
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			if err != nil && err != io.EOF {
				return nil, err
			}
			return nil, errLineTooLong
		}
		buf = append(buf, frag...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		buf = bytes.TrimRight(buf, "\r\n")
		if err == nil && len(buf) == 0 {
			return []byte{}, nil
		}
		return buf, err
	}
}
