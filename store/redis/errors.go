package redis

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	goredis "github.com/redis/go-redis/v9"

	"github.com/chorus-news/chorus"
)

// unavailableError marks a store fault that is not the request's: the
// caller may retry later. It wraps both the cause and chorus.ErrUnavailable.
type unavailableError struct{ err error }

func (e *unavailableError) Error() string   { return e.err.Error() }
func (e *unavailableError) Unwrap() []error { return []error{e.err, chorus.ErrUnavailable} }

// Redis error prefixes that mean "not now" rather than "never": the cluster
// is down or moving slots, the server is loading its data, a replica is
// read-only after a failover, a script runs too long, too many clients,
// the server out of memory (maxmemory) or unable to persist (MISCONF).
var transientPrefixes = []string{
	"CLUSTERDOWN", "TRYAGAIN", "LOADING", "MASTERDOWN", "READONLY",
	"MOVED", "ASK", "BUSY", "NOREPLICAS", "UNBLOCKED", "OOM", "MISCONF",
	"ERR max number of clients",
}

// transient reports whether err is a fault of the connection or the
// server's state, which waiting can cure.
func transient(err error) bool {
	if err == nil || errors.Is(err, goredis.Nil) || errors.Is(err, chorus.ErrNotFound) ||
		errors.Is(err, chorus.ErrInvalid) || errors.Is(err, chorus.ErrBusy) || errors.Is(err, context.Canceled) {
		return false
	}
	if errors.Is(err, chorus.ErrUnavailable) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, goredis.ErrPoolTimeout) || errors.Is(err, goredis.ErrClosed) {
		return true
	}
	var re goredis.Error
	if errors.As(err, &re) {
		msg := re.Error()
		for _, p := range transientPrefixes {
			if strings.HasPrefix(msg, p) {
				return true
			}
		}
		return false
	}
	// go-redis's own words when no node answers.
	msg := err.Error()
	for _, s := range []string{"connection refused", "connection reset", "i/o timeout", "broken pipe", "no such host",
		"cluster has no nodes", "no reachable", "client is closed", "use of closed network connection"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// classify marks a transient err as unavailable (errors.Is(err,
// chorus.ErrUnavailable)) and leaves every other error as it is.
func classify(err error) error {
	if err == nil || errors.Is(err, chorus.ErrUnavailable) || !transient(err) {
		return err
	}
	return &unavailableError{err}
}
