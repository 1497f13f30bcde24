package zh

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/chorus-news/chorus/analysis/lang"
	"github.com/chorus-news/chorus/analysis/linear"
)

// MaxBytes bounds how much of a text is read (about 1,300 Han characters; a
// Weibo post averages 45).
const MaxBytes = 4096

// Feature kinds: each seeds its own hash.
const (
	kGram     = 1 // unit n-grams, n = 1..3
	kEmoticon = 7
	kPolarity = 8
	kMeta     = 9
	kOwn      = 10
	kTopic    = 11
	kNegGram  = 12 // a negator and the two characters after it
	kNegScope = 13 // 1- and 2-grams a negator governs
)

// Special units in the character stream, outside Unicode.
const (
	uURL     = 0x110000 + iota
	uMention // @name
	uRepost  // //@name: the start of a quoted repost
	uDigit   // any run of digits
	uEmoticon
)

// scratch is one goroutine's working memory, reused through a sync.Pool.
type scratch struct {
	units  []uint64 // runes, special units, or emoticon hashes with the top bit set
	topics []uint64 // hashes of #topics#
	f      linear.Features
}

// Features is what the last featurize call filled in.
func (s *scratch) Features() *linear.Features { return &s.f }

// Emoticons maps a bracket emoticon such as "[心]" to its polarity −1, 0, +1.
type Emoticons map[string]int8

// featurizer holds what featurize needs beyond the text.
type featurizer struct {
	simp *Simplifier
	emo  Emoticons
	bits uint
}

// normalize fills s.units with the normalised unit stream of text and returns
// counts of emoticons by polarity (index polarity+1) and of '!'/'?'.
func (z *featurizer) normalize(s *scratch, text string) (pol [3]int, excl, quest int) {
	if len(text) > MaxBytes {
		cut := MaxBytes
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	s.units = s.units[:0]
	s.topics = s.topics[:0]
	push := func(u uint64) {
		n := len(s.units)
		// 哈哈哈哈 → 哈哈, !!!! → !!: keep at most two of a repeated unit.
		if n >= 2 && s.units[n-1] == u && s.units[n-2] == u {
			return
		}
		s.units = append(s.units, u)
	}
	for i := 0; i < len(text); {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		// Full-width ASCII (！，？Ａ１) to ASCII.
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFEE0
		}
		switch {
		case (r == 'h' || r == 'H' || r == 'w' || r == 'W') && lang.IsURL(text[i:]):
			for i < len(text) && text[i] > ' ' && text[i] < utf8.RuneSelf {
				i++
			}
			push(uURL)
			continue
		case r == '/' && i+2 < len(text) && text[i+1] == '/' && text[i+2] == '@':
			i = skipName(text, i+3)
			push(uRepost)
			continue
		case r == '@':
			i = skipName(text, i+size)
			push(uMention)
			continue
		case r == '[':
			if j := lang.BracketEnd(text, i+size); j > 0 {
				name := text[i:j]
				h := linear.HashString(linear.Seed(kEmoticon), name)
				s.units = append(s.units, 1<<63|h)
				if p, ok := z.emo[name]; ok {
					pol[p+1]++
				}
				i = j
				continue
			}
		case r == '#' || r == '＃':
			// A Weibo topic "#武汉加油#" is a feature as a whole; its text
			// still goes on into the stream.
			if end := strings.IndexAny(text[i+size:min(len(text), i+size+90)], "#＃\n"); end > 0 {
				if t := text[i+size : i+size+end]; !strings.ContainsAny(t, "\n") {
					h := linear.Seed(kTopic)
					for _, r := range t {
						h = linear.HashRune(h, z.simp.Rune(r))
					}
					s.topics = append(s.topics, h)
				}
			}
		case r >= '0' && r <= '9':
			i += size
			for i < len(text) {
				d, n := utf8.DecodeRuneInString(text[i:])
				if !(d >= '0' && d <= '9' || d >= 0xFF10 && d <= 0xFF19) {
					break
				}
				i += n
			}
			push(uDigit)
			continue
		case unicode.IsSpace(r) || r == 0x3000:
			i += size
			if n := len(s.units); n > 0 && s.units[n-1] != ' ' {
				s.units = append(s.units, ' ')
			}
			continue
		case r == '!':
			excl++
		case r == '?':
			quest++
		case r == 0xFE0F || r == 0x200D || r >= 0x1F3FB && r <= 0x1F3FF:
			i += size // emoji modifiers
			continue
		}
		i += size
		if r < utf8.RuneSelf {
			if r >= 'A' && r <= 'Z' {
				r += 'a' - 'A'
			}
		} else {
			r = z.simp.Rune(r)
		}
		push(uint64(r))
	}
	return pol, excl, quest
}

