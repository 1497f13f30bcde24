package article

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The words that tell who said what. They run over the article's text with
// the quotations blanked out, never over markup.
var (
	// hanVerbs: speech and posting verbs, Chinese.
	hanVerbs = []string{"写道", "表示", "评论道", "评论称", "留言称", "留言道", "回复称", "回复道", "发文称", "发文说", "发帖称", "发博称",
		"感叹", "调侃", "吐槽", "直言", "认为", "指出", "回复", "回应", "问道", "质疑", "呼吁", "感慨", "坦言", "笑称", "戏称",
		"怒斥", "批评", "痛批", "称赞", "赞叹", "直呼", "惊呼", "大呼", "表态", "留言", "评论", "发文", "发帖", "发博", "配文",
		"写", "说道", "说", "称", "道", "问", "赞", "叹",
		"寫道", "評論道", "評論稱", "留言稱", "回覆", "表達", "抱怨", "直說", "感嘆", "說道", "說", "稱", "寫", "評論", "發文", "發帖", "貼文", "抱怨道"}
	// reNaming: verbs that name a thing with a quoted phrase ("called it
	// "a disgrace""), the one way a fragment inside a sentence can be a
	// post's words.
	reNaming = regexp.MustCompile(`(?i)\b(?:called|calls|calling|dubbed|dubs|dubbing|termed|labell?ed|branded|described|describing|hailed|deemed|nicknamed|praised|mocked|slammed)\b`)
	// reNeg: quotations from interviews, statements, briefings and
	// remarks to reporters.
	reNeg = regexp.MustCompile(`(?i)\b(?:told\s+(?:reporters|journalists|the\s+press|the\s+media|media|a\s+(?:news|press)\s+conference|a\s+briefing|(?-i:[A-Z])\S*|the\s+(?-i:[A-Z])\S*|this\s+(?:newspaper|paper|website|outlet|reporter|publication))|in\s+(?:an?|his|her|their|its|the)\s+(?:(?:exclusive|recent|televised|phone|telephone|video|radio|tv|joint|written|weekly|daily|new|latest|own)\s+)?(?:interview|statement|speech|press\s+release|news\s+conference|press\s+conference|letter|e-?mail|video|podcast|broadcast|briefing|op-?ed|column|essay|editorial|memo|report|documentary|address|newsletter|book|memoir|article|blog\s+post|piece|paper|testimony|remarks)|(?:an|the|his|her|their|its|during|exclusive|after|joint)\s+interview|interviewed|(?:a|the|its|his|her|their|joint|official|written|brief|\w+['’]s)\s+(?:official\s+)?statement|statement\s+(?:said|read|posted|released|issued|published)|press\s+(?:conference|briefing|release)|news\s+(?:conference|briefing)|briefing|spokes(?:man|woman|person|people)|speaking\s+(?:to|at|with|on|during|after|before)|said\s+at\s+a|reporters|journalists|testified|testimony|(?:the\s+)?(?:ministry|embassy|police|government|department|agency|commission|committee|office|club|federation|league|company|firm)\s+said|according\s+to\s+(?:a|the)\s+(?:report|statement|ministry|police|official|spokes\w+|transcript|document)|(?:internal|leaked|private)\s+(?:message|memo|e-?mail|letter|notice|document|chat)s?|(?:memo|notice|letter|e-?mail|text\s+message|sign|placard|banner|leaflet|flyer)\s+(?:read|reads|said|says|stated))\b`)
	// hanNeg: the same, Chinese.
	hanNeg = []string{"接受采访", "采访时", "受访", "记者", "声明", "发布会", "通报", "答记者问", "接受本报", "告诉本报", "对本报",
		"接受採訪", "採訪時", "受訪", "記者", "聲明", "發布會", "發佈會", "通報"}

	reOnline  = regexp.MustCompile(`(?i)\b(?:users?|netizens?|commenters?|posters?|accounts?|bloggers?|vloggers?|influencers?|tweeters?|followers?|posts?|tweets?|comments?|repl(?:y|ies)|messages?|threads?|captions?|handles?|microbloggers?|internet\s+users?|web\s+users?|one\s+person\s+online)\b|@[\p{L}\p{N}_]`)
	hanOnline = []string{"网友", "用户", "博主", "网民", "评论", "粉丝", "大V", "楼主", "热评", "帖子", "微博", "推文", "账号",
		"網友", "用戶", "網民", "評論", "粉絲", "樓主", "熱評", "帖文", "貼文", "帳號"}

	rePronoun  = regexp.MustCompile(`(?i)^(?:(?:and|but|while|as|yet|so|meanwhile|still)\s+)?(?:one|another|others|someone|somebody|some|many|a\s+third|a\s+fourth|a\s+fifth|a\s+second|yet\s+another|the\s+other|one\s+more|still\s+others|a\s+few|several|most|it|this|that|he|she|they|one\s+other)$`)
	hanPronoun = []string{"有人", "另一位", "另一名", "另一人", "另有人", "还有人", "也有人", "其他人", "更有人", "另一", "有的"}

	rePlural  = regexp.MustCompile(`(?i)\b(?:users|netizens|commenters|posters|accounts|bloggers|people|others|many|some|fans|followers|several|few|they|viewers|tweeters|critics|supporters|readers|observers|residents|internet\s+users|web\s+users|most)\b`)
	hanPlural = []string{"网友们", "不少", "许多", "很多", "众多", "纷纷", "一些", "大批", "大量", "多名", "多位", "部分", "網友們", "許多", "眾多", "紛紛"}

	// rePostVerb: verbs of posting, which let a named person's words
	// inherit the platform of the sentences before.
	rePostVerb   = regexp.MustCompile(`(?i)\b(?:posted|posting|posts|tweeted|tweeting|re-?tweeted|commented|commenting|replied|replying|responded|responds|answered|uploaded|uploads|captioning|captioned|shared|sharing|wrote|writing|writes|read|reads|typed|messaged)\b`)
	hanPostVerbs = []string{"发文", "发帖", "发博", "留言", "评论", "回复", "转发", "配文", "写道", "晒出", "写", "發文", "發帖", "評論", "回覆", "轉發", "寫道", "寫"}

	// reHashtagBefore / reHashtagAfter: a quotation naming a hashtag or a
	// trending topic, by the words just before or after it.
	reHashtagBefore  = regexp.MustCompile(`(?i)\b(?:hash-?tags?|topics?|trending|trends?|trended|search\s+terms?|keywords?|hot\s+search(?:es)?|hot\s+list|tags?)\b(?:\s+\S+){0,2}?\s*[:,]?\s*$`)
	reHashtagAfter   = regexp.MustCompile(`(?i)^\s*[,，]?\s*(?:which\s+|that\s+)?(?:has\s+|had\s+|have\s+|was\s+|were\s+|is\s+|are\s+|became\s+|become\s+|quickly\s+|soon\s+|briefly\s+|also\s+|even\s+|later\s+|then\s+|been\s+)*(?:trend(?:ed|ing|s)?\b|topped\s+(?:the\s+)?(?:\S+\s+){0,3}?(?:trend|hot|search|list)|went\s+viral\s+as\s+a\s+hashtag|hashtag\b|(?:a\s+|the\s+)?(?:top\s+|most[- ]searched\s+|hot\s+|trending\s+)+(?:topic|search|hashtag)s?\b)`)
	hanHashtagAfter  = []string{"话题", "的话题", "登上", "冲上", "上了热搜", "登顶", "阅读量", "热搜", "词条", "成为热门"}
	hanHashtagBefore = []string{"话题", "热搜", "标签", "词条", "关键词"}

	// reTitleBefore: a quotation that is the title of a song, a show, a
	// film, a book, or a slogan, a sign, a word being talked about.
	reTitleBefore = regexp.MustCompile(`(?i)\b(?:songs?|single|track|album|film|movie|shows?|series|drama|sitcom|programme|program|episodes?|book|novel|memoir|play|musical|opera|anthem|ballad|hit|documentary|titled|entitled|poem|painting|exhibition|slogans?|headlines?|banners?|signs?|placards?|chants?|chanting|chanted|sang|sing|sings|singing|performed|performing|perform|covered|advert|advertisement|campaign|tagline|motto|catchphrase|term|word|words|phrase|expression|game|franchise|tour|brand|magazine|newspaper|column|article|essay|report|study|paper|podcast|blog|lyrics?|chorus|verse|title|label|logo|meme\s+format|reads?\s+the\s+sign|sign\s+reading|banner\s+reading)\b(?:\s+(?:\S+)){0,2}?\s*[:,]?\s*$`)
	reTitleAfter  = regexp.MustCompile(`^\s*(?:,\s*)?(?:by\s+\p{Lu}|\((?:19|20)\d\d\)|\(\p{Lu}[\w ]*\d{4}\))`)
)

