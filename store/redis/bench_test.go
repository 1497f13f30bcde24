package redis_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/store/redis"
	"github.com/chorus-news/chorus/store/redis/redistest"
)

// BenchmarkSubmitReadTally pushes 100,000 posts through a real
// redis-server: two submitters in batches of 1,000 while two workers read,
// score (a fixed label) and tally batches of 1,000. It reports posts/s from
// the first Submit to the last Tally.
func BenchmarkSubmitReadTally(b *testing.B) {
	const (
		total      = 100_000
		batch      = 1000
		submitters = 2
		workers    = 2
	)
	ctx := context.Background()
	url := redistest.URL(b)
	s := open(b, url, redis.Options{})
	cpu := nodeCPU(b, url)
	before := cpu()
	var elapsed time.Duration
	for i := range b.N {
		b.StopTimer()
		event := fmt.Sprintf("bench-%d", i)
		createEvent(b, s, event)
		posts := makePosts(event, total, base, false)
		for j := range posts {
			posts[j].Text = "Congratulations to all three, what a moment! The true Olympic spirit, shared by every athlete on the podium."
		}
		b.StartTimer()
		start := time.Now()
		var tallied atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, workers+submitters)
		for sub := range submitters {
			wg.Go(func() {
				for k := sub * batch; k < total; k += submitters * batch {
					if _, err := s.Submit(ctx, event, posts[k:k+batch]); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		for w := range workers {
			wg.Go(func() {
				consumer := fmt.Sprintf("bench-%d", w)
				for tallied.Load() < total {
					es, err := s.Read(ctx, consumer, batch, 100*time.Millisecond)
					if err != nil {
						errs <- err
						return
					}
					for k := range es {
						p := &es[k].Post
						p.Lang = "en"
						p.Sentiment = &chorus.Sentiment{Label: chorus.Labels[k%3], Score: 0.5, Confidence: 0.8, Model: "bench"}
					}
					n, err := s.Tally(ctx, es)
					if err != nil {
						errs <- err
						return
					}
					tallied.Add(int64(n))
				}
			})
		}
		wg.Wait()
		elapsed += time.Since(start)
		b.StopTimer()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
		if sum, err := s.Summary(ctx, event, ""); err != nil || sum.Total != total {
			b.Fatalf("Summary total = %d, %v; want %d", sum.Total, err, total)
		}
	}
	b.ReportMetric(float64(total*b.N)/elapsed.Seconds(), "posts/s")
	b.ReportMetric((cpu()[0]-before[0])*1e6/float64(total*b.N), "redis-µs/post")
}

// BenchmarkScaling is one big event pushed through the queue (Submit, then
// Read, score and Tally by workers) on one redis-server and on a
// three-master Cluster with the event spread over six shards, by 1, 2 and
// 4 workers. Scoring is a fixed label, so that the figure is the store's.
func BenchmarkScaling(b *testing.B) {
	const (
		total = 60_000
		batch = 1000
	)
	topologies := []struct {
		name   string
		shards int
		url    func(b *testing.B) string
	}{
		{"node", 1, func(b *testing.B) string { return redistest.URL(b) }},
		{"cluster3", 6, func(b *testing.B) string { return redistest.StartCluster(b) }},
	}
	for _, tp := range topologies {
		b.Run(tp.name, func(b *testing.B) {
			url := tp.url(b)
			for _, workers := range []int{1, 2, 4} {
				b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
					ctx := context.Background()
					s := open(b, url, redis.Options{Shards: tp.shards})
					cpu := nodeCPU(b, url)
					before := cpu()
					var elapsed time.Duration
					for i := range b.N {
						event := fmt.Sprintf("scale-%d-%d", workers, i)
						createEvent(b, s, event)
						posts := makePosts(event, total, base, false)
						for j := range posts {
							posts[j].Text = "Congratulations to all three, what a moment! The true Olympic spirit."
						}
						start := time.Now()
						var tallied atomic.Int64
						var wg sync.WaitGroup
						errs := make(chan error, workers+2)
						for sub := range 2 {
							wg.Go(func() {
								for k := sub * batch; k < total; k += 2 * batch {
									if _, err := s.Submit(ctx, event, posts[k:k+batch]); err != nil {
										errs <- err
										return
									}
								}
							})
						}
						for w := range workers {
							wg.Go(func() {
								consumer := fmt.Sprintf("scale-%d", w)
								for tallied.Load() < total {
									es, err := s.Read(ctx, consumer, batch, 50*time.Millisecond)
									if err != nil {
										errs <- err
										return
									}
									for k := range es {
										p := &es[k].Post
										p.Lang = "en"
										p.Sentiment = &chorus.Sentiment{Label: chorus.Labels[k%3], Score: 0.5, Confidence: 0.8, Model: "bench"}
									}
									n, err := s.Tally(ctx, es)
									if err != nil {
										errs <- err
										return
									}
									tallied.Add(int64(n))
								}
							})
						}
						wg.Wait()
						elapsed += time.Since(start)
						close(errs)
						for err := range errs {
							b.Fatal(err)
						}
						if sum, err := s.Summary(ctx, event, ""); err != nil || sum.Total != total {
							b.Fatalf("Summary total = %d, %v; want %d", sum.Total, err, total)
						}
					}
					b.ReportMetric(float64(total*b.N)/elapsed.Seconds(), "posts/s")
					// Redis's own work per post on its busiest node: what
					// bounds the rate when each node has a core of its own
					// (on this machine all of them share two).
					busiest := 0.0
					for i, c := range cpu() {
						busiest = max(busiest, c-before[i])
					}
					b.ReportMetric(busiest*1e6/float64(total*b.N), "busiest-node-µs/post")
					b.ReportMetric(0, "ns/op")
				})
			}
		})
	}
}

// nodeCPU returns a function reading used_cpu_sys + used_cpu_user, in
// seconds, of every node behind url (one address, or a cluster's seeds).
func nodeCPU(b *testing.B, url string) func() []float64 {
	addrs := strings.Split(strings.TrimSuffix(strings.TrimPrefix(url, "redis://"), "/0"), ",")
	var clients []*goredis.Client
	for _, a := range addrs {
		c := goredis.NewClient(&goredis.Options{Addr: a, DisableIdentity: true})
		b.Cleanup(func() { c.Close() })
		clients = append(clients, c)
	}
	return func() []float64 {
		out := make([]float64, len(clients))
		for i, c := range clients {
			info, err := c.Info(context.Background(), "cpu").Result()
			if err != nil {
				b.Fatal(err)
			}
			for line := range strings.SplitSeq(info, "\n") {
				k, v, _ := strings.Cut(strings.TrimSpace(line), ":")
				if k == "used_cpu_sys" || k == "used_cpu_user" {
					f, _ := strconv.ParseFloat(v, 64)
					out[i] += f
				}
			}
		}
		return out
	}
}
