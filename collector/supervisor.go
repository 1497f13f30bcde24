package collector

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/chorus-news/chorus"
)

// Job is one collector the Supervisor keeps running. Key is unique among
// jobs (say "x-stream" for one stream serving every event, or
// "weibo-mobile/<event>"); Status is the initial status of each run (Event,
// Name, Platform, Query, Mode). Run works until ctx ends (follow and poll
// modes) and returns the fault that stopped it otherwise.
type Job struct {
	Key    string
	Status chorus.CollectorStatus
	Run    func(ctx context.Context, run *Run) error
}

// Supervisor keeps a changing set of jobs running: it asks Jobs for the set
// every Refresh (events are created, windows open and close), starts new
// jobs, stops those no longer listed, and restarts a job whose run failed
// after a back-off that grows with each failure in a row (a fatal fault such
// as a rejected token waits the longest). Each run's status goes to Store.
type Supervisor struct {
	Jobs    func(ctx context.Context) ([]Job, error)
	Store   Store
	Logger  *slog.Logger
	Refresh time.Duration // 30s when zero
	// Restart bounds the wait before a failed job runs again: from
	// RestartMin (5s), doubling, to RestartMax (5m).
	RestartMin, RestartMax time.Duration

	mu   sync.Mutex
	runs map[string]*Run
}

// Statuses are the statuses of the runs now live, for /metrics.
func (s *Supervisor) Statuses() []chorus.CollectorStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]chorus.CollectorStatus, 0, len(s.runs))
	for _, r := range s.runs {
		out = append(out, r.Status())
		for _, c := range r.Children() {
			out = append(out, c.Status())
		}
	}
	return out
}

// Run supervises until ctx ends, then stops every job and waits for them.
func (s *Supervisor) Run(ctx context.Context) error {
	log := s.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "supervisor")
	refresh := s.Refresh
	if refresh <= 0 {
		refresh = 30 * time.Second
	}
	type live struct {
		cancel context.CancelFunc
		done   chan struct{}
	}
	running := map[string]live{}
	var wg sync.WaitGroup
	defer func() {
		for _, l := range running {
			l.cancel()
		}
		wg.Wait()
	}()
	t := time.NewTicker(refresh)
	defer t.Stop()
	for {
		jobs, err := s.Jobs(ctx)
		if err != nil && ctx.Err() == nil {
			log.Warn("list collector jobs", "err", err) // keep the jobs running as they are
		}
		if err == nil {
			want := map[string]bool{}
			for _, j := range jobs {
				want[j.Key] = true
				if l, ok := running[j.Key]; ok {
					select {
					case <-l.done: // it ended on its own: start it again below
					default:
						continue
					}
				}
				jctx, cancel := context.WithCancel(ctx)
				l := live{cancel: cancel, done: make(chan struct{})}
				running[j.Key] = l
				wg.Go(func() {
					defer close(l.done)
					s.keep(jctx, j, log)
				})
				log.Info("collector job started", "job", j.Key)
			}
			for key, l := range running {
				if !want[key] {
					l.cancel()
					delete(running, key)
					log.Info("collector job stopped: no longer wanted", "job", key)
				}
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// keep runs job until ctx ends, restarting it after each failure.
func (s *Supervisor) keep(ctx context.Context, job Job, log *slog.Logger) {
	lo, hi := s.RestartMin, s.RestartMax
	if lo <= 0 {
		lo = 5 * time.Second
	}
	if hi <= 0 {
		hi = 5 * time.Minute
	}
	bo := Backoff{Initial: lo, Max: hi}
	defer func() {
		s.mu.Lock()
		delete(s.runs, job.Key)
		s.mu.Unlock()
	}()
	st := job.Status // counts add up across restarts
	for ctx.Err() == nil {
		run := NewRun(st, RunOptions{Store: s.Store, Logger: s.Logger})
		s.mu.Lock()
		if s.runs == nil {
			s.runs = map[string]*Run{}
		}
		s.runs[job.Key] = run
		s.mu.Unlock()
		run.Start(ctx)
		began := time.Now()
		err := run.Finish(ctx, job.Run(ctx, run))
		st = run.Status()
		if ctx.Err() != nil {
			return
		}
		if time.Since(began) > 10*time.Minute {
			bo.Reset() // it ran well for a while: this is a new failure, not a streak
		}
		wait := bo.Next()
		if IsFatal(err) {
			wait = hi // mending it needs a person: try now and then, not in a loop
		}
		if err == nil {
			err = errors.New("returned without an error")
		}
		log.Warn("collector failed; restarting", "job", job.Key, "err", err, "wait", Round(wait).String())
		run.Scheduled(ctx, time.Now().Add(wait))
		st.NextRetryAt = time.Now().Add(wait)
		if Sleep(ctx, wait) != nil {
			return
		}
	}
}
