package linear

import (
	"bytes"
	"compress/gzip"
	"math"
	"testing"
)

func TestConfusion(t *testing.T) {
	var c Confusion
	// gold negative: 3 right, 1 called neutral; gold neutral: 2 right;
	// gold positive: 1 right, 1 called negative.
	for _, p := range [][2]int{{0, 0}, {0, 0}, {0, 0}, {0, 1}, {1, 1}, {1, 1}, {2, 2}, {2, 0}} {
		c.Add(p[0], p[1])
	}
	tests := []struct {
		name      string
		got, want float64
	}{
		{"recall negative", c.Recall(Negative), 0.75},
		{"recall neutral", c.Recall(Neutral), 1},
		{"recall positive", c.Recall(Positive), 0.5},
		{"macro recall", c.MacroRecall(), 0.75},
		{"precision negative", c.Precision(Negative), 0.75},
		{"accuracy", c.Accuracy(), 6.0 / 8},
		{"macro f1", c.MacroF1(), (0.75 + 2*(2.0/3)/(1+2.0/3) + 2*0.5/1.5) / 3},
	}
	for _, tt := range tests {
		if math.Abs(tt.got-tt.want) > 1e-9 {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	if c.Total() != 8 {
		t.Errorf("Total = %d, want 8", c.Total())
	}
}

// toy makes a dataset where feature 1 means negative, 2 neutral, 3 positive,
// and feature 0 is on everywhere.
func toy() *Dataset {
	d := NewDataset(4, Identity)
	var f Features
	for i := range 300 {
		y := i % 3
		f.Reset(4)
		f.Idx = append(f.Idx, 0, uint32(y+1))
		f.Val = append(f.Val, 1, 1)
		d.Add(&f, y)
	}
	return d
}

func TestFitSeparable(t *testing.T) {
	d := toy()
	m := Fit(d, FitConfig{Epochs: 5, Rate: 0.1, Balanced: true, Seed: 1})
	q := m.Quantized("toy/1")
	for y := range NumClasses {
		f := Features{Idx: []uint32{0, uint32(y + 1)}, Val: []float32{1, 1}, Bits: 4}
		p := q.Predict(&f)
		if got := Argmax(p); got != y || p[y] < 0.9 {
			t.Errorf("class %d: predicted %d with p %v, want %d with p >= 0.9", y, got, p, y)
		}
	}
	again := Fit(d, FitConfig{Epochs: 5, Rate: 0.1, Balanced: true, Seed: 1})
	for i := range m.W {
		if m.W[i] != again.W[i] {
			t.Fatalf("Fit is not reproducible: weight %d = %v then %v", i, m.W[i], again.W[i])
		}
	}
}

func TestInnerClasses(t *testing.T) {
	// Two inner classes both map to negative.
	c := Classes{K: 4, Out: [MaxClasses]uint8{Negative, Negative, Neutral, Positive}}
	p := c.Merge([MaxClasses]float32{0, 0, 0, 0}, 1)
	if math.Abs(float64(p[Negative])-0.5) > 1e-6 || math.Abs(float64(p[Positive])-0.25) > 1e-6 {
		t.Errorf("Merge(equal scores) = %v, want [0.5 0.25 0.25]", p)
	}
	off := c.Offset([MaxClasses]float32{}, [NumClasses]float32{1, 0, -1})
	if off[0] != 1 || off[1] != 1 || off[2] != 0 || off[3] != -1 {
		t.Errorf("Offset = %v, want [1 1 0 -1 …]", off)
	}
}

func TestModelRoundTrip(t *testing.T) {
	m := Fit(toy(), FitConfig{Epochs: 2, Rate: 0.1, Seed: 1}).Quantized("toy/1")
	m.Temp = 1.5
	m.Extra = []byte("lexicon")
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := Read(buf.Bytes())
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if got.Name != m.Name || got.Bits != m.Bits || got.Temp != m.Temp || got.Scale != m.Scale ||
		got.Bias != m.Bias || got.Classes != m.Classes || string(got.Extra) != "lexicon" || len(got.W) != len(m.W) {
		t.Fatalf("Read(WriteTo(m)) = %+v, want %+v", got, m)
	}
	for i := range m.W {
		if got.W[i] != m.W[i] {
			t.Fatalf("weight %d = %d, want %d", i, got.W[i], m.W[i])
		}
	}
	// Files written before models were stored uncompressed were gzip'd.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(buf.Bytes())
	zw.Close()
	if old, err := Read(gz.Bytes()); err != nil || old.Name != m.Name || len(old.W) != len(m.W) || old.W[len(m.W)-1] != m.W[len(m.W)-1] {
		t.Errorf("Read(gzip'd model) = %+v, %v", old, err)
	}
	for _, bad := range [][]byte{nil, []byte("not a model"), []byte{0x1f, 0x8b, 1, 2}, buf.Bytes()[:buf.Len()/2]} {
		if _, err := Read(bad); err == nil {
			t.Errorf("Read(%d bad bytes) = nil error", len(bad))
		}
	}
}

func TestTuneBias(t *testing.T) {
	// Scores that favour neutral by 0.5 too much: an offset should fix it.
	var scores [][MaxClasses]float32
	var gold []int
	for y := range NumClasses {
		for range 10 {
			s := [MaxClasses]float32{0, 0.5, 0}
			s[y] += 0.4
			scores = append(scores, s)
			gold = append(gold, y)
		}
	}
	off, r := TuneBias(Identity, scores, gold, 1, 0.01)
	if r != 1 {
		t.Errorf("TuneBias macro recall = %v with offsets %v, want 1", r, off)
	}
	_, r = TuneBias(Identity, scores, gold, 0, 0)
	if math.Abs(r-1.0/3) > 1e-9 {
		t.Errorf("TuneBias with no room = %v, want 1/3", r)
	}
	if off, _ := TuneBias(Identity, scores, gold, 1, 10); off != [NumClasses]float32{} {
		t.Errorf("TuneBias with a prohibitive penalty = %v, want no offsets", off)
	}
}

func TestHashSpread(t *testing.T) {
	var f Features
	f.Reset(10)
	seen := map[uint32]bool{}
	for i := range 200 {
		f.Add(HashRune(Seed(1), rune(0x4E00+i)), 1)
	}
	for _, idx := range f.Idx {
		if idx >= 1<<10 {
			t.Fatalf("bucket %d out of range", idx)
		}
		seen[idx] = true
	}
	if len(seen) < 170 {
		t.Errorf("200 features fell in %d of 1024 buckets, want at least 170", len(seen))
	}
}
