package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/chorus-news/chorus"
)

// usageError is bad usage: a wrong flag, a missing argument.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

// rejectedError says some input records were bad; they were named already.
type rejectedError struct{ n int }

func (e *rejectedError) Error() string { return fmt.Sprintf("%d records rejected", e.n) }

// exitCode maps an error to the exit status CONTRACT.md gives — 0 success,
// 1 failure while working, 2 bad usage or bad input — and prints it.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var ue *usageError
	var re *rejectedError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &re):
		return 2 // each bad record was named on stderr already
	case errors.As(err, &ue), errors.Is(err, chorus.ErrInvalid), errors.Is(err, chorus.ErrLocked):
		fmt.Fprintln(stderr, "chorus:", err)
		return 2
	}
	fmt.Fprintln(stderr, "chorus:", err)
	return 1
}