// sentence ends: a terminal mark followed by white space, or a Chinese one.
var reSentenceEnd = regexp.MustCompile(`[.!?…]+["”’)\]]*\s+|[。！？]+["”’」』)]*|;\s+|；`)

// abbreviations that end with a full stop inside a sentence.
var abbrev = map[string]bool{"mr": true, "mrs": true, "ms": true, "dr": true, "st": true, "no": true, "prof": true,
	"gen": true, "sen": true, "rep": true, "gov": true, "lt": true, "col": true, "capt": true, "sgt": true, "jr": true,
	"sr": true, "vs": true, "u.s": true, "u.k": true, "inc": true, "co": true, "corp": true, "ltd": true, "e.g": true,
	"i.e": true, "jan": true, "feb": true, "aug": true, "sept": true, "sep": true, "oct": true, "nov": true, "dec": true,
	"mt": true, "ft": true, "approx": true, "dept": true, "est": true, "fig": true, "vol": true, "op": true, "pm": true, "am": true}

// sentenceBreaks returns the offsets in t where a sentence ends (just past
// the mark and the space after it).
func sentenceBreaks(t string) []int {
	var out []int
	for _, m := range reSentenceEnd.FindAllStringIndex(t, -1) {
		if t[m[0]] == '.' && m[1]-m[0] >= 1 {
			w := strings.ToLower(lastWord(t[:m[0]]))
			if abbrev[w] || utf8.RuneCountInString(w) == 1 && w != "" && w != "x" && unicode.IsLetter([]rune(w)[0]) {
				continue // Mr. Li, No. 1, initials
			}
		}
		out = append(out, m[1])
	}
	return out
}

