package weibo

import (
	"fmt"
	"log/slog"
)

// Secret holds a credential (WEIBO_COOKIE, WEIBO_ACCESS_TOKEN). Every way
// of printing it — fmt verbs, slog, JSON — shows "[redacted]"; only Reveal
// gives the value, for the request that needs it.
type Secret struct{ v string }

// NewSecret wraps v.
func NewSecret(v string) Secret { return Secret{v: v} }

// Reveal returns the value.
func (s Secret) Reveal() string { return s.v }

// Set tells whether there is a value.
func (s Secret) Set() bool { return s.v != "" }

const redacted = "[redacted]"

func (s Secret) String() string   { return redacted }
func (s Secret) GoString() string { return redacted }

// Format prints "[redacted]" for every verb.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue keeps the value out of logs.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON keeps the value out of JSON.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText keeps the value out of text encodings.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
