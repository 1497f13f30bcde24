package weibo

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Asia/Shanghai on machines without a zone database
)

// China is the zone Weibo writes its times in (UTC+8 all year, no daylight
// saving since 1991). The embedded zone database makes it available
// everywhere; a fixed UTC+8 stands in should loading still fail.
var China = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}()

// ParseTime reads a Weibo created_at in any form Weibo and the crawlers
// write, resolving relative and zoneless forms in China time against now
// (the time the page was fetched), and returns it in UTC:
//
//	刚刚                              now
//	N秒前, N分钟前, N小时前, N天前      now minus N seconds, minutes, hours, days
//	今天 HH:MM, 昨天 HH:MM, 前天 HH:MM   that day, China time
//	MM-DD [HH:MM], MM月DD日 [HH:MM]     this year, or last year when that would be after now
//	YYYY-MM-DD [HH:MM[:SS]]           China time; also with 'T', and YYYY年MM月DD日
//	Wed Jul 31 19:05:00 +0800 2024    the zone given
//	RFC 3339                          the zone given
//	1722427500, 1722427500000         Unix seconds or milliseconds
//
// A form without a time of day is the start of that day; a time past now by
// more than a day is refused, as no post is written in the future.
func ParseTime(s string, now time.Time) (time.Time, error) {
	t, err := parseTime(s, now)
	if err != nil {
		return time.Time{}, err
	}
	if !now.IsZero() && t.After(now.Add(26*time.Hour)) {
		return time.Time{}, fmt.Errorf("%q is after the fetch time %s", clip(s), now.UTC().Format(time.RFC3339))
	}
	return t.UTC(), nil
}

func parseTime(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(strings.TrimPrefix(s, "\ufeff"))
	if s == "" {
		return time.Time{}, fmt.Errorf("missing")
	}
	if now.IsZero() {
		now = time.Now()
	}
	now = now.Truncate(time.Second) // a relative form is never finer than that
	local := now.In(China)
	if s == "刚刚" || s == "just now" {
		return now, nil
	}
	for _, u := range []struct {
		suffix string
		unit   time.Duration
	}{{"秒前", time.Second}, {"分钟前", time.Minute}, {"分前", time.Minute}, {"小时前", time.Hour}, {"天前", 24 * time.Hour}} {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			n, err := strconv.Atoi(strings.TrimSpace(num))
			if err != nil || n < 0 || n > 100000 {
				return time.Time{}, fmt.Errorf("not a Weibo time: %q", clip(s))
			}
			return now.Add(-time.Duration(n) * u.unit), nil
		}
	}
	for _, d := range []struct {
		prefix string
		days   int
	}{{"今天", 0}, {"昨天", 1}, {"前天", 2}} {
		if rest, ok := strings.CutPrefix(s, d.prefix); ok {
			day := local.AddDate(0, 0, -d.days)
			h, m, sec, ok := clock(strings.TrimSpace(rest))
			if !ok {
				return time.Time{}, fmt.Errorf("not a Weibo time: %q", clip(s))
			}
			return time.Date(day.Year(), day.Month(), day.Day(), h, m, sec, 0, China), nil
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && (len(s) == 10 || len(s) == 13) {
		// Unix time, seconds or milliseconds, as some exports write it.
		if len(s) == 13 {
			return time.UnixMilli(n), nil
		}
		return time.Unix(n, 0), nil
	}
	if s[0] >= 'A' && s[0] <= 'Z' || strings.ContainsAny(s, "+Z") && len(s) > 19 {
		for _, layout := range []string{time.RubyDate, time.RFC3339Nano, "Mon Jan 2 15:04:05 -0700 2006", time.RFC1123Z, "2006-01-02 15:04:05 -0700", "2006-01-02T15:04:05.999999999-0700"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t, nil
			}
		}
	}
	return calendar(s, local)
}

