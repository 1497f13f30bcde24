package collector

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Progress is what a long command prints on stderr while it works: on a
// terminal, a status line redrawn every half second; above it, and on any
// writer, lines of their own (a bad record, a rate-limit wait). chorus
// import and chorus collect share it.
type Progress struct {
	w   io.Writer
	tty bool

	mu     sync.Mutex
	status func() string
	done   chan struct{}
	wg     sync.WaitGroup
}

// NewProgress prints to w; tty says whether w is a terminal that can show
// the status line.
func NewProgress(w io.Writer, tty bool) *Progress { return &Progress{w: w, tty: tty} }

const clearLine = "\r\033[K"

// Start redraws status() every half second until Stop (terminals only).
func (p *Progress) Start(status func() string) {
	if p == nil || !p.tty {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done != nil {
		return
	}
	p.status = status
	p.done = make(chan struct{})
	done := p.done
	p.wg.Go(func() {
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				p.mu.Lock()
				fmt.Fprint(p.w, clearLine+p.status())
				p.mu.Unlock()
			}
		}
	})
}

// Printf prints one line (a newline is added), above the status line.
func (p *Progress) Printf(format string, a ...any) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.done != nil {
		fmt.Fprint(p.w, clearLine)
	}
	fmt.Fprintf(p.w, format+"\n", a...)
}

// Stop ends the status line and clears it, so that what follows starts on a
// clean line. Safe to call more than once.
func (p *Progress) Stop() {
	if p == nil {
		return
	}
	p.mu.Lock()
	done := p.done
	p.done = nil
	p.mu.Unlock()
	if done == nil {
		return
	}
	close(done)
	p.wg.Wait()
	p.mu.Lock()
	fmt.Fprint(p.w, clearLine)
	p.mu.Unlock()
}
