package linear

import (
	"math"

	"github.com/chorus-news/chorus"
)

// Sentiment turns class probabilities into a chorus.Sentiment: the most
// probable label, its probability as confidence, and P(positive) −
// P(negative) as the score.
func Sentiment(p [NumClasses]float32, model string) chorus.Sentiment {
	k := Argmax(p)
	return chorus.Sentiment{
		Label:      ClassLabels[k],
		Score:      round4(float64(p[Positive] - p[Negative])),
		Confidence: round4(float64(p[k])),
		Model:      model,
	}
}

// round4 keeps four decimals: more is noise, and JSON stays short.
func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
