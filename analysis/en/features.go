package en

import (
	"math"
	"unicode"
	"unicode/utf8"

	"github.com/chorus-news/chorus/analysis/lang"
	"github.com/chorus-news/chorus/analysis/linear"
)

// MaxBytes bounds how much of a text is read: a tweet is at most a few
// hundred bytes, and a long note's first 4 KB carry its tone.
const MaxBytes = 4096

// charMax is the longest character n-gram of a word (with its ^ and $).
const charMax = 4

// Feature kinds: each seeds its own hash.
const (
	kUni = iota + 1
	kUniNeg
	kBi
	kChar
	kLex
	kMeta
	kCompound
	kTag
	kCharNeg // character n-grams of a word inside a negation scope
)

// tokKind says what a token is.
type tokKind uint8

const (
	tWord tokKind = iota
	tPunct
	tEmoji
	tEmoticon
	tMention
	tURL
	tHashtag
)

type token struct {
	start, end int32 // in scratch.buf
	h          uint64
	kind       tokKind
	neg        bool // inside a negation scope
	afterBut   bool
	caps       bool // ALL CAPS word of 2+ letters in mixed-case text
	elong      bool // had a letter repeated 3+ times
}

// scratch is one goroutine's working memory, reused through a sync.Pool.
type scratch struct {
	buf  []byte
	toks []token
	f    linear.Features
}

// Features is what the last featurize call filled in.
func (s *scratch) Features() *linear.Features { return &s.f }

// Lexicon maps a lower-cased word, emoticon or emoji to a valence (−4..4).
type Lexicon map[string]float32

