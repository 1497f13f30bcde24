package chorus

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func validPost() Post {
	return Post{Platform: X, ID: "1818700000000000001", Event: "e", Text: "hello", CreatedAt: time.Date(2024, 7, 31, 19, 5, 0, 0, time.FixedZone("CST", 8*3600))}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(p *Post)
		field  string // "" for valid
		reason string
	}{
		{"valid", func(p *Post) {}, "", ""},
		{"platform alias", func(p *Post) { p.Platform = "Twitter" }, "", ""},
		{"missing platform", func(p *Post) { p.Platform = "" }, "platform", "missing"},
		{"unknown platform", func(p *Post) { p.Platform = "myspace" }, "platform", `unknown platform "myspace"`},
		{"missing id", func(p *Post) { p.ID = "  " }, "id", "missing"},
		{"id with space", func(p *Post) { p.ID = "1 2" }, "id", "white space"},
		{"missing created_at", func(p *Post) { p.CreatedAt = time.Time{} }, "created_at", "missing"},
		{"text over limit", func(p *Post) { p.Text = strings.Repeat("a", MaxTextBytes+1) }, "text", "over the 65536 byte limit"},
		{"text at limit", func(p *Post) { p.Text = strings.Repeat("a", MaxTextBytes) }, "", ""},
		{"invalid UTF-8 text", func(p *Post) { p.Text = "bad \xff byte" }, "text", "not valid UTF-8"},
		{"invalid UTF-8 handle", func(p *Post) { p.Author.Handle = "\xc3" }, "author.handle", "not valid UTF-8"},
		{"long url", func(p *Post) { p.URL = "https://x.com/" + strings.Repeat("a", MaxFieldBytes) }, "url", "over the"},
		{"negative likes", func(p *Post) { p.Metrics.Likes = -1 }, "metrics.likes", "negative"},
		{"empty text is fine", func(p *Post) { p.Text = "" }, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := validPost()
			tc.edit(&p)
			err := p.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				if p.CreatedAt.Location() != time.UTC {
					t.Errorf("created_at not normalised to UTC: %v", p.CreatedAt)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Validate() = %v, want a *FieldError for %s", err, tc.field)
			}
			if fe.Field != tc.field || !strings.Contains(fe.Reason, tc.reason) {
				t.Errorf("Validate() = %q, want field %s with %q", err, tc.field, tc.reason)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("errors.Is(%v, ErrInvalid) = false", err)
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	want := time.Date(2024, 7, 31, 12, 15, 0, 0, time.UTC)
	tests := []struct {
		in  string
		ok  bool
		out time.Time
	}{
		{"2024-07-31T12:15:00Z", true, want},
		{"2024-07-31T12:15:00.000Z", true, want},
		{"2024-07-31T20:15:00+08:00", true, want},
		{"Wed Jul 31 20:15:00 +0800 2024", true, want},
		{"2024-07-31 12:15:00", true, want},
		{"yesterday", false, time.Time{}},
		{"", false, time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseTime("created_at", tc.in)
			if tc.ok != (err == nil) || tc.ok && !got.Equal(tc.out) {
				t.Errorf("ParseTime(%q) = %v, %v; want %v ok=%v", tc.in, got, err, tc.out, tc.ok)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "created_at: ") {
				t.Errorf("error %q does not name the field", err)
			}
		})
	}
}

func TestValidateEventID(t *testing.T) {
	for id, ok := range map[string]bool{
		"paris-2024-podium-selfie": true, "A.b_c": true, "x": true,
		"": false, "-lead": false, "has space": false, "brace{tag}": false, "colon:x": false,
		strings.Repeat("a", 65): false, "événement": false,
	} {
		if err := ValidateEventID(id); (err == nil) != ok {
			t.Errorf("ValidateEventID(%q) = %v, want ok=%v", id, err, ok)
		}
	}
}

func TestNetAndBuckets(t *testing.T) {
	c := LabelCounts{Positive: 3, Neutral: 1, Negative: 1, Unscored: 10}
	if got := c.Net(); got != 0.4 {
		t.Errorf("Net = %v, want 0.4 (unscored posts do not move it)", got)
	}
	if got := (LabelCounts{Unscored: 4}).Net(); got != 0 {
		t.Errorf("Net of nothing scored = %v, want 0", got)
	}
	at := time.Date(2024, 7, 31, 19, 5, 42, 0, time.UTC)
	for b, want := range map[Bucket]time.Time{
		Minute: time.Date(2024, 7, 31, 19, 5, 0, 0, time.UTC),
		Hour:   time.Date(2024, 7, 31, 19, 0, 0, 0, time.UTC),
		Day:    time.Date(2024, 7, 31, 0, 0, 0, 0, time.UTC),
	} {
		if got := b.Truncate(at); !got.Equal(want) {
			t.Errorf("%s.Truncate = %v, want %v", b, got, want)
		}
	}
}