// lastSentence is the part of t after its last sentence end.
func lastSentence(t string) string {
	b := sentenceBreaks(t)
	if len(b) == 0 {
		return t
	}
	if last := b[len(b)-1]; last < len(t) {
		return t[last:]
	}
	// t ends with a sentence end: the sentence before it.
	if len(b) >= 2 {
		return t[b[len(b)-2]:]
	}
	return t
}

// firstSentence is t up to its first sentence end (inclusive).
func firstSentence(t string) string {
	b := sentenceBreaks(t)
	if len(b) == 0 {
		return t
	}
	return t[:b[0]]
}

// afterLastBreak is the part of t after its last sentence end, "" when t
// ends with one.
func afterLastBreak(t string) (rest string, cut bool) {
	b := sentenceBreaks(t)
	if len(b) == 0 {
		return t, false
	}
	return t[b[len(b)-1]:], true
}

// clause caps: how much text around a quotation is read for its
// attribution.
const clauseBytes = 320

func tailBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := len(s) - n
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	return s[i:]
}

func headBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// verbWords are the English speech and posting verbs; verbPairs those of
// two words ("put it", "chimed in").
var (
	verbWords = setOf(`wrote writes write writing said says saying posted posts posting tweeted tweets tweeting
		retweeted re-tweeted commented comments commenting replied replies replying responded responds responding
		added adds adding asked asks asking quipped quips quipping joked jokes joking remarked remarks declared
		declares exclaimed lamented laments complained complains argued argues noted notes read reads reading
		called calling calls described dubbed hailed mocked mocking captioned shared sharing claimed claims opined
		retorted raged fumed gushed wondered observed insisted urged slammed praised echoed agreed countered
		demanded questioned suggested suggests warned cheered announced stated continued sneered scoffed teased
		vented marvelled marveled enthused bemoaned cried screamed begged pleaded protested conceded admitted
		confessed rejoiced celebrated applauded criticised criticized blasted ranted mused speculated predicted
		recalled explained explains told tells typed messaged states stating insists argued observes continues
		concludes concluded answers answered retweets retweeting reposted reposts reposting uploaded uploads uploading
		captioning captions quote-tweeted quote-tweets quote-tweeting included includes include including`)
	verbPairs = setOf(`put_it puts_it pointed_out went_on weighed_in summed_up chimed_in shot_back fired_back hit_back such_as`)
)

func setOf(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[strings.ReplaceAll(w, "_", " ")] = true
	}
	return m
}

