package article

import (
	"regexp"
	"sort"
	"strings"

	"github.com/chorus-news/chorus"
)

// cueKind is what a mention of a platform names.
type cueKind int

const (
	cueNone    cueKind = iota
	cuePost            // X or Weibo: the cue's platform
	cueOther           // a platform Chorus does not follow (Douyin, Instagram…)
	cueGeneric         // "social media", "online", "netizens": no platform told
	cueSpeech          // not a cue: a quotation classified as speech (context only)
)

// cue is a mention of a platform in the article's text.
type cue struct {
	start, end int // byte offsets in the text searched
	kind       cueKind
	platform   chorus.Platform // for cuePost
	name       string          // as written, for messages
}

// otherPlatforms are the platforms whose quotations are not X or Weibo
// posts. Latin names match as words, case-insensitively.
var otherPlatforms = []string{
	"Douyin", "TikTok", "Tik Tok", "Xiaohongshu", "RedNote", "Red Note", "Little Red Book", "WeChat", "Weixin",
	"WeChat Moments", "Instagram", "Facebook", "Reddit", "subreddit", "Bluesky", "Mastodon",
	"Truth Social", "YouTube", "Bilibili", "Zhihu", "Telegram", "LinkedIn", "Snapchat", "Kuaishou", "Toutiao",
	"Tieba", "Douban", "Naver", "KakaoTalk", "Kakao", "Discord", "Twitch", "WhatsApp", "VKontakte", "Pinterest",
	"Tumblr", "Parler", "Hupu", "Dcard", "LIHKG", "Quora", "4chan", "8kun", "Nextdoor",
	"Substack", "Lemon8", "Gettr", "Baidu Tieba", "Xigua", "Weverse", "Facebook Messenger", "Douyin's",
}

// otherCased are names that are also common words: matched with their
// capital only.
var otherCased = []string{"Threads", "Gab", "Koo", "Insta", "PTT", "Rumble", "Daum", "Signal", "Line app", "IG"}

// otherHan are Chinese names of other platforms, matched as substrings.
var otherHan = []string{
	"抖音", "小红书", "微信", "朋友圈", "快手", "知乎", "哔哩哔哩", "B站", "b站", "豆瓣", "贴吧", "头条", "视频号",
	"脸书", "照片墙", "油管", "西瓜视频", "虎扑", "连登", "連登", "臉書", "抖音号", "公众号", "小紅書", "微信群", "微信朋友圈", "Threads",
}

var (
	reOther = regexp.MustCompile(`(?i)\b(?:` + alternation(otherPlatforms) + `)\b|\br/[A-Za-z0-9_]{2,}|\b(?-i:` + alternation(otherCased) + `)\b`)
	// X as a platform: the capital letter standing alone where a platform
	// stands ("on X", "an X user", "X (formerly Twitter)"), not Generation
	// X, Malcolm X, SpaceX or X-ray.
	reX = regexp.MustCompile(`\bX\b`)
	// Twitter and its words; tweet(s/ed) name the platform by themselves.
	reTwitter = regexp.MustCompile(`(?i)\b(?:twitter|tweet(?:s|ed|ing|er|ers)?|re-?tweet(?:s|ed|ing)?|twitterati|twittersphere)\b`)
	// A platform likened to Twitter, Chinese: Weibo whether or not it is named.
	reTwitterLike = regexp.MustCompile(`(?i)(?:chin(?:a|ese)['’]?s?\s+(?:own\s+)?(?:answer|equivalent|version|counterpart|alternative)\s+(?:to|of)\s+(?:twitter|(?-i:X))\b|(?:chinese|china['’]?s?)\s+(?:\S+\s+){0,3}?(?:twitter|(?-i:X))[- ](?:like|style|esque|equivalent)|(?:twitter|(?-i:X))[- ](?:like|style|esque)\s+(?:\S+\s+){0,3}?(?:weibo|platform|site|service|network)|chinese\s+(?:twitter|(?-i:X))\b|(?:twitter|(?-i:X))\s+equivalent|twitter\s+of\s+china)`)
	reWeibo       = regexp.MustCompile(`(?i)\b(?:sina\s+)?weibo(?:s|\.com)?\b|\bmicroblog(?:ging)?\s+(?:platform|site|service)\b`)
	reGeneric     = regexp.MustCompile(`(?i)\b(?:social[- ]media|social\s+networks?|online|internet\s+users?|web\s+users?|netizens?|the\s+internet|comment(?:s)?\s+sections?|forums?|message\s+boards?|the\s+web)\b`)
)

