package cmdutil

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// Units ParseDuration takes beyond Go's own: people age objects and
// sample counters in days and weeks (`rm --older-than 7d`).
const (
	Day  = 24 * time.Hour
	Week = 7 * Day
)

// ParseDuration parses the duration given to flag (e.g. "--older-than")
// as Go writes one (90s, 1h30m, 500ms) with two more units, d (24h) and w
// (7d), in whole numbers and mixed with the others: 7d, 2w, 1w2d,
// 1d12h. Negative durations are refused: every duration ipcctl takes is
// an age, an interval or a timeout. Errors are usage errors (exit 2).
func ParseDuration(flag, s string) (time.Duration, error) {
	d, why := parseDuration(s)
	if why != "" {
		return 0, FlagErrorf("invalid %s %q: %s", flag, s, why)
	}
	return d, nil
}

// ParseAge parses the age of --older-than (rm, prune), as every duration
// is read (7d, 36h, 1w2d, 90m); it must be positive: an age of 0 would
// select every object, which a removal must not do by a typo (--all, or
// leaving --older-than out, says that).
func ParseAge(s string) (time.Duration, error) {
	d, err := ParseDuration("--older-than", s)
	if err == nil && d <= 0 {
		err = FlagErrorf("invalid --older-than %q: want a positive age such as 7d, 36h, 1w2d or 90m", s)
	}
	return d, err
}

const durationWant = "want a duration such as 500ms, 90s, 30m, 24h, 7d or 2w"

// parseDuration is ParseDuration without the flag: it returns why s is
// not a duration, or "".
func parseDuration(s string) (time.Duration, string) {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "-") {
		return 0, "negative; " + durationWant
	}
	t = strings.TrimPrefix(t, "+")
	if t == "" {
		return 0, durationWant
	}
	if t == "0" {
		return 0, ""
	}
	var total time.Duration
	for t != "" {
		// One component: a number (digits, optional fraction) then a unit.
		i := 0
		for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
			i++
		}
		j := i
		for j < len(t) && !(t[j] >= '0' && t[j] <= '9' || t[j] == '.') {
			j++
		}
		num, unit := t[:i], t[i:j]
		t = t[j:]
		if num == "" || unit == "" || strings.Count(num, ".") > 1 {
			return 0, durationWant
		}
		var part time.Duration
		switch unit {
		case "d", "w":
			n, err := strconv.ParseUint(num, 10, 63)
			switch {
			case errors.Is(err, strconv.ErrRange):
				return 0, "too long"
			case err != nil:
				return 0, durationWant // whole days and weeks only
			}
			per := Day
			if unit == "w" {
				per = Week
			}
			if n > uint64(math.MaxInt64/per) {
				return 0, "too long"
			}
			part = time.Duration(n) * per
		default:
			d, err := time.ParseDuration(num + unit)
			if err != nil {
				if validGoUnit(unit) {
					return 0, "too long"
				}
				return 0, durationWant
			}
			part = d
		}
		if part > math.MaxInt64-total {
			return 0, "too long"
		}
		total += part
	}
	return total, ""
}

func validGoUnit(u string) bool {
	switch u {
	case "ns", "us", "µs", "μs", "ms", "s", "m", "h":
		return true
	}
	return false
}

// FormatDuration writes d the way ParseDuration reads it, in whole days
// when it is a whole number of days (7d, not 168h0m0s).
func FormatDuration(d time.Duration) string {
	if d > 0 && d%Day == 0 {
		return strconv.FormatInt(int64(d/Day), 10) + "d"
	}
	return d.String()
}

// durationValue is a pflag.Value parsed by ParseDuration.
type durationValue struct{ d *time.Duration }

func (v durationValue) String() string {
	if v.d == nil {
		return "0s"
	}
	return FormatDuration(*v.d)
}

// Set parses s; pflag names the flag and the value in its error.
func (v durationValue) Set(s string) error {
	d, why := parseDuration(s)
	if why != "" {
		return FlagErrorf("%s", why)
	}
	*v.d = d
	return nil
}

func (durationValue) Type() string { return "duration" }

// DurationVar defines a duration flag that takes days and weeks as well as
// Go's units (see ParseDuration), like pflag's DurationVar otherwise.
func DurationVar(fs *pflag.FlagSet, p *time.Duration, name string, value time.Duration, usage string) {
	*p = value
	fs.Var(durationValue{p}, name, usage)
}

// DurationVarP is DurationVar with a one-letter shorthand.
func DurationVarP(fs *pflag.FlagSet, p *time.Duration, name, shorthand string, value time.Duration, usage string) {
	*p = value
	fs.VarP(durationValue{p}, name, shorthand, usage)
}
