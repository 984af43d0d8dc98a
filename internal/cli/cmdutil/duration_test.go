package cmdutil

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestParseDurationDaysAndWeeks(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  string // substring of the error; "" = ok
	}{
		{"0", 0, ""},
		{"0s", 0, ""},
		{"500ms", 500 * time.Millisecond, ""},
		{"90s", 90 * time.Second, ""},
		{"1h30m", 90 * time.Minute, ""},
		{"7d", 7 * 24 * time.Hour, ""},
		{"1w", 7 * 24 * time.Hour, ""},
		{"1w2d", 9 * 24 * time.Hour, ""},
		{"1d12h", 36 * time.Hour, ""},
		{"1.5h", 90 * time.Minute, ""},
		{"1w2d3h", (9*24 + 3) * time.Hour, ""},
		{"1.5d", 0, "want a duration"},
		{"2d30s", 48*time.Hour + 30*time.Second, ""},
		{" 24h ", 24 * time.Hour, ""},
		{"+3d", 72 * time.Hour, ""},
		{"1us", time.Microsecond, ""},
		{"-1s", 0, "negative"},
		{"-7d", 0, "negative"},
		{"", 0, "want a duration"},
		{"7", 0, "want a duration"},
		{"d", 0, "want a duration"},
		{"7x", 0, "want a duration"},
		{"7D", 0, "want a duration"},
		{"1.2.3d", 0, "want a duration"},
		{"1.2.3s", 0, "want a duration"},
		{"1d-2h", 0, "want a duration"},
		{"100000000w", 0, "too long"},
		{"99999999999w", 0, "too long"},
		{"99999999999999999999d", 0, "too long"},
		{"9999999999999h", 0, "too long"},
		{"106751d106751d", 0, "too long"},
	} {
		got, err := ParseDuration("--older-than", tc.in)
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err) || !strings.HasPrefix(err.Error(), "invalid --older-than ")):
			t.Errorf("ParseDuration(%q) = %v, %v; want an error with %q", tc.in, got, err, tc.err)
		case tc.err != "" && ExitCode(err) != ExitUsage:
			t.Errorf("ParseDuration(%q): exit %d, want %d", tc.in, ExitCode(err), ExitUsage)
		}
	}
}

func TestFormatDurationRoundTrips(t *testing.T) {
	for _, d := range []time.Duration{0, time.Second, 36 * time.Hour, 7 * Day, 2 * Week, 90 * time.Minute} {
		s := FormatDuration(d)
		back, err := ParseDuration("--x", s)
		if err != nil || back != d {
			t.Errorf("FormatDuration(%v) = %q, parses back as %v, %v", d, s, back, err)
		}
	}
	if got := FormatDuration(7 * Day); got != "7d" {
		t.Errorf("FormatDuration(7d) = %q", got)
	}
}

func TestDurationVar(t *testing.T) {
	var d time.Duration
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	DurationVar(fs, &d, "older-than", 0, "age")
	if err := fs.Parse([]string{"--older-than", "2w"}); err != nil || d != 2*Week {
		t.Fatalf("--older-than 2w: %v, %v", d, err)
	}
	err := fs.Parse([]string{"--older-than=-1h"})
	if err == nil || ExitCode(err) != ExitUsage || err.Error() != `invalid argument "-1h" for "--older-than" flag: negative; want a duration such as 500ms, 90s, 30m, 24h, 7d or 2w` {
		t.Errorf("--older-than=-1h: %v", err)
	}
	if got := fs.Lookup("older-than").Value.String(); got != "14d" {
		t.Errorf("String() = %q", got)
	}
}

func TestParseAge(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"7d", 7 * 24 * time.Hour, true},
		{"36h", 36 * time.Hour, true},
		{"1w2d", 9 * 24 * time.Hour, true},
		{"1d12h", 36 * time.Hour, true},
		{"90m", 90 * time.Minute, true},
		{"1h30m", 90 * time.Minute, true},
		{"2w", 14 * 24 * time.Hour, true},
		{"0d", 0, false},
		{"0", 0, false},
		{"", 0, false},
		{"-1h", 0, false},
		{"7", 0, false},
		{"d", 0, false},
		{"7dd", 0, false},
		{"1d-1h", 0, false},
		{"3y", 0, false},
		{"99999999999d", 0, false},
		{"2d1w", 9 * 24 * time.Hour, true}, // any order, as rm --older-than and Go durations take it
	} {
		got, err := ParseAge(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseAge(%q) = %v, %v; want %v ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
