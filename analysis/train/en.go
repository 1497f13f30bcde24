package main

import (
	"strings"

	"github.com/chorus-news/chorus/analysis/en"
	"github.com/chorus-news/chorus/analysis/linear"
	"github.com/jonreiter/govader"
)

// enLexicon is VADER's lexicon (github.com/jonreiter/govader, MIT; the
// lexicon is C.J. Hutto's, MIT) plus a valence for each emoji, the sum of
// the valences of the words of its name.
func enLexicon() en.Lexicon {
	sia := govader.NewSentimentIntensityAnalyzer()
	lex := en.Lexicon{}
	for w, v := range sia.Lexicon {
		lex[w] = float32(v)
	}
	for e, desc := range sia.EmojiDict {
		var v float64
		for _, w := range strings.Fields(strings.ToLower(desc)) {
			v += sia.Lexicon[w]
		}
		v = max(-4, min(4, v))
		if v != 0 {
			lex[e] = float32(v)
		}
	}
	return lex
}

func enTask(dir string) (*task, error) {
	const bits = 18
	lex := enLexicon()
	z := en.NewFeaturizer(lex, bits)
	// Explored on val: rates 0.003–0.1, 3–15 epochs, L2 1e-4–1e-2 (small
	// steps won); char 3–5-grams and 2^20 buckets (no better than 3–4-grams
	// and 2^18, which are faster and 4× smaller); dropout and snapshot
	// averaging (±0.003).
	cfgs := []linear.FitConfig{{Epochs: 8, Rate: 0.003, L2: 1e-3, Balanced: true, Seed: 1}}
	return &task{code: "en", name: "en-linear/2", bits: bits, featurize: z.Into, extra: en.EncodeLexicon(lex), configs: cfgs, classes: linear.Identity}, nil
}