// otherLower and genericWords are what the cheap look searches for.
var (
	otherLower   = lowerAll(append(append([]string(nil), otherPlatforms...), otherCased...))
	genericWords = []string{"social", "online", "internet", "web", "netizen", "comment", "forum", "message"}
)

func lowerAll(s []string) []string {
	out := make([]string, len(s))
	for i, w := range s {
		out[i] = strings.ToLower(strings.Fields(w)[0])
	}
	return out
}

func mentionsAny(low string, words []string) bool {
	for _, w := range words {
		if strings.Contains(low, w) {
			return true
		}
	}
	return false
}

func alternation(names []string) string {
	sorted := append([]string(nil), names...)
	sort.Slice(sorted, func(i, j int) bool { return len(sorted[i]) > len(sorted[j]) })
	parts := make([]string, len(sorted))
	for i, n := range sorted {
		parts[i] = strings.ReplaceAll(regexp.QuoteMeta(n), `\ `, `\s+`)
	}
	return strings.Join(parts, "|")
}

// xBefore and xAfter are words that make a lone X the platform.
var (
	xBefore = map[string]bool{"on": true, "to": true, "via": true, "an": true, "the": true, "of": true, "platform": true,
		"site": true, "network": true, "owns": true, "owned": true, "at": true, "onto": true, "across": true, "from": true,
		"and": true, "or": true, "app": true, "called": true, "service": true, "media": true, "rebranded": true, "renamed": true, "like": true, "in": true,
		"with": true, "both": true, "banned": true, "joined": true, "left": true, "quit": true, "off": true, "under": true}
	xAfter = map[string]bool{"user": true, "users": true, "post": true, "posts": true, "posted": true, "account": true, "accounts": true,
		"formerly": true, "feed": true, "feeds": true, "thread": true, "threads": true, "handle": true, "page": true, "premium": true,
		"community": true, "spaces": true, "owner": true, "chief": true, "ceo": true, "poster": true, "posters": true,
		"platform": true, "app": true, "timeline": true, "followers": true, "profile": true, "comment": true, "comments": true,
		"reply": true, "replies": true, "said": true, "and": true, "or": true, "where": true, "which": true, "has": true, "is": true, "was": true}
	// xNot are words before X that make it something else.
	xNot = map[string]bool{"generation": true, "gen": true, "malcolm": true, "model": true, "project": true, "formula": true,
		"mr": true, "mrs": true, "ms": true, "dr": true, "type": true, "planet": true, "mission": true, "agent": true,
		"professor": true, "windows": true, "mac": true, "os": true, "iphone": true, "xbox": true, "series": true,
		"camp": true, "point": true, "pixel": true, "galaxy": true, "day": true, "brand": true, "player": true,
		"country": true, "company": true, "city": true, "person": true, "subject": true, "factor": true, "plan": true,
		"chapter": true, "article": true, "section": true, "grade": true, "size": true, "and/or": true}
	xNotAfter = map[string]bool{"factor": true, "games": true, "men": true, "files": true, "prize": true, "corp": true,
		"corporation": true, "japan": true, "ray": true, "rays": true, "axis": true, "chromosome": true, "marks": true,
		"rated": true}
)

// isPlatformX reports whether the X at t[i] names the platform.
func isPlatformX(t string, i int) bool {
	if i > 0 && (t[i-1] == '-' || t[i-1] == '.' || t[i-1] == '\'') {
		return false
	}
	if i+1 < len(t) && (t[i+1] == '-' || t[i+1] == '\'' && !strings.HasPrefix(t[i+1:], "'s")) {
		return false
	}
	before := lastWord(t[:i])
	after := firstWord(t[i+1:])
	lb, la := strings.ToLower(before), strings.ToLower(after)
	if xNot[lb] || xNotAfter[la] {
		return false
	}
	rest := strings.TrimLeft(t[i+1:], " ")
	if strings.HasPrefix(rest, "(formerly") || strings.HasPrefix(rest, ", formerly") || strings.HasPrefix(rest, "(previously") ||
		strings.HasPrefix(rest, "’s") || strings.HasPrefix(rest, "'s") || strings.HasPrefix(rest, "/Twitter") || strings.HasPrefix(rest, "（") {
		return true
	}
	if strings.HasSuffix(strings.TrimRight(t[:i], " "), "Twitter/") || strings.HasSuffix(t[:i], "Twitter (") || strings.HasSuffix(t[:i], "Twitter, now ") {
		return true
	}
	// Next to Chinese: 在X上, X平台, 社交媒体X.
	if hanNext(t[i+1:]) || hanPrev(t[:i]) {
		return true
	}
	return xBefore[lb] || xAfter[la]
}

