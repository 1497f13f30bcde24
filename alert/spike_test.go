package alert

import (
	"slices"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
)

func series(counts ...int64) []chorus.Point {
	t0 := time.Date(2024, 7, 31, 19, 0, 0, 0, time.UTC)
	out := make([]chorus.Point, len(counts))
	for i, n := range counts {
		out[i] = chorus.Point{T: t0.Add(time.Duration(i) * time.Minute), Positive: n}
	}
	return out
}

func TestSpikes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		counts []int64
		want   []int // spiking indexes
		starts []int
	}{
		{"steady", []int64{5, 5, 5, 5, 5, 5, 5}, nil, nil},
		{"a burst", []int64{2, 2, 2, 2, 2, 20, 2}, []int{5}, []int{5}},
		{"a burst of two buckets", []int64{2, 3, 2, 2, 15, 30, 2}, []int{4, 5}, []int{4}},
		{"too few posts", []int64{0, 0, 1, 0, 0, 9, 0}, nil, nil},
		{"from nothing, enough posts", []int64{0, 0, 0, 0, 10}, []int{4}, []int{4}},
		{"not three times", []int64{10, 10, 10, 10, 29}, nil, nil},
		{"the start of the event is no spike", []int64{50, 2, 2, 2}, nil, nil},
		{"one old burst does not raise the baseline", []int64{2, 2, 2, 40, 2, 2, 2, 12}, []int{3, 7}, []int{3, 7}},
		{"two bursts apart", []int64{1, 1, 1, 1, 30, 1, 1, 30}, []int{4, 7}, []int{4, 7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got, starts []int
			for _, s := range Spikes(series(tc.counts...)) {
				got = append(got, s.Index)
				if s.Start {
					starts = append(starts, s.Index)
				}
			}
			if !slices.Equal(got, tc.want) || !slices.Equal(starts, tc.starts) {
				t.Errorf("Spikes(%v) = %v starting %v, want %v starting %v", tc.counts, got, starts, tc.want, tc.starts)
			}
		})
	}
}

func TestFill(t *testing.T) {
	p := series(1, 0, 0, 4)
	sparse := []chorus.Point{p[0], p[3]}
	got, all := Fill(sparse, chorus.Minute, 10)
	if all != 4 || len(got) != 4 || got[0].Positive != 1 || got[1].Positive != 0 || got[3].Positive != 4 || !got[2].T.Equal(p[2].T) {
		t.Errorf("Fill = %v (%d), want 4 contiguous minutes", got, all)
	}
	if got, all := Fill(sparse, chorus.Minute, 2); all != 4 || len(got) != 2 || got[1].Positive != 4 || !got[0].T.Equal(p[2].T) {
		t.Errorf("Fill limited to 2 = %v (%d), want the newest 2 of 4", got, all)
	}
}
