package article

import (
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/chorus-news/chorus"
)

// Quote is one quotation found in an article: a post (Platform set, Skip
// empty) or a quotation that is not one, with the reason.
type Quote struct {
	Platform    chorus.Platform `json:"platform,omitempty"`
	Text        string          `json:"quote"`
	Attribution string          `json:"attribution,omitempty"`
	Handle      string          `json:"handle,omitempty"`
	// Start and End are character (not byte) offsets into the article's
	// text: where the quoted words start, and where they end.
	Start int `json:"start"`
	End   int `json:"end"`
	// How says where the attribution was found ("after the quote",
	// "the sentence before", "platform from the quote before"…).
	How  string `json:"how,omitempty"`
	Skip string `json:"skipped,omitempty"` // why it is not a post; "" for a post

	pieces []span    // byte ranges in the text, one or more
	date   time.Time // an embedded post's own date
}

// Post reports whether q is a post.
func (q Quote) Post() bool { return q.Skip == "" && q.Platform != "" }

// maxQuotes bounds the quotations read from one article.
const maxQuotes = 5000

// Limits on a post's text: shorter is a stray mark, longer is not a post.
const (
	minQuoteRunes = 2
	maxQuoteRunes = 5000
)

// event is a platform mention, or a classified quotation, that later
// attributions ("wrote another") may take their platform from.
type event struct {
	pos, para int
	kind      cueKind
	platform  chorus.Platform
	name      string
}

// extraction is the state of one Extract call.
type extraction struct {
	doc    string
	masked string // doc with quoted words blanked and line breaks as spaces
	paras  []paragraph
	raws   []rawQuote
	cues   [][]cue // per paragraph, over the masked text, offsets in the paragraph
	events []event // cue mentions outside quotations, in order
	qev    []event // classified quotations, in order
	quotes []Quote // parallel to raws
	merged []bool  // raws[i] was merged into an earlier quote
	rootOf []int   // the quote raws[i] belongs to
	// attr is, per raw quote, the attribution clause used and whether it
	// followed the quotation; for merges and lists.
	attrAfter []bool
	attrEnd   []int // for an attribution after the quotation: where it ends in doc
}

