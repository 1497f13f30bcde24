package redis

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/chorus-news/chorus"
)

// ParseURLForTest shows what parseURL makes of a URL as
// "addrs|user|password|db|tls".
func ParseURLForTest(u string) (string, error) {
	t, err := parseURL(u)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s|%s|%s|%d|%v", strings.Join(t.addrs, ","), t.username, t.password, t.db, t.tls), nil
}

// IsCluster says whether the store talks to a Redis Cluster.
func (s *Store) IsCluster() bool { return s.cluster }

// DecodePostForTest is decodePost.
func DecodePostForTest(s string, p *chorus.Post) error { return decodePost(s, p) }

// EncodePostForTest is the line postLines writes for p, without its "\n";
// an error when it is not one line.
func EncodePostForTest(p *chorus.Post) ([]byte, error) {
	l := newPostLines(1)
	if err := l.add(p); err != nil {
		return nil, err
	}
	b, ok := bytes.CutSuffix(l.bytes(), []byte("\n"))
	if !ok || bytes.IndexByte(b, '\n') >= 0 {
		return nil, fmt.Errorf("not one line: %q", l.bytes())
	}
	return b, nil
}

// TagsForTest is the hash tags of event's shards, as the store knows them.
func (s *Store) TagsForTest(event string) []string {
	if v, ok := s.known.Load(event); ok {
		return []string(v.(layout))
	}
	return nil
}

// KeySlotForTest is keySlot.
func KeySlotForTest(tag string) int { return keySlot(tag) }
