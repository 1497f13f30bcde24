package zh

import (
	"testing"
	"unicode/utf8"
)

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"今天天气真好[心]", "//@张三:转发微博 http://t.cn/abc", "１２３ｈｔｔｐ", "哈哈哈哈哈！！！", "[", "@", "\xff", "今天天氣真好"} {
		f.Add(s)
	}
	z, err := NewFeaturizer(Emoticons{"[心]": 1}, 16)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		s := z.pool.Get().(*scratch)
		defer z.pool.Put(s)
		z.z.normalize(s, text)
		if len(s.units) > MaxBytes {
			t.Errorf("normalize(%q): %d units, over %d", text, len(s.units), MaxBytes)
		}
		for _, u := range s.units {
			if u < 0x110000 && !utf8.ValidRune(rune(u)) && u != utf8.RuneError {
				t.Errorf("normalize(%q): invalid rune %x", text, u)
			}
		}
		z.z.featurize(s, text)
		for _, idx := range s.f.Idx {
			if idx >= 1<<16 {
				t.Errorf("featurize(%q): bucket %d out of range", text, idx)
			}
		}
	})
}
