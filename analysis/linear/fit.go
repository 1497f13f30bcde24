package linear

import (
	"math"
	"math/rand/v2"
)

// Dataset holds featurized examples back to back.
type Dataset struct {
	Bits uint
	Idx  []uint32
	Val  []float32
	Off  []int // example i is Idx[Off[i]:Off[i+1]]
	Y    []int
}

// NewDataset starts an empty dataset over 1<<bits buckets.
func NewDataset(bits uint) *Dataset { return &Dataset{Bits: bits, Off: []int{0}} }

// Add appends one example.
func (d *Dataset) Add(f *Features, y int) {
	d.Idx = append(d.Idx, f.Idx...)
	d.Val = append(d.Val, f.Val...)
	d.Off = append(d.Off, len(d.Idx))
	d.Y = append(d.Y, y)
}

// Len is the number of examples.
func (d *Dataset) Len() int { return len(d.Y) }

// FitConfig sets the optimiser.
type FitConfig struct {
	Epochs int
	Rate   float64 // AdaGrad step
	L2     float64 // per-update weight decay on the touched weights
	// Balanced weights each example by N / (NumClasses · N_class), so every
	// class weighs the same in the loss: the loss of macro recall.
	Balanced bool
	Seed     uint64
	// Average returns the mean of the weights at the end of each epoch after
	// the first (snapshot averaging), which generalises better than the
	// last iterate.
	Average bool
}

// Float is a model with float weights, before quantisation.
type Float struct {
	Bits uint
	W    []float32
	Bias [NumClasses]float32
}

// Fit trains multinomial logistic regression by AdaGrad SGD in a fixed,
// seeded order, so the same data and config give the same weights.
func Fit(d *Dataset, cfg FitConfig) *Float {
	n := d.Len()
	m := &Float{Bits: d.Bits, W: make([]float32, NumClasses<<d.Bits)}
	g2 := make([]float32, len(m.W))
	var b2 [NumClasses]float64
	var cw [NumClasses]float64
	var count [NumClasses]int
	for _, y := range d.Y {
		count[y]++
	}
	for k := range cw {
		cw[k] = 1
		if cfg.Balanced && count[k] > 0 {
			cw[k] = float64(n) / float64(NumClasses*count[k])
		}
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5EED))
	const eps = 1e-6
	rate := float32(cfg.Rate)
	l2 := float32(cfg.L2)
	var avg *Float
	snaps := 0
	for epoch := range cfg.Epochs {
		if cfg.Average && epoch >= 2 {
			if avg == nil {
				avg = &Float{Bits: d.Bits, W: make([]float32, len(m.W))}
			}
			snaps++
			addInto(avg, m)
		}
		rng.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			idx, val := d.Idx[d.Off[i]:d.Off[i+1]], d.Val[d.Off[i]:d.Off[i+1]]
			var s [NumClasses]float32
			for k := range s {
				s[k] = m.Bias[k]
			}
			for j, b := range idx {
				w := m.W[int(b)*NumClasses:]
				for k := range NumClasses {
					s[k] += val[j] * w[k]
				}
			}
			p := Softmax(s, 1)
			var g [NumClasses]float32
			y := d.Y[i]
			for k := range g {
				t := float32(0)
				if k == y {
					t = 1
				}
				g[k] = float32(cw[y]) * (p[k] - t)
			}
			for j, b := range idx {
				base := int(b) * NumClasses
				for k := range NumClasses {
					gr := g[k]*val[j] + l2*m.W[base+k]
					g2[base+k] += gr * gr
					m.W[base+k] -= rate * gr / float32(math.Sqrt(float64(g2[base+k])+eps))
				}
			}
			for k := range NumClasses {
				b2[k] += float64(g[k] * g[k])
				m.Bias[k] -= rate * g[k] / float32(math.Sqrt(b2[k]+eps))
			}
		}
	}
	if avg == nil {
		return m
	}
	snaps++
	addInto(avg, m)
	inv := 1 / float32(snaps)
	for i := range avg.W {
		avg.W[i] *= inv
	}
	for k := range avg.Bias {
		avg.Bias[k] *= inv
	}
	return avg
}

