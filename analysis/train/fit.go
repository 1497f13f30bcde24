package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/chorus-news/chorus/analysis/linear"
)

// maxOffset bounds the class offsets tuned on val: larger ones buy val
// macro recall with everyday mistakes ("I like it" read as negative).
const maxOffset = 0.3

// offsetPenalty is the val macro recall an offset of 1 must buy to be taken
// (val noise is about ±0.01 for 2,000 posts).
const offsetPenalty = 0.03

// task is one language's model to fit.
type task struct {
	code, name string
	bits       uint
	featurize  func(text string, f *linear.Features)
	extra      []byte
	configs    []linear.FitConfig
	classes    linear.Classes
	// inner maps an example to its inner class (nil: its output class).
	inner func(ex linear.Example) (int, error)
}

// trainAll fits the models of langs and writes their files under out.
func trainAll(ctx context.Context, log *slog.Logger, dir, out string, langs []string) error {
	for _, code := range langs {
		var t *task
		var err error
		switch code {
		case "en":
			t, err = enTask(dir)
		case "zh":
			t, err = zhTask(dir)
		default:
			return fmt.Errorf("no model for language %q", code)
		}
		if err != nil {
			return err
		}
		if err := fitTask(ctx, log.With("lang", code), dir, out, t); err != nil {
			return fmt.Errorf("%s: %w", code, err)
		}
	}
	return nil
}

func featurizeAll(t *task, exs []linear.Example) (*linear.Dataset, error) {
	d := linear.NewDataset(t.bits, t.classes)
	var f linear.Features
	for _, ex := range exs {
		y := ex.Class
		if t.inner != nil {
			var err error
			if y, err = t.inner(ex); err != nil {
				return nil, fmt.Errorf("example %s: %w", ex.ID, err)
			}
		}
		t.featurize(ex.Text, &f)
		d.Add(&f, y)
	}
	return d, nil
}

func valScores(m *linear.Float, d *linear.Dataset) [][linear.MaxClasses]float32 {
	out := make([][linear.MaxClasses]float32, d.Len())
	for i := range out {
		out[i] = m.Scores(d.Idx[d.Off[i]:d.Off[i+1]], d.Val[d.Off[i]:d.Off[i+1]])
	}
	return out
}

func confusion(c linear.Classes, scores [][linear.MaxClasses]float32, gold []int) linear.Confusion {
	var cm linear.Confusion
	for i, s := range scores {
		cm.Add(gold[i], linear.Argmax(c.Merge(s, 1)))
	}
	return cm
}

// fitTask fits every config on train, keeps the one with the best val macro
// recall after bias tuning, calibrates it and writes the model file.
func fitTask(ctx context.Context, log *slog.Logger, dir, out string, t *task) error {
	train, err := linear.ReadExamples(filepath.Join(dir, t.code, "train.jsonl"))
	if err != nil {
		return err
	}
	val, err := linear.ReadExamples(filepath.Join(dir, t.code, "val.jsonl"))
	if err != nil {
		return err
	}
	t0 := time.Now()
	dtrain, err := featurizeAll(t, train)
	if err != nil {
		return fmt.Errorf("train.jsonl: %w", err)
	}
	dval, err := featurizeAll(t, val)
	if err != nil {
		return fmt.Errorf("val.jsonl: %w", err)
	}
	gold := dval.Gold()
	log.Info("featurized", "train", dtrain.Len(), "val", dval.Len(), "features_per_post", len(dtrain.Idx)/dtrain.Len(), "took", time.Since(t0).Round(time.Millisecond))
	var best *linear.Float
	bestR := -1.0
	var bestCfg linear.FitConfig
	for _, cfg := range t.configs {
		if err := ctx.Err(); err != nil {
			return err
		}
		t0 := time.Now()
		m := linear.Fit(dtrain, cfg)
		sc := valScores(m, dval)
		raw := confusion(t.classes, sc, gold)
		_, tuned := linear.TuneBias(t.classes, sc, gold, maxOffset, offsetPenalty)
		log.Info("fit", "epochs", cfg.Epochs, "rate", cfg.Rate, "l2", cfg.L2, "balanced", cfg.Balanced,
			"val_macro_recall", fmt.Sprintf("%.4f", raw.MacroRecall()), "tuned", fmt.Sprintf("%.4f", tuned),
			"f1", fmt.Sprintf("%.4f", raw.MacroF1()), "acc", fmt.Sprintf("%.4f", raw.Accuracy()), "took", time.Since(t0).Round(time.Millisecond))
		if tuned > bestR {
			best, bestR, bestCfg = m, tuned, cfg
		}
	}
	q := best.Quantized(t.name)
	q.Extra = t.extra
	// Tune offsets and temperature on the quantised model's own scores.
	sc := make([][linear.MaxClasses]float32, dval.Len())
	var f linear.Features
	for i := range sc {
		f.Idx, f.Val, f.Bits = dval.Idx[dval.Off[i]:dval.Off[i+1]], dval.Val[dval.Off[i]:dval.Off[i+1]], t.bits
		sc[i] = q.Scores(&f)
	}
	off, r := linear.TuneBias(t.classes, sc, gold, maxOffset, offsetPenalty)
	for i := range sc {
		sc[i] = t.classes.Offset(sc[i], off)
	}
	q.Bias = t.classes.Offset(q.Bias, off)
	q.Temp = linear.TuneTemp(t.classes, sc, gold)
	path := filepath.Join(out, t.code, "model.bin")
	fh, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create model file: %w", err)
	}
	if _, err := q.WriteTo(fh); err != nil {
		fh.Close()
		return err
	}
	if err := fh.Close(); err != nil {
		return fmt.Errorf("close model file: %w", err)
	}
	st, _ := os.Stat(path)
	log.Info("model written", "path", path, "bytes", st.Size(), "epochs", bestCfg.Epochs, "rate", bestCfg.Rate, "l2", bestCfg.L2,
		"offsets", fmt.Sprint(off), "temp", q.Temp, "val_macro_recall", fmt.Sprintf("%.4f", r))
	return nil
}