// englishVerbs finds the English speech verbs in clause, as byte ranges.
func englishVerbs(clause string) [][2]int {
	var out [][2]int
	type word struct {
		s          string
		start, end int
	}
	var words []word
	start := -1
	for i, r := range clause + " " {
		letter := r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-')
		if letter && start < 0 {
			start = i
		} else if !letter && start >= 0 {
			words = append(words, word{strings.ToLower(clause[start:i]), start, i})
			start = -1
		}
		if !letter && r >= utf8.RuneSelf {
			start = -1
		}
	}
	for i := 0; i < len(words); i++ {
		w := words[i]
		if i+1 < len(words) && verbPairs[w.s+" "+words[i+1].s] && strings.TrimSpace(clause[w.end:words[i+1].start]) == "" {
			out = append(out, [2]int{w.start, words[i+1].end})
			i++
			continue
		}
		if w.s == "summed" && i+2 < len(words) && words[i+1].s == "it" && words[i+2].s == "up" {
			out = append(out, [2]int{w.start, words[i+2].end})
			i += 2
			continue
		}
		if verbWords[w.s] {
			out = append(out, [2]int{w.start, w.end})
		}
	}
	return out
}

// countVerbs counts the speech verbs in clause, English and Chinese (the
// one-character Chinese verbs left out: they are too often parts of words).
func countVerbs(clause string) int {
	n := len(englishVerbs(clause))
	for _, v := range hanVerbs {
		if len(v) > 3 && strings.Contains(clause, v) {
			n++
		}
	}
	return n
}

// verbAt finds the speech verb in clause: the first one for an
// attribution after the quotation, the last one before it. It returns the
// byte range, or -1.
func verbAt(clause string, last bool) (int, int) {
	locs := englishVerbs(clause)
	best := []int{-1, -1}
	if len(locs) > 0 {
		if last {
			best = locs[len(locs)-1][:]
		} else {
			best = locs[0][:]
		}
	}
	// Chinese verbs, by substring; the longest at the chosen end wins.
	for _, v := range hanVerbs {
		i := strings.Index(clause, v)
		if last {
			i = strings.LastIndex(clause, v)
		}
		if i < 0 {
			continue
		}
		// The last verb is the one ending last, the longest of those (写道
		// over 道); the first the one starting first, the longest too.
		end := i + len(v)
		if best[0] < 0 || last && (end > best[1] || end == best[1] && i < best[0]) || !last && (i < best[0] || i == best[0] && end > best[1]) {
			best = []int{i, end}
		}
	}
	return best[0], best[1]
}

func hasAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// negWords are words one of which every reNeg match holds.
var negWords = []string{"told", "internal", "leaked", "private", "memo", "notice", "letter", "mail", "message", "sign", "placard", "banner", "leaflet", "flyer", "interview", "statement", "press", "news", "briefing", "spokes", "speaking", "said", "reporter",
	"journalist", "testif", "testimon", "according", "in a", "in an", "in his", "in her", "in their", "in its", "in the"}

// negIndex lists where speech cues start in t.
func negIndex(t string) []int {
	var out []int
	if mentionsAny(strings.ToLower(t), negWords) { // the expression is slow; most paragraphs lack its words
		for _, m := range reNeg.FindAllStringIndex(t, -1) {
			out = append(out, m[0])
		}
	}
	for _, w := range hanNeg {
		for off := 0; ; {
			i := strings.Index(t[off:], w)
			if i < 0 {
				break
			}
			out = append(out, off+i)
			off += i + len(w)
		}
	}
	return out
}

// isNeg reports whether the clause places the quotation in an interview,
// a statement, a briefing or a reporter's hearing.
func isNeg(clause string) bool {
	return reNeg.MatchString(clause) || hasAny(clause, hanNeg)
}

// subject is who the attribution names.
type subject struct {
	phrase   string
	pronoun  bool // "another", "one": the platform comes from before
	personal bool // "he", "she", "they": only their writing takes it
	online   bool // "a user", "netizens", "a post": an online noun
	plural   bool
	postVerb bool // the verb is one of posting or writing
	verb     string
}

var rePersonal = regexp.MustCompile(`(?i)^(?:(?:and|but|while|as|yet|so|meanwhile|still)\s+)?(?:he|she|they|it|this|that|him|her)$|^[他她它]们?$`)

