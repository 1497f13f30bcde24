package redis_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/store/redis"
)

// TestDecodePostMatchesStd: the fast decoder on the read path gives what
// encoding/json gives, for posts as encoding/json writes them.
func TestDecodePostMatchesStd(t *testing.T) {
	at := time.Date(2024, 7, 31, 19, 5, 0, 123456789, time.UTC)
	tests := []struct {
		name string
		post chorus.Post
	}{
		{"minimal", chorus.Post{Platform: chorus.X, ID: "1", Event: "e", CreatedAt: at}},
		{"full", chorus.Post{
			Platform: chorus.Weibo, ID: "5063000000000001", Event: "paris-2024",
			Author: chorus.Author{ID: "1234567890", Handle: "用户", Name: "Some \"One\"", Followers: 1 << 53},
			Text:   "国乒夺冠！合影太暖了[心] #巴黎奥运# 🥹\n<script>alert('x')</script> \\ \u2028 tab\there",
			Lang:   "zh", CreatedAt: at, URL: "https://weibo.com/1/2?a=1&b=2",
			Metrics:  chorus.Metrics{Likes: 9007199254740993, Reposts: 2, Replies: 3, Quotes: 4},
			QuotedID: "q1", Source: "article:paris.html",
			Sentiment: &chorus.Sentiment{Label: chorus.Positive, Score: 0.8333333333333334, Confidence: 1e-7, Model: "zh/1", Corrected: true, Note: "by hand"},
		}},
		{"unscored", chorus.Post{Platform: chorus.X, ID: "x", Event: "e", Text: "歴史的な瞬間", Lang: "ja", CreatedAt: at.Add(-100 * 365 * 24 * time.Hour),
			Sentiment: &chorus.Sentiment{Label: chorus.Unscored, Model: "none"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(&tt.post)
			if err != nil {
				t.Fatal(err)
			}
			var std, fast chorus.Post
			if err := json.Unmarshal(b, &std); err != nil {
				t.Fatal(err)
			}
			if err := redis.DecodePostForTest(string(b), &fast); err != nil {
				t.Fatalf("decodePost: %v", err)
			}
			if !reflect.DeepEqual(fast, std) {
				t.Errorf("decodePost = %+v\nencoding/json = %+v", fast, std)
			}
			if fast.Sentiment != nil && *fast.Sentiment != *std.Sentiment {
				t.Errorf("sentiment %+v, want %+v", *fast.Sentiment, *std.Sentiment)
			}
		})
	}
	// What the fast encoder writes, encoding/json reads back as the post
	// (the bytes differ only in how an exponent is spelled: 1e-07, 1e-7).
	for _, tt := range tests {
		b, err := redis.EncodePostForTest(&tt.post)
		if err != nil {
			t.Fatal(err)
		}
		var back chorus.Post
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: encodePost wrote %s: %v", tt.name, b, err)
		}
		want := tt.post
		want.CreatedAt = want.CreatedAt.UTC()
		if !reflect.DeepEqual(back, want) && fmt.Sprint(back) != fmt.Sprint(want) {
			t.Errorf("%s: encodePost then encoding/json = %+v, want %+v", tt.name, back, want)
		}
	}
	var p chorus.Post
	if err := redis.DecodePostForTest(`{"platform":"x","id":`, &p); err == nil {
		t.Errorf("decodePost of truncated JSON: nil error")
	}
}
