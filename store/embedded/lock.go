package embedded

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/chorus-news/chorus"
)

// The lock is bbolt's: an OS file lock (flock, LockFileEx) on chorus.db,
// held for as long as the store is open and dropped by the kernel when the
// process dies, however it dies. lockNote only explains a refusal: who holds
// the lock and since when. A note left by a dead process blocks nothing; the
// next holder overwrites it.
const (
	dbFile   = "chorus.db"
	noteFile = "LOCK.json"
)

// Holder describes the process that holds a data dir.
type Holder struct {
	PID     int       `json:"pid"`
	Command string    `json:"command"`
	Host    string    `json:"host"`
	Since   time.Time `json:"since"`
}

// LockedError is the refusal to open a data dir that another process holds.
// It wraps chorus.ErrLocked.
type LockedError struct {
	Dir    string
	Holder *Holder // nil when the holder left no readable note
}

func (e *LockedError) Error() string {
	const advice = "stop it first, send posts to the running server (POST /api/v1/events/ID/posts), or use another --data-dir"
	if h := e.Holder; h != nil {
		who := fmt.Sprintf("%q (pid %d", h.Command, h.PID)
		if h.Host != "" {
			who += " on " + h.Host
		}
		if !h.Since.IsZero() {
			who += ", since " + h.Since.UTC().Format(time.RFC3339)
		}
		return fmt.Sprintf("data dir %s is in use by %s): %s", e.Dir, who, advice)
	}
	return fmt.Sprintf("data dir %s is in use by another chorus process: %s", e.Dir, advice)
}

func (e *LockedError) Unwrap() error { return chorus.ErrLocked }

// thisHolder describes the current process. The command is the program name
// and its leading words ("chorus serve"), never flags: flag values may be
// secrets (--token).
func thisHolder(now time.Time) Holder {
	words := []string{"chorus"}
	if len(os.Args) > 0 {
		words[0] = filepath.Base(os.Args[0])
		for _, a := range os.Args[1:] {
			if strings.HasPrefix(a, "-") || len(words) == 3 {
				break
			}
			words = append(words, a)
		}
	}
	host, _ := os.Hostname()
	return Holder{PID: os.Getpid(), Command: strings.Join(words, " "), Host: host, Since: now.UTC().Truncate(time.Second)}
}

// writeNote records h in dir, atomically (a reader sees the old note or the
// new one, never half of one).
func writeNote(dir string, h Holder) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, noteFile+"."+strconv.Itoa(h.PID)+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write lock note: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, noteFile)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write lock note: %w", err)
	}
	return nil
}

// readNote returns the holder recorded in dir, or nil.
func readNote(dir string) *Holder {
	b, err := os.ReadFile(filepath.Join(dir, noteFile))
	if err != nil {
		return nil
	}
	var h Holder
	if json.Unmarshal(b, &h) != nil || h.PID == 0 {
		return nil
	}
	return &h
}
