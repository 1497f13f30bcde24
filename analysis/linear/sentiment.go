package linear

import "github.com/chorus-news/chorus"

// Sentiment turns class probabilities into a chorus.Sentiment: the most
// probable label, its probability as confidence, and P(positive) −
// P(negative) as the score.
func Sentiment(p [NumClasses]float32, model string) chorus.Sentiment {
	k := Argmax(p)
	return chorus.Sentiment{
		Label:      ClassLabels[k],
		Score:      float64(p[Positive] - p[Negative]),
		Confidence: float64(p[k]),
		Model:      model,
	}
}
