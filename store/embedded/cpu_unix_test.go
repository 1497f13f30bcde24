//go:build unix

package embedded_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process has used, user and system, so that a
// benchmark can report cost per post even when other work shares the cores.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
