package compat

import (
	"testing"

	"golang.org/x/sys/unix"
)

// Vectors from util-linux's own tests/expected/misc/strtosize (values
// the C parse_size and size_to_human_string produce).
func TestParseSizeAndHumanSize(t *testing.T) {
	tests := []struct {
		in    string
		size  uint64
		human string
	}{
		{"0", 0, "0B"},
		{"1", 1, "1B"},
		{"123", 123, "123B"},
		{"18446744073709551615", 18446744073709551615, "16E"},
		{"1K", 1024, "1K"},
		{"1KiB", 1024, "1K"},
		{"1M", 1048576, "1M"},
		{"1MiB", 1048576, "1M"},
		{"1G", 1073741824, "1G"},
		{"1T", 1099511627776, "1T"},
		{"1P", 1125899906842624, "1P"},
		{"1EiB", 1152921504606846976, "1E"},
		{"1KB", 1000, "1000B"},
		{"1MB", 1000000, "976.6K"},
		{"1GB", 1000000000, "953.7M"},
		{"1TB", 1000000000000, "931.3G"},
		{"1PB", 1000000000000000, "909.5T"},
		{"1EB", 1000000000000000000, "888.2P"},
		{" 1", 1, "1B"},
		{"0x0a", 10, "10B"},
		{"0xff00", 65280, "63.8K"},
		{"0x80000000", 2147483648, "2G"},
		{"1.5K", 1536, "1.5K"},
		{"0.5MiB", 524288, "512K"},
		{"0.5MB", 500000, "488.3K"},
		{"010", 8, "8B"},
		{"1.0K", 1024, "1K"},
		{"5k", 5120, "5K"},
	}
	for _, tt := range tests {
		got, e := parseSize(tt.in)
		if e != 0 || got != tt.size {
			t.Errorf("parseSize(%q) = %d, %v; want %d", tt.in, got, e, tt.size)
		}
		if h := humanSize(tt.size); h != tt.human {
			t.Errorf("humanSize(%d) = %q, want %q", tt.size, h, tt.human)
		}
	}
	for _, bad := range []struct {
		in string
		e  unix.Errno
	}{{"", unix.EINVAL}, {" ", unix.EINVAL}, {"1 ", unix.EINVAL}, {"-1", unix.EINVAL}, {"abc", unix.EINVAL},
		{"1.5", unix.EINVAL}, {"1X", unix.EINVAL}, {"99999999999999999999999", unix.ERANGE}, {"20E", unix.ERANGE}} {
		if v, e := parseSize(bad.in); e != bad.e {
			t.Errorf("parseSize(%q) = %d, %v; want error %v", bad.in, v, e, bad.e)
		}
	}
}

func TestStrmodeAndOctal(t *testing.T) {
	for _, tt := range []struct {
		mode       uint32
		rwx, octal string
	}{{0o644, "rw-r--r--", "0644"}, {0, "---------", "0"}, {0o777, "rwxrwxrwx", "0777"}, {0o1600, "rw-------", "01600"}} {
		if got := strmode(tt.mode & 0o777); got != tt.rwx {
			t.Errorf("strmode(%o) = %q, want %q", tt.mode, got, tt.rwx)
		}
		if got := octalAlt(tt.mode); got != tt.octal {
			t.Errorf("octalAlt(%o) = %q, want %q", tt.mode, got, tt.octal)
		}
	}
}
