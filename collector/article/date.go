package article

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

var months = map[string]time.Month{
	"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4, "may": 5,
	"jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9,
	"oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}

const monthRe = `(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)`

var (
	reISODate   = regexp.MustCompile(`\b((?:19|20)\d\d)-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d))?(?:\.\d+)?(Z|[+-]\d\d:?\d\d)?)?\b`)
	reDayMonth  = regexp.MustCompile(`\b(\d{1,2})(?:st|nd|rd|th)?\s+` + monthRe + `\.?,?\s+((?:19|20)\d\d)\b`)
	reMonthDay  = regexp.MustCompile(`\b` + monthRe + `\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+((?:19|20)\d\d)\b`)
	reHanDate   = regexp.MustCompile(`((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日`)
	reSlashDate = regexp.MustCompile(`\b((?:19|20)\d\d)/(\d{1,2})/(\d{1,2})\b`)
	reMonthWord = regexp.MustCompile(monthRe)
)

// parseDate reads one date as pages and articles write them.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, time.RFC3339, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04Z07:00", "2006-01-02", time.RFC1123Z, time.RFC1123} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return findDate(s)
}

// findDate finds the first date written in s: 2024-07-31 (with a time),
// 31 July 2024, July 31, 2024, 2024年7月31日, 2024/07/31.
func findDate(s string) (time.Time, bool) {
	type hit struct {
		at int
		t  time.Time
	}
	var best *hit
	try := func(at int, t time.Time) {
		if t.Year() < 1990 || t.Year() > 2100 {
			return
		}
		if best == nil || at < best.at {
			best = &hit{at, t}
		}
	}
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	if m := reISODate.FindStringSubmatchIndex(s); m != nil {
		g := func(i int) string {
			if m[2*i] < 0 {
				return ""
			}
			return s[m[2*i]:m[2*i+1]]
		}
		mo, d := atoi(g(2)), atoi(g(3))
		if mo >= 1 && mo <= 12 && d >= 1 && d <= 31 {
			t := time.Date(atoi(g(1)), time.Month(mo), d, atoi(g(4)), atoi(g(5)), atoi(g(6)), 0, time.UTC)
			if z := g(7); z != "" && z != "Z" {
				if loc, err := time.Parse("-0700", strings.ReplaceAll(z, ":", "")); err == nil {
					_, off := loc.Zone()
					t = t.Add(-time.Duration(off) * time.Second)
				}
			}
			try(m[0], t)
		}
	}
	if m := reDayMonth.FindStringSubmatchIndex(s); m != nil {
		mon := months[strings.ToLower(reMonthWord.FindString(s[m[0]:m[1]]))]
		if d := atoi(s[m[2]:m[3]]); mon != 0 && d >= 1 && d <= 31 {
			try(m[0], time.Date(atoi(s[m[4]:m[5]]), mon, d, 0, 0, 0, 0, time.UTC))
		}
	}
	if m := reMonthDay.FindStringSubmatchIndex(s); m != nil {
		mon := months[strings.ToLower(reMonthWord.FindString(s[m[0]:m[1]]))]
		if d := atoi(s[m[2]:m[3]]); mon != 0 && d >= 1 && d <= 31 {
			try(m[0], time.Date(atoi(s[m[4]:m[5]]), mon, d, 0, 0, 0, 0, time.UTC))
		}
	}
	for _, re := range []*regexp.Regexp{reHanDate, reSlashDate} {
		if m := re.FindStringSubmatchIndex(s); m != nil {
			mo, d := atoi(s[m[4]:m[5]]), atoi(s[m[6]:m[7]])
			if mo >= 1 && mo <= 12 && d >= 1 && d <= 31 {
				try(m[0], time.Date(atoi(s[m[2]:m[3]]), time.Month(mo), d, 0, 0, 0, 0, time.UTC))
			}
		}
	}
	if best == nil {
		return time.Time{}, false
	}
	return best.t, true
}

// dateLines is how far into a plain-text article its date is looked for:
// the dateline and byline come first.
const dateLines = 12

// textDate finds the date a plain-text article states: in its first
// lines, or on a line that says it is the date ("Published: …").
func textDate(text string) (time.Time, bool) {
	lines := strings.Split(text, "\n")
	n := 0
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		low := strings.ToLower(l)
		labelled := strings.HasPrefix(low, "date") || strings.HasPrefix(low, "published") || strings.HasPrefix(low, "updated") ||
			strings.HasPrefix(low, "posted") || strings.HasPrefix(l, "发布时间") || strings.HasPrefix(l, "日期") || strings.HasPrefix(l, "时间")
		if n < dateLines || labelled {
			if len(l) > 400 && !labelled {
				l = l[:400] // a dateline opens a paragraph
			}
			if t, ok := findDate(l); ok {
				return t, true
			}
		}
		n++
	}
	return time.Time{}, false
}