// featurize fills s.f with the features of text.
func (z *featurizer) featurize(s *scratch, text string) {
	pol, excl, quest := z.normalize(s, text)
	f := &s.f
	f.Reset(z.bits)
	u := s.units
	// In a repost ("mine//@a: theirs//@b: …") the reposter's own words come
	// first; their n-grams are added a second time under their own kind, so
	// the model can weigh them apart from the quoted chain.
	own := -1
	for i, x := range u {
		if x == uRepost {
			own = i
			break
		}
	}
	for i := range u {
		h := linear.Seed(kGram)
		ho := linear.Seed(kOwn)
		for n := 0; n < 2 && i+n < len(u); n++ {
			if u[i+n] == ' ' && n > 0 {
				break
			}
			h = linear.Mix(h, u[i+n])
			ho = linear.Mix(ho, u[i+n])
			if n == 0 && u[i] == ' ' {
				break // a lone space is no feature
			}
			f.Add(h, 1)
			if i+n < own {
				f.Add(ho, 1)
			}
		}
		if u[i]>>63 == 1 {
			f.Add(u[i], 1) // the emoticon itself
		}
	}
	negation(f, u)
	for _, h := range s.topics {
		f.Add(h, 1)
	}
	for p, n := range pol {
		if n > 0 {
			f.Add(linear.HashByte(linear.HashByte(linear.Seed(kPolarity), byte(p)), byte(min(n, 3))), 1)
		}
	}
	meta := func(name byte, n int) {
		f.Add(linear.HashByte(linear.HashByte(linear.Seed(kMeta), name), byte(n)), 1)
	}
	meta('!', min(excl, 3))
	meta('?', min(quest, 3))
	meta('l', lenBin(len(u)))
	f.Scale(0, 1/float32(math.Sqrt(float64(f.Len()))))
}

// lenBin buckets a unit count: short posts read differently.
func lenBin(n int) int {
	switch {
	case n < 8:
		return 0
	case n < 20:
		return 1
	case n < 50:
		return 2
	case n < 120:
		return 3
	}
	return 4
}

// skipName returns the index after a user name starting at i: letters of any
// script, digits, '_' and '-'. A following ':' or '：' is skipped too.
func skipName(s string, i int) int {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r != '_' && r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			if r == ':' || r == '：' {
				i += size
			}
			break
		}
		i += size
	}
	return i
}

// isNegator reports whether u[i] is a negator: 不, 没, 未, 别 (not in 别人,
// "others") or 非 (not in 非常, "very").
func isNegator(u []uint64, i int) bool {
	switch u[i] {
	case '不', '没', '未':
		return true
	case '别':
		return i+1 >= len(u) || u[i+1] != '人'
	case '非':
		return i+1 >= len(u) || u[i+1] != '常'
	}
	return false
}

// isHan reports whether a unit is a character of text: not a marker, an
// emoticon, a space or CJK punctuation.
func isHan(x uint64) bool {
	return x >= 0x3400 && x < 0x110000 && !(x >= 0x3000 && x <= 0x303F) && !(x >= 0xFF00 && x <= 0xFFEF)
}

// negation adds what a negator governs as features of their own: the
// negator with the next two characters ("不太好", "不喜欢"), and the 1- and
// 2-grams of up to three characters after it, up to the next negator or
// punctuation. Plain bigrams read "不太好" as 太好, "great"; these let the
// model learn that 太好 under 不 is not.
func negation(f *linear.Features, u []uint64) {
	for i := range u {
		if !isNegator(u, i) {
			continue
		}
		if i+2 < len(u) && isHan(u[i+1]) && isHan(u[i+2]) {
			f.Add(linear.Mix(linear.Mix(linear.Mix(linear.Seed(kNegGram), u[i]), u[i+1]), u[i+2]), 1)
		}
		prev := uint64(0)
		for j := i + 1; j <= i+3 && j < len(u) && isHan(u[j]); j++ {
			if j > i+1 && isNegator(u, j) {
				break
			}
			f.Add(linear.Mix(linear.Seed(kNegScope), u[j]), 1)
			if prev != 0 {
				f.Add(linear.Mix(linear.Mix(linear.Seed(kNegScope), prev), u[j]), 1)
			}
			prev = u[j]
		}
	}
}