// calendar reads the zoneless date forms, in China time.
func calendar(s string, local time.Time) (time.Time, error) {
	bad := fmt.Errorf("not a Weibo time: %q", clip(s))
	date, rest := s, ""
	if i := strings.IndexAny(s, " T"); i >= 0 {
		date, rest = s[:i], strings.TrimSpace(s[i+1:])
	} else if i := strings.Index(s, "日"); i >= 0 && i+len("日") < len(s) {
		date, rest = s[:i+len("日")], strings.TrimSpace(s[i+len("日"):])
	}
	date = strings.NewReplacer("年", "-", "月", "-", "日", "", "/", "-", ".", "-").Replace(date)
	parts := strings.Split(date, "-")
	var y, mo, d int
	var err error
	nums := make([]int, len(parts))
	for i, p := range parts {
		if nums[i], err = strconv.Atoi(p); err != nil || p == "" || len(p) > 4 {
			return time.Time{}, bad
		}
	}
	yearGiven := len(parts) == 3
	switch len(parts) {
	case 3:
		y, mo, d = nums[0], nums[1], nums[2]
		if len(parts[0]) != 4 {
			return time.Time{}, bad
		}
	case 2:
		y, mo, d = local.Year(), nums[0], nums[1]
	default:
		return time.Time{}, bad
	}
	h, m, sec := 0, 0, 0
	if rest != "" {
		var ok bool
		if h, m, sec, ok = clock(strings.TrimSuffix(strings.TrimSuffix(rest, "Z"), ".000")); !ok {
			return time.Time{}, bad
		}
	}
	if mo < 1 || mo > 12 || d < 1 || d > 31 || y < 2000 || y > 9999 {
		return time.Time{}, bad
	}
	t := time.Date(y, time.Month(mo), d, h, m, sec, 0, China)
	if t.Day() != d { // 02-30 and the like
		return time.Time{}, bad
	}
	if !yearGiven && (mo > int(local.Month()) || mo == int(local.Month()) && d > local.Day()) {
		// A day later in the year than today is last year's.
		t = time.Date(y-1, time.Month(mo), d, h, m, sec, 0, China)
		if t.Day() != d {
			return time.Time{}, bad
		}
	}
	return t, nil
}

// clock reads HH:MM or HH:MM:SS.
func clock(s string) (h, m, sec int, ok bool) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, 0, 0, false
	}
	v := make([]int, 3)
	for i, p := range parts {
		if i == 2 {
			if dot := strings.IndexByte(p, '.'); dot >= 0 {
				p = p[:dot]
			}
		}
		n, err := strconv.Atoi(p)
		if err != nil || len(p) == 0 || len(p) > 2 {
			return 0, 0, 0, false
		}
		v[i] = n
	}
	if v[0] > 23 || v[1] > 59 || v[2] > 60 {
		return 0, 0, 0, false
	}
	return v[0], v[1], v[2], true
}

// ParseCount reads a Weibo count: a number, or the display forms
// "1.2万", "1万+", "100万+", "3亿" (万 is 10,000, 亿 10^8, a trailing '+'
// means at least), "1,234", and the placeholder words shown for none
// ("转发", "评论", "赞"). An empty value is 0.
func ParseCount(s string) (int64, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimSpace(strings.TrimSuffix(s, "+")), "+")
	if s == "" {
		return 0, nil
	}
	switch s {
	case "转发", "评论", "赞", "点赞", "转发数", "评论数", "null", "None", "-":
		return 0, nil
	}
	mult := 1.0
	for _, u := range []struct {
		suffix string
		mult   float64
	}{{"万", 1e4}, {"w", 1e4}, {"W", 1e4}, {"亿", 1e8}, {"千", 1e3}, {"k", 1e3}, {"K", 1e3}} {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = strings.TrimSpace(num), u.mult
			break
		}
	}
	s = strings.ReplaceAll(s, ",", "")
	if mult == 1 {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			if n < 0 {
				return 0, fmt.Errorf("negative: %q", clip(s))
			}
			return n, nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f != f || f*mult > 9e18 {
		return 0, fmt.Errorf("not a count: %q", clip(s))
	}
	return int64(f*mult + 0.5), nil
}

// clip shortens a value quoted in a message.
func clip(s string) string {
	const max = 60
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && s[cut]&0xc0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}
