package linear

// Features is one text's sparse feature vector: hashed bucket ids and
// values. Extractors append to it; Reset keeps the capacity, so a reused
// Features does not allocate.
type Features struct {
	Idx []uint32
	Val []float32
	// Bits is log2 of the bucket count the ids are folded into.
	Bits uint
}

// Reset empties f for a new text with 1<<bits buckets.
func (f *Features) Reset(bits uint) {
	f.Idx, f.Val, f.Bits = f.Idx[:0], f.Val[:0], bits
}

// Add appends the feature with hash h and value v.
func (f *Features) Add(h uint64, v float32) {
	f.Idx = append(f.Idx, uint32((h*0x9E3779B97F4A7C15)>>(64-f.Bits)))
	f.Val = append(f.Val, v)
}

// Len is the number of features added.
func (f *Features) Len() int { return len(f.Idx) }

// Scale multiplies the values from index from onwards by s.
func (f *Features) Scale(from int, s float32) {
	for i := from; i < len(f.Val); i++ {
		f.Val[i] *= s
	}
}

// Hashing: FNV-1a over bytes, seeded per feature kind so that the same
// string in two kinds lands in different buckets.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// Seed starts a hash for feature kind k.
func Seed(k uint64) uint64 { return (fnvOffset ^ k) * fnvPrime }

// HashByte extends h by one byte.
func HashByte(h uint64, b byte) uint64 { return (h ^ uint64(b)) * fnvPrime }

// HashRune extends h by one rune.
func HashRune(h uint64, r rune) uint64 {
	h = (h ^ uint64(r&0xFF)) * fnvPrime
	h = (h ^ uint64(r>>8&0xFF)) * fnvPrime
	return (h ^ uint64(r>>16)) * fnvPrime
}

// HashString extends h by the bytes of s.
func HashString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h
}

// HashBytes extends h by the bytes of b.
func HashBytes(h uint64, b []byte) uint64 {
	for _, c := range b {
		h = (h ^ uint64(c)) * fnvPrime
	}
	return h
}

// Mix combines two hashes (for bigrams of already hashed tokens).
func Mix(a, b uint64) uint64 {
	return (a^(b+0x9E3779B97F4A7C15+(a<<6)+(a>>2)))*fnvPrime ^ b>>29
}
