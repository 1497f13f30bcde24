package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	goredis "github.com/redis/go-redis/v9"

	"github.com/chorus-news/chorus"
)

// registered is an event as the registry keeps it: the event, and the
// hash tags of its shards when they are not the default ones.
//
// On a Cluster, CreateEvent picks the tags of a sharded event so that its
// shards land on the masters in turn ({e} on one, then {e:j} for the
// smallest j whose slot the next master serves, and so on): hashing "e:1",
// "e:2", … alone puts them where their slots fall, and with 6 shards on 3
// masters the busiest one gets about half the work instead of a third. A
// later resharding moves slots, not posts: the tags stay right, only less
// even.
type registered struct {
	chorus.Event
	Tags []string `json:"hash_tags,omitempty"`
}

// layout is the hash tag of each shard of an event.
type layout []string

func defaultLayout(event string, shards int) layout {
	l := make(layout, max(1, shards))
	for i := range l {
		l[i] = shardTag(event, i)
	}
	return l
}

func (r registered) layout() layout {
	if len(r.Tags) == max(1, r.Shards) {
		return layout(r.Tags)
	}
	return defaultLayout(r.ID, r.Shards)
}

// keys names the keys of shard i of event, by the event's layout (known
// once exists or queues has seen the event; the default tags otherwise).
func (s *Store) keys(event string, shard int) keys {
	if v, ok := s.known.Load(event); ok {
		if l := v.(layout); shard < len(l) {
			return tagKeys(l[shard])
		}
	}
	return shardKeys(event, shard)
}

// record reads an event as registered.
func (s *Store) record(ctx context.Context, id string) (registered, error) {
	var r registered
	b, err := s.rdb.HGet(ctx, registryKey, id).Bytes()
	if errors.Is(err, goredis.Nil) {
		return r, fmt.Errorf("event %q: %w", id, chorus.ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("read event %s: %w", id, err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("read event %s: %w", id, err)
	}
	return r, nil
}

// spread picks the hash tags of an event's shards on a Cluster so that they
// land on its masters in turn. Off a Cluster, or when the slots cannot be
// read, it returns nil (the default tags).
func (s *Store) spread(ctx context.Context, event string, shards int) []string {
	cc, ok := s.rdb.(*goredis.ClusterClient)
	if !ok || shards <= 1 {
		return nil
	}
	//lint:ignore SA1019 CLUSTER SHARDS needs Redis 7; CLUSTER SLOTS answers on 6 and 7 alike
	ranges, err := cc.ClusterSlots(ctx).Result()
	if err != nil {
		s.log.Warn("read cluster slots: shards placed by hash alone", "event", event, "err", err)
		return nil
	}
	owner := make([]string, 16384)
	var masters []string
	for _, r := range ranges {
		if len(r.Nodes) == 0 {
			continue
		}
		addr := r.Nodes[0].Addr
		if !slices.Contains(masters, addr) {
			masters = append(masters, addr)
		}
		for sl := r.Start; sl <= r.End && sl < len(owner); sl++ {
			owner[sl] = addr
		}
	}
	slices.Sort(masters)
	first := slices.Index(masters, owner[keySlot(event)])
	if len(masters) < 2 || first < 0 {
		return nil
	}
	tags := []string{event}
	used := map[string]bool{event: true}
	for i := 1; i < shards; i++ {
		want := masters[(first+i)%len(masters)]
		tag := ""
		for j := i; j < i+100_000; j++ {
			t := event + ":" + strconv.Itoa(j)
			if !used[t] && owner[keySlot(t)] == want {
				tag = t
				break
			}
		}
		if tag == "" {
			return nil
		}
		used[tag] = true
		tags = append(tags, tag)
	}
	return tags
}

// keySlot is the Cluster slot of a hash tag: CRC16 (XMODEM) mod 16384.
func keySlot(tag string) int {
	var crc uint16
	for i := 0; i < len(tag); i++ {
		crc ^= uint16(tag[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return int(crc) % 16384
}
