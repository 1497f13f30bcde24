// Package analysis scores posts: it detects a post's language and hands the
// text to the model for that language. Languages without a model are
// Unscored, never guessed.
package analysis

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/analysis/en"
	"github.com/chorus-news/chorus/analysis/lang"
	"github.com/chorus-news/chorus/analysis/remote"
	"github.com/chorus-news/chorus/analysis/zh"
)

// Scorer is the plug-in seam: one model, text known to be in one language
// (lang is a base code: "en", "zh").
type Scorer interface {
	Score(text, lang string) chorus.Sentiment
}

// Options configure an Engine.
type Options struct {
	// Remote, if set, is the URL of an HTTP scoring service (package
	// remote); the built-in models score what it fails to.
	Remote string
	// RemoteTimeout bounds one request to Remote (2 s if zero).
	RemoteTimeout time.Duration
	// Logger receives load and fallback messages; nil discards them.
	Logger *slog.Logger
}

// textScorer is one language's model.
type textScorer interface {
	Score(text string) chorus.Sentiment
}

// Engine picks a model by language. It is safe for concurrent use.
type Engine struct {
	models map[string]textScorer
	en     *en.Model      // also reads emoji-only posts
	remote *remote.Client // nil: in-process only
}

// local scores with the built-in models only: the remote's fallback.
type local struct{ e *Engine }

func (l local) Score(text, code string) chorus.Sentiment { return l.e.scoreLocal(text, code) }

// unscored is the verdict for a language no model covers.
var unscored = chorus.Sentiment{Label: chorus.Unscored, Model: "none"}

// New loads the built-in models.
func New(opts Options) (*Engine, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t0 := time.Now()
	enModel, err := en.Load()
	if err != nil {
		return nil, fmt.Errorf("load sentiment models: %w", err)
	}
	zhModel, err := zh.Load()
	if err != nil {
		return nil, fmt.Errorf("load sentiment models: %w", err)
	}
	e := &Engine{models: map[string]textScorer{
		"en": enModel,
		"zh": zhModel,
	}, en: enModel}
	log.Info("sentiment models loaded", "en", enModel.Name(), "zh", zhModel.Name(), "took", time.Since(t0))
	if opts.Remote != "" {
		e.remote, err = remote.New(opts.Remote, local{e}, remote.Options{Timeout: opts.RemoteTimeout, Logger: log})
		if err != nil {
			return nil, err
		}
		shown := "(unparsable URL)"
		if u, err := url.Parse(opts.Remote); err == nil {
			shown = u.Redacted() // a password in the URL never reaches the log
		}
		log.Info("remote scorer", "url", shown)
	}
	return e, nil
}

// Analyze detects the language of text (hint is the platform's own tag such
// as X's "en" or "und", or "") and scores it with that language's model.
// See package lang for how the language is told. Languages without a model
// are Unscored, model "none". Text without letters is "und": if it has emoji
// or emoticons ("😍😍", ":)"), which read alike in every language, the
// English model (trained on tweets full of them) scores it; otherwise
// (digits, punctuation, nothing) it is Unscored.
func (e *Engine) Analyze(text, hint string) (string, chorus.Sentiment) {
	code := lang.Detect(text, hint)
	return code, e.Score(text, code)
}

// AnalyzeBatch is Analyze over many texts: texts[i] with the platform's tag
// hints[i], into langs[i] and out[i] (all four the same length). With a
// remote scorer configured the whole batch goes to it in requests of its
// batch size, not a request per post.
func (e *Engine) AnalyzeBatch(ctx context.Context, texts, hints, langs []string, out []chorus.Sentiment) {
	for i := range texts {
		langs[i] = lang.Detect(texts[i], hints[i])
	}
	e.ScoreBatch(ctx, texts, langs, out)
}

// ScoreBatch is Score over many texts, texts[i] known to be in language
// langs[i], into out[i], batched like AnalyzeBatch.
func (e *Engine) ScoreBatch(ctx context.Context, texts, langs []string, out []chorus.Sentiment) {
	if e.remote == nil {
		for i := range texts {
			out[i] = e.scoreLocal(texts[i], langs[i])
		}
		return
	}
	items := make([]remote.Item, len(texts))
	for i := range texts {
		items[i] = remote.Item{ID: strconv.Itoa(i), Text: texts[i], Lang: langs[i]}
	}
	copy(out, e.remote.ScoreBatch(ctx, items))
}

// Score scores text known to be in language code (a base code such as "en";
// a full tag such as "zh-Hant" is reduced to its base). With a remote
// scorer configured, the service is asked first.
func (e *Engine) Score(text, code string) chorus.Sentiment {
	if e.remote != nil {
		return e.remote.Score(text, code)
	}
	return e.scoreLocal(text, code)
}

func (e *Engine) scoreLocal(text, code string) chorus.Sentiment {
	if code == lang.Und {
		if s, ok := e.en.ScoreSymbols(text); ok {
			return s
		}
		return unscored
	}
	m, ok := e.models[code]
	if !ok {
		m, ok = e.models[lang.Base(code)]
	}
	if !ok {
		return unscored
	}
	return m.Score(text)
}
