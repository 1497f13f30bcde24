package analysis

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/analysis/linear"
	"github.com/chorus-news/chorus/analysis/remote/remotetest"
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
		{"negation", "The movie was not good", "en", "en", chorus.Negative},
		{"negation of a verb", "I don't like it", "en", "en", chorus.Negative},
		{"negated negative", "not bad", "", "en", chorus.Positive},
		{"negated negative, softened", "not too bad", "", "en", chorus.Positive},
		{"negated negative verb", "never disappointed", "", "en", chorus.Positive},
		{"contrast, negative last", "I love the cast but the ending was terrible", "en", "en", chorus.Negative},
		{"elongation", "sooooo happy", "", "en", chorus.Positive},
		{"camel-case hashtag", "#HappyBirthday to my best friend", "", "en", chorus.Positive},
		{"emoticon smile", ":)", "", "und", chorus.Positive},
		{"emoticon frown", ":(", "", "und", chorus.Negative},
		{"emoji only, positive", "😍😍😍", "", "und", chorus.Positive},
		{"emoji only, negative", "😭😭", "", "und", chorus.Negative},
		{"chinese positive with emoticon", "今天很开心[心]", "", "zh", chorus.Positive},
		{"chinese negative with emoticon", "气死我了[怒]", "", "zh", chorus.Negative},
		{"weibo emoticon alone, heart", "[心]", "", "zh", chorus.Positive},
		{"weibo emoticon alone, angry", "[怒]", "", "zh", chorus.Negative},
		{"traditional chinese", "今天天氣真好，心情不錯", "", "zh", chorus.Positive},
		{"chinese negation", "不好", "", "zh", chorus.Negative},
		{"chinese negated positive", "不太好", "", "zh", chorus.Negative},
		{"chinese negated verb", "我不喜欢", "", "zh", chorus.Negative},
		{"chinese negation in a sentence", "这个结果不太好", "", "zh", chorus.Negative},
		{"mixed, mostly chinese", "今天很开心 so happy", "", "zh", chorus.Positive},
		{"mixed, mostly english", "I love visiting 北京 every year", "", "en", chorus.Positive},
		{"same words in both", "对不起。我忘了……你已经不再需要我了 Sorry, I forgot. You don't need me anymore.", "", "zh", chorus.Negative},
		{"bare weibo repost", "//@人民日报:???", "", "zh", chorus.Neutral},
		{"japanese unscored", "今日はとても楽しかったです", "", "ja", chorus.Unscored},
		{"korean unscored", "오늘 정말 행복해요", "", "ko", chorus.Unscored},
		{"spanish unscored", "No me gusta nada esta película, es muy aburrida", "", "es", chorus.Unscored},
		{"digits only", "2024 !!!", "", "und", chorus.Unscored},
		{"empty", "", "", "und", chorus.Unscored},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotLang, got := e.Analyze(tt.text, tt.hint)
			if gotLang != tt.wantLang || got.Label != tt.wantLabel {
				t.Errorf("Analyze(%q, %q) = %q, %+v; want %q, label %q", tt.text, tt.hint, gotLang, got, tt.wantLang, tt.wantLabel)
			}
			checkSentiment(t, tt.text, got)
		})
	}
}

// checkSentiment checks what holds for every verdict.
func checkSentiment(t *testing.T, text string, s chorus.Sentiment) {
	t.Helper()
	if s.Score < -1 || s.Score > 1 || s.Confidence < 0 || s.Confidence > 1 {
		t.Errorf("Analyze(%q) = %+v: score or confidence out of range", text, s)
	}
	switch s.Label {
	case chorus.Unscored:
		if s.Model != "none" || s.Score != 0 || s.Confidence != 0 {
			t.Errorf("Analyze(%q) = %+v, want model none, score 0, confidence 0 for unscored", text, s)
		}
	case chorus.Positive, chorus.Neutral, chorus.Negative:
		if s.Model != "en-linear/2" && s.Model != "zh-linear/2" {
			t.Errorf("Analyze(%q).Model = %q, want a model name", text, s.Model)
		}
		if s.Confidence < 1.0/3-1e-4 {
			t.Errorf("Analyze(%q).Confidence = %v, under 1/3 for the most probable of three labels", text, s.Confidence)
		}
		if s.Label == chorus.Positive && s.Score < 0 || s.Label == chorus.Negative && s.Score > 0 {
			t.Errorf("Analyze(%q) = %+v: score sign disagrees with the label", text, s)
		}
	default:
		t.Errorf("Analyze(%q).Label = %q, not a label", text, s.Label)
	}
}

