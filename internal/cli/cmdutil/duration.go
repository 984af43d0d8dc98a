package cmdutil

import (
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

// ParseDuration parses a duration as Go writes one (90s, 1h30m, 500ms)
// with two more units, d (24h) and w (7d), which may be mixed with the
// others: 7d, 1w2d, 1d12h, 1.5d. Negative durations are refused: every
// duration ipcctl takes is an age, an interval or a timeout. Errors are
// usage errors (exit 2).
func ParseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	bad := func(why string) (time.Duration, error) {
		return 0, FlagErrorf("invalid duration %q: %s", s, why)
	}
	const want = "want a number with a unit (ns, us, ms, s, m, h, d, w), e.g. 500ms, 90s, 12h, 7d"
	if strings.HasPrefix(t, "-") {
		return bad("negative")
	}
	t = strings.TrimPrefix(t, "+")
	if t == "" {
		return bad(want)
	}
	if t == "0" {
		return 0, nil
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
			return bad(want)
		}
		var part time.Duration
		switch unit {
		case "d", "w":
			v, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return bad(want)
			}
			per := Day
			if unit == "w" {
				per = Week
			}
			f := v * float64(per)
			if f >= math.MaxInt64 {
				return bad("too long")
			}
			part = time.Duration(f)
		default:
			d, err := time.ParseDuration(num + unit)
			if err != nil {
				if strings.Contains(err.Error(), "invalid duration") && validGoUnit(unit) {
					return bad("too long")
				}
				return bad(want)
			}
			part = d
		}
		if part > math.MaxInt64-total {
			return bad("too long")
		}
		total += part
	}
	return total, nil
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

func (v durationValue) Set(s string) error {
	d, err := ParseDuration(s)
	if err != nil {
		return err
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