// Extract finds the quotations of a plain-text article and tells, for
// each, whether it is a post on X or Weibo, by whom, or why not.
func Extract(doc string) []Quote {
	x := &extraction{doc: doc}
	x.paras = splitParagraphs(doc)
	x.raws = findQuotes(x.paras)
	if len(x.raws) > maxQuotes {
		x.raws = x.raws[:maxQuotes]
	}
	x.mask()
	x.findEvents()
	n := len(x.raws)
	x.quotes = make([]Quote, n)
	x.merged = make([]bool, n)
	x.rootOf = make([]int, n)
	for i := range x.rootOf {
		x.rootOf[i] = i
	}
	x.attrAfter = make([]bool, n)
	x.attrEnd = make([]int, n)
	for i := range x.raws {
		x.classify(i)
	}
	x.embeds()
	x.offsets()
	var out []Quote
	for i, q := range x.quotes {
		if !x.merged[i] {
			out = append(out, q)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	return out
}

// reEmbed is the line an embedded tweet ends with, as pages and copies of
// them show it: "— Name (@handle) July 31, 2024".
var reEmbed = regexp.MustCompile(`(?:^|\s)[—–-]{1,2}\s*([^()—–\n]{1,80}?)\s*\(@([A-Za-z0-9_]{1,15})\)\s*((?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2},\s+\d{4})\s*$`)

// reTweetLink is a link a tweet's text ends with when copied.
var reTweetLink = regexp.MustCompile(`(?:\s*(?:pic\.twitter\.com/\S+|https?://t\.co/\S+))+\s*$`)

// embeds finds embedded tweets: the post's words on the line its
// signature ends, or in the paragraph before the signature.
func (x *extraction) embeds() {
	for pi, p := range x.paras {
		if !strings.Contains(p.text, "(@") {
			continue
		}
		m := reEmbed.FindStringSubmatchIndex(p.text)
		if m == nil {
			continue
		}
		textSpan := span{p.start, p.start + m[0]}
		if strings.TrimSpace(p.text[:m[0]]) == "" {
			if pi == 0 {
				continue
			}
			prev := x.paras[pi-1]
			if reEmbed.MatchString(prev.text) {
				continue
			}
			textSpan = span{prev.start, prev.end}
		}
		words := x.doc[textSpan.start:textSpan.end]
		if loc := reTweetLink.FindStringIndex(words); loc != nil {
			textSpan.end = textSpan.start + loc[0]
			words = words[:loc[0]]
		}
		// The words may stand in quotation marks: take them from inside.
		t := strings.TrimSpace(words)
		if r, n := utf8.DecodeRuneInString(t); n > 0 && markKind(r) == doubleMark {
			lead := len(words) - len(strings.TrimLeftFunc(words, unicode.IsSpace)) + n
			textSpan.start += lead
			trimmed := strings.TrimRightFunc(x.doc[textSpan.start:textSpan.end], unicode.IsSpace)
			if r2, n2 := utf8.DecodeLastRuneInString(trimmed); markKind(r2) == doubleMark {
				textSpan.end = textSpan.start + len(trimmed) - n2
			}
		}
		text := x.text([]span{textSpan})
		if utf8.RuneCountInString(text) < minQuoteRunes {
			continue
		}
		// A quotation of the same words already read: a post stays as it
		// is; one without an attribution gives way to the embed.
		dup := false
		for i := range x.quotes {
			q := &x.quotes[i]
			if x.merged[i] || len(q.pieces) == 0 || q.pieces[0].start < textSpan.start-4 || q.pieces[0].start > textSpan.end {
				continue
			}
			if q.Post() {
				dup = true
			} else {
				x.merged[i] = true
			}
		}
		if dup {
			continue
		}
		name := strings.TrimSpace(p.text[m[2]:m[3]])
		date, _ := findDate(p.text[m[6]:m[7]])
		x.quotes = append(x.quotes, Quote{Platform: chorus.X, Text: text, Attribution: name, Handle: p.text[m[4]:m[5]],
			How: "an embedded post", pieces: []span{textSpan}, date: date})
		x.merged = append(x.merged, false)
	}
}

func (x *extraction) mask() {
	b := []byte(x.doc)
	for i, c := range b {
		if c == '\n' || c == '\r' || c == '\t' {
			b[i] = ' '
		}
	}
	for _, q := range x.raws {
		for _, p := range q.pieces {
			for i := p.start; i < p.end; i++ {
				b[i] = '_'
			}
		}
	}
	x.masked = string(b)
}

func (x *extraction) findEvents() {
	x.cues = make([][]cue, len(x.paras))
	for pi, p := range x.paras {
		t := x.masked[p.start:p.end]
		cs := findCues(t)
		x.cues[pi] = cs
		for _, c := range cs {
			x.events = append(x.events, event{pos: p.start + c.start, para: pi, kind: c.kind, platform: c.platform, name: c.name})
		}
		// "Speaking to reporters…", "told the BBC": what follows is speech
		// until a platform is named again.
		for _, m := range negIndex(t) {
			x.events = append(x.events, event{pos: p.start + m, para: pi, kind: cueSpeech, name: "speech"})
		}
	}
	sort.SliceStable(x.events, func(i, j int) bool { return x.events[i].pos < x.events[j].pos })
	// "on the platform", "the same site": the platform named last, however
	// far back.
	var refs []event
	for pi, p := range x.paras {
		t := x.masked[p.start:p.end]
		if !strings.Contains(t, "platform") && !strings.Contains(t, "site") && !strings.Contains(t, "app") && !strings.Contains(t, "network") {
			continue
		}
		for _, m := range reSamePlatform.FindAllStringIndex(t, -1) {
			pos := p.start + m[0]
			i := sort.Search(len(x.events), func(i int) bool { return x.events[i].pos >= pos })
			for j := i - 1; j >= 0; j-- {
				if e := x.events[j]; e.kind == cuePost || e.kind == cueOther {
					refs = append(refs, event{pos: pos, para: pi, kind: e.kind, platform: e.platform, name: e.name})
					break
				}
			}
		}
	}
	if len(refs) > 0 {
		x.events = append(x.events, refs...)
		sort.SliceStable(x.events, func(i, j int) bool { return x.events[i].pos < x.events[j].pos })
	}
}

// cuesIn lists the cues inside doc[start:end] of paragraph pi, with
// offsets relative to start.
func (x *extraction) cuesIn(pi, start, end int) []cue {
	var out []cue
	base := x.paras[pi].start
	cs := x.cues[pi] // in order of start
	from := sort.Search(len(cs), func(i int) bool { return base+cs[i].start >= start })
	for _, c := range cs[from:] {
		if base+c.start >= end {
			break
		}
		if base+c.end <= end {
			c.start -= start - base
			c.end -= start - base
			out = append(out, c)
		}
	}
	return out
}

// context is the platform that a bare "another" or "one user" at pos in
// paragraph pi refers to: the latest mention or classified quotation in
// this or the paragraphs just before (two; five for "another user"). A
// generic mention ("netizens") is looked through to a platform named
// earlier in its own paragraph; for an online subject, so is a quotation
// from speech. Mentions inside skip (the attribution's own words) do not
// count.
func (x *extraction) context(pos, pi int, skip span, online bool) (event, bool) {
	back := 2 // paragraphs
	if online {
		back = 5
	}
	// Walk both lists newest first, merged by position.
	i := sort.Search(len(x.events), func(i int) bool { return x.events[i].pos >= pos }) - 1
	j := sort.Search(len(x.qev), func(j int) bool { return x.qev[j].pos >= pos }) - 1
	var generic *event
	for steps := 0; steps < 200 && (i >= 0 || j >= 0); steps++ {
		var e event
		if j < 0 || i >= 0 && x.events[i].pos > x.qev[j].pos {
			e = x.events[i]
			i--
			if e.pos >= skip.start && e.pos < skip.end {
				continue // the attribution's own words ("netizens wrote")
			}
		} else {
			e = x.qev[j]
			j--
		}
		if e.para < pi-back {
			break
		}
		if e.kind == cueSpeech && online {
			continue // "another user" looks past a rescuer who told Reuters
		}
		if e.kind == cueGeneric {
			if generic == nil {
				g := e
				generic = &g
			}
			continue
		}
		if generic != nil && e.para != generic.para {
			return *generic, true
		}
		return e, true
	}
	if generic != nil {
		return *generic, true
	}
	return event{}, false
}

// text of the quotation's pieces, from the document, white space folded.
func (x *extraction) text(pieces []span) string {
	parts := make([]string, 0, len(pieces))
	for _, p := range pieces {
		s := strings.Join(strings.Fields(x.doc[p.start:p.end]), " ")
		if s != "" {
			parts = append(parts, s)
		}
	}
	return cleanQuote(strings.Join(parts, "\n"))
}

// cleanQuote drops the comma a sentence gives a quotation before its
// attribution ("…," she wrote); everything else is kept verbatim.
func cleanQuote(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimRight(s, ",，、;；:： ")
	return strings.TrimSpace(s)
}

// lastRune of the quotation's words.
func (x *extraction) lastRune(q rawQuote) rune {
	p := q.pieces[len(q.pieces)-1]
	r, _ := utf8.DecodeLastRuneInString(strings.TrimRightFunc(x.doc[p.start:p.end], unicode.IsSpace))
	return r
}

// reNameBefore: words that give a name in quotation marks ("a user
// named "Lao Zhang"", "nicknamed "The Rocket"").
var reNameBefore = regexp.MustCompile(`(?i)(?:\b(?:named|nicknamed|known\s+as|goes\s+by|going\s+by|username|user\s+name|screen\s+name|handle|alias|pseudonym|pen\s+name)|网名|昵称|名为|名叫|ID为|id为|用户名)\s*[:：]?\s*["“「]?\s*$`)

// reWasThe: an attribution by a copula ("was the top-voted reply").
var reWasThe = regexp.MustCompile(`(?i)^[,，]?\s*(?:was|were|is|came|comes)\s+(?:the|one|a|an|another)\b`)

// reCaptioning: a caption or the words of a post introduced.
var reCaptioning = regexp.MustCompile(`(?i)(?:\bcaption(?:ed|ing|s)?(?:\s+(?:it|this|that|(?:the|her|his|their|its)\s+\w+))?|\bwith\s+the\s+(?:words?|caption|message|text)|\bwriting|\bsaying)\s*[:,]?\s*$`)

// reIsHow: "… is how one user put it", "was what another wrote".
var reIsHow = regexp.MustCompile(`(?i)^[,，]?\s*(?:is|was|are|were)\s+(?:how|what)\b`)

// reListedLike: posts given as examples ("comments like", "tweets such as").
var reListedLike = regexp.MustCompile(`(?i)\b(?:comments?|posts?|repl(?:y|ies)|messages?|tweets?|responses?|reactions?|captions?)\s+(?:such\s+as|like|including|reading|saying)\s*$`)

// introducedBySpeaker: the words before a quotation name who says it and
// lead into it ("One user wrote:", "The tweet reads,").
func introducedBySpeaker(pre string) bool {
	t := strings.TrimSpace(pre)
	if t == "" || isSeparators(t) || !introduces(pre) {
		return false
	}
	vs, _ := verbAt(t, true)
	return vs >= 0 && len(strings.Fields(t)) >= 2
}

// verbJustBefore: a speech verb among the last two words before a
// quotation ("the magazine reads, "…"") makes what follows words said,
// not a title.
func verbJustBefore(pre string) bool {
	w := strings.Fields(pre)
	if len(w) > 2 {
		w = w[len(w)-2:]
	}
	return len(englishVerbs(strings.Join(w, " "))) > 0
}

// isHashtag: the words are hashtags only ("#JusticeForJohnny", "#郑州暴雨#"),
// not a post that opens with one ("#Hamilton show interrupted…").
func isHashtag(s string) bool {
	if !strings.HasPrefix(s, "#") && !strings.HasPrefix(s, "＃") {
		return false
	}
	for _, w := range strings.Fields(s) {
		if !strings.HasPrefix(w, "#") && !strings.HasPrefix(w, "＃") {
			return false
		}
	}
	return true
}

var rePreposition = regexp.MustCompile(`(?i)^(?:from|of|in|on|at|for|to|by|with|and|or|but|as|than|that|which|is|was|were|are|has|had|have)\b`)

func isTerminal(r rune) bool { return strings.ContainsRune(".!?…。！？", r) }

// The reasons a quotation is not a post.
const (
	skipHashtag   = "a hashtag or trending topic, not a post"
	skipTitle     = "a title, slogan or word being discussed, not a post"
	skipName      = "a name or nickname, not a post"
	skipNeg       = "a quote from an interview, a statement or remarks to reporters"
	skipScare     = "a phrase quoted inside a paraphrase, not a post's words"
	skipNoAttr    = "no attribution found"
	skipUnknown   = "the platform cannot be told"
	skipSpeech    = "no platform named: a quote from speech or print"
	skipShort     = "too short to be a post"
	skipLong      = "too long to be a post"
	skipDuplicate = "the same words as an earlier quote"
)

// classify decides raw quotation i.
func (x *extraction) classify(i int) {
	q := x.raws[i]
	out := &x.quotes[i]
	out.pieces = q.pieces
	out.Text = x.text(q.pieces)
	po, pc := x.paras[q.para], x.paras[q.lastPara]

	// The text around the quotation, quotations blanked.
	prevEnd := po.start
	if i > 0 && x.raws[i-1].lastPara == q.para {
		prevEnd = x.raws[i-1].close
	}
	if prevEnd > q.open {
		prevEnd = q.open
	}
	preFull := x.masked[prevEnd:q.open]
	pre, cut := afterLastBreak(preFull)
	pre = tailBytes(pre, clauseBytes)
	preStart := q.open - len(pre)
	nextStart := pc.end
	if i+1 < len(x.raws) && x.raws[i+1].para == q.lastPara {
		nextStart = x.raws[i+1].open
	}
	if nextStart < q.close {
		nextStart = q.close
	}
	postFull := x.masked[q.close:nextStart]
	if nextStart < pc.end && reNameBefore.MatchString(postFull) {
		// "…," a Weibo user named "Lao Zhang" commented: the clause goes on
		// past the quoted name.
		postFull = x.masked[q.close:pc.end]
	}
	post := headBytes(firstSentence(postFull), clauseBytes)
	last := x.lastRune(q)

	// Too short or too long.
	n := utf8.RuneCountInString(out.Text)
	if n < minQuoteRunes || strings.Trim(out.Text, "_.…!?,;:-–— ") == "" {
		out.Skip = skipShort
		return
	}
	if n > maxQuoteRunes {
		out.Skip = skipLong
		return
	}

	// Hashtags, trending topics and titles, by the words around.
	preT := strings.TrimRight(pre, " ")
	if isHashtag(out.Text) ||
		reHashtagBefore.MatchString(tailBytes(preT, 60)) || hanSuffix(preT, hanHashtagBefore) ||
		reHashtagAfter.MatchString(post) || hanPrefix(post, hanHashtagAfter) {
		out.Skip = skipHashtag
		x.note(i, event{kind: cueNone})
		return
	}
	if reNameBefore.MatchString(tailBytes(preT+" ", 60)) {
		out.Skip = skipName
		return
	}
	if !strings.HasSuffix(preT, ":") && !verbJustBefore(preT) && !reCaptioning.MatchString(preT) && reTitleBefore.MatchString(tailBytes(preT, 60)) || reTitleAfter.MatchString(post) {
		out.Skip = skipTitle
		return
	}

	// A phrase woven into a sentence ("branded it the "best photo" of
	// the Games") is read with the words before it, never after.
	woven := strings.TrimSpace(pre) != "" && !isSeparators(strings.TrimSpace(pre)) && !introduces(pre)

	// 1. An attribution right after the quotation: "…," wrote one user;
	// "…," one X user posted, while another wrote: "…". Not when the words
	// before lead into it already ("The tweet reads, "…" Emery retweeted
	// the story, saying, "…"": the second sentence is the next quote's).
	if !woven && !introducedBySpeaker(pre) {
		if own := ownPart(post); x.attributiveAfter(own, last) {
			x.attrAfter[i] = true
			x.attrEnd[i] = q.close + len(own)
			x.decide(i, own, q.close, q.lastPara, true, "after the quote", false)
			return
		}
	}
	// 2. The second piece of a quotation split around its attribution.
	if i > 0 && x.attrAfter[i-1] && x.raws[i-1].lastPara == q.para &&
		strings.TrimSpace(x.masked[x.attrEnd[i-1]:q.open]) == "" && oneVerb(x.masked[x.raws[i-1].close:x.attrEnd[i-1]]) {
		x.mergeInto(i)
		return
	}
	// 3. An attribution before it in the same sentence.
	if p := strings.TrimSpace(pre); p != "" && !isSeparators(p) {
		intro := introduces(pre)
		if !intro {
			// A phrase woven into a sentence: only a post's words when a
			// user is said to have called something so.
			if !x.fragmentOK(pre) {
				out.Skip = skipScare
				return
			}
		}
		clause, at := pre, preStart
		if !cut && i > 0 && x.raws[i-1].lastPara == q.para {
			// "…" the launch had been "…", adding: "…": the speaker is
			// named at the start of the sentence, before the earlier quote.
			vs, ve := verbAt(pre, true)
			if sub := findSubject(pre, vs, ve, false); sub.phrase == "" {
				full, _ := afterLastBreak(x.masked[po.start:q.open])
				clause = tailBytes(full, clauseBytes)
				at = q.open - len(clause)
			}
		}
		x.decide(i, clause, at, q.para, false, "before the quote", !intro)
		return
	}
	// 4. A list: "…", "…" and "…" under one attribution.
	if i > 0 && x.raws[i-1].lastPara == q.para && isSeparators(strings.TrimSpace(preFull)) && !x.merged[i-1] {
		prev := x.quotes[x.root(i-1)]
		out.Platform, out.Attribution, out.Handle, out.Skip = prev.Platform, prev.Attribution, prev.Handle, prev.Skip
		out.How = "listed with the quote before"
		if prev.Skip == skipShort || prev.Skip == skipLong || prev.Skip == skipDuplicate {
			out.Skip = skipNoAttr
		}
		x.note(i, x.qevOf(*out, q))
		return
	}
	// 5. The sentence before, in this paragraph.
	if strings.TrimSpace(preFull) != "" {
		prevSent := tailBytes(lastSentence(strings.TrimRight(preFull[:len(preFull)-len(pre)], " ")), clauseBytes)
		if x.usableBefore(prevSent) {
			x.decide(i, prevSent, q.open-len(preFull[:len(preFull)-len(pre)])+len(strings.TrimRight(preFull[:len(preFull)-len(pre)], " "))-len(prevSent), q.para, false, "the sentence before", false)
			return
		}
	}
	// 5b. The sentence after, pointing back: "That was how one X user
	// put it."
	if strings.TrimSpace(preFull) == "" || cut {
		if s := strings.TrimLeft(strings.TrimSpace(post), "—–- "); reBackRef.MatchString(s) && x.namesUser(s) {
			x.decide(i, post, q.close, q.lastPara, true, "the sentence after", false)
			return
		}
	}
	// 6. A paragraph that is all quotation: the paragraph before ends with
	// a colon or with a post it continues, or the next paragraph names
	// the user.
	whole := strings.TrimSpace(preFull) == "" && strings.TrimSpace(postFull) == "" && q.para == q.lastPara || q.para != q.lastPara
	if q.open == po.start || whole {
		if q.para > 0 {
			pp := x.paras[q.para-1]
			pt := strings.TrimRight(x.masked[pp.start:pp.end], " ")
			if strings.HasSuffix(pt, ":") || strings.HasSuffix(pt, "：") {
				s := tailBytes(lastSentence(pt), clauseBytes)
				x.decide(i, s, pp.start+len(pt)-len(s), q.para-1, false, "the paragraph before", false)
				return
			}
			if j := x.lastQuoteIn(q.para-1, i); j >= 0 && x.attrAfter[j] && x.quotes[x.root(j)].Post() &&
				strings.TrimSpace(x.masked[x.attrEnd[j]:pp.end]) == "" && whole {
				x.mergeInto2(i, j)
				return
			}
			// A list of reactions, a quotation a paragraph, under one
			// "Here is how users on X reacted:".
			if j := x.lastQuoteIn(q.para-1, i); j >= 0 && whole && x.wholeParagraph(j) {
				if prev := x.quotes[x.root(j)]; strings.Contains(prev.How, "the paragraph before") || strings.HasPrefix(prev.How, "listed") {
					out.Platform, out.Attribution, out.Handle, out.Skip = prev.Platform, prev.Attribution, prev.Handle, prev.Skip
					out.How = "listed with the quote before"
					x.note(i, x.qevOf(*out, q))
					return
				}
			}
		}
		if whole && q.lastPara+1 < len(x.paras) {
			np := x.paras[q.lastPara+1]
			s := headBytes(firstSentence(x.masked[np.start:np.end]), clauseBytes)
			if x.namesUser(s) && x.namesOneSpeaker(s) {
				x.decide(i, s, np.start, q.lastPara+1, false, "the next paragraph", false)
				return
			}
		}
		if q.para > 0 {
			pp := x.paras[q.para-1]
			pt := strings.TrimRight(x.masked[pp.start:pp.end], " ")
			s := tailBytes(lastSentence(pt), clauseBytes)
			if x.namesUser(s) && x.lastQuoteIn(q.para-1, i) < 0 {
				x.decide(i, s, pp.start+len(pt)-len(s), q.para-1, false, "the paragraph before", false)
				return
			}
		}
	}
	out.Skip = skipNoAttr
}

// wholeParagraph: raw quote j is all of its paragraph (or paragraphs).
func (x *extraction) wholeParagraph(j int) bool {
	q := x.raws[j]
	a, b := x.paras[q.para], x.paras[q.lastPara]
	return strings.TrimSpace(x.masked[a.start:q.open]) == "" && strings.TrimSpace(x.masked[q.close:b.end]) == ""
}

// root is the quote that holds raw quote i: itself, or the one it was
// merged into.
func (x *extraction) root(i int) int { return x.rootOf[i] }

// mergeInto adds raw quote i to the quote before it, as its second piece.
func (x *extraction) mergeInto(i int) { x.mergeInto2(i, i-1) }

func (x *extraction) mergeInto2(i, j int) {
	r := x.root(j)
	dst := &x.quotes[r]
	dst.pieces = append(dst.pieces, x.raws[i].pieces...)
	second := x.text(x.raws[i].pieces)
	if second != "" {
		dst.Text = strings.TrimSpace(cleanQuote(dst.Text) + " " + second)
	}
	if dst.How != "" && !strings.Contains(dst.How, "in pieces") {
		dst.How += "; quoted in pieces"
	}
	x.merged[i] = true
	x.rootOf[i] = r
	x.attrAfter[i] = false
	if n := utf8.RuneCountInString(dst.Text); n > maxQuoteRunes {
		dst.Skip = skipLong
	}
}

func (x *extraction) lastQuoteIn(pi, before int) int {
	for j := before - 1; j >= 0; j-- {
		if x.raws[j].lastPara == pi {
			return j
		}
		if x.raws[j].lastPara < pi {
			break
		}
	}
	return -1
}

// reNextSpeaker starts the clause of a second speaker in an attribution.
var reNextSpeaker = regexp.MustCompile(`(?i)(?:,\s*(?:while|and|but|as|whereas)\s|;\s|\s(?:while|whereas)\s)`)

// ownPart is the part of the text after a quotation that attributes it:
// up to where a clause introducing the next quotation starts.
func ownPart(post string) string {
	t := strings.TrimRight(post, " ")
	if !strings.HasSuffix(t, ":") && !strings.HasSuffix(t, "：") {
		return post
	}
	locs := reNextSpeaker.FindAllStringIndex(post, -1)
	if len(locs) == 0 {
		return post
	}
	return post[:locs[len(locs)-1][0]]
}

// oneVerb: the attribution between two pieces of a quotation names one
// speaker ("one user wrote"), not a second one ("while another posted").
func oneVerb(clause string) bool { return countVerbs(clause) <= 1 }

// attributiveAfter reports whether the text after a quotation attributes
// it: "…," wrote one user; "…!" one Weibo user said.
func (x *extraction) attributiveAfter(post string, last rune) bool {
	t := strings.TrimSpace(post)
	if t == "" {
		return false
	}
	if strings.HasSuffix(t, ":") || strings.HasSuffix(t, "：") {
		return false // it leads into the next quotation
	}
	vs, _ := verbAt(t, false)
	if vs < 0 && reWasThe.MatchString(t) && (reOnline.MatchString(t) || hasAny(t, hanOnline)) {
		return true // "…," was the top-voted reply
	}
	if vs >= 0 && reIsHow.MatchString(t) {
		return true // "…" is how one X user put it
	}
	if vs < 0 {
		// "…" — an X user; "…" (@handle)
		if strings.HasPrefix(t, "—") || strings.HasPrefix(t, "–") || strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "(") {
			return len(findCues(t)) > 0 || strings.Contains(t, "@")
		}
		return false
	}
	words := len(strings.Fields(t[:vs]))
	if words > 6 {
		return false
	}
	if unicode.IsLetter(last) || unicode.IsDigit(last) {
		// No punctuation closes the quotation: "…" one user wrote, but
		// not "…" from the Games and hailed as….
		if words > 3 || rePreposition.MatchString(t) {
			return false
		}
	}
	first, _ := utf8.DecodeRuneInString(strings.TrimLeft(t, ",，—–- "))
	if isTerminal(last) && unicode.IsUpper(first) && words > 3 {
		return false // a new sentence
	}
	return true
}

// introduces reports whether the words before a quotation lead into it
// ("One user wrote:", "said one user,", "一名网友写道："), rather than
// weave it into a sentence.
func introduces(pre string) bool {
	t := strings.TrimRight(pre, " ")
	if t == "" {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(t)
	if strings.ContainsRune(":：,，—–-(（", r) {
		return true
	}
	if vs, ve := verbAt(t, true); vs >= 0 && strings.TrimSpace(t[ve:]) == "" {
		return true
	}
	if reListedLike.MatchString(t) || reCaptioning.MatchString(t) {
		return true // "comments like", "posts such as", "captioning it", "with the words"
	}
	low := strings.ToLower(t)
	for _, w := range []string{" read", " reads", " reading", " saying", " writing", " caption", " captioned", " put it", " post", " tweet", " comment"} {
		if strings.HasSuffix(low, w) {
			return true
		}
	}
	return false
}

// fragmentOK: a phrase inside a sentence is a post's words only when a
// single user is said to have called something so, just before it ("in
// what an X user called "a historic moment"").
func (x *extraction) fragmentOK(pre string) bool {
	w := strings.Fields(pre)
	if len(w) > 5 {
		w = w[len(w)-5:]
	}
	tail := strings.Join(w, " ")
	return reNaming.MatchString(tail) && !strings.Contains(strings.ToLower(tail), " that ")
}

// isSeparators: nothing but commas and "and" between two quotations.
var reSeparators = regexp.MustCompile(`^(?i:[,，、;；/]|and|or|as\s+well\s+as|和|与|及|或|以及|\s)*$`)

func isSeparators(s string) bool { return reSeparators.MatchString(s) }

// usableBefore: the sentence before a quotation attributes it when it
// ends with a colon, or names a user or post together with a platform.
func (x *extraction) usableBefore(s string) bool {
	t := strings.TrimSpace(s)
	if strings.HasSuffix(t, ":") || strings.HasSuffix(t, "：") {
		return true
	}
	if x.namesUser(t) {
		return true
	}
	// "One user posted a video of the flood." The platform comes from
	// before.
	vs, ve := verbAt(t, true)
	if vs < 0 {
		return false
	}
	subj := findSubject(t, vs, ve, false)
	return subj.postVerb && (subj.online || subj.pronoun) && !subj.plural
}

// namesUser: the words name a user, a post or a comment together with a
// platform ("an X user", "Weibo users", "a post on X").
func (x *extraction) namesUser(s string) bool {
	if !(reOnline.MatchString(s) || hasAny(s, hanOnline)) {
		return false
	}
	for _, c := range findCues(s) {
		if c.kind == cuePost || c.kind == cueOther {
			return true
		}
	}
	return false
}

// namesOneSpeaker: the sentence points back at a quotation ("That was how
// one X user put it") or has one user say or call something ("in what an X
// user called…"), not many users doing something else.
func (x *extraction) namesOneSpeaker(s string) bool {
	t := strings.TrimLeft(strings.TrimSpace(s), "—–- ")
	if reBackRef.MatchString(t) {
		return true
	}
	vs, ve := verbAt(t, true)
	if vs < 0 {
		return false
	}
	subj := findSubject(t, vs, ve, false)
	return !subj.plural && (subj.online || subj.pronoun) && subj.phrase != ""
}

func hanSuffix(s string, words []string) bool {
	s = strings.TrimRight(s, " ：:")
	for _, w := range words {
		if strings.HasSuffix(s, w) {
			return true
		}
	}
	return false
}

func hanPrefix(s string, words []string) bool {
	s = strings.TrimLeft(s, " ")
	for _, w := range words {
		if strings.HasPrefix(s, w) {
			return true
		}
	}
	return false
}

// decide classifies raw quote i from its attribution clause, which starts
// at doc offset at in paragraph pi.
func (x *extraction) decide(i int, clause string, at, pi int, after bool, how string, fragment bool) {
	q := x.raws[i]
	out := &x.quotes[i]
	out.How = how
	// "Her teammate, whose Weibo account has 5 million fans, said": a
	// relative clause says nothing of where the words were posted.
	clause = maskRelative(clause)
	vs, ve := verbAt(clause, !after)
	subj := findSubject(clause, vs, ve, after)
	if reOnlineFrame.MatchString(clause) {
		subj.online = true // "said one fan in the comments"
	}
	if m := reHandle.FindStringSubmatch(clause); m != nil {
		out.Handle = m[1]
	}
	var cues []cue
	if at >= x.paras[pi].start && at+len(clause) <= x.paras[pi].end {
		for _, c := range x.cuesIn(pi, at, at+len(clause)) {
			if strings.TrimSpace(clause[c.start:c.end]) != "" { // not inside a masked clause
				cues = append(cues, c)
			}
		}
	} else {
		cues = findCues(clause)
	}
	c, ok := pickCue(clause, cues, subj, vs, after)
	defer func() { x.note(i, x.qevOf(*out, q)) }()

	negClause := clause
	if i := strings.LastIndex(clause[:max(vs, 0)], "，"); i >= 0 && !after {
		// 演员的道歉声明发布后，网友写道：the clause before the comma is
		// background, not how the words were said.
		negClause = clause[i:]
	}
	if isNeg(negClause) {
		out.Skip = skipNeg
		out.Attribution = subj.phrase
		return
	}
	if fragment && subj.plural {
		out.Skip = skipScare + " (said of many users)"
		return
	}
	if fragment && !(ok && (c.kind == cuePost || c.kind == cueOther)) {
		out.Skip = skipScare
		return
	}
	if ok && c.kind == cueGeneric {
		if subj.pronoun || subj.online || subj.postVerb {
			if e, found := x.context(q.open, q.para, span{at, at + len(clause)}, subj.online || subj.postVerb && !reReadVerb.MatchString(subj.verb)); found && e.kind != cueGeneric && e.pos < at {
				c, ok = cue{kind: e.kind, platform: e.platform, name: e.name}, true
				out.How += "; platform from " + describe(e)
			}
		}
	}
	if subj.personal && !subj.postVerb && !reContinuing.MatchString(subj.verb) {
		// "…," she said: speech, unless a platform is named.
		subj.pronoun = false
	}
	if !ok {
		if subj.pronoun || subj.online || subj.postVerb && vs >= 0 {
			e, found := x.context(q.open, q.para, span{at, at + len(clause)}, subj.online || subj.postVerb && !reReadVerb.MatchString(subj.verb))
			if found && !(subj.postVerb && !subj.pronoun && !subj.online && e.para < q.para-1) {
				c, ok = cue{kind: e.kind, platform: e.platform, name: e.name}, true
				out.How += "; platform from " + describe(e)
			}
		}
	}
	subj.phrase = x.unmask(subj.phrase, clause, at)
	out.Attribution = subj.phrase
	switch {
	case !ok:
		if subj.pronoun || subj.online {
			out.Skip = skipUnknown
		} else {
			out.Skip = skipSpeech
		}
	case c.kind == cuePost:
		out.Platform = c.platform
		out.Attribution = authorPhrase(subj, c.platform)
	case c.kind == cueOther:
		out.Skip = "posted on " + c.name + ", not X or Weibo"
	case c.kind == cueSpeech:
		out.Skip = skipSpeech
	default:
		out.Skip = skipUnknown + " (" + strings.TrimSpace(c.name) + ")"
	}
}

// reBackRef starts a sentence that points back at the quotation before.
var reBackRef = regexp.MustCompile(`(?i)^(?:that|this|so|thus|those|these|such)\b|^(?:the|those|these)\s+(?:words|message|post|comment|tweet|reply|caption)s?\b|^这是|^这条`)

// reContinuing: verbs by which a speaker goes on with what was quoted
// before ("…," he added), so the platform goes on too.
var reContinuing = regexp.MustCompile(`(?i)^(?:added|adding|adds|continued|continues|continuing|went\s+on|goes\s+on|concluded|concludes)$`)

// reReadVerb: "it reads" is said of whatever was named before, a
// statement as well as a post.
var reReadVerb = regexp.MustCompile(`(?i)^(?:read|reads|reading)$`)

// reOnlineFrame places words in a post or a comment ("in the comments",
// "in a post", "under the video").
var reOnlineFrame = regexp.MustCompile(`(?i)\b(?:in|under|beneath|below|among)\s+(?:the|a|an|his|her|their|its|one|another)\s+(?:\w+\s+)?(?:comments?|posts?|repl(?:y|ies)|threads?|tweets?|captions?|comment\s+sections?|reposts?)\b`)

// unmask gives the words of phrase, found in clause (which starts at doc
// offset at), as the article has them: a name in quotation marks comes
// back, white space folded.
func (x *extraction) unmask(phrase, clause string, at int) string {
	i := strings.Index(clause, phrase)
	if phrase == "" || i < 0 || at < 0 || at+i+len(phrase) > len(x.doc) || !strings.ContainsAny(x.masked[at+i:at+i+len(phrase)], "_ ") {
		return phrase
	}
	orig := strings.Join(strings.Fields(x.doc[at+i:at+i+len(phrase)]), " ")
	if !utf8.ValidString(orig) || strings.Count(orig, " ") > strings.Count(phrase, " ")+8 {
		return phrase
	}
	return orig
}

// reRelative is a relative clause set off by commas.
var reRelative = regexp.MustCompile(`(?i)(?:,\s*(?:who|whose|which|whom|with|having|now|since|according\s+to)|\s(?:in|on|of|by|with|under)\s+which)\b(?:[^,;:]|,\d)*(?:,|[.!?]?\s*$)`)

// maskRelative blanks relative clauses, keeping every offset.
func maskRelative(s string) string {
	return reRelative.ReplaceAllStringFunc(s, func(m string) string { return strings.Repeat(" ", len(m)) })
}

var reHandle = regexp.MustCompile(`@([\p{L}\p{N}_\-]{1,30})`)

// describe names a context event for How.
func describe(e event) string {
	if e.name != "" {
		return "\"" + e.name + "\" before"
	}
	return "the quote before"
}

// qevOf is the context event a classified quotation leaves.
func (x *extraction) qevOf(q Quote, r rawQuote) event {
	e := event{pos: r.open, para: r.para}
	switch {
	case q.Post():
		e.kind, e.platform = cuePost, q.Platform
	case strings.HasPrefix(q.Skip, "posted on "):
		e.kind, e.name = cueOther, strings.TrimSuffix(strings.TrimPrefix(q.Skip, "posted on "), ", not X or Weibo")
	case q.Skip == skipNeg || q.Skip == skipSpeech:
		e.kind = cueSpeech
	default:
		e.kind = cueNone
	}
	return e
}

func (x *extraction) note(i int, e event) {
	if e.kind == cueNone {
		return
	}
	e.pos, e.para = x.raws[i].open, x.raws[i].para
	x.qev = append(x.qev, e)
}

var rePronounOnly = regexp.MustCompile(`(?i)^(?:one|another|a\s+third|a\s+fourth|a\s+fifth|a\s+second|yet\s+another|one\s+more|one\s+other|someone|somebody)$`)

// authorPhrase is the author's name: the attribution as the article
// words it, with the platform added to a bare "another".
func authorPhrase(s subject, pl chorus.Platform) string {
	name := "X"
	if pl == chorus.Weibo {
		name = "Weibo"
	}
	p := strings.TrimSpace(s.phrase)
	if p == "" || s.pronoun && rePronounOnly.MatchString(p) {
		if p == "" {
			p = "a"
			if pl == chorus.X {
				p = "an"
			}
		}
		return p + " " + name + " user"
	}
	if hasAny(p, hanPronoun) && !hasAny(p, hanOnline) {
		return p + "（" + name + "）"
	}
	return p
}

// offsets turns byte offsets into character offsets, in one pass.
func (x *extraction) offsets() {
	type ref struct {
		byteOff int
		dst     *int
	}
	var refs []ref
	for i := range x.quotes {
		q := &x.quotes[i]
		if len(q.pieces) == 0 {
			continue
		}
		s, e := trimmedSpan(x.doc, q.pieces[0]), trimmedSpan(x.doc, q.pieces[len(q.pieces)-1])
		refs = append(refs, ref{s.start, &q.Start}, ref{e.end, &q.End})
	}
	sort.SliceStable(refs, func(a, b int) bool { return refs[a].byteOff < refs[b].byteOff })
	pos, chars := 0, 0
	for _, r := range refs {
		chars += utf8.RuneCountInString(x.doc[pos:r.byteOff])
		pos = r.byteOff
		*r.dst = chars
	}
}

// trimmedSpan is p without surrounding white space and the trailing comma
// cleanQuote drops.
func trimmedSpan(doc string, p span) span {
	t := doc[p.start:p.end]
	lead := len(t) - len(strings.TrimLeftFunc(t, unicode.IsSpace))
	trimmed := strings.TrimRight(strings.TrimRightFunc(t, unicode.IsSpace), ",，、;；:： ")
	trimmed = strings.TrimRightFunc(trimmed, unicode.IsSpace)
	if len(trimmed) < lead {
		return span{p.start, p.start}
	}
	return span{p.start + lead, p.start + len(trimmed)}
}
