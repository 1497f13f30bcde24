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

// Model is a multinomial logistic regression over 1<<Bits hashed buckets.
// Weights are stored as int16 with one scale; Predict is read-only and safe
// for concurrent use.
type Model struct {
	Name string
	Bits uint
	// W holds NumClasses weights per bucket, interleaved, times Scale.
	W     []int16
	Scale float32
	// Bias is added to each class score after the weights; it holds the
	// fitted intercepts plus the offsets tuned for macro recall.
	Bias [NumClasses]float32
	// Temp divides the scores before the softmax (calibration).
	Temp float32
	// Extra is opaque data the language package stores beside the weights
	// (a lexicon, a character table).
	Extra []byte
}

// Scores returns the raw class scores of f.
func (m *Model) Scores(f *Features) [NumClasses]float32 {
	var s [NumClasses]int64
	var fs [NumClasses]float32
	w := m.W
	for i, idx := range f.Idx {
		j := int(idx) * NumClasses
		if j+NumClasses > len(w) {
			continue
		}
		v := f.Val[i]
		if v == 1 {
			s[0] += int64(w[j])
			s[1] += int64(w[j+1])
			s[2] += int64(w[j+2])
			continue
		}
		fs[0] += v * float32(w[j])
		fs[1] += v * float32(w[j+1])
		fs[2] += v * float32(w[j+2])
	}
	var out [NumClasses]float32
	for k := range out {
		out[k] = (float32(s[k])+fs[k])*m.Scale + m.Bias[k]
	}
	return out
}

// Predict returns the class probabilities of f.
func (m *Model) Predict(f *Features) [NumClasses]float32 {
	return Softmax(m.Scores(f), m.Temp)
}

// Softmax turns scores into probabilities at temperature t (t <= 0 means 1).
func Softmax(s [NumClasses]float32, t float32) [NumClasses]float32 {
	if t <= 0 {
		t = 1
	}
	mx := s[0]
	for _, v := range s[1:] {
		mx = max(mx, v)
	}
	var p [NumClasses]float32
	var sum float32
	for k, v := range s {
		p[k] = float32(math.Exp(float64((v - mx) / t)))
		sum += p[k]
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

const magic = "chorus-linear/1\n"

// header is the fixed part of a model file, after the magic.
type header struct {
	Bits    uint32
	Classes uint32
	Scale   float32
	Temp    float32
	Bias    [NumClasses]float32
	NameLen uint32
	Extra   uint32
}

// WriteTo writes the model, gzip-compressed.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	var buf bytes.Buffer
	buf.WriteString(magic)
	h := header{Bits: uint32(m.Bits), Classes: NumClasses, Scale: m.Scale, Temp: m.Temp, Bias: m.Bias, NameLen: uint32(len(m.Name)), Extra: uint32(len(m.Extra))}
	if err := binary.Write(&buf, binary.LittleEndian, &h); err != nil {
		return 0, err
	}
	buf.WriteString(m.Name)
	buf.Write(m.Extra)
	if err := binary.Write(&buf, binary.LittleEndian, m.W); err != nil {
		return 0, err
	}
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return 0, err
	}
	n, err := zw.Write(buf.Bytes())
	if err != nil {
		return int64(n), fmt.Errorf("write model: %w", err)
	}
	if err := zw.Close(); err != nil {
		return int64(n), fmt.Errorf("write model: %w", err)
	}
	return int64(n), nil
}

// Read loads a model written by WriteTo.
func Read(data []byte) (*Model, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("read model: %w", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("read model: %w", err)
	}
	if !bytes.HasPrefix(raw, []byte(magic)) {
		return nil, errors.New("read model: not a chorus-linear/1 file")
	}
	r := bytes.NewReader(raw[len(magic):])
	var h header
	if err := binary.Read(r, binary.LittleEndian, &h); err != nil {
		return nil, fmt.Errorf("read model header: %w", err)
	}
	if h.Classes != NumClasses || h.Bits == 0 || h.Bits > 26 {
		return nil, fmt.Errorf("read model: %d classes, %d bits: unsupported", h.Classes, h.Bits)
	}
	want := int64(h.NameLen) + int64(h.Extra) + 2*int64(NumClasses)<<h.Bits
	if int64(r.Len()) != want {
		return nil, fmt.Errorf("read model: %d bytes after the header, want %d", r.Len(), want)
	}
	m := &Model{Bits: uint(h.Bits), Scale: h.Scale, Temp: h.Temp, Bias: h.Bias}
	name := make([]byte, h.NameLen)
	io.ReadFull(r, name)
	m.Name = string(name)
	m.Extra = make([]byte, h.Extra)
	io.ReadFull(r, m.Extra)
	m.W = make([]int16, NumClasses<<h.Bits)
	if err := binary.Read(r, binary.LittleEndian, m.W); err != nil {
		return nil, fmt.Errorf("read model weights: %w", err)
	}
	return m, nil
}