func hanNext(s string) bool {
	for _, p := range []string{"上", "平台", "用户", "网友", "账号", "帖", "推文", "发"} {
		if strings.HasPrefix(strings.TrimLeft(s, " "), p) {
			return true
		}
	}
	return false
}

func hanPrev(s string) bool {
	for _, p := range []string{"在", "平台", "社交媒体", "社交平台", "于", "推特", "媒体"} {
		if strings.HasSuffix(strings.TrimRight(s, " "), p) {
			return true
		}
	}
	return false
}

func lastWord(s string) string {
	s = strings.TrimRight(s, " (")
	i := strings.LastIndexAny(s, " \u00a0(\"“”,;:")
	return strings.Trim(s[i+1:], ".")
}

func firstWord(s string) string {
	s = strings.TrimLeft(s, " ")
	i := strings.IndexAny(s, " \u00a0),.;:!?\"“”")
	if i < 0 {
		return s
	}
	return s[:i]
}

// findCues finds every platform mention in t, in order, without overlaps:
// a likening to Twitter wins over the Twitter inside it, and a named other
// platform over a generic word.
func findCues(t string) []cue {
	var cs []cue
	add := func(locs [][]int, kind cueKind, pl chorus.Platform) {
		for _, l := range locs {
			cs = append(cs, cue{start: l[0], end: l[1], kind: kind, platform: pl, name: t[l[0]:l[1]]})
		}
	}
	// The regular expressions run only where a cheap look finds their
	// words: a long paragraph costs a scan, not ten.
	low := strings.ToLower(t)
	if strings.Contains(low, "twitter") || strings.Contains(t, "X") {
		add(reTwitterLike.FindAllStringIndex(t, -1), cuePost, chorus.Weibo)
	}
	if strings.Contains(low, "weibo") || strings.Contains(low, "microblog") {
		add(reWeibo.FindAllStringIndex(t, -1), cuePost, chorus.Weibo)
	}
	if strings.Contains(low, "twitter") || strings.Contains(low, "tweet") {
		add(reTwitter.FindAllStringIndex(t, -1), cuePost, chorus.X)
	}
	if strings.Contains(t, "X") {
		for _, l := range reX.FindAllStringIndex(t, -1) {
			if isPlatformX(t, l[0]) {
				cs = append(cs, cue{start: l[0], end: l[1], kind: cuePost, platform: chorus.X, name: "X"})
			}
		}
	}
	if mentionsAny(low, otherLower) || strings.Contains(low, "r/") {
		add(reOther.FindAllStringIndex(t, -1), cueOther, "")
	}
	for _, h := range []struct {
		words []string
		kind  cueKind
		pl    chorus.Platform
	}{
		{[]string{"新浪微博", "微博", "微博网友", "热搜"}, cuePost, chorus.Weibo},
		{[]string{"推特", "推文", "X平台"}, cuePost, chorus.X},
		{otherHan, cueOther, ""},
		{[]string{"社交媒体", "社交平台", "网上", "网络上", "网民", "评论区", "网友", "社交媒體", "網上", "網民", "網友", "評論區"}, cueGeneric, ""},
	} {
		for _, w := range h.words {
			for off := 0; ; {
				i := strings.Index(t[off:], w)
				if i < 0 {
					break
				}
				cs = append(cs, cue{start: off + i, end: off + i + len(w), kind: h.kind, platform: h.pl, name: w})
				off += i + len(w)
			}
		}
	}
	if mentionsAny(low, genericWords) {
		add(reGeneric.FindAllStringIndex(t, -1), cueGeneric, "")
	}
	// Longest first at each place; then drop what overlaps an earlier keep.
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].start != cs[j].start {
			return cs[i].start < cs[j].start
		}
		return rank(cs[i]) < rank(cs[j])
	})
	var out []cue
	for _, c := range cs {
		if n := len(out); n > 0 && c.start < out[n-1].end {
			if rank(c) < rank(out[n-1]) {
				out[n-1] = c
			}
			continue
		}
		out = append(out, c)
	}
	return out
}

// rank orders overlapping cues: a likening to Twitter (Weibo) first, then
// longer matches, and specific platforms before generic words.
func rank(c cue) int {
	r := 1000 - (c.end - c.start)
	if c.kind == cueGeneric {
		r += 2000
	}
	if c.kind == cuePost && c.platform == chorus.Weibo {
		r -= 500
	}
	return r
}
