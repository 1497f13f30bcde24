package article

import (
	"reflect"
	"testing"
)

func TestFindQuotes(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		want []string // the quoted words, one entry a quotation (pieces joined by |)
	}{
		{"straight", `He said "yes" and "no".`, []string{"yes", "no"}},
		{"curly", "“One,” she wrote. “Two.”", []string{"One,", "Two."}},
		{"mixed", "“Opened curly, closed straight,\" wrote one. \"Opened straight, closed curly.”", []string{"Opened curly, closed straight,", "Opened straight, closed curly."}},
		{"inch mark", `The 6'2" forward said "hello".`, []string{"hello"}},
		{"corner", "网友留言：「太好了」。", []string{"太好了"}},
		{"corner nested", "他说：「她说『好』了」", []string{"她说『好』了"}},
		{"single", "'Greatest ever': fans react to Biles' win", []string{"Greatest ever"}},
		{"apostrophes only", "It's Biles' night and the fans' joy.", nil},
		{"two paragraphs", "“First paragraph goes on\n“and ends here.”\nAfter.", []string{"First paragraph goes on|and ends here."}},
		{"unclosed", "“Never closed\nNext paragraph.", []string{"Never closed"}},
		{"doubles win over singles", `'not this' but "this"`, []string{"this"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			paras := splitParagraphs(tc.text)
			var got []string
			for _, q := range findQuotes(paras) {
				s := ""
				for i, p := range q.pieces {
					if i > 0 {
						s += "|"
					}
					s += tc.text[p.start:p.end]
				}
				got = append(got, s)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("quotes %q, want %q", got, tc.want)
			}
		})
	}
}

func TestHardWrappedLinesJoin(t *testing.T) {
	text := "\"This is a long post that the\nwriter wrapped by hand,\" one user\nwrote on X.\n\nA new paragraph."
	got := Extract(text)
	if len(got) != 1 || !got[0].Post() || got[0].Text != "This is a long post that the writer wrapped by hand" {
		t.Fatalf("got %+v", got)
	}
}

func TestPlatformCues(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string // kind:name of each cue
	}{
		{"one user wrote on X, formerly Twitter", []string{"x:X", "x:Twitter"}},
		{"on X (formerly Twitter)", []string{"x:X", "x:Twitter"}},
		{"Generation X and Malcolm X and SpaceX and X-rays", nil},
		{"on Weibo, the Chinese equivalent of Twitter", []string{"weibo:Weibo", "weibo:Chinese equivalent of Twitter"}},
		{"China's Twitter-like Weibo", []string{"weibo:China's Twitter-like", "weibo:Weibo"}},
		{"he tweeted", []string{"x:tweeted"}},
		{"on Douyin, TikTok and Xiaohongshu", []string{"other:Douyin", "other:TikTok", "other:Xiaohongshu"}},
		{"comment threads on Weibo", []string{"weibo:Weibo"}},
		{"Meta's Threads", []string{"other:Threads"}},
		{"微博网友在抖音上", []string{"weibo:微博网友", "other:抖音"}},
		{"在社交平台X上发文", []string{"generic:社交平台", "x:X"}},
		{"netizens online", []string{"generic:netizens", "generic:online"}},
	} {
		var got []string
		for _, c := range findCues(tc.text) {
			kind := map[cueKind]string{cuePost: string(c.platform), cueOther: "other", cueGeneric: "generic"}[c.kind]
			got = append(got, kind+":"+c.name)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("findCues(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestTwitterLikenings(t *testing.T) {
	for text, want := range map[string]string{
		"Weibo, China's version of X":                   "weibo",
		"the Chinese equivalent of Twitter":             "weibo",
		"Threads, Meta's answer to Twitter":             "other",
		"Bluesky, an alternative to X, where one wrote": "other",
	} {
		cs := findCues(text)
		if len(cs) == 0 {
			t.Errorf("%q: no cue", text)
			continue
		}
		// The cue a quotation's attribution would take first.
		got := map[cueKind]string{cuePost: string(cs[0].platform), cueOther: "other"}[cs[0].kind]
		if got != want {
			t.Errorf("%q: first cue %v %q, want %s", text, cs[0].kind, cs[0].name, want)
		}
	}
}
