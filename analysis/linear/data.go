package linear

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/chorus-news/chorus"
)

// The classes, in the order models store them.
const (
	Negative = iota
	Neutral
	Positive
	NumClasses
)

// ClassNames are the class labels in class order.
var ClassNames = [NumClasses]string{"negative", "neutral", "positive"}

// ClassLabels are the chorus labels in class order.
var ClassLabels = [NumClasses]chorus.Label{chorus.Negative, chorus.Neutral, chorus.Positive}

// ClassOf maps a label name to its class, or -1.
func ClassOf(label string) int {
	for k, n := range ClassNames {
		if n == label {
			return k
		}
	}
	return -1
}

// Example is one labelled text.
type Example struct {
	ID    string `json:"id"`
	Text  string `json:"text"`
	Label string `json:"label"`
	// Emotion is the finer label some data carries (Weibo: happy, angry,
	// sad, fear, neutral).
	Emotion string `json:"emotion,omitempty"`
	Class   int    `json:"-"`
}

// ReadExamples reads a JSON-lines file of {"id","text","label"} objects.
func ReadExamples(path string) ([]Example, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open examples: %w", err)
	}
	defer f.Close()
	var out []Example
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for line := 1; sc.Scan(); line++ {
		var ex Example
		if err := json.Unmarshal(sc.Bytes(), &ex); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		if ex.Class = ClassOf(ex.Label); ex.Class < 0 {
			return nil, fmt.Errorf("%s:%d: label: unknown %q", path, line, ex.Label)
		}
		out = append(out, ex)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return out, nil
}

// DataDir finds the training data: $CHORUS_TRAIN_DATA if set, else
// ../shared/data beside the module root found upwards from dir. It returns
// "" when there is none (a fresh clone elsewhere has no data).
func DataDir(dir string) string {
	if d := os.Getenv("CHORUS_TRAIN_DATA"); d != "" {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
		return ""
	}
	root, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(root)
		if parent == root {
			return ""
		}
		root = parent
	}
	d := filepath.Join(root, "..", "shared", "data")
	if st, err := os.Stat(d); err == nil && st.IsDir() {
		return filepath.Clean(d)
	}
	return ""
}
