package linear

import (
	"math"
	"math/rand/v2"
)

// Dataset holds featurized examples back to back.
type Dataset struct {
	Bits uint
	Classes
	Idx []uint32
	Val []float32
	Off []int // example i is Idx[Off[i]:Off[i+1]]
	Y   []int // inner class
}

// NewDataset starts an empty dataset over 1<<bits buckets.
func NewDataset(bits uint, c Classes) *Dataset {
	return &Dataset{Bits: bits, Classes: c, Off: []int{0}}
}

// Add appends one example of inner class y.
func (d *Dataset) Add(f *Features, y int) {
	d.Idx = append(d.Idx, f.Idx...)
	d.Val = append(d.Val, f.Val...)
	d.Off = append(d.Off, len(d.Idx))
	d.Y = append(d.Y, y)
}

// Len is the number of examples.
func (d *Dataset) Len() int { return len(d.Y) }

// Gold returns the output class of every example.
func (d *Dataset) Gold() []int {
	g := make([]int, len(d.Y))
	for i, y := range d.Y {
		g[i] = int(d.Out[y])
	}
	return g
}

// FitConfig sets the optimiser.
type FitConfig struct {
	Epochs int
	Rate   float64 // AdaGrad step
	L2     float64 // per-update weight decay on the touched weights
	// Balanced weights each example so that every output class weighs the
	// same in the loss: the loss of macro recall.
	Balanced bool
	Seed     uint64
	// Average returns the mean of the weights at the end of each epoch after
	// the first (snapshot averaging), which generalises a little better than
	// the last iterate.
	Average bool
	// Dropout drops each feature of an example with this probability at
	// each visit (and scales the rest up): a regulariser for bags of n-grams.
	Dropout float64
}

// Float is a model with float weights, before quantisation.
type Float struct {
	Bits uint
	Classes
	W    []float32
	Bias [MaxClasses]float32
}

