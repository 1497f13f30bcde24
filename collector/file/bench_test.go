package file

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
)

// benchPosts makes n tweet-sized posts: mixed English and Chinese text of
// 80-280 bytes, full author and metrics, large numeric ids.
func benchPosts(n int) []chorus.Post {
	texts := []string{
		"This is the true Olympic spirit! Rivals sharing a selfie on the podium, nothing better than that. #Paris2024",
		"Honestly the best photo of the Games, I can't stop looking at it \U0001F602 who took it though?",
		"这张合影太珍贵了，奥运精神就是这样，输赢之外还有友谊 [心][心]",
		"Not buying it. Staged PR moment, and everyone is falling for it again. \"Unity\" my foot.",
		"Sport at its best: three athletes, two flags, one phone. https://t.co/abcdefghij",
	}
	start := time.Date(2024, 7, 31, 19, 0, 0, 0, time.UTC)
	posts := make([]chorus.Post, n)
	for i := range posts {
		pl := chorus.X
		if i%3 == 2 {
			pl = chorus.Weibo
		}
		id := strconv.FormatInt(1818700000000000000+int64(i)*7919, 10)
		posts[i] = chorus.Post{
			Platform:  pl,
			ID:        id,
			Author:    chorus.Author{ID: strconv.Itoa(42 + i), Handle: fmt.Sprintf("user_%d", i), Name: fmt.Sprintf("User Number %d", i), Followers: int64(i * 13 % 100000)},
			Text:      texts[i%len(texts)],
			Lang:      []string{"en", "en", "zh", "en", "en"}[i%len(texts)],
			CreatedAt: start.Add(time.Duration(i) * time.Second),
			URL:       "https://x.com/user/status/" + id,
			Metrics:   chorus.Metrics{Likes: int64(i % 500), Reposts: int64(i % 50), Replies: int64(i % 20), Quotes: int64(i % 5)},
			Source:    "x-search",
		}
	}
	return posts
}

const benchN = 10000

func benchNDJSON(b *testing.B) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for i, p := range benchPosts(benchN) {
		if i%2 == 1 { // half the ids as numbers, as some exporters write them
			line, _ := json.Marshal(p)
			line = bytes.Replace(line, []byte(`"id":"`+p.ID+`"`), []byte(`"id":`+p.ID), 1)
			buf.Write(line)
			buf.WriteByte('\n')
			continue
		}
		if err := enc.Encode(p); err != nil {
			b.Fatal(err)
		}
	}
	return buf.Bytes()
}

func benchCSV(b *testing.B) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"platform", "id", "author_id", "author_handle", "author_name", "author_followers", "text", "lang", "created_at", "url", "likes", "reposts", "replies", "quotes", "source"})
	for _, p := range benchPosts(benchN) {
		_ = w.Write([]string{string(p.Platform), p.ID, p.Author.ID, p.Author.Handle, p.Author.Name, strconv.FormatInt(p.Author.Followers, 10),
			p.Text, p.Lang, p.CreatedAt.Format(time.RFC3339), p.URL, strconv.FormatInt(p.Metrics.Likes, 10), strconv.FormatInt(p.Metrics.Reposts, 10),
			strconv.FormatInt(p.Metrics.Replies, 10), strconv.FormatInt(p.Metrics.Quotes, 10), p.Source})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

func benchRead(b *testing.B, data []byte, format string) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	posts := 0
	for b.Loop() {
		err := Read(bytes.NewReader(data), format, func(r Record) error {
			if r.Err != nil {
				return r.Err
			}
			posts++
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if posts != benchN*b.N {
		b.Fatalf("read %d posts, want %d", posts, benchN*b.N)
	}
	b.ReportMetric(float64(posts)/b.Elapsed().Seconds(), "posts/s")
	b.ReportMetric(float64(len(data))/benchN, "bytes/post")
}

func BenchmarkReadNDJSON(b *testing.B) { benchRead(b, benchNDJSON(b), "ndjson") }

func BenchmarkReadCSV(b *testing.B) { benchRead(b, benchCSV(b), "csv") }

// BenchmarkStdlibUnmarshal is the baseline the ndjson scanner was measured
// against: encoding/json into chorus.Post (string ids only, no type
// tolerance, no validation), line by line.
func BenchmarkStdlibUnmarshal(b *testing.B) {
	var lines [][]byte
	for _, p := range benchPosts(benchN) {
		line, _ := json.Marshal(p)
		lines = append(lines, line)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, line := range lines {
			var p chorus.Post
			if err := json.Unmarshal(line, &p); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(benchN*b.N)/b.Elapsed().Seconds(), "posts/s")
}

func BenchmarkReadJSONArray(b *testing.B) {
	posts := benchPosts(benchN)
	data, err := json.MarshalIndent(posts, "", "  ")
	if err != nil {
		b.Fatal(err)
	}
	benchRead(b, data, "ndjson")
}
