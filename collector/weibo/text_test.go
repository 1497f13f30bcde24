package weibo

import (
	"strings"
	"testing"
	"time"
)

func TestText(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "国乒夺冠！合影太暖了[心] #巴黎奥运#", "国乒夺冠！合影太暖了[心] #巴黎奥运#"},
		{"plain with a less-than", "a<b and 1 < 2", "a<b and 1 < 2"},
		{"entities in plain text", "&quot;好&quot; &amp; 棒", `"好" & 棒`},
		{"emoticon, quoted alt", `太感动了<span class="url-icon"><img alt="[心]" src="//h5.sinaimg.cn/m/emoticon/icon/x.png" style="width:1em; height:1em;" /></span>`, "太感动了[心]"},
		{"emoticon, unquoted alt", `哈哈<span class="url-icon"><img alt=[doge] src="//h5.sinaimg.cn/x.png"></span>`, "哈哈[doge]"},
		{"emoticon, single-quoted alt", `<img alt='[允悲]' src=x>笑死`, "[允悲]笑死"},
		{"link icon without alt dropped", `<a href="https://weibo.cn/sinaurl?u=x"><img class="icon-link" src="//h5.sinaimg.cn/upload/2015/09/25/3/timeline_card_small_web_default.png"><span class="surl-text">网页链接</span></a>`, "网页链接"},
		{"mention", `<a href='/n/乒乓小迷妹'>@乒乓小迷妹</a> 说得对`, "@乒乓小迷妹 说得对"},
		{"topic", `<a href="https://m.weibo.cn/search?containerid=231522type%3D1%26q%3D%23巴黎奥运%23"><span class="surl-text">#巴黎奥运#</span></a>加油`, "#巴黎奥运#加油"},
		{"br", "第一行<br />第二行<br>第三行", "第一行\n第二行\n第三行"},
		{"entities", "他说&quot;好&quot; &amp; &lt;真的&gt; &#x1F600;", "他说\"好\" & <真的> \U0001F600"},
		{"full text link dropped", `这张合影会被记住很久很久...<a href="/status/5062000000000002">全文</a>`, "这张合影会被记住很久很久..."},
		{"full text link, weibo.com style", `长文...<a href="//m.weibo.cn/detail/123" target="_blank">展开全文c</a>`, "长文..."},
		{"a link called 全文 elsewhere is kept", `<a href="https://example.com/x">全文</a>在这里`, "全文在这里"},
		{"repost chain", `转发一下//<a href='/n/某人'>@某人</a>:太好了[赞]`, "转发一下//@某人:太好了[赞]"},
		{"open API cut post", "长文开头说了很多...全文： http://m.weibo.cn/1234567890/OqZ1aBcDe", "长文开头说了很多..."},
		{"open API cut post, no space", "长文开头...全文：https://m.weibo.cn/1/x", "长文开头..."},
		{"全文 in words is kept", "我读了全文：很好", "我读了全文：很好"},
		{"s.weibo.com collapse link", "长文的全部内容。收起全文d", "长文的全部内容。"},
		{"s.weibo.com expand link", "长文开头\u200b展开全文c", "长文开头"},
		{"weibo.com expand marker", `长文开头...<span class="expand">展开</span>`, "长文开头..."},
		{"script dropped", `好<script>alert(1)</script>的`, "好的"},
		{"zero-width spaces", "开\u200b心", "开心"},
		{"trim and squeeze", "  <br><br><br><br>字<br><br><br><br>  ", "字"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Text(tc.in); got != tc.want {
				t.Errorf("Text(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestOwnWords(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"转发微博", ""},
		{"Repost", ""},
		{"", ""},
		{"//@某人:太好了", ""},
		{"  //@某人:太好了", ""},
		{"说得对//@某人:太好了//@另一人:嗯", "说得对"},
		{"我的看法", "我的看法"},
		{"转发微博//@某人:好", ""},
	} {
		if got := OwnWords(tc.in); got != tc.want {
			t.Errorf("OwnWords(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseTime(t *testing.T) {
	// 2024-08-02 10:30:00 China time.
	now := time.Date(2024, 8, 2, 2, 30, 0, 0, time.UTC)
	cn := func(y int, mo time.Month, d, h, mi, s int) time.Time {
		return time.Date(y, mo, d, h, mi, s, 0, China).UTC()
	}
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"刚刚", now},
		{"30秒前", now.Add(-30 * time.Second)},
		{"5分钟前", now.Add(-5 * time.Minute)},
		{"3小时前", now.Add(-3 * time.Hour)},
		{"今天 08:15", cn(2024, 8, 2, 8, 15, 0)},
		{"昨天 23:59", cn(2024, 8, 1, 23, 59, 0)},
		{"昨天23:59", cn(2024, 8, 1, 23, 59, 0)},
		{"07-31", cn(2024, 7, 31, 0, 0, 0)},
		{"08-02", cn(2024, 8, 2, 0, 0, 0)},
		{"12-31", cn(2023, 12, 31, 0, 0, 0)}, // later in the year than today: last year
		{"08-03", cn(2023, 8, 3, 0, 0, 0)},
		{"07-31 20:15", cn(2024, 7, 31, 20, 15, 0)},
		{"2023-05-01", cn(2023, 5, 1, 0, 0, 0)},
		{"Wed Jul 31 19:05:00 +0800 2024", cn(2024, 7, 31, 19, 5, 0)},
		{"Wed Jul 31 11:05:00 +0000 2024", cn(2024, 7, 31, 19, 5, 0)},
		{"2024-07-31T20:30:00", cn(2024, 7, 31, 20, 30, 0)},
		{"2024-07-31 20:30:00", cn(2024, 7, 31, 20, 30, 0)},
		{"2024-07-31 20:30", cn(2024, 7, 31, 20, 30, 0)},
		{"2024年07月31日 20:30", cn(2024, 7, 31, 20, 30, 0)},
		{"07月31日 20:30", cn(2024, 7, 31, 20, 30, 0)},
		{"2024-07-31T12:30:00Z", cn(2024, 7, 31, 20, 30, 0)},
		{"2024-07-31T20:30:00+08:00", cn(2024, 7, 31, 20, 30, 0)},
		{"1722429000", cn(2024, 7, 31, 20, 30, 0)},
		{"1722429000000", cn(2024, 7, 31, 20, 30, 0)},
	} {
		got, err := ParseTime(tc.in, now)
		if err != nil {
			t.Errorf("ParseTime(%q): %v", tc.in, err)
			continue
		}
		if !got.Equal(tc.want) || got.Location() != time.UTC {
			t.Errorf("ParseTime(%q) = %s, want %s (UTC)", tc.in, got, tc.want)
		}
	}
	// New Year: at 00:10 on 1 January, yesterday is last year.
	jan1 := time.Date(2025, 1, 1, 0, 10, 0, 0, China)
	if got, _ := ParseTime("昨天 23:00", jan1); !got.Equal(cn(2024, 12, 31, 23, 0, 0)) {
		t.Errorf("昨天 on 1 January = %s", got)
	}
	if got, _ := ParseTime("12-31", jan1); !got.Equal(cn(2024, 12, 31, 0, 0, 0)) {
		t.Errorf("12-31 on 1 January = %s", got)
	}
	for _, bad := range []string{"", "yesterday", "13-01", "02-30", "N分钟前", "2024-07-31 25:00", "9999-01-01", "今天 8点"} {
		if got, err := ParseTime(bad, now); err == nil {
			t.Errorf("ParseTime(%q) = %s, want an error", bad, got)
		}
	}
}

func TestChinaZone(t *testing.T) {
	if _, off := time.Date(2024, 7, 31, 0, 0, 0, 0, China).Zone(); off != 8*3600 {
		t.Errorf("China offset = %d", off)
	}
}

func TestParseCount(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"", 0}, {"0", 0}, {"15", 15}, {"1,234", 1234}, {"1万+", 10000}, {"1.2万", 12000},
		{"100万+", 1000000}, {"3亿", 300000000}, {"1.5亿", 150000000}, {"转发", 0}, {"赞", 0}, {" 42 ", 42}, {"12.0", 12},
	} {
		got, err := ParseCount(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseCount(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"abc", "-3", "1万万", "NaN"} {
		if _, err := ParseCount(bad); err == nil {
			t.Errorf("ParseCount(%q): want an error", bad)
		}
	}
}

func FuzzText(f *testing.F) {
	for _, s := range []string{`太感动了<span class="url-icon"><img alt="[心]" src="x" /></span>`, `<a href='/n/x'>@x</a>`, "a<b", "<br/>&amp;", `...<a href="/status/1">全文</a>`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Text(s)
		if hasMarkup(s) && strings.Contains(out, "<span") && !strings.Contains(s, "&lt;span") {
			t.Errorf("markup left: %q -> %q", s, out)
		}
		if strings.TrimSpace(out) != out {
			t.Errorf("not trimmed: %q", out)
		}
	})
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"刚刚", "5分钟前", "今天 08:15", "昨天 23:59", "07-31", "2024-07-31", "Wed Jul 31 19:05:00 +0800 2024", "2024-07-31T20:30:00", "2024年07月31日 20:30"} {
		f.Add(s)
	}
	now := time.Date(2024, 8, 2, 2, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTime(s, now)
		if err != nil {
			return
		}
		if got.Location() != time.UTC {
			t.Errorf("%q: not UTC: %s", s, got)
		}
		if got.After(now.Add(26 * time.Hour)) {
			t.Errorf("%q: in the future: %s", s, got)
		}
	})
}

func FuzzParseCount(f *testing.F) {
	for _, s := range []string{"1万+", "1.2万", "100万+", "3亿", "1,234", "转发"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, err := ParseCount(s); err == nil && n < 0 {
			t.Errorf("%q: negative %d", s, n)
		}
	})
}