// featurize fills s.f with the features of text.
func featurize(s *scratch, text string, z *Featurizer) {
	lex, bits := z.lex, z.bits
	if len(text) > MaxBytes {
		cut := MaxBytes
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	s.f.Reset(bits)
	s.buf = s.buf[:0]
	s.toks = s.toks[:0]
	tokenize(s, text, lex)
	markScopes(s)
	emit(s, &z.val)
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// tokenize splits text into tokens in s.toks, their normalised bytes in s.buf.
func tokenize(s *scratch, text string, lex Lexicon) {
	upper, lower := 0, 0
	for i := 0; i < len(text); {
		if isSpace(text[i]) {
			i++
			continue
		}
		j := i
		for j < len(text) && !isSpace(text[j]) {
			j++
		}
		chunk := text[i:j]
		i = j
		switch {
		case lang.IsURL(chunk):
			s.add(tURL, "<url>")
			continue
		case chunk[0] == '@' && len(chunk) > 1:
			s.add(tMention, "@user")
			k := 1
			for k < len(chunk) && (isAlnum(chunk[k]) || chunk[k] == '_') {
				k++
			}
			chunk = chunk[k:]
		}
		if len(chunk) == 0 {
			continue
		}
		if len(chunk) <= 8 && isEmoticon(chunk, lex) {
			s.add(tEmoticon, chunk)
			continue
		}
		tail := ""
		for _, n := range [...]int{3, 2} {
			if len(chunk) > n && isEmoticon(chunk[len(chunk)-n:], lex) && !isAlnum(chunk[len(chunk)-n]) {
				chunk, tail = chunk[:len(chunk)-n], chunk[len(chunk)-n:]
				break
			}
		}
		u, l := s.words(chunk)
		upper += u
		lower += l
		if tail != "" {
			s.add(tEmoticon, tail)
		}
	}
	// ALL CAPS words count as emphasis only when the text is not all caps.
	if upper == 0 || lower == 0 {
		for k := range s.toks {
			s.toks[k].caps = false
		}
	}
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// isEmoticon: in the lexicon and not a plain word. Every emoticon worth
// knowing has eyes or a heart (":;=8" or '<'), which spares most words the
// lookup.
func isEmoticon(s string, lex Lexicon) bool {
	eyes := false
	for i := 0; i < len(s) && !eyes; i++ {
		switch s[i] {
		case ':', ';', '=', '<', '>', '^', '(', ')':
			eyes = true
		}
	}
	if !eyes {
		return false
	}
	_, ok := lex[s]
	return ok
}

// add appends a token with bytes b.
func (s *scratch) add(k tokKind, b string) {
	start := len(s.buf)
	s.buf = append(s.buf, b...)
	s.push(k, start)
}

func (s *scratch) push(k tokKind, start int) {
	s.toks = append(s.toks, token{start: int32(start), end: int32(len(s.buf)), kind: k,
		h: linear.HashBytes(linear.Seed(0), s.buf[start:])})
}

// words splits a chunk without spaces into words, punctuation and emoji; it
// returns the counts of upper- and lower-case letters.
func (s *scratch) words(chunk string) (upper, lower int) {
	for i := 0; i < len(chunk); {
		c := chunk[i]
		switch {
		case c == '#' && i+1 < len(chunk) && isAlnum(chunk[i+1]):
			i++
			start := i
			for i < len(chunk) && (isAlnum(chunk[i]) || chunk[i] == '_') {
				i++
			}
			s.hashtag(chunk[start:i])
			continue
		case c < utf8.RuneSelf && (isAlnum(c) || c == '\''):
			// a word: letters, digits, inner apostrophes
		case c == '!' || c == '?':
			start := len(s.buf)
			n, q, e := 0, false, false
			for i < len(chunk) && (chunk[i] == '!' || chunk[i] == '?') {
				q = q || chunk[i] == '?'
				e = e || chunk[i] == '!'
				n++
				i++
			}
			switch {
			case q && e:
				s.buf = append(s.buf, "?!"...)
			case n > 1:
				s.buf = append(s.buf, c, c)
			default:
				s.buf = append(s.buf, c)
			}
			s.push(tPunct, start)
			continue
		case c < utf8.RuneSelf:
			start := len(s.buf)
			n := 0
			for i < len(chunk) && chunk[i] == c {
				n++
				i++
			}
			switch c {
			case '.', ',', ';', ':', '(', ')', '"', '-', '*', '&':
				s.buf = append(s.buf, c)
				if c == '.' && n > 1 {
					s.buf = append(s.buf, "..."[1:]...)
				}
				s.push(tPunct, start)
			}
			continue
		default:
			r, size := utf8.DecodeRuneInString(chunk[i:])
			if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '’' {
				break // a word with non-ASCII letters
			}
			i += size
			if isEmojiPart(r) {
				start := len(s.buf)
				s.buf = utf8.AppendRune(s.buf, r)
				s.push(tEmoji, start)
			}
			continue
		}
		// A word.
		start := len(s.buf)
		elong := false
		u, l := 0, 0
		for i < len(chunk) {
			r, size := rune(chunk[i]), 1
			if r >= utf8.RuneSelf {
				r, size = utf8.DecodeRuneInString(chunk[i:])
			}
			if r == '’' {
				r = '\''
			}
			if !(r < utf8.RuneSelf && (isAlnum(byte(r)) || r == '\'') || r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))) {
				break
			}
			i += size
			if unicode.IsUpper(r) {
				u++
			} else if unicode.IsLower(r) {
				l++
			}
			r = unicode.ToLower(r)
			// sooooo → soo: keep at most two of a repeated letter.
			if n := len(s.buf); n-start >= 2 && r < utf8.RuneSelf && s.buf[n-1] == byte(r) && s.buf[n-2] == byte(r) {
				elong = true
				continue
			}
			s.buf = utf8.AppendRune(s.buf, r)
		}
		// Trim apostrophes at the edges ('quoted' words).
		for len(s.buf) > start && s.buf[len(s.buf)-1] == '\'' {
			s.buf = s.buf[:len(s.buf)-1]
		}
		if len(s.buf) > start && s.buf[start] == '\'' {
			copy(s.buf[start:], s.buf[start+1:])
			s.buf = s.buf[:len(s.buf)-1]
		}
		if len(s.buf) == start {
			continue
		}
		s.push(tWord, start)
		t := &s.toks[len(s.toks)-1]
		t.elong = elong
		t.caps = u >= 2 && l == 0
		upper += u
		lower += l
	}
	return upper, lower
}

// hashtag adds "#tag" and the words of a CamelCase tag ("HappyBirthday" →
// happy, birthday).
func (s *scratch) hashtag(tag string) {
	start := len(s.buf)
	s.buf = append(s.buf, '#')
	for i := 0; i < len(tag); i++ {
		s.buf = append(s.buf, tag[i]|0x20*isUpperBit(tag[i]))
	}
	s.push(tHashtag, start)
	w := 0
	for i := 1; i <= len(tag); i++ {
		if i == len(tag) || isUpperByte(tag[i]) && !isUpperByte(tag[i-1]) || tag[i] == '_' {
			part := tag[w:i]
			if len(part) > 0 && part[0] == '_' {
				part = part[1:]
			}
			if len(part) > 0 && len(part) < len(tag) {
				st := len(s.buf)
				for k := 0; k < len(part); k++ {
					s.buf = append(s.buf, part[k]|0x20*isUpperBit(part[k]))
				}
				s.push(tWord, st)
			}
			w = i
		}
	}
}

func isUpperByte(c byte) bool { return c >= 'A' && c <= 'Z' }

func isUpperBit(c byte) byte {
	if isUpperByte(c) {
		return 1
	}
	return 0
}

// isEmojiPart: a pictograph or symbol worth a token (not modifiers, joiners
// or variation selectors).
func isEmojiPart(r rune) bool {
	switch {
	case r == 0x200D || r >= 0xFE00 && r <= 0xFE0F || r >= 0x1F3FB && r <= 0x1F3FF:
		return false
	case r >= 0x1F000 && r <= 0x1FAFF, r >= 0x2600 && r <= 0x27BF, r == 0x2764, r >= 0x2B00 && r <= 0x2BFF:
		return true
	}
	return unicode.Is(unicode.So, r)
}

// negators start a negation scope.
func isNegator(w []byte) bool {
	switch string(w) {
	case "not", "no", "never", "nothing", "nobody", "none", "neither", "nor", "nowhere",
		"cannot", "cant", "dont", "doesnt", "didnt", "isnt", "wasnt", "arent", "werent",
		"wont", "wouldnt", "shouldnt", "couldnt", "havent", "hasnt", "hadnt", "aint", "without", "nope":
		return true
	}
	n := len(w)
	return n > 3 && w[n-3] == 'n' && w[n-2] == '\'' && w[n-1] == 't'
}

// markScopes flags the words after a negator (up to three words, until
// punctuation) and every token after a contrastive "but".
func markScopes(s *scratch) {
	scope := 0
	after := false
	for k := range s.toks {
		t := &s.toks[k]
		w := s.buf[t.start:t.end]
		switch t.kind {
		case tWord:
			if string(w) == "but" || string(w) == "however" || string(w) == "although" || string(w) == "though" {
				after = true
				scope = 0
			} else if isNegator(w) {
				scope = 3
			} else if scope > 0 {
				t.neg = true
				scope--
			}
		case tPunct, tEmoticon, tEmoji:
			scope = 0
		}
		t.afterBut = after
	}
}

// emit turns tokens into features.
func emit(s *scratch, lex *valences) {
	f := &s.f
	prev := linear.Seed(99) // sentence start
	var pos, neg, posAfter, negAfter float32
	nLex, caps, elong, excl, quest := 0, 0, 0, 0, 0
	for k := range s.toks {
		t := &s.toks[k]
		w := s.buf[t.start:t.end]
		if t.neg {
			f.Add(linear.Mix(linear.Seed(kUniNeg), t.h), 1)
		} else {
			f.Add(linear.Mix(linear.Seed(kUni), t.h), 1)
		}
		f.Add(linear.Mix(linear.Mix(linear.Seed(kBi), prev), t.h), 1)
		prev = t.h
		if t.kind == tWord && len(w) >= 2 {
			// character 3..charMax-grams of "^word$"
			// Inside a negation scope a word's character n-grams are
			// features of their own too, or "bad"'s would still pull "not
			// bad" towards negative.
			kind := uint64(kChar)
			if t.neg {
				kind = kCharNeg
			}
			for i := -1; i < len(w); i++ {
				h := linear.Seed(kind)
				for n := 0; n < charMax; n++ {
					p := i + n
					switch {
					case p < 0:
						h = linear.HashByte(h, '^')
					case p < len(w):
						h = linear.HashByte(h, w[p])
					case p == len(w):
						h = linear.HashByte(h, '$')
					default:
						n = charMax
						continue
					}
					if n >= 2 {
						f.Add(h, 1)
					}
				}
			}
		}
		if t.caps {
			caps++
		}
		if t.elong {
			elong++
		}
		if t.kind == tPunct && len(w) > 0 {
			switch w[0] {
			case '!':
				excl++
			case '?':
				quest++
			}
		}
		v, ok := lex.get(t.h)
		if !ok {
			continue
		}
		nLex++
		if k > 0 {
			v *= booster(s.buf[s.toks[k-1].start:s.toks[k-1].end], v)
		}
		if t.caps {
			v *= 1.3
		}
		if t.neg {
			v *= -0.74
		}
		sign := "+"
		if v < 0 {
			sign = "-"
		}
		f.Add(linear.HashString(linear.Seed(kLex), sign), 1)
		if t.afterBut {
			if v > 0 {
				posAfter += v
			} else {
				negAfter -= v
			}
		} else if v > 0 {
			pos += v
		} else {
			neg -= v
		}
	}
	f.Add(linear.Mix(linear.Seed(kBi), prev), 1) // sentence end
	// Dense lexicon sums, squashed to 0..1.
	sq := func(x float32) float32 { return x / (x + 2) }
	f.Add(linear.HashString(linear.Seed(kLex), "pos"), sq(pos))
	f.Add(linear.HashString(linear.Seed(kLex), "neg"), sq(neg))
	f.Add(linear.HashString(linear.Seed(kLex), "pos-after-but"), sq(posAfter))
	f.Add(linear.HashString(linear.Seed(kLex), "neg-after-but"), sq(negAfter))
	// VADER-like compound, one-hot in 8 bins: lets the linear model bend it.
	total := 0.5*(pos-neg) + (posAfter - negAfter)
	if nLex > 0 {
		c := total / float32(math.Sqrt(float64(total*total+15)))
		bin := int((c + 1) * 4)
		bin = min(max(bin, 0), 7)
		f.Add(linear.HashByte(linear.Seed(kCompound), byte(bin)), 1)
	} else {
		f.Add(linear.HashByte(linear.Seed(kCompound), 99), 1)
	}
	meta := func(name byte, n int) {
		f.Add(linear.HashByte(linear.HashByte(linear.Seed(kMeta), name), byte(min(n, 3))), 1)
	}
	meta('c', caps)
	meta('e', elong)
	meta('!', excl)
	meta('?', quest)
}

// booster is the factor a preceding intensifier or hedge puts on valence v.
func booster(prev []byte, v float32) float32 {
	switch string(prev) {
	case "very", "really", "so", "extremely", "absolutely", "totally", "completely", "incredibly",
		"super", "soo", "sooo", "too", "most", "fucking", "freaking", "damn", "truly", "highly", "deeply":
		return 1.3
	case "kinda", "somewhat", "slightly", "barely", "hardly", "little", "bit", "almost", "sorta":
		return 0.7
	}
	return 1
}

// valences is the lexicon keyed by token hash, in an open-addressing table:
// a lookup is one probe or two, with no string hashing.
type valences struct {
	keys []uint64
	vals []float32
	mask uint64
}

func newValences(lex Lexicon) valences {
	n := 1
	for n < 2*len(lex)+1 {
		n <<= 1
	}
	v := valences{keys: make([]uint64, n), vals: make([]float32, n), mask: uint64(n - 1)}
	for w, x := range lex {
		h := linear.HashString(linear.Seed(0), w)
		if h == 0 {
			continue // 0 marks an empty slot
		}
		i := h & v.mask
		for v.keys[i] != 0 && v.keys[i] != h {
			i = (i + 1) & v.mask
		}
		v.keys[i], v.vals[i] = h, x
	}
	return v
}

func (v *valences) get(h uint64) (float32, bool) {
	if len(v.keys) == 0 {
		return 0, false
	}
	for i := h & v.mask; ; i = (i + 1) & v.mask {
		switch v.keys[i] {
		case h:
			return v.vals[i], true
		case 0:
			return 0, false
		}
	}
}
