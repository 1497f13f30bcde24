package zh

import (
	_ "embed"
	"fmt"
	"strings"
	"unicode/utf8"
)

//go:embed t2s.txt
var t2sFile string

// The conversion table covers the CJK blocks from U+3400 to U+9FFF, where
// every traditional character of the table lives.
const (
	t2sLo = 0x3400
	t2sHi = 0x9FFF
)

// Simplifier maps traditional characters to simplified ones, one character
// to one character, in O(1) and without allocating.
type Simplifier struct {
	to []uint16 // to[r-t2sLo] is the simplified rune, or 0 for unchanged
}

// NewSimplifier builds the table from the embedded OpenCC-derived list.
func NewSimplifier() (*Simplifier, error) {
	s := &Simplifier{to: make([]uint16, t2sHi-t2sLo+1)}
	for n, line := range strings.Split(t2sFile, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		t, size := utf8.DecodeRuneInString(line)
		sim, size2 := utf8.DecodeRuneInString(line[size:])
		if size+size2 != len(line) || sim > 0xFFFF {
			return nil, fmt.Errorf("t2s.txt:%d: want two characters, got %q", n+1, line)
		}
		if t >= t2sLo && t <= t2sHi {
			s.to[t-t2sLo] = uint16(sim)
		}
	}
	return s, nil
}

// Rune returns the simplified form of r (r itself if it has none).
func (s *Simplifier) Rune(r rune) rune {
	if r >= t2sLo && r <= t2sHi {
		if v := s.to[r-t2sLo]; v != 0 {
			return rune(v)
		}
	}
	return r
}

// String returns s with every character simplified.
func (s *Simplifier) String(text string) string {
	var b strings.Builder
	b.Grow(len(text))
	for _, r := range text {
		b.WriteRune(s.Rune(r))
	}
	return b.String()
}
