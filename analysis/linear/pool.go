package linear

import (
	"fmt"
	"sync"

	"github.com/chorus-news/chorus"
)

// Scratch is a featurizer's working memory for one goroutine at a time: it
// holds the features of the last text it was filled with.
type Scratch interface {
	Features() *Features
}

// Pool runs a featurizer over reused scratch space, so that scoring a text
// does not allocate. The language packages (en, zh) build their models on
// it, and the trainer reads features through Into. It is safe for
// concurrent use.
type Pool[S Scratch] struct {
	pool sync.Pool
	fill func(s S, text string)
}

// NewPool makes a pool whose scratch space comes from alloc and is filled
// with a text's features by fill.
func NewPool[S Scratch](alloc func() S, fill func(s S, text string)) *Pool[S] {
	p := &Pool[S]{fill: fill}
	p.pool.New = func() any { return alloc() }
	return p
}

// Get returns scratch space filled with the features of text. Put it back
// when done.
func (p *Pool[S]) Get(text string) S {
	s := p.pool.Get().(S)
	p.fill(s, text)
	return s
}

// Put returns scratch space to the pool.
func (p *Pool[S]) Put(s S) { p.pool.Put(s) }

// Into replaces f with the features of text.
func (p *Pool[S]) Into(text string, f *Features) {
	s := p.Get(text)
	g := s.Features()
	f.Reset(g.Bits)
	f.Idx = append(f.Idx, g.Idx...)
	f.Val = append(f.Val, g.Val...)
	p.Put(s)
}

// Score rates text with m, which must have been trained on this
// featurizer's features.
func (p *Pool[S]) Score(m *Model, text string) chorus.Sentiment {
	s := p.Get(text)
	out := Sentiment(m.Predict(s.Features()), m.Name)
	p.Put(s)
	return out
}

// Scorer is a trained model with the featurizer it was trained on. It is
// safe for concurrent use.
type Scorer[S Scratch] struct {
	Model *Model
	Pool  *Pool[S]
}

// ReadScorer reads a model file written by the trainer; featurizer builds
// the featurizer from the model (its Extra holds the lexicon or table the
// featurizer was trained with). what names the model in errors.
func ReadScorer[S Scratch](data []byte, what string, featurizer func(m *Model) (*Pool[S], error)) (Scorer[S], error) {
	m, err := Read(data)
	if err != nil {
		return Scorer[S]{}, fmt.Errorf("%s: %w", what, err)
	}
	p, err := featurizer(m)
	if err != nil {
		return Scorer[S]{}, fmt.Errorf("%s: %w", what, err)
	}
	return Scorer[S]{Model: m, Pool: p}, nil
}

// Name is the model's name and version, as Sentiment.Model carries it.
func (s Scorer[S]) Name() string { return s.Model.Name }

// Score rates one text.
func (s Scorer[S]) Score(text string) chorus.Sentiment { return s.Pool.Score(s.Model, text) }
