package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/chorus-news/chorus/analysis/linear"
	"github.com/chorus-news/chorus/analysis/zh"
)

func zhTask(dir string) (*task, error) {
	const bits = 20
	path := filepath.Join(dir, "zh", "weibo-emoticons.tsv")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read emoticon table: %w", err)
	}
	emo, err := zh.ParseEmoticons(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	z, err := zh.NewFeaturizer(emo, bits)
	if err != nil {
		return nil, err
	}
	var cfgs []linear.FitConfig
	for _, ep := range []int{8} {
		for _, avg := range []bool{false, true} {
			cfgs = append(cfgs, linear.FitConfig{Epochs: ep, Rate: 0.1, L2: 0, Balanced: true, Seed: 1, Average: avg})
		}
	}
	return &task{code: "zh", name: "zh-linear/1", bits: bits, featurize: z.Into, extra: zh.EncodeEmoticons(emo), configs: cfgs, nbAlpha: 0.5}, nil
}
