package en

import (
	"github.com/chorus-news/chorus/analysis/linear"
	"strings"
	"testing"
	"unicode/utf8"
)

// testLexicon is a few entries of the kind the real lexicon holds.
var testLexicon = Lexicon{"good": 1.9, "bad": -2.5, "love": 3.2, ":)": 2, ":(": -1.9, "😍": 2.7}

func tokens(text string) (words []string, toks []token) {
	s := &scratch{}
	featurize(s, text, NewFeaturizer(testLexicon, 16))
	for _, t := range s.toks {
		words = append(words, string(s.buf[t.start:t.end]))
	}
	return words, s.toks
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"lower case and punctuation", "Great game, Boys!", "great game , boys !"},
		{"elongation", "sooooo goooood!!!!", "soo good !!"},
		{"mention and url", "@someone look https://t.co/x", "@user look <url>"},
		{"camel-case hashtag", "#HappyBirthday", "#happybirthday happy birthday"},
		{"lower-case hashtag", "#nhl", "#nhl"},
		{"emoticon alone", "fun :)", "fun :)"},
		{"emoticon glued", "fun:(", "fun :("},
		{"emoji with skin tone", "yes 👍🏽", "yes 👍"},
		{"curly apostrophe", "don’t", "don't"},
		{"quoted word", "'hello'", "hello"},
		{"question and exclamation", "what?!", "what ?!"},
		{"ellipsis", "well...", "well ..."},
		{"accented letters", "Café Olé", "café olé"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			words, _ := tokens(tt.text)
			if got := strings.Join(words, " "); got != tt.want {
				t.Errorf("tokens(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestScopes(t *testing.T) {
	tests := []struct {
		text       string
		neg, after string // the words marked, space separated
	}{
		{"this is not good at all", "good at all", ""},
		{"I don't like it. It is fine", "like it", ""},
		{"never again", "again", ""},
		{"good but bad", "", "bad"},
		{"not good but great", "good", "great"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			words, toks := tokens(tt.text)
			var neg, after []string
			for i, tk := range toks {
				if tk.neg {
					neg = append(neg, words[i])
				}
				if tk.afterBut && tk.kind == tWord && words[i] != "but" {
					after = append(after, words[i])
				}
			}
			if got := strings.Join(neg, " "); got != tt.neg {
				t.Errorf("negated in %q = %q, want %q", tt.text, got, tt.neg)
			}
			if got := strings.Join(after, " "); got != tt.after {
				t.Errorf("after 'but' in %q = %q, want %q", tt.text, got, tt.after)
			}
		})
	}
}

func TestFeaturesBounded(t *testing.T) {
	s := &scratch{}
	long := strings.Repeat("wonderful ", 100000)
	featurize(s, long, NewFeaturizer(testLexicon, 16))
	if n := s.f.Len(); n > 8*MaxBytes {
		t.Errorf("featurize(1 MB): %d features, want at most %d", n, 8*MaxBytes)
	}
	for _, idx := range s.f.Idx {
		if idx >= 1<<16 {
			t.Fatalf("bucket %d out of range for 16 bits", idx)
		}
	}
}

func FuzzNormalizeEN(f *testing.F) {
	for _, s := range []string{"Great game, Boys!", "sooooo goooood!!!!", "@someone https://t.co/x #HappyBirthday", "fun:( 👍🏽", "don’t", "\xff\xfe'", "#", "@", "::::)"} {
		f.Add(s)
	}
	z := NewFeaturizer(testLexicon, 16)
	f.Fuzz(func(t *testing.T, text string) {
		s := &scratch{}
		featurize(s, text, z)
		if len(s.buf) > 4*MaxBytes {
			t.Errorf("normalised %d bytes to %d, over %d", len(text), len(s.buf), 4*MaxBytes)
		}
		for _, tk := range s.toks {
			w := s.buf[tk.start:tk.end]
			if len(w) == 0 {
				t.Errorf("empty token in %q", text)
			}
			if !utf8.Valid(w) {
				t.Errorf("token %q of %q is not valid UTF-8", w, text)
			}
		}
		for _, idx := range s.f.Idx {
			if idx >= 1<<16 {
				t.Fatalf("bucket %d out of range", idx)
			}
		}
	})
}

func TestValences(t *testing.T) {
	z := NewFeaturizer(testLexicon, 16)
	for w, want := range testLexicon {
		if got, ok := z.val.get(linear.HashString(linear.Seed(0), w)); !ok || got != want {
			t.Errorf("valence of %q = %v, %v; want %v", w, got, ok, want)
		}
	}
	if _, ok := z.val.get(linear.HashString(linear.Seed(0), "table")); ok {
		t.Error("valence of an unknown word found")
	}
}

// A word inside a negation scope shares no feature with the same word
// outside one, its character n-grams included, so "not bad" does not inherit
// the pull of "bad". The one feature they share is the bigram of "bad" with
// the end of the text.
func TestNegatedWordFeatures(t *testing.T) {
	z := NewFeaturizer(Lexicon{}, 20)
	set := func(text string) map[uint32]bool {
		var f linear.Features
		z.Into(text, &f)
		m := map[uint32]bool{}
		for _, i := range f.Idx {
			m[i] = true
		}
		return m
	}
	// What "bad" adds after "so", and after "not".
	plain, negated := set("so bad"), set("not bad")
	for i := range set("so xyz") {
		delete(plain, i)
	}
	for i := range set("not xyz") {
		delete(negated, i)
	}
	shared := 0
	for i := range plain {
		if negated[i] {
			shared++
		}
	}
	if len(plain) < 5 || shared != 1 {
		t.Errorf("\"bad\" adds %d features after \"so\", %d after \"not\", %d of them shared; want 1 shared", len(plain), len(negated), shared)
	}
}
