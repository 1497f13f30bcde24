package linear

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// MaxClasses bounds the classes a model may have inside. A model can have
// more classes than the three labels it answers with: the Chinese model
// tells angry, sad and fearful posts apart and sums them into negative.
const MaxClasses = 8

// Classes says how a model's inner classes map to the output classes.
type Classes struct {
	K   int               // inner classes
	Out [MaxClasses]uint8 // inner class → Negative, Neutral or Positive
}

// Identity is the plain three-class layout.
var Identity = Classes{K: NumClasses, Out: [MaxClasses]uint8{Negative, Neutral, Positive}}

// Model is a multinomial logistic regression over 1<<Bits hashed buckets.
// Weights are stored as int16 with one scale. Predict is read-only and safe
// for concurrent use.
type Model struct {
	Name string
	Bits uint
	Classes
	// W holds K weights per bucket, interleaved, times Scale.
	W     []int16
	Scale float32
	// Bias is added to each inner class score; it holds the fitted
	// intercepts plus the offsets tuned for macro recall.
	Bias [MaxClasses]float32
	// Temp divides the scores before the softmax (calibration).
	Temp float32
	// Extra is opaque data the language package stores beside the weights
	// (a lexicon, an emoticon table).
	Extra []byte
}

// Scores returns the raw inner class scores of f (the first K are used).
func (m *Model) Scores(f *Features) [MaxClasses]float32 {
	var s [MaxClasses]int64
	var fs [MaxClasses]float32
	K := m.K
	w := m.W
	for i, idx := range f.Idx {
		j := int(idx) * K
		if j+K > len(w) {
			continue
		}
		row := w[j : j+K]
		if v := f.Val[i]; v == 1 {
			for k, x := range row {
				s[k] += int64(x)
			}
		} else {
			for k, x := range row {
				fs[k] += v * float32(x)
			}
		}
	}
	var out [MaxClasses]float32
	for k := range K {
		out[k] = (float32(s[k])+fs[k])*m.Scale + m.Bias[k]
	}
	return out
}

// Predict returns the output class probabilities of f.
func (m *Model) Predict(f *Features) [NumClasses]float32 {
	return m.Merge(m.Scores(f), m.Temp)
}

// Merge turns inner scores into output class probabilities: a softmax at
// temperature t (t <= 0 means 1) summed over the inner classes of each output.
func (c *Classes) Merge(s [MaxClasses]float32, t float32) [NumClasses]float32 {
	if t <= 0 {
		t = 1
	}
	mx := s[0]
	for _, v := range s[1:c.K] {
		mx = max(mx, v)
	}
	var p [NumClasses]float32
	var sum float32
	for k := range c.K {
		e := float32(math.Exp(float64((s[k] - mx) / t)))
		p[c.Out[k]] += e
		sum += e
	}
	for k := range p {
		p[k] /= sum
	}
	return p
}

// Argmax is the index of the largest value.
func Argmax(p [NumClasses]float32) int {
	best := 0
	for k := 1; k < NumClasses; k++ {
		if p[k] > p[best] {
			best = k
		}
	}
	return best
}

// Quantize stores float weights as int16 with one scale.
func Quantize(w []float32) ([]int16, float32) {
	var mx float32
	for _, v := range w {
		mx = max(mx, float32(math.Abs(float64(v))))
	}
	if mx == 0 {
		return make([]int16, len(w)), 1
	}
	scale := mx / 32767
	q := make([]int16, len(w))
	for i, v := range w {
		q[i] = int16(math.Round(float64(v / scale)))
	}
	return q, scale
}

const magic = "chorus-linear/2\n"

// header is the fixed part of a model file, after the magic.
type header struct {
	Bits    uint32
	K       uint32
	Out     [MaxClasses]uint8
	Scale   float32
	Temp    float32
	Bias    [MaxClasses]float32
	NameLen uint32
	Extra   uint32
}

// WriteTo writes the model uncompressed. The file is embedded in the
// binary, and every process that scores loads it at start: a copy of 6 MB
// takes a few milliseconds where inflating the gzip'd form took 50, a cost
// a short `chorus score` run paid in full. In the repository Git compresses
// it anyway.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	var buf bytes.Buffer
	buf.WriteString(magic)
	h := header{Bits: uint32(m.Bits), K: uint32(m.K), Out: m.Out, Scale: m.Scale, Temp: m.Temp, Bias: m.Bias,
		NameLen: uint32(len(m.Name)), Extra: uint32(len(m.Extra))}
	if err := binary.Write(&buf, binary.LittleEndian, &h); err != nil {
		return 0, err
	}
	buf.WriteString(m.Name)
	buf.Write(m.Extra)
	if err := binary.Write(&buf, binary.LittleEndian, m.W); err != nil {
		return 0, err
	}
	n, err := w.Write(buf.Bytes())
	if err != nil {
		return int64(n), fmt.Errorf("write model: %w", err)
	}
	return int64(n), nil
}

// Read loads a model written by WriteTo, or its gzip'd form (earlier files).
func Read(data []byte) (*Model, error) {
	raw := data
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("read model: %w", err)
		}
		if raw, err = io.ReadAll(zr); err != nil {
			return nil, fmt.Errorf("read model: %w", err)
		}
	}
	if !bytes.HasPrefix(raw, []byte(magic)) {
		return nil, errors.New("read model: not a " + magic[:len(magic)-1] + " file")
	}
	r := bytes.NewReader(raw[len(magic):])
	var h header
	if err := binary.Read(r, binary.LittleEndian, &h); err != nil {
		return nil, fmt.Errorf("read model header: %w", err)
	}
	if h.K < 2 || h.K > MaxClasses || h.Bits == 0 || h.Bits > 26 {
		return nil, fmt.Errorf("read model: %d classes, %d bits: unsupported", h.K, h.Bits)
	}
	for k := range h.K {
		if h.Out[k] >= NumClasses {
			return nil, fmt.Errorf("read model: inner class %d maps to output %d", k, h.Out[k])
		}
	}
	want := int64(h.NameLen) + int64(h.Extra) + 2*int64(h.K)<<h.Bits
	if int64(r.Len()) != want {
		return nil, fmt.Errorf("read model: %d bytes after the header, want %d", r.Len(), want)
	}
	rest := raw[len(raw)-r.Len():]
	m := &Model{Bits: uint(h.Bits), Classes: Classes{K: int(h.K), Out: h.Out}, Scale: h.Scale, Temp: h.Temp, Bias: h.Bias}
	m.Name = string(rest[:h.NameLen])
	rest = rest[h.NameLen:]
	m.Extra = bytes.Clone(rest[:h.Extra])
	rest = rest[h.Extra:]
	m.W = make([]int16, int(h.K)<<h.Bits)
	for i := range m.W {
		m.W[i] = int16(binary.LittleEndian.Uint16(rest[2*i:]))
	}
	return m, nil
}