var (
	reCopula        = regexp.MustCompile(`(?i)\s(?:is|was|were|are|seemed|seems|appeared|appears|remained|had|has|took|takes|got|gets|went|goes)\s`)
	reTrailingConj  = regexp.MustCompile(`(?i)(?:\s+(?:and|but|then|or|also|quickly|later|soon))+$`)
	reLeadAdverb    = regexp.MustCompile(`(?i)(?:(?:^|\s+)(?:simply|just|only|bluntly|flatly|succinctly|sarcastically|angrily|jokingly|tearfully|proudly|also))+$`)
	reLeadCopula    = regexp.MustCompile(`(?i)^[,，]?\s*(?:was|were|is|came|comes)\s+`)
	reTrailingPlace = regexp.MustCompile(`\s+(?:on|of|in|from|at|under)\s+.*$`)
	reSamePlatform  = regexp.MustCompile(`(?i)\b(?:the\s+same\s+(?:platform|site|app|network)|the\s+platform|that\s+platform)\b`)
	reTimestamp     = regexp.MustCompile(`(?i)^\s*\d{1,2}[.:]\d{2}\s*(?:am|pm)?\s*(?:[A-Z]{2,4}\s*)?[:—–-]?\s*`)
)

// notSubjectEnd are words after which a verb is not the speaker's.
var notSubjectEnd = setOf(`that which who whom was were is are been be being widely later since has had have having also then
	first once often widely-shared not never`)

var reParticiple = regexp.MustCompile(`(?i)^(?:adding|writing|saying|asking|commenting|replying|responding|noting|declaring|calling|sharing|posting|tweeting|joking|quipping)$`)

var leadWords = regexp.MustCompile(`(?i)^(?:(?:(?:here|that|this|which)\s+(?:is|was|are|were)\s+(?:how|what)|(?:is|was|are|were)\s+(?:how|what)|and|but|while|as|yet|so|meanwhile|still|then|in\s+what|what|in|which|where|when|after|with|though|although|even\s+as|one\s+day|later|earlier|also|too|however|instead|indeed|similarly|likewise|others?\s+like|according\s+to|per|from|by)\s+|[,;:—–\-]\s*)+`)

var subjectStop = regexp.MustCompile(`(?i)[,;:—–()]|\s(?:who|which|whose|adding|after|before|when|while|as|because|since|in\s+(?:a|an|the|his|her|their|response|reply|reference)\b|under|alongside|with|that|referring|apparently|citing|sharing|posting|writing|echoing|calling|tagging|mentioning|and\s+(?:then|added|said|wrote))\b`)

