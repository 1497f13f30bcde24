package analysis

import (
	"strings"
	"sync"
	"testing"

	"github.com/chorus-news/chorus"
)

func newEngine(t testing.TB) *Engine {
	t.Helper()
	e, err := New(Options{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e
}

func TestAnalyze(t *testing.T) {
	e := newEngine(t)
	tests := []struct {
		name, text, hint string
		wantLang         string
		wantLabel        chorus.Label
	}{
		{"english positive", "I love this, what a wonderful day!", "en", "en", chorus.Positive},
		{"english negative", "This is terrible, I hate it.", "", "en", chorus.Negative},
		{"english neutral", "The match starts at 9pm on channel 4.", "", "en", chorus.Neutral},
		{"negation", "This is not good at all.", "en", "en", chorus.Negative},
		{"japanese unscored", "今日はとても楽しかったです", "", "ja", chorus.Unscored},
		{"korean unscored", "오늘 정말 행복해요", "", "ko", chorus.Unscored},
		{"spanish unscored", "No me gusta nada esta película, es muy aburrida", "", "es", chorus.Unscored},
		{"emoji only, no language", "😍😍😍", "", "und", chorus.Unscored},
		{"empty", "", "", "und", chorus.Unscored},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotLang, got := e.Analyze(tt.text, tt.hint)
			if gotLang != tt.wantLang || got.Label != tt.wantLabel {
				t.Errorf("Analyze(%q, %q) = %q, %+v; want %q, label %q", tt.text, tt.hint, gotLang, got, tt.wantLang, tt.wantLabel)
			}
			if got.Score < -1 || got.Score > 1 || got.Confidence < 0 || got.Confidence > 1 {
				t.Errorf("Analyze(%q) = %+v: score or confidence out of range", tt.text, got)
			}
			if got.Model == "" {
				t.Errorf("Analyze(%q) has no model name", tt.text)
			}
			if got.Label == chorus.Unscored && got.Model != "none" {
				t.Errorf("Analyze(%q).Model = %q, want none for unscored", tt.text, got.Model)
			}
		})
	}
}

func TestScoreRoutesByLang(t *testing.T) {
	e := newEngine(t)
	var s Scorer = e
	tests := []struct {
		lang      string
		wantModel bool
	}{{"en", true}, {"en-GB", true}, {"fr", false}, {"", false}, {"und", false}}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			got := s.Score("What a great day", tt.lang)
			if (got.Label != chorus.Unscored) != tt.wantModel {
				t.Errorf("Score(…, %q) = %+v, want scored: %v", tt.lang, got, tt.wantModel)
			}
		})
	}
}

func TestAnalyzeConcurrent(t *testing.T) {
	e := newEngine(t)
	texts := []string{"I love it", "I hate it", "今天天气真好", strings.Repeat("so good ", 2000)}
	want := make([]chorus.Sentiment, len(texts))
	for i, s := range texts {
		_, want[i] = e.Analyze(s, "")
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				k := (i + g) % len(texts)
				if _, got := e.Analyze(texts[k], ""); got != want[k] {
					t.Errorf("concurrent Analyze(%q) = %+v, want %+v", texts[k], got, want[k])
					return
				}
			}
		}()
	}
	wg.Wait()
}

func BenchmarkAnalyzeEN(b *testing.B) {
	e := newEngine(b)
	texts := []string{
		"@user I can't believe the Olympics opening ceremony was this good!! #Paris2024 https://t.co/xyz",
		"Not sure what to make of the new iPhone, the camera is great but the battery life is terrible :(",
		"Watching the debate tonight with friends. Should be interesting.",
		"sooooo happy right now 😍😍 best day ever #HappyBirthday",
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		e.Analyze(texts[i&3], "en")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
}