// addInto adds m's weights to sum.
func addInto(sum, m *Float) {
	for i, w := range m.W {
		sum.W[i] += w
	}
	for k, b := range m.Bias {
		sum.Bias[k] += b
	}
}

// Scores returns the raw class scores of one featurized example.
func (m *Float) Scores(idx []uint32, val []float32) [NumClasses]float32 {
	s := m.Bias
	for j, b := range idx {
		w := m.W[int(b)*NumClasses:]
		for k := range NumClasses {
			s[k] += val[j] * w[k]
		}
	}
	return s
}

// Quantized turns m into a Model with int16 weights.
func (m *Float) Quantized(name string) *Model {
	q, scale := Quantize(m.W)
	return &Model{Name: name, Bits: m.Bits, W: q, Scale: scale, Bias: m.Bias, Temp: 1}
}

// TuneBias searches class offsets (negative and positive, neutral fixed at 0)
// that maximise macro recall over the given scores and gold classes. It
// returns the offsets and the recall they reach.
func TuneBias(scores [][NumClasses]float32, gold []int) ([NumClasses]float32, float64) {
	var best [NumClasses]float32
	bestR := -1.0
	for a := -1.5; a <= 1.5001; a += 0.05 {
		for c := -1.5; c <= 1.5001; c += 0.05 {
			off := [NumClasses]float32{float32(a), 0, float32(c)}
			var cm Confusion
			for i, s := range scores {
				for k := range s {
					s[k] += off[k]
				}
				cm.Add(gold[i], Argmax(s))
			}
			// Prefer small offsets on ties: they are less fitted to val.
			if r := cm.MacroRecall(); r > bestR+1e-9 || (r > bestR-1e-9 && math.Abs(a)+math.Abs(c) < math.Abs(float64(best[0]))+math.Abs(float64(best[2]))) {
				best, bestR = off, r
			}
		}
	}
	return best, bestR
}

// TuneTemp finds the softmax temperature that minimises the log loss of the
// scores (already including any offsets) against gold: calibration.
func TuneTemp(scores [][NumClasses]float32, gold []int) float32 {
	best, bestLoss := float32(1), math.Inf(1)
	for t := float32(0.3); t <= 3.0001; t += 0.05 {
		loss := 0.0
		for i, s := range scores {
			p := Softmax(s, t)
			loss -= math.Log(math.Max(float64(p[gold[i]]), 1e-9))
		}
		if loss < bestLoss {
			best, bestLoss = t, loss
		}
	}
	return best
}

// FitNB fits multinomial naive Bayes over the same features (binary
// presence, smoothing alpha) and returns it as a linear model: per bucket,
// the log-likelihood of each class centred over the classes, so that it can
// be added to a logistic model's weights (Blend). The bias is zero: class
// priors are left to the logistic part and the tuned offsets.
func FitNB(d *Dataset, alpha float64) *Float {
	nb := NumClasses << d.Bits
	counts := make([]float64, nb)
	var total [NumClasses]float64
	for i := range d.Len() {
		y := d.Y[i]
		for _, b := range d.Idx[d.Off[i]:d.Off[i+1]] {
			counts[int(b)*NumClasses+y]++
			total[y]++
		}
	}
	m := &Float{Bits: d.Bits, W: make([]float32, nb)}
	v := float64(int(1) << d.Bits)
	for b := 0; b < nb; b += NumClasses {
		seen := false
		for k := range NumClasses {
			seen = seen || counts[b+k] > 0
		}
		if !seen {
			continue
		}
		var lp [NumClasses]float64
		mean := 0.0
		for k := range NumClasses {
			lp[k] = math.Log((counts[b+k] + alpha) / (total[k] + alpha*v))
			mean += lp[k] / NumClasses
		}
		for k := range NumClasses {
			m.W[b+k] = float32(lp[k] - mean)
		}
	}
	return m
}

// Blend returns a + beta·b.
func Blend(a, b *Float, beta float32) *Float {
	m := &Float{Bits: a.Bits, W: make([]float32, len(a.W)), Bias: a.Bias}
	for i := range a.W {
		m.W[i] = a.W[i] + beta*b.W[i]
	}
	for k := range m.Bias {
		m.Bias[k] += beta * b.Bias[k]
	}
	return m
}
