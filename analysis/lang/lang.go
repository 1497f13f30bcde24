// Package lang tells which language a post is written in, well enough to pick
// a sentiment model: English, Chinese, and a base code (or "und") for the
// rest. It counts letters by script, votes with function words inside Latin
// script, and trusts the platform's own tag when the script agrees with it.
//
// Decisions, in order:
//
//   - No letters at all (emoji, digits, punctuation only): the hint's base code
//     if the platform gave a real one, else "und".
//
//   - Kana present (at least a tenth of the CJK letters): "ja". Hangul
//     dominant: "ko". Han dominant: "zh" (simplified and traditional alike; a
//     Japanese text written only in kanji reads as "zh").
//
//   - A Han character weighs three Latin letters, Hangul two: the same text
//     takes about three times as many letters in English as characters in
//     Chinese. "今天很开心 so happy" is zh, "I love visiting 北京" is en, and a
//     post that says the same thing in both ("对不起，我忘了。Sorry, I forgot.")
//     is zh: the Chinese model has read such posts on Weibo, while the English
//     model has never seen a Han character.
//
//   - Latin dominant: a Latin-script hint ("en", "es", …) is trusted; else
//     function words vote and English wins ties, so Latin text with no
//     evidence (hashtags, "lol", names) is "en".
//
//   - Cyrillic "ru", Arabic "ar", Hebrew "he", Greek "el", Thai "th",
//     Devanagari "hi" unless the hint names another language of that script.
//
//   - A Weibo bracket emoticon ("[心]", "[good]") counts as one Han letter.
//
// Mentions (@name, and Weibo's "//@name:" reposts) and URLs are skipped, and
// only the first ScanBytes of a long text are read. Only when nothing else
// has letters do the names speak: names in a non-Latin script give its
// language, Han zh, kana ja, Hangul ko ("//@人民日报:???", a bare Weibo
// repost), while Latin names, which every language uses, give nothing.
// Detect does not allocate.
package lang

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// ScanBytes bounds how much of a text Detect reads.
const ScanBytes = 4096

// Und is the code for text whose language cannot be told.
const Und = "und"

// script indexes the letter counters.
type script int

const (
	latin script = iota
	han
	kana
	hangul
	cyrillic
	arabic
	hebrew
	greek
	thai
	devanagari
	otherScript
	nScripts
)

// scriptCode is the code a script stands for when nothing better is known.
var scriptCode = [nScripts]string{"en", "zh", "ja", "ko", "ru", "ar", "he", "el", "th", "hi", Und}

// Base returns the base code of a language tag: lower case, before any '-' or
// '_' ("zh-Hant" → "zh", "EN" → "en"), with X's legacy codes mapped ("in" →
// "id", "iw" → "he"). X's non-language tags ("und", "qme", "zxx", "art", …)
// and anything that is not 2–3 letters give "".
func Base(tag string) string {
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	if len(tag) < 2 || len(tag) > 3 {
		return ""
	}
	var b [3]byte
	for i := 0; i < len(tag); i++ {
		c := tag[i] | 0x20
		if c < 'a' || c > 'z' {
			return ""
		}
		b[i] = c
	}
	s := b[:len(tag)]
	switch string(s) {
	case "en":
		return "en"
	case "zh":
		return "zh"
	case "ja":
		return "ja"
	case "ko":
		return "ko"
	case "in":
		return "id"
	case "iw":
		return "he"
	case "und", "qme", "qam", "qct", "qht", "qst", "zxx", "art", "mul", "mis":
		return ""
	}
	if tag[0] >= 'a' && tag[0] <= 'z' && (len(tag) < 2 || tag[1] >= 'a' && tag[1] <= 'z') && (len(tag) < 3 || tag[2] >= 'a' && tag[2] <= 'z') {
		return tag // already lower case: no copy
	}
	return string(s)
}

