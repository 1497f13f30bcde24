package collector

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RateLimitError is a stated wait: the platform said when to come back (X's
// x-rate-limit-reset, a Retry-After header, Weibo's hourly limits). The run
// waits it out and goes on.
type RateLimitError struct {
	Wait   time.Duration // how long to wait from now
	Reset  time.Time     // when the limit resets, if the platform said
	Reason string        // what the platform said, e.g. "429 Too Many Requests"
}

func (e *RateLimitError) Error() string {
	msg := "rate limited"
	if e.Reason != "" {
		msg += " (" + e.Reason + ")"
	}
	return msg + ": retry in " + Round(e.Wait).String()
}

// FatalError is a fault retrying cannot mend (a bad token, no access, an
// expired cookie): the run stops at once and Msg says what to fix.
type FatalError struct {
	Msg string
	Err error // the cause, if any
}

func (e *FatalError) Error() string {
	if e.Err != nil {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

func (e *FatalError) Unwrap() error { return e.Err }

// Fatalf makes a FatalError.
func Fatalf(format string, a ...any) error { return &FatalError{Msg: fmt.Sprintf(format, a...)} }

// retryable marks a transient fault: 5xx, network errors, a throttle that
// names no reset time. The run backs off exponentially and retries.
type retryable struct{ err error }

func (e *retryable) Error() string { return e.err.Error() }
func (e *retryable) Unwrap() error { return e.err }

// Retryable marks err as transient. Nil stays nil.
func Retryable(err error) error {
	if err == nil {
		return nil
	}
	return &retryable{err}
}

// IsRetryable says whether err was marked transient.
func IsRetryable(err error) bool {
	var r *retryable
	return errors.As(err, &r)
}

// IsFatal says whether err is a FatalError.
func IsFatal(err error) bool {
	var f *FatalError
	return errors.As(err, &f)
}

// RetryAfter reads a Retry-After header, in seconds or as an HTTP date.
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, t.Sub(now)), true
	}
	return 0, false
}

// Round shortens a wait for people: whole seconds, tenths under 10s,
// hundredths under 1s.
func Round(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(10 * time.Millisecond)
	}
	if d < 10*time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}
