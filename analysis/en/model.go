package en

import (
	_ "embed"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/analysis/linear"
)

//go:embed model.bin
var modelFile []byte

// Featurizer turns English text into hashed features. It is safe for
// concurrent use.
type Featurizer struct {
	*linear.Pool[*scratch]
	lex  Lexicon
	val  valences // lex by token hash
	bits uint
}

// NewFeaturizer makes a featurizer over 1<<bits buckets with a valence
// lexicon.
func NewFeaturizer(lex Lexicon, bits uint) *Featurizer {
	z := &Featurizer{lex: lex, val: newValences(lex), bits: bits}
	z.Pool = linear.NewPool(func() *scratch {
		return &scratch{buf: make([]byte, 0, 512), toks: make([]token, 0, 64),
			f: linear.Features{Idx: make([]uint32, 0, 512), Val: make([]float32, 0, 512)}}
	}, func(s *scratch, text string) { featurize(s, text, z) })
	return z
}

// Model is the trained English model. It is safe for concurrent use.
type Model struct {
	linear.Scorer[*scratch]
}

// Load reads the built-in model.
func Load() (*Model, error) { return Read(modelFile) }

// Read reads a model file written by the trainer.
func Read(data []byte) (*Model, error) {
	s, err := linear.ReadScorer(data, "english model", func(m *linear.Model) (*linear.Pool[*scratch], error) {
		lex, err := ParseLexicon(m.Extra)
		if err != nil {
			return nil, err
		}
		return NewFeaturizer(lex, m.Bits).Pool, nil
	})
	if err != nil {
		return nil, err
	}
	return &Model{s}, nil
}

// ScoreSymbols rates a text that has no letters by its emoji and emoticons,
// which read alike in every language. ok is false when it has none.
func (m *Model) ScoreSymbols(text string) (s chorus.Sentiment, ok bool) {
	sc := m.Pool.Get(text)
	defer m.Pool.Put(sc)
	for _, t := range sc.toks {
		if t.kind == tEmoji || t.kind == tEmoticon {
			return linear.Sentiment(m.Model.Predict(&sc.f), m.Model.Name), true
		}
	}
	return chorus.Sentiment{}, false
}

// EncodeLexicon writes a lexicon as sorted "entry\tvalence" lines.
func EncodeLexicon(lex Lexicon) []byte {
	keys := make([]string, 0, len(lex))
	for k := range lex {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte('\t')
		b.WriteString(strconv.FormatFloat(float64(lex[k]), 'g', 4, 32))
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// ParseLexicon reads what EncodeLexicon wrote.
func ParseLexicon(data []byte) (Lexicon, error) {
	lex := Lexicon{}
	for n, line := range strings.Split(string(data), "\n") {
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "\t")
		if !ok {
			return nil, fmt.Errorf("lexicon line %d: no tab", n+1)
		}
		f, err := strconv.ParseFloat(v, 32)
		if err != nil {
			return nil, fmt.Errorf("lexicon line %d: %w", n+1, err)
		}
		lex[k] = float32(f)
	}
	return lex, nil
}
