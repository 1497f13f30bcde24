package redis

import (
	"fmt"
	"strings"
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