func TestAnalyzeLongText(t *testing.T) {
	e := newEngine(t)
	tests := []struct {
		name, text string
		wantLang   string
	}{
		{"long english", strings.Repeat("What a terrible, awful day. ", 3000), "en"},
		{"long chinese", strings.Repeat("真讨厌，气死我了。", 3000), "zh"},
		{"long without spaces", strings.Repeat("a", 1<<16), "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotLang, got := e.Analyze(tt.text, "")
			if gotLang != tt.wantLang || got.Label == chorus.Unscored {
				t.Errorf("Analyze(%d bytes) = %q, %+v; want %q, scored", len(tt.text), gotLang, got, tt.wantLang)
			}
			checkSentiment(t, tt.text[:40], got)
		})
	}
}

func TestScoreRoutesByLang(t *testing.T) {
	e := newEngine(t)
	var s Scorer = e
	tests := []struct {
		text, lang string
		wantModel  string
	}{
		{"What a great day", "en", "en-linear/2"},
		{"What a great day", "en-GB", "en-linear/2"},
		{"今天天气真好", "zh", "zh-linear/2"},
		{"今天天氣真好", "zh-Hant", "zh-linear/2"},
		{"What a great day", "fr", "none"},
		{"What a great day", "", "none"},
		{"😍", "und", "en-linear/2"},
		{"???", "und", "none"},
	}
	for _, tt := range tests {
		t.Run(tt.lang+" "+tt.text, func(t *testing.T) {
			if got := s.Score(tt.text, tt.lang); got.Model != tt.wantModel {
				t.Errorf("Score(%q, %q) = %+v, want model %q", tt.text, tt.lang, got, tt.wantModel)
			}
		})
	}
}

func TestAnalyzeConcurrent(t *testing.T) {
	e := newEngine(t)
	texts := []string{"I love it", "I hate it", "今天天气真好", "😍", strings.Repeat("so good ", 2000)}
	want := make([]chorus.Sentiment, len(texts))
	for i, s := range texts {
		_, want[i] = e.Analyze(s, "")
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
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

// The val macro recall each built-in model reached when it was committed
// (analysis/README.md). Retraining with the same data and code reproduces
// them exactly; the slack only absorbs float summation order.
var committedRecall = map[string]float64{"en": 0.6994, "zh": 0.8054}

func TestValMacroRecall(t *testing.T) {
	dir := linear.DataDir(".")
	if dir == "" {
		t.Skip("no training data: set CHORUS_TRAIN_DATA or put it at ../shared/data beside the module root")
	}
	e := newEngine(t)
	for code, want := range committedRecall {
		t.Run(code, func(t *testing.T) {
			path := filepath.Join(dir, code, "val.jsonl")
			val, err := linear.ReadExamples(path)
			if err != nil {
				t.Skipf("no %s val set: %v", code, err)
			}
			var c linear.Confusion
			for _, ex := range val {
				k := linear.ClassOf(string(e.Score(ex.Text, code).Label))
				if k < 0 {
					t.Fatalf("%s: %s unscored", path, ex.ID)
				}
				c.Add(ex.Class, k)
			}
			if got := c.MacroRecall(); got < want-0.002 {
				t.Errorf("%s val macro recall = %.4f, below the committed %.4f", code, got, want)
			}
		})
	}
}

func benchmarkAnalyze(b *testing.B, texts []string, hint string) {
	e := newEngine(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		e.Analyze(texts[i%len(texts)], hint)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
}

func BenchmarkAnalyzeEN(b *testing.B) {
	benchmarkAnalyze(b, []string{
		"@user I can't believe the Olympics opening ceremony was this good!! #Paris2024 https://t.co/xyz",
		"Not sure what to make of the new iPhone, the camera is great but the battery life is terrible :(",
		"Watching the debate tonight with friends. Should be interesting.",
		"sooooo happy right now 😍😍 best day ever #HappyBirthday",
	}, "")
}

func BenchmarkAnalyzeZH(b *testing.B) {
	benchmarkAnalyze(b, []string{
		"//@某某:今天的比赛太精彩了，中国队加油！[心][心] #奥运会#",
		"气死姐姐了，快二是阵亡了吗，一个半小时过去了也没上车",
		"这里还值得注意另一个事实，就是张鞠存原有一个东溪草堂为其读书处。",
		"今天天氣真好，心情不錯 http://t.cn/abc",
	}, "")
}

func ExampleEngine_Analyze() {
	e, err := New(Options{})
	if err != nil {
		panic(err)
	}
	for _, text := range []string{"What a wonderful day!", "气死我了[怒]", "今日はとても楽しかった"} {
		lang, s := e.Analyze(text, "")
		fmt.Println(lang, s.Label, s.Model)
	}
	// Output:
	// en positive en-linear/2
	// zh negative zh-linear/2
	// ja unscored none
}

func TestRemoteFallback(t *testing.T) {
	// A service that is down: every post falls back to the built-in models.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	e, err := New(Options{Remote: srv.URL})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if lang, s := e.Analyze("气死我了[怒]", ""); lang != "zh" || s.Label != chorus.Negative || s.Model != "zh-linear/2" {
		t.Errorf("Analyze with the remote down = %q, %+v; want zh, negative from zh-linear/2", lang, s)
	}
}

func TestRemoteAnswers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var items []struct{ ID, Text, Lang string }
		json.NewDecoder(r.Body).Decode(&items)
		fmt.Fprintf(w, `[{"id":%q,"label":"neutral","score":0,"confidence":0.9,"model":"big/3"}]`, items[0].ID)
	}))
	defer srv.Close()
	e, err := New(Options{Remote: srv.URL})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if _, s := e.Analyze("I hate it", ""); s.Model != "big/3" || s.Label != chorus.Neutral {
		t.Errorf("Analyze with a remote = %+v, want neutral from big/3", s)
	}
}

