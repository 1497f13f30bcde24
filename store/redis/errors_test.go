package redis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/chorus-news/chorus"
)

// serverError is a reply error as go-redis returns it.
type serverError string

func (e serverError) Error() string { return string(e) }
func (e serverError) RedisError()   {}

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool // errors.Is(classify(err), chorus.ErrUnavailable)
	}{
		{"refused", fmt.Errorf("submit: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), true},
		{"eof", fmt.Errorf("read: %w", io.EOF), true},
		{"timeout", context.DeadlineExceeded, true},
		{"pool timeout", goredis.ErrPoolTimeout, true},
		{"closed", goredis.ErrClosed, true},
		{"clusterdown", serverError("CLUSTERDOWN The cluster is down"), true},
		{"tryagain", serverError("TRYAGAIN Multiple keys request during rehashing of slot"), true},
		{"loading", serverError("LOADING Redis is loading the dataset in memory"), true},
		{"moved", serverError("MOVED 3999 127.0.0.1:6381"), true},
		{"readonly", serverError("READONLY You can't write against a read only replica."), true},
		{"oom", serverError("OOM command not allowed when used memory > 'maxmemory'."), true},
		{"misconf", serverError("MISCONF Errors writing to the AOF file: No space left on device"), true},
		{"script error", serverError("ERR user_script:1: bad argument"), false},
		{"wrongtype", serverError("WRONGTYPE Operation against a key holding the wrong kind of value"), false},
		{"nil", goredis.Nil, false},
		{"not found", fmt.Errorf("event: %w", chorus.ErrNotFound), false},
		{"busy", &chorus.BusyError{Reason: "queue full"}, false},
		{"canceled", context.Canceled, false},
		{"plain", errors.New("something else"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify(tt.err)
			if errors.Is(got, chorus.ErrUnavailable) != tt.want {
				t.Errorf("classify(%v): unavailable = %v, want %v", tt.err, !tt.want, tt.want)
			}
			if !errors.Is(got, tt.err) && tt.err != nil {
				t.Errorf("classify(%v) = %v, lost the cause", tt.err, got)
			}
			if got.Error() != tt.err.Error() {
				t.Errorf("classify changed the message: %q, want %q", got, tt.err)
			}
		})
	}
}
