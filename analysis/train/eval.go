package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/chorus-news/chorus/analysis"
	"github.com/chorus-news/chorus/analysis/lang"
	"github.com/chorus-news/chorus/analysis/linear"
)

func dataDir() string { return linear.DataDir(".") }

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// evalAll prints, per language, the built-in model's val metrics and speed.
func evalAll(ctx context.Context, w io.Writer, dir string, langs []string) error {
	t0 := time.Now()
	e, err := analysis.New(analysis.Options{})
	if err != nil {
		return fmt.Errorf("load models: %w", err)
	}
	fmt.Fprintf(w, "models loaded in %v\n", time.Since(t0).Round(time.Millisecond))
	for _, code := range langs {
		if err := ctx.Err(); err != nil {
			return err
		}
		val, err := linear.ReadExamples(filepath.Join(dir, code, "val.jsonl"))
		if err != nil {
			return err
		}
		var c, auto linear.Confusion
		var cal calibration
		bySource := map[string]*linear.Confusion{}
		var sources []string
		model, detected, unscored, autoUnscored := "", 0, 0, 0
		for _, ex := range val {
			// As chorus score --lang auto reads it: detection first, and an
			// unscored post (a language without a model) counts as wrong.
			_, as := e.Analyze(ex.Text, "")
			ak := linear.ClassOf(string(as.Label))
			if ak < 0 {
				autoUnscored++
				ak = (ex.Class + 1) % linear.NumClasses
			}
			auto.Add(ex.Class, ak)
			s := e.Score(ex.Text, code)
			model = s.Model
			cal.add(s.Confidence, string(s.Label) == ex.Label)
			if lang.Detect(ex.Text, "") == code {
				detected++
			}
			k := linear.ClassOf(string(s.Label))
			if k < 0 {
				unscored++
				k = linear.Neutral
			}
			c.Add(ex.Class, k)
			// Ids are "<source>-<split>-<n>": the Weibo data has two sources.
			src, _, _ := strings.Cut(ex.ID, "-")
			if bySource[src] == nil {
				bySource[src] = &linear.Confusion{}
				sources = append(sources, src)
			}
			bySource[src].Add(ex.Class, k)
		}
		fmt.Fprintf(w, "\n== %s (%s) val: %d posts\n", code, model, len(val))
		fmt.Fprintf(w, "macro recall %.4f  macro F1 %.4f  accuracy %.4f\n", c.MacroRecall(), c.MacroF1(), c.Accuracy())
		if unscored > 0 {
			fmt.Fprintf(w, "unscored %d (counted as neutral)\n", unscored)
		}
		if len(sources) > 1 {
			for _, src := range sources {
				fmt.Fprintf(w, "  %s: %d posts, macro recall %.4f\n", src, bySource[src].Total(), bySource[src].MacroRecall())
			}
		}
		fmt.Fprintf(w, "language detected as %s: %.1f%%\n", code, 100*float64(detected)/float64(len(val)))
		fmt.Fprintf(w, "with detection, as chorus score --lang auto: macro recall %.4f  macro F1 %.4f  accuracy %.4f  (%d unscored, counted wrong)\n",
			auto.MacroRecall(), auto.MacroF1(), auto.Accuracy(), autoUnscored)
		fmt.Fprintf(w, "calibration: mean confidence %.3f, accuracy %.3f, expected calibration error %.3f (10 bins)\n", cal.meanConf(), c.Accuracy(), cal.ece())
		c.Print(w)
		one, all := throughput(e, val)
		fmt.Fprintf(w, "Analyze throughput: %.0f posts/s on one core, %.0f posts/s on %d cores\n", one, all, runtime.GOMAXPROCS(0))
	}
	return nil
}

// throughput runs Analyze over the texts for about a second on one goroutine,
// then on GOMAXPROCS goroutines.
func throughput(e *analysis.Engine, val []linear.Example) (one, all float64) {
	run := func(workers int) float64 {
		const budget = time.Second
		var mu sync.Mutex
		total := 0
		t0 := time.Now()
		var wg sync.WaitGroup
		for g := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n := 0
				for i := g; time.Since(t0) < budget; i++ {
					for j := 0; j < 64; j++ {
						e.Analyze(val[(i*64+j)%len(val)].Text, "")
						n++
					}
				}
				mu.Lock()
				total += n
				mu.Unlock()
			}()
		}
		wg.Wait()
		return float64(total) / time.Since(t0).Seconds()
	}
	return run(1), run(runtime.GOMAXPROCS(0))
}

// calibration bins confidences to compare them with how often the label
// was right.
type calibration struct {
	n, right [10]int
	conf     [10]float64
}

func (c *calibration) add(conf float64, ok bool) {
	b := min(int(conf*10), 9)
	c.n[b]++
	c.conf[b] += conf
	if ok {
		c.right[b]++
	}
}

func (c *calibration) meanConf() float64 {
	n, s := 0, 0.0
	for b := range c.n {
		n += c.n[b]
		s += c.conf[b]
	}
	return s / float64(max(n, 1))
}

// ece is the expected calibration error: the mean over bins, weighted by
// size, of |accuracy − mean confidence|.
func (c *calibration) ece() float64 {
	n, e := 0, 0.0
	for b := range c.n {
		if c.n[b] == 0 {
			continue
		}
		n += c.n[b]
		e += math.Abs(float64(c.right[b]) - c.conf[b])
	}
	return e / float64(max(n, 1))
}
