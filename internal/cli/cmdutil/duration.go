package cmdutil

import (
	"strconv"
	"strings"
	"time"
)

// ParseDuration parses a duration as Go writes them (90s, 1h30m, 250ms)
// and also in days and weeks (7d, 2w, 1d12h), the units people think in
// for the age of an object. Negative durations are usage errors.
func ParseDuration(flag, s string) (time.Duration, error) {
	bad := func() (time.Duration, error) {
		return 0, FlagErrorf("invalid %s %q: want a duration such as 90s, 30m, 24h, 7d or 2w", flag, s)
	}
	t := strings.TrimSpace(s)
	if t == "" || strings.HasPrefix(t, "-") {
		return bad()
	}
	var total time.Duration
	// Peel leading day and week terms; the rest is Go's syntax.
	for {
		i := 0
		for i < len(t) && (t[i] >= '0' && t[i] <= '9') {
			i++
		}
		if i == 0 || i == len(t) || (t[i] != 'd' && t[i] != 'w') {
			break
		}
		n, err := strconv.ParseInt(t[:i], 10, 64)
		unit := 24 * time.Hour
		if t[i] == 'w' {
			unit *= 7
		}
		if err != nil || n > int64(1<<63-1)/int64(unit) || total > time.Duration(1<<63-1)-time.Duration(n)*unit {
			return bad()
		}
		total += time.Duration(n) * unit
		t = t[i+1:]
	}
	if t == "" {
		return total, nil
	}
	d, err := time.ParseDuration(t)
	if err != nil || d < 0 || total > time.Duration(1<<63-1)-d {
		return bad()
	}
	return total + d, nil
}
