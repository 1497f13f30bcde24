package zh

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chorus-news/chorus/analysis/linear"
)

func newTestFeaturizer(t testing.TB) *Featurizer {
	t.Helper()
	z, err := NewFeaturizer(Emoticons{"[心]": 1, "[怒]": -1, "[泪]": 0}, 16)
	if err != nil {
		t.Fatalf("NewFeaturizer: %v", err)
	}
	return z
}

// render shows a unit stream as text, special units in angle brackets.
func render(units []uint64) string {
	var b strings.Builder
	for _, u := range units {
		switch {
		case u>>63 == 1:
			b.WriteString("<emo>")
		case u == uURL:
			b.WriteString("<url>")
		case u == uMention:
			b.WriteString("<@>")
		case u == uRepost:
			b.WriteString("<//@>")
		case u == uDigit:
			b.WriteString("<0>")
		default:
			b.WriteRune(rune(u))
		}
	}
	return b.String()
}

func TestNormalize(t *testing.T) {
	z := newTestFeaturizer(t)
	tests := []struct {
		name, text, want string
		pol              [3]int
	}{
		{"traditional to simplified", "今天天氣真好，心情不錯", "今天天气真好,心情不错", [3]int{}},
		{"full-width ascii", "ＯＫ！１２３", "ok!<0>", [3]int{}},
		{"emoticons with polarity", "好[心][心]坏[怒][泪][未知]", "好<emo><emo>坏<emo><emo><emo>", [3]int{1, 1, 2}},
		{"repost chain", "好棒//@张三:加油//@李四：是的", "好棒<//@>加油<//@>是的", [3]int{}},
		{"mention and url", "@某人 看这个 http://t.cn/abc好", "<@> 看这个 <url>好", [3]int{}},
		{"elongation", "哈哈哈哈哈！！！！", "哈哈!!", [3]int{}},
		{"latin lower-cased, spaces collapsed", "Good   Job", "good job", [3]int{}},
		{"unclosed bracket", "[心", "[心", [3]int{}},
		{"empty", "", "", [3]int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := z.Get("")
			defer z.Put(s)
			pol, _, _ := z.z.normalize(s, tt.text)
			if got := render(s.units); got != tt.want || pol != tt.pol {
				t.Errorf("normalize(%q) = %q, polarity counts %v; want %q, %v", tt.text, got, pol, tt.want, tt.pol)
			}
		})
	}
}

func TestSimplifier(t *testing.T) {
	s, err := NewSimplifier()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ in, want string }{
		{"國際機場", "国际机场"},
		{"開心", "开心"},
		{"简体不变", "简体不变"},
		{"mixed 體育 ok", "mixed 体育 ok"},
	}
	for _, tt := range tests {
		if got := s.String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTopicFeature(t *testing.T) {
	z := newTestFeaturizer(t)
	s := z.Get("")
	defer z.Put(s)
	z.z.featurize(s, "#武汉加油#今天")
	if len(s.topics) != 1 {
		t.Errorf("featurize(#武汉加油#今天): %d topics, want 1", len(s.topics))
	}
	z.z.featurize(s, "第#1名")
	if len(s.topics) != 0 {
		t.Errorf("featurize(第#1名): %d topics, want 0", len(s.topics))
	}
}

func FuzzNormalizeZH(f *testing.F) {
	for _, s := range []string{"今天天气真好[心]", "//@张三:转发微博 http://t.cn/abc", "１２３ｈｔｔｐ", "哈哈哈哈哈！！！", "[", "@", "＠", "［心］", "\xff", "今天天氣真好", "#话题#", "#"} {
		f.Add(s)
	}
	z := newTestFeaturizer(f)
	f.Fuzz(func(t *testing.T, text string) {
		s := z.Get("")
		defer z.Put(s)
		z.z.normalize(s, text)
		if len(s.units) > MaxBytes {
			t.Errorf("normalize(%q): %d units, over %d", text, len(s.units), MaxBytes)
		}
		if out := render(s.units); !utf8.ValidString(out) {
			t.Errorf("normalize(%q) = %q: not valid UTF-8", text, out)
		}
		z.z.featurize(s, text)
		for _, idx := range s.f.Idx {
			if idx >= 1<<16 {
				t.Errorf("featurize(%q): bucket %d out of range", text, idx)
			}
		}
	})
}

func TestNegation(t *testing.T) {
	z := newTestFeaturizer(t)
	tests := []struct {
		text string
		want int // features negation adds
	}{
		{"不太好", 4},    // 不太好; 太, 好, 太好
		{"不好", 1},     // 好 (no third character for the trigram)
		{"不是不好", 3},   // 不是不; 是 (the second 不 ends the scope); 好
		{"不，好", 0},    // punctuation ends the scope
		{"别人很好", 0},   // 别人 is "others"
		{"非常好", 0},    // 非常 is "very"
		{"没[心]", 0},   // an emoticon is no character
		{"今天天气很好", 0}, // no negator
	}
	for _, tt := range tests {
		s := z.Get("")
		z.z.normalize(s, tt.text)
		var f linear.Features
		f.Reset(16)
		negation(&f, s.units)
		z.Put(s)
		if f.Len() != tt.want {
			t.Errorf("negation(%q) added %d features, want %d", tt.text, f.Len(), tt.want)
		}
	}
}