// hintScript is the script a base language code is written in.
func hintScript(code string) script {
	switch code {
	case "zh", "yue", "wuu":
		return han
	case "ja":
		return kana
	case "ko":
		return hangul
	case "ru", "uk", "bg", "sr", "mk", "be", "kk", "ky", "mn", "tg":
		return cyrillic
	case "ar", "fa", "ur", "ps", "ckb", "ug", "sd":
		return arabic
	case "he", "yi":
		return hebrew
	case "el":
		return greek
	case "th":
		return thai
	case "hi", "mr", "ne", "sa":
		return devanagari
	case "am", "hy", "ka", "bn", "gu", "pa", "ta", "te", "kn", "ml", "si", "my", "km", "lo", "bo", "dv", "or":
		return otherScript
	}
	return latin
}

// Detect returns the base language code of text. hint is the platform's own
// tag, such as X's "en" or "und", or "".
func Detect(text, hint string) string {
	if len(text) > ScanBytes {
		cut := ScanBytes
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	// The function-word vote only matters when no Latin-script hint would
	// be trusted anyway.
	base := Base(hint)
	vote := base == "" || hintScript(base) != latin
	var counts, names [nScripts]int
	var votes [16]int // function-word votes per latinLangs index
	var word [24]byte
	wn := 0 // bytes in word; -1 while inside a word too long to look up
	inWord := false
	endWord := func() {
		if vote && inWord && wn > 0 && wn <= 8 {
			if m := stopMask(string(word[:wn])); m != 0 {
				for i := 0; m != 0; i, m = i+1, m>>1 {
					if m&1 != 0 {
						votes[i]++
					}
				}
			}
		}
		inWord, wn = false, 0
	}
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			switch {
			case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
				if !inWord && (c == 'h' || c == 'w' || c == 'H' || c == 'W') && IsURL(text[i:]) {
					i = skipURL(text, i)
					continue
				}
				counts[latin]++
				inWord = true
				if wn >= 0 && wn < len(word) {
					word[wn] = c | 0x20
					wn++
				} else {
					wn = -1
				}
			case c == '\'' && inWord:
				if wn >= 0 && wn < len(word) {
					word[wn] = c
					wn++
				}
			case c == '@':
				endWord()
				i = countMention(text, i+1, &names)
				continue
			case c == '[':
				endWord()
				if j := BracketEnd(text, i+1); j > 0 {
					counts[han]++ // a Weibo emoticon: Chinese context
					i = j
					continue
				}
			default:
				endWord()
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		if r == '’' && inWord {
			if wn >= 0 && wn < len(word) {
				word[wn] = '\''
				wn++
			}
			continue
		}
		s, letter := classify(r)
		if !letter {
			endWord()
			continue
		}
		counts[s]++
		if s != latin {
			endWord()
			continue
		}
		inWord = true
		lr := unicode.ToLower(r)
		if wn >= 0 && wn+utf8.RuneLen(lr) <= len(word) {
			wn += utf8.EncodeRune(word[wn:], lr)
		} else {
			wn = -1
		}
	}
	endWord()
	if noLetters(&counts) {
		// Only names: a non-Latin script among them tells the community
		// the post was written in; Latin names say nothing of it.
		names[latin] = 0
		counts = names
	}
	return decide(&counts, &votes, base)
}

// noLetters reports whether no script has a letter.
func noLetters(counts *[nScripts]int) bool {
	for _, n := range counts {
		if n > 0 {
			return false
		}
	}
	return true
}

// decide turns the counts into a code.
func decide(counts *[nScripts]int, votes *[16]int, hint string) string {
	cjk := counts[han] + counts[kana]
	if counts[kana] > 0 && counts[kana]*10 >= cjk {
		return "ja"
	}
	best, bestN := otherScript, 0
	for s := script(0); s < nScripts; s++ {
		n := counts[s]
		switch s {
		case han:
			n *= 3
		case hangul:
			n *= 2
		}
		if n > bestN {
			best, bestN = s, n
		}
	}
	if bestN == 0 {
		if hint == "" {
			return Und
		}
		return hint
	}
	if hint != "" && hintScript(hint) == best {
		return hint
	}
	switch best {
	case han:
		if hint == "ja" {
			return "ja" // kanji-only Japanese, as the platform says
		}
		return "zh"
	case latin:
		return latinVote(votes)
	}
	return scriptCode[best]
}

// latinVote picks the Latin-script language with the most function words;
// English wins ties.
func latinVote(votes *[16]int) string {
	best, bestN := 0, votes[0]
	for i := 1; i < 16; i++ {
		if votes[i] > bestN {
			best, bestN = i, votes[i]
		}
	}
	codes := latinLangs
	for ; best > 0; best-- {
		codes = codes[strings.IndexByte(codes, ' ')+1:]
	}
	if j := strings.IndexByte(codes, ' '); j >= 0 {
		codes = codes[:j]
	}
	return codes
}

// classify says which script r is a letter of, if any.
func classify(r rune) (script, bool) {
	switch {
	case r < 0x0250: // Latin-1 supplement and Latin Extended-A/B
		return latin, unicode.IsLetter(r)
	case r >= 0x4E00 && r <= 0x9FFF, r >= 0x3400 && r <= 0x4DBF, r >= 0x20000 && r <= 0x2FA1F, r >= 0xF900 && r <= 0xFAFF:
		return han, true
	case r >= 0x3040 && r <= 0x30FF, r >= 0x31F0 && r <= 0x31FF, r >= 0xFF66 && r <= 0xFF9D:
		return kana, r != 0x30FB && r != 0x30FC // not the middle dot or the long-vowel mark alone
	case r >= 0xAC00 && r <= 0xD7AF, r >= 0x1100 && r <= 0x11FF, r >= 0x3130 && r <= 0x318F:
		return hangul, true
	case r >= 0x0400 && r <= 0x052F:
		return cyrillic, unicode.IsLetter(r)
	case r >= 0x0600 && r <= 0x06FF, r >= 0x0750 && r <= 0x077F, r >= 0xFB50 && r <= 0xFDFF, r >= 0xFE70 && r <= 0xFEFF:
		return arabic, unicode.IsLetter(r)
	case r >= 0x0590 && r <= 0x05FF:
		return hebrew, unicode.IsLetter(r)
	case r >= 0x0370 && r <= 0x03FF:
		return greek, unicode.IsLetter(r)
	case r >= 0x0E00 && r <= 0x0E7F:
		return thai, unicode.IsLetter(r) || unicode.Is(unicode.Mn, r)
	case r >= 0x0900 && r <= 0x097F:
		return devanagari, unicode.IsLetter(r) || unicode.Is(unicode.Mn, r)
	case r >= 0x1E00 && r <= 0x1EFF, r >= 0xFF21 && r <= 0xFF3A, r >= 0xFF41 && r <= 0xFF5A:
		return latin, true // Latin Extended Additional (Vietnamese), full-width Latin
	}
	return otherScript, unicode.IsLetter(r)
}

// BracketEnd returns the index after the ']' closing a Weibo emoticon such as
// "[心]" or "[good]" (1–8 characters, no space) that starts at i, just past
// the '['; 0 if there is none. The Chinese model reads emoticons with it too.
func BracketEnd(s string, i int) int {
	for n := 0; n <= 8 && i < len(s); n++ {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == ']' {
			if n == 0 {
				return 0
			}
			return i + 1
		}
		if unicode.IsSpace(r) || r == '[' {
			return 0
		}
		i += size
	}
	return 0
}

// IsURL reports whether s starts with a URL (http://, https://, www., any
// case). Detection and both models tell links apart with it.
func IsURL(s string) bool {
	return hasPrefixFold(s, "http://") || hasPrefixFold(s, "https://") || hasPrefixFold(s, "www.")
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case; p is lower case.
func hasPrefixFold(s, p string) bool {
	if len(s) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		if s[i]|0x20 != p[i] && s[i] != p[i] {
			return false
		}
	}
	return true
}

// skipURL returns the index after the URL starting at i: it ends at white
// space or at the first non-ASCII byte (Weibo glues text to links).
func skipURL(s string, i int) int {
	for i < len(s) && s[i] > ' ' && s[i] < utf8.RuneSelf {
		i++
	}
	return i
}

// countMention returns the index after the name of a mention starting at i
// (just past the '@'): letters of any script, digits, '_' and '-'. It counts
// the name's letters by script into names.
func countMention(s string, i int, names *[nScripts]int) int {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r != '_' && r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			break
		}
		if sc, letter := classify(r); letter {
			names[sc]++
		}
		i += size
	}
	return i
}
