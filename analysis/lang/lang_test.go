package lang

import (
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		name, text, hint, want string
	}{
		{"english", "This is the true Olympic spirit!", "", "en"},
		{"english with hint", "what a game", "en", "en"},
		{"english no function words", "#GOT7 comeback!!! amazing", "", "en"},
		{"english mention and url", "@user loved it https://t.co/abc", "und", "en"},
		{"simplified chinese", "今天天气真好，心情不错", "", "zh"},
		{"traditional chinese", "今天天氣真好，心情不錯", "", "zh"},
		{"chinese with hint tag", "太棒了", "zh-Hant", "zh"},
		{"weibo emoticon only", "[心][心]", "", "zh"},
		{"weibo latin emoticons", "[good][good][doge]", "", "zh"},
		{"chinese with latin emoticon", "感谢[good]", "", "zh"},
		{"english with a bracket", "[Video] the match was amazing, watch the final goal", "", "en"},
		{"chinese with english words", "今天很开心 so happy", "", "zh"},
		{"english with a chinese name", "I love visiting 北京 every year", "", "en"},
		{"chinese with url and mention", "@someEnglishName 太好了 http://t.cn/abcdefg", "", "zh"},
		{"japanese", "今日はとても楽しかったです", "", "ja"},
		{"japanese kanji only with hint", "東京大学", "ja", "ja"},
		{"korean", "오늘 정말 행복해요", "", "ko"},
		{"spanish", "No me gusta nada esta película, es muy aburrida", "", "es"},
		{"spanish trusted hint", "vamos", "es", "es"},
		{"french", "Je ne suis pas content de ce film, c'est nul", "", "fr"},
		{"german", "Ich bin nicht sicher, ob das stimmt und es ist spät", "", "de"},
		{"portuguese", "Eu não gosto disso, é muito ruim", "", "pt"},
		{"indonesian", "aku tidak tahu apa yang terjadi dengan ini", "", "id"},
		{"russian", "Это очень хорошо", "", "ru"},
		{"ukrainian by hint", "Це дуже добре", "uk", "uk"},
		{"arabic", "هذا جميل جدا", "", "ar"},
		{"hint disagrees with script", "今天天气真好", "en", "zh"},
		{"emoji only", "😍😍😍", "", "und"},
		{"emoji only with x und", "😍😍😍", "und", "und"},
		{"emoji only with real hint", "😍😍😍", "en", "en"},
		{"empty", "", "", "und"},
		{"digits and punctuation", "123 !!! ...", "", "und"},
		{"legacy x code", "Saya suka", "in", "id"},
		{"same words in both", "对不起。我忘了……你已经不再需要我了 Sorry, I forgot. You don't need me anymore.", "", "zh"},
		{"english with a chinese cheer", "What a match today, the whole team played their hearts out 加油", "", "en"},
		{"bare weibo repost", "//@郑州职业技术学院团委:????", "", "zh"},
		{"mentions of chinese names only", "@央视新闻 @人民日报", "", "zh"},
		{"mention of a latin name only", "@someone ???", "", "und"},
		{"latin words beat chinese names", "@人民日报 thanks", "", "en"},
		{"korean name only", "@김민수 !!", "", "ko"},
		{"spanish thanks", "Gracias!", "", "es"},
		{"spanish laughter", "jajajaja", "", "es"},
		{"french thanks", "Merci!", "", "fr"},
		{"german thanks", "Danke schön", "", "de"},
		{"italian thanks", "grazie mille", "", "it"},
		{"portuguese thanks", "obrigado!!", "", "pt"},
		{"english short reply", "ok", "", "en"},
		{"english laughter", "lol", "", "en"},
		{"upper-case hint", "great", "EN", "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Detect(tt.text, tt.hint); got != tt.want {
				t.Errorf("Detect(%q, %q) = %q, want %q", tt.text, tt.hint, got, tt.want)
			}
		})
	}
}

func TestDetectLongText(t *testing.T) {
	text := strings.Repeat("今天天气真好", 5000) + strings.Repeat(" the end of it", 10000)
	if got := Detect(text, ""); got != "zh" {
		t.Errorf("Detect(long zh then en) = %q, want zh (only the first %d bytes count)", got, ScanBytes)
	}
}

func TestBase(t *testing.T) {
	tests := []struct{ tag, want string }{
		{"en", "en"}, {"EN", "en"}, {"zh-Hant", "zh"}, {"zh_CN", "zh"}, {"pt-BR", "pt"},
		{"und", ""}, {"qme", ""}, {"", ""}, {"in", "id"}, {"iw", "he"}, {"english", ""}, {"e1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.tag, func(t *testing.T) {
			if got := Base(tt.tag); got != tt.want {
				t.Errorf("Base(%q) = %q, want %q", tt.tag, got, tt.want)
			}
		})
	}
}

func FuzzDetect(f *testing.F) {
	for _, s := range []string{"hello world", "今天天气真好", "@user http://x.co", "今日は", "\xff\xfe", "can’t stop"} {
		f.Add(s, "en")
	}
	f.Fuzz(func(t *testing.T, text, hint string) {
		got := Detect(text, hint)
		if got == "" || len(got) > 3 {
			t.Errorf("Detect(%q, %q) = %q, want a 2-3 letter code", text, hint, got)
		}
	})
}

func BenchmarkDetect(b *testing.B) {
	texts := []string{
		"@user I can't believe the Olympics opening ceremony was this good!! #Paris2024 https://t.co/xyz",
		"//@某某:今天的比赛太精彩了，中国队加油！[心][心] #奥运会#",
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Detect(texts[i&1], "")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
}
