package collector

import (
	"context"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// Backoff is exponential back-off with jitter: each wait is about twice the
// last (±50%), from Initial, and never longer than Max (--backoff-max).
// Reset after a success. The zero value waits 1s first and at most 5m.
type Backoff struct {
	Initial, Max time.Duration
	b            *backoff.ExponentialBackOff
}

// Default back-off bounds.
const (
	DefaultBackoffInitial = time.Second
	DefaultBackoffMax     = 5 * time.Minute
)

// Next is the next wait.
func (b *Backoff) Next() time.Duration {
	if b.b == nil {
		initial, ceiling := b.Initial, b.Max
		if initial <= 0 {
			initial = DefaultBackoffInitial
		}
		if ceiling <= 0 {
			ceiling = DefaultBackoffMax
		}
		initial = min(initial, ceiling)
		b.b = &backoff.ExponentialBackOff{InitialInterval: initial, RandomizationFactor: 0.5, Multiplier: 2, MaxInterval: ceiling}
		b.b.Reset()
	}
	return min(b.b.NextBackOff(), b.b.MaxInterval)
}

// Reset starts again from Initial.
func (b *Backoff) Reset() {
	if b.b != nil {
		b.b.Reset()
	}
}

// Sleep waits d or until ctx ends, returning ctx's error then.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
