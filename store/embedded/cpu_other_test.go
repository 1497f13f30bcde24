//go:build !unix

package embedded_test

import "time"

// cpuTime is unknown here; the benchmark then reports 0 CPU per post.
func cpuTime() time.Duration { return 0 }