// Fit trains multinomial logistic regression over the inner classes by
// AdaGrad SGD in a fixed, seeded order, so the same data and config give the
// same weights.
func Fit(d *Dataset, cfg FitConfig) *Float {
	n := d.Len()
	K := d.K
	m := &Float{Bits: d.Bits, Classes: d.Classes, W: make([]float32, K<<d.Bits)}
	g2 := make([]float32, len(m.W))
	var b2 [MaxClasses]float64
	var cw [MaxClasses]float64
	var count [NumClasses]int
	for _, y := range d.Y {
		count[d.Out[y]]++
	}
	for k := range K {
		cw[k] = 1
		if c := count[d.Out[k]]; cfg.Balanced && c > 0 {
			cw[k] = float64(n) / float64(NumClasses*c)
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
	var dropIdx []uint32
	var dropVal []float32
	for epoch := range cfg.Epochs {
		if cfg.Average && epoch >= 2 {
			if avg == nil {
				avg = &Float{Bits: d.Bits, Classes: d.Classes, W: make([]float32, len(m.W))}
			}
			snaps++
			addInto(avg, m)
		}
		rng.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			idx, val := d.Idx[d.Off[i]:d.Off[i+1]], d.Val[d.Off[i]:d.Off[i+1]]
			if cfg.Dropout > 0 {
				idx, val = dropout(rng, idx, val, cfg.Dropout, &dropIdx, &dropVal)
			}
			s := m.Scores(idx, val)
			p := softmax(s, K)
			var g [MaxClasses]float32
			y := d.Y[i]
			for k := range K {
				t := float32(0)
				if k == y {
					t = 1
				}
				g[k] = float32(cw[y]) * (p[k] - t)
			}
			for j, b := range idx {
				base := int(b) * K
				for k := range K {
					gr := g[k]*val[j] + l2*m.W[base+k]
					g2[base+k] += gr * gr
					m.W[base+k] -= rate * gr / float32(math.Sqrt(float64(g2[base+k])+eps))
				}
			}
			for k := range K {
				b2[k] += float64(g[k] * g[k])
				m.Bias[k] -= rate * g[k] / float32(math.Sqrt(b2[k]+eps))
			}
		}
	}
	if avg != nil {
		snaps++
		addInto(avg, m)
		inv := 1 / float32(snaps)
		for i := range avg.W {
			avg.W[i] *= inv
		}
		for k := range avg.Bias {
			avg.Bias[k] *= inv
		}
		m = avg
	}
	return m
}

// dropout keeps each feature with probability 1-p, scaled by 1/(1-p), in
// the reused buffers.
func dropout(rng *rand.Rand, idx []uint32, val []float32, p float64, bi *[]uint32, bv *[]float32) ([]uint32, []float32) {
	*bi, *bv = (*bi)[:0], (*bv)[:0]
	keep := float32(1 / (1 - p))
	for j := range idx {
		if rng.Float64() >= p {
			*bi = append(*bi, idx[j])
			*bv = append(*bv, val[j]*keep)
		}
	}
	return *bi, *bv
}

// softmax over the first K scores.
func softmax(s [MaxClasses]float32, K int) [MaxClasses]float32 {
	mx := s[0]
	for _, v := range s[1:K] {
		mx = max(mx, v)
	}
	var p [MaxClasses]float32
	var sum float32
	for k := range K {
		p[k] = float32(math.Exp(float64(s[k] - mx)))
		sum += p[k]
	}
	for k := range K {
		p[k] /= sum
	}
	return p
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

// Scores returns the raw inner class scores of one featurized example.
func (m *Float) Scores(idx []uint32, val []float32) [MaxClasses]float32 {
	s := m.Bias
	K := m.K
	for j, b := range idx {
		w := m.W[int(b)*K : int(b)*K+K]
		v := val[j]
		for k, x := range w {
			s[k] += v * x
		}
	}
	return s
}

// Quantized turns m into a Model with int16 weights.
func (m *Float) Quantized(name string) *Model {
	q, scale := Quantize(m.W)
	return &Model{Name: name, Bits: m.Bits, Classes: m.Classes, W: q, Scale: scale, Bias: m.Bias, Temp: 1}
}

// Offset adds an output-class offset to the inner scores: each inner class
// gets its output's offset, which scales that output's merged probability
// by e^offset.
func (c *Classes) Offset(s [MaxClasses]float32, off [NumClasses]float32) [MaxClasses]float32 {
	for k := range c.K {
		s[k] += off[c.Out[k]]
	}
	return s
}

// TuneBias searches output offsets within ±limit (negative and positive;
// neutral fixed at 0) that maximise macro recall over the inner scores and
// gold output classes, less a penalty of penalty·(|offsets|): an offset has
// to buy more recall than val noise to be taken. It returns the offsets and
// the (unpenalised) recall they reach.
func TuneBias(c Classes, scores [][MaxClasses]float32, gold []int, limit, penalty float64) ([NumClasses]float32, float64) {
	var best [NumClasses]float32
	bestObj, bestR := math.Inf(-1), 0.0
	steps := int(math.Round(limit / 0.05))
	for i := -steps; i <= steps; i++ {
		for j := -steps; j <= steps; j++ {
			a, b := float64(i)*0.05, float64(j)*0.05
			off := [NumClasses]float32{float32(a), 0, float32(b)}
			var cm Confusion
			for n, s := range scores {
				cm.Add(gold[n], Argmax(c.Merge(c.Offset(s, off), 1)))
			}
			r := cm.MacroRecall()
			if obj := r - penalty*(math.Abs(a)+math.Abs(b)); obj > bestObj+1e-12 {
				best, bestObj, bestR = off, obj, r
			}
		}
	}
	return best, bestR
}

// TuneTemp finds the softmax temperature that minimises the log loss of the
// scores (already including any offsets) against gold: calibration.
func TuneTemp(c Classes, scores [][MaxClasses]float32, gold []int) float32 {
	best, bestLoss := float32(1), math.Inf(1)
	for t := float32(0.3); t <= 3.0001; t += 0.05 {
		loss := 0.0
		for i, s := range scores {
			p := c.Merge(s, t)
			loss -= math.Log(math.Max(float64(p[gold[i]]), 1e-9))
		}
		if loss < bestLoss {
			best, bestLoss = t, loss
		}
	}
	return best
}
