// Package en scores English posts.
package en

import (
	"math"

	"github.com/chorus-news/chorus"
	"github.com/jonreiter/govader"
)

// VaderModel names the lexicon baseline.
const VaderModel = "en-vader/1"

// Vader is the rule-based VADER baseline (github.com/jonreiter/govader, MIT),
// with the usual ±0.05 thresholds on its compound score. It is safe for
// concurrent use.
type Vader struct {
	sia *govader.SentimentIntensityAnalyzer
}

// NewVader loads the VADER lexicon (about 5 ms).
func NewVader() *Vader {
	return &Vader{sia: govader.NewSentimentIntensityAnalyzer()}
}

// Score rates one English text. Confidence is a heuristic, not a calibrated
// probability: it grows with the compound score's distance from the threshold.
func (v *Vader) Score(text string) chorus.Sentiment {
	c := v.sia.PolarityScores(text).Compound
	s := chorus.Sentiment{Score: c, Model: VaderModel}
	switch {
	case c >= 0.05:
		s.Label, s.Confidence = chorus.Positive, 0.5+0.5*c
	case c <= -0.05:
		s.Label, s.Confidence = chorus.Negative, 0.5-0.5*c
	default:
		s.Label, s.Confidence = chorus.Neutral, 1-math.Abs(c)*5
	}
	return s
}
