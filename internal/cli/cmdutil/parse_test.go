package cmdutil

import (
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/pkg/ipc"
)

func TestParseID(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"0", 0, true}, {"42", 42, true}, {"2147483647", 2147483647, true},
		{"2147483648", 0, false}, {"4294967296", 0, false}, {"-1", 0, false},
		{"", 0, false}, {"0x10", 0, false}, {"1e3", 0, false},
	} {
		got, err := ParseID(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseID(%q) = %d, %v; want %d ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
		if err != nil && ExitCode(err) != ExitUsage {
			t.Errorf("ParseID(%q) error exits %d, want 2", tc.in, ExitCode(err))
		}
	}
}

func TestParseKey(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int32
		ok   bool
	}{
		{"0", 0, true}, {"0x1234abcd", 0x1234abcd, true}, {"0xffffffff", -1, true},
		{"-1", -1, true}, {"-2147483648", -2147483648, true}, {"4294967295", -1, true},
		{"0x100000000", 0, false}, {"4294967296", 0, false}, {"-2147483649", 0, false},
		{"", 0, false}, {"-", 0, false}, {"key", 0, false}, {"010", 8, true},
		{"1_000", 0, false}, {"0b101", 0, false}, {"0o17", 0, false}, {"0x", 0, false}, {"0x-1", 0, false},
		{"0x+1", 0, false}, {"--1", 0, false}, {"-0x10", -16, true}, {"08", 0, false}, {" 7 ", 7, true},
	} {
		got, err := ParseKey(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseKey(%q) = %d, %v; want %d ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"4096", 4096, true}, {"4K", 4096, true}, {"4k", 4096, true}, {"4KiB", 4096, true},
		{"4KB", 4096, true}, {"1M", 1 << 20, true}, {"2G", 2 << 30, true}, {"1GiB", 1 << 30, true},
		{"0", 0, true}, {"10B", 10, true}, {"15E", 15 << 60, true},
		{"16E", 0, false}, {"18446744073709551615", 1<<64 - 1, true}, {"18446744073709551616", 0, false},
		{"-1", 0, false}, {"1.5M", 0, false}, {"M", 0, false}, {"", 0, false}, {"4X", 0, false},
		{"4KK", 0, false}, {"4 K", 0, false}, {"4iB", 0, false},
	} {
		got, err := ParseSize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestParseMode(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint32
		ok   bool
	}{
		{"0600", 0o600, true}, {"644", 0o644, true}, {"0777", 0o777, true},
		{"1777", 0, false}, {"8", 0, false}, {"", 0, false}, {"rw", 0, false},
	} {
		got, err := ParseMode(tc.in, 0o777)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseMode(%q) = %o, %v; want %o ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestParseOwner(t *testing.T) {
	uid, gid, err := ParseOwner("root:0")
	if err != nil || uid != 0 || gid == nil || *gid != 0 {
		t.Errorf("ParseOwner(root:0) = %d, %v, %v", uid, gid, err)
	}
	uid, gid, err = ParseOwner("1234")
	if err != nil || uid != 1234 || gid != nil {
		t.Errorf("ParseOwner(1234) = %d, %v, %v", uid, gid, err)
	}
	if _, _, err := ParseOwner("no-such-user-xyz"); err == nil {
		t.Error("ParseOwner(no-such-user-xyz) succeeded")
	}
}

func TestParsePosixName(t *testing.T) {
	if got, err := ParsePosixName(ipc.KindPshm, "/ok"); got != "/ok" || err != nil {
		t.Errorf("/ok = %q, %v", got, err)
	}
	for _, s := range []string{"", "x", "/", "/a/b", "/.", "/.."} {
		if _, err := ParsePosixName(ipc.KindMq, s); ExitCode(err) != ExitUsage {
			t.Errorf("%q: %v exits %d, want 2", s, err, ExitCode(err))
		}
	}
}

func TestParsePositiveSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"1", 1, true}, {"4K", 4096, true}, {"9223372036854775807", 1<<63 - 1, true},
		{"0", 0, false}, {"8E", 0, false}, {"16E", 0, false}, {"-1", 0, false}, {"x", 0, false},
	} {
		got, err := ParsePositiveSize("--size", tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParsePositiveSize(%q) = %d, %v; want %d ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
		if err != nil && ExitCode(err) != ExitUsage {
			t.Errorf("%q: exits %d, want 2", tc.in, ExitCode(err))
		}
	}
}

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"90s", 90 * time.Second, true}, {"24h", 24 * time.Hour, true}, {"7d", 7 * 24 * time.Hour, true},
		{"2w", 14 * 24 * time.Hour, true}, {"1d12h", 36 * time.Hour, true}, {"1w2d3h", (9*24 + 3) * time.Hour, true},
		{"0", 0, true}, {"250ms", 250 * time.Millisecond, true},
		{"", 0, false}, {"-1h", 0, false}, {"7", 0, false}, {"d", 0, false}, {"1.5d", 0, false},
		{"99999999999w", 0, false}, {"1x", 0, false},
	} {
		got, err := ParseDuration("--older-than", tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
		if err != nil && ExitCode(err) != ExitUsage {
			t.Errorf("%q: exit %d, want 2", tc.in, ExitCode(err))
		}
	}
}

func TestParseProj(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"0", 0, true}, {"1", 1, true}, {"255", 255, true}, {"0xff", 255, true}, {"a", 97, true},
		{"256", 0, false}, {"-1", 0, false}, {"", 0, false}, {"ab", 0, false}, {"1.5", 0, false},
	} {
		got, err := ParseProj(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseProj(%q) = %d, %v; want %d ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