// benchmarkVal runs Analyze over a val set's texts, if the data is there.
func benchmarkVal(b *testing.B, code string) {
	dir := linear.DataDir(".")
	if dir == "" {
		b.Skip("no training data: set CHORUS_TRAIN_DATA or put it at ../shared/data beside the module root")
	}
	val, err := linear.ReadExamples(filepath.Join(dir, code, "val.jsonl"))
	if err != nil {
		b.Skip(err)
	}
	texts := make([]string, len(val))
	for i, ex := range val {
		texts[i] = ex.Text
	}
	benchmarkAnalyze(b, texts, "")
}

func BenchmarkAnalyzeValEN(b *testing.B) { benchmarkVal(b, "en") }
func BenchmarkAnalyzeValZH(b *testing.B) { benchmarkVal(b, "zh") }

func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{"I love it :)", "今天天氣真好[心]", "😍", "", "\xff\xfe", "//@a:b http://x #t#", "Это хорошо"} {
		f.Add(s, "en")
		f.Add(s, "")
	}
	e := newEngine(f)
	f.Fuzz(func(t *testing.T, text, hint string) {
		lang, s := e.Analyze(text, hint)
		if lang == "" {
			t.Errorf("Analyze(%q, %q): empty language", text, hint)
		}
		checkSentiment(t, text, s)
	})
}

func TestAnalyzeBatch(t *testing.T) {
	texts := []string{"I love this, what a wonderful day!", "气死我了[怒]", "今日はとても楽しかった", "😍😍", "", "2024 !!!", "不太好", "not bad"}
	hints := make([]string, len(texts))
	hints[0] = "en"
	e := newEngine(t)
	langs, out := make([]string, len(texts)), make([]chorus.Sentiment, len(texts))
	e.AnalyzeBatch(context.Background(), texts, hints, langs, out)
	for i, text := range texts {
		if lang, s := e.Analyze(text, hints[i]); langs[i] != lang || out[i] != s {
			t.Errorf("AnalyzeBatch[%d] (%q) = %q, %+v; Analyze = %q, %+v", i, text, langs[i], out[i], lang, s)
		}
	}
}

// TestAnalyzeBatchRemote: a batch goes to the remote scorer in requests of
// its batch size (256), not one per post.
func TestAnalyzeBatchRemote(t *testing.T) {
	srv := remotetest.Start(t, chorus.Neutral, "big/3")
	e, err := New(Options{Remote: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	const n = 600
	texts, hints := make([]string, n), make([]string, n)
	for i := range texts {
		texts[i] = fmt.Sprintf("post %d about the match", i)
	}
	langs, out := make([]string, n), make([]chorus.Sentiment, n)
	e.AnalyzeBatch(context.Background(), texts, hints, langs, out)
	if srv.Requests.Load() != 3 || srv.Posts.Load() != n {
		t.Errorf("%d requests carrying %d posts; want 3 carrying %d", srv.Requests.Load(), srv.Posts.Load(), n)
	}
	for i := range out {
		if out[i].Model != "big/3" || langs[i] != "en" {
			t.Fatalf("post %d: %q, %+v; want en, scored by big/3", i, langs[i], out[i])
		}
	}
}
