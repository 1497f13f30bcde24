// Package zh scores Chinese posts (Weibo, or Chinese on X): characters are
// simplified, mentions, links and reposts become markers, bracket emoticons
// ("[心]", "[怒]") become tokens with their polarity, and a linear model reads
// character 1–3-grams.
package zh

import (
	_ "embed"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/chorus-news/chorus/analysis/linear"
)

//go:embed model.bin
var modelFile []byte

// Featurizer turns Chinese text into hashed features. It is safe for
// concurrent use.
type Featurizer struct {
	*linear.Pool[*scratch]
	z featurizer
}

// NewFeaturizer makes a featurizer over 1<<bits buckets with an emoticon
// polarity table.
func NewFeaturizer(emo Emoticons, bits uint) (*Featurizer, error) {
	simp, err := NewSimplifier()
	if err != nil {
		return nil, err
	}
	z := &Featurizer{z: featurizer{simp: simp, emo: emo, bits: bits}}
	z.Pool = linear.NewPool(func() *scratch {
		return &scratch{units: make([]uint64, 0, 256), topics: make([]uint64, 0, 4),
			f: linear.Features{Idx: make([]uint32, 0, 512), Val: make([]float32, 0, 512)}}
	}, z.z.featurize)
	return z, nil
}

// Model is the trained Chinese model. It is safe for concurrent use.
type Model struct {
	linear.Scorer[*scratch]
}

// Load reads the built-in model.
func Load() (*Model, error) { return Read(modelFile) }

// Read reads a model file written by the trainer.
func Read(data []byte) (*Model, error) {
	s, err := linear.ReadScorer(data, "chinese model", func(m *linear.Model) (*linear.Pool[*scratch], error) {
		emo, err := ParseEmoticons(m.Extra)
		if err != nil {
			return nil, err
		}
		z, err := NewFeaturizer(emo, m.Bits)
		if err != nil {
			return nil, err
		}
		return z.Pool, nil
	})
	if err != nil {
		return nil, err
	}
	return &Model{s}, nil
}

// ParseEmoticons reads "emoticon\tpolarity" lines, the first two columns of
// weibo-emoticons.tsv; a header line and further columns are ignored.
func ParseEmoticons(data []byte) (Emoticons, error) {
	emo := Emoticons{}
	for n, line := range strings.Split(string(data), "\n") {
		f := strings.Split(strings.TrimRight(line, "\r"), "\t")
		if len(f) < 2 || f[0] == "emoticon" {
			continue
		}
		p, err := strconv.Atoi(f[1])
		if err != nil || p < -1 || p > 1 {
			return nil, fmt.Errorf("emoticons line %d: polarity %q: want -1, 0 or 1", n+1, f[1])
		}
		emo[f[0]] = int8(p)
	}
	return emo, nil
}

// EncodeEmoticons writes a table as sorted "emoticon\tpolarity" lines.
func EncodeEmoticons(emo Emoticons) []byte {
	keys := make([]string, 0, len(emo))
	for k := range emo {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s\t%d\n", k, emo[k])
	}
	return []byte(b.String())
}
