package main

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"
)

func TestRunUsage(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     string
		want    int
		wantErr string
	}{
		{"no command", nil, "", 2, "usage"},
		{"unknown command", []string{"fly", "-data", t.TempDir()}, "", 2, "usage"},
		{"bad flag", []string{"eval", "-nope"}, "", 2, "flag provided but not defined"},
		{"no data", []string{"eval"}, "/nonexistent/chorus-data", 1, "no data folder"},
		{"unknown language", []string{"train", "-lang", "fr", "-data", t.TempDir()}, "", 1, `no model for language "fr"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CHORUS_TRAIN_DATA", tt.env)
			var stdout, stderr bytes.Buffer
			if got := run(context.Background(), tt.args, &stdout, &stderr); got != tt.want || !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("run(%q) = %d, stderr %q; want %d and %q", tt.args, got, stderr.String(), tt.want, tt.wantErr)
			}
		})
	}
}

func TestCalibration(t *testing.T) {
	var c calibration
	// 10 verdicts at 0.85, 7 of them right: off by 0.15 in one bin.
	for i := range 10 {
		c.add(0.85, i < 7)
	}
	// 10 at 0.55, 5 right: off by 0.05.
	for i := range 10 {
		c.add(0.55, i < 5)
	}
	if got, want := c.ece(), (0.15*10+0.05*10)/20; math.Abs(got-want) > 1e-9 {
		t.Errorf("ece = %v, want %v", got, want)
	}
	if got := c.meanConf(); math.Abs(got-0.7) > 1e-9 {
		t.Errorf("meanConf = %v, want 0.7", got)
	}
}