// findSubject reads who is speaking from clause, given its verb at
// [vs, ve). after says the clause follows the quotation.
func findSubject(clause string, vs, ve int, after bool) subject {
	var s subject
	if !after && vs > 0 && reParticiple.MatchString(clause[vs:ve]) {
		// "One man tweeted a picture, writing:": the subject is the
		// earlier verb's.
		if ps, pe := verbAt(clause[:vs], true); ps >= 0 {
			vs, ve = ps, pe
		}
	}
	if vs >= 0 {
		s.verb = clause[vs:ve]
		s.postVerb = rePostVerb.MatchString(s.verb) || hasAny(s.verb, hanPostVerbs)
	}
	var phrase string
	switch {
	case vs < 0:
		// "Another on the same platform is less happy:": up to the verb
		// of being.
		phrase = leadWords.ReplaceAllString(strings.TrimSpace(reTimestamp.ReplaceAllString(clause, "")), "")
		if loc := reLeadCopula.FindStringIndex(phrase); loc != nil {
			phrase = phrase[loc[1]:] // "…," was the top-voted reply
		} else if loc := reCopula.FindStringIndex(phrase); loc != nil {
			phrase = phrase[:loc[0]]
		}
		if loc := subjectStop.FindStringIndex(phrase); loc != nil && loc[0] > 0 {
			phrase = phrase[:loc[0]]
		}
		if w := strings.Fields(phrase); len(w) > 6 {
			phrase = strings.Join(w[:6], " ")
		}
	case after && strings.TrimSpace(leadWords.ReplaceAllString(clause[:vs], "")) == "":
		// "…," wrote another user on X: the subject follows the verb.
		phrase = clause[ve:]
		if loc := subjectStop.FindStringIndex(phrase); loc != nil {
			phrase = phrase[:loc[0]]
		}
		phrase = trimOnPlatform(phrase)
	default:
		// One user on X wrote: the subject comes before the verb, from the
		// last clause break.
		phrase = reLeadAdverb.ReplaceAllString(strings.TrimRight(clause[:vs], " "), "") // "…, simply said"
		if i := strings.LastIndexAny(phrase, ",;:—–(（，；：、"); i >= 0 {
			_, n := utf8.DecodeRuneInString(phrase[i:])
			if strings.TrimSpace(phrase[i+n:]) != "" {
				phrase = phrase[i+n:]
			}
		}
		if vv := englishVerbs(phrase); len(vv) > 0 && vv[0][0] > 0 {
			// "The singer posted a selfie on X captioned": the speaker is
			// the subject of the first verb (not in "a post that was
			// widely shared").
			t := strings.TrimSpace(phrase[:vv[0][0]])
			if prev := strings.ToLower(lastWord(t)); t != "" && !notSubjectEnd[prev] {
				phrase = t
			}
		}
		if i := strings.LastIndex(strings.TrimRight(phrase, " "), "    "); i >= 0 {
			// A blanked relative clause is a break too: "In another tweet
			// (in which…), Emery states".
			if t := strings.TrimSpace(phrase[i:]); t != "" {
				phrase = t
			}
		}
	}
	phrase = reTimestamp.ReplaceAllString(phrase, "") // a live blog's "12.05pm:"
	phrase = reLeadAdverb.ReplaceAllString(strings.TrimSpace(phrase), "")
	phrase = strings.TrimSpace(leadWords.ReplaceAllString(strings.TrimSpace(phrase), ""))
	phrase = strings.TrimRight(phrase, " ,.:;：，")
	phrase = reTrailingConj.ReplaceAllString(phrase, "") // "Uber stepped in and tweeted"
	for _, p := range []string{"还有", "也有", "更有", "另有", "其中", "有", "但", "而", "则", "并"} {
		if strings.HasPrefix(phrase, p) && len(phrase) > len(p) {
			phrase = phrase[len(p):]
			break
		}
	}
	for _, p := range []string{"则", "也", "还", "更", "都", "却", "随后", "纷纷"} {
		if t := strings.TrimSpace(strings.TrimSuffix(phrase, p)); t != phrase && t != "" {
			phrase = t
			break
		}
	}
	// 网友在微博上 → 网友; a Han phrase keeps up to where the platform is said.
	if i := strings.Index(phrase, "在"); i > 0 {
		phrase = phrase[:i]
	}
	if w := strings.Fields(phrase); len(w) > 9 {
		phrase = strings.Join(w[len(w)-9:], " ")
	}
	phrase = headBytes(phrase, 160)
	s.phrase = phrase
	low := strings.ToLower(phrase)
	s.pronoun = rePronoun.MatchString(low) || rePronoun.MatchString(reTrailingPlace.ReplaceAllString(low, "")) || hasAny(phrase, hanPronoun) && !hasAny(phrase, hanOnline)
	if reSamePlatform.MatchString(low) {
		s.online = true // "on the same platform": the one named before
	}
	s.personal = rePersonal.MatchString(low)
	s.online = reOnline.MatchString(phrase) || hasAny(phrase, hanOnline)
	s.plural = rePlural.MatchString(low) || hasAny(phrase, hanPlural)
	return s
}

// trimOnPlatform keeps "another user on X" whole but drops the rest of a
// long tail.
func trimOnPlatform(s string) string {
	w := strings.Fields(s)
	if len(w) > 7 {
		w = w[:7]
	}
	return strings.Join(w, " ")
}

// pickCue chooses the platform the clause names for the quotation: one
// inside the subject first, then the one nearest the verb, then the one
// nearest the quotation.
func pickCue(clause string, cues []cue, subj subject, vs int, after bool) (cue, bool) {
	var best cue
	found := false
	if subj.phrase != "" {
		if i := strings.Index(clause, subj.phrase); i >= 0 {
			for _, c := range cues {
				if c.start >= i && c.end <= i+len(subj.phrase) && c.kind != cueGeneric {
					return c, true
				}
			}
		}
	}
	dist := func(c cue) int {
		ref := vs
		if ref < 0 {
			if after {
				ref = 0
			} else {
				ref = len(clause)
			}
		}
		d := c.start - ref
		if c.end <= ref {
			d = ref - c.end
		}
		if d < 0 {
			d = -d
		}
		return d
	}
	for _, c := range cues {
		if c.kind == cueGeneric && found {
			continue
		}
		if !found || best.kind == cueGeneric && c.kind != cueGeneric || dist(c) < dist(best) && !(c.kind == cueGeneric && best.kind != cueGeneric) {
			best, found = c, true
		}
	}
	return best, found
}
