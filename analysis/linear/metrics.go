package linear

import (
	"fmt"
	"io"
)

// Confusion counts predictions against gold labels over NumClasses classes:
// Confusion[gold][predicted].
type Confusion [NumClasses][NumClasses]int

// Add records one prediction.
func (c *Confusion) Add(gold, pred int) { c[gold][pred]++ }

// Total is the number of predictions recorded.
func (c *Confusion) Total() int {
	n := 0
	for g := range c {
		for p := range c[g] {
			n += c[g][p]
		}
	}
	return n
}

// Recall of class k: correct k over gold k.
func (c *Confusion) Recall(k int) float64 {
	gold := 0
	for p := range c[k] {
		gold += c[k][p]
	}
	if gold == 0 {
		return 0
	}
	return float64(c[k][k]) / float64(gold)
}

// Precision of class k: correct k over predicted k.
func (c *Confusion) Precision(k int) float64 {
	pred := 0
	for g := range c {
		pred += c[g][k]
	}
	if pred == 0 {
		return 0
	}
	return float64(c[k][k]) / float64(pred)
}

// MacroRecall is the unweighted mean of the per-class recalls (SemEval-2017
// task 4A's main measure).
func (c *Confusion) MacroRecall() float64 {
	s := 0.0
	for k := range NumClasses {
		s += c.Recall(k)
	}
	return s / NumClasses
}

// MacroF1 is the unweighted mean of the per-class F1 scores.
func (c *Confusion) MacroF1() float64 {
	s := 0.0
	for k := range NumClasses {
		p, r := c.Precision(k), c.Recall(k)
		if p+r > 0 {
			s += 2 * p * r / (p + r)
		}
	}
	return s / NumClasses
}

// Accuracy is correct over all.
func (c *Confusion) Accuracy() float64 {
	n, ok := 0, 0
	for g := range c {
		for p := range c[g] {
			n += c[g][p]
			if g == p {
				ok += c[g][p]
			}
		}
	}
	if n == 0 {
		return 0
	}
	return float64(ok) / float64(n)
}

// Print writes the matrix with class names, gold down, predicted across.
func (c *Confusion) Print(w io.Writer) {
	fmt.Fprintf(w, "%-14s", "gold \\ pred")
	for p := range NumClasses {
		fmt.Fprintf(w, "%10s", ClassNames[p])
	}
	fmt.Fprintf(w, "%10s\n", "recall")
	for g := range NumClasses {
		fmt.Fprintf(w, "%-14s", ClassNames[g])
		for p := range NumClasses {
			fmt.Fprintf(w, "%10d", c[g][p])
		}
		fmt.Fprintf(w, "%10.3f\n", c.Recall(g))
	}
}
