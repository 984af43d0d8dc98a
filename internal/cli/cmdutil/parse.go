package cmdutil

import (
	"fmt"
	"math"
	"math/bits"
	"os/user"
	"strconv"
	"strings"
)

// Every parser here refuses values that do not fit the kernel type instead
// of wrapping them: util-linux turns id 4294967296 into 0 and acts on
// object 0. The errors are usage errors (exit 2).

// ParseID parses a System V id: a decimal int in [0, 2^31).
func ParseID(s string) (int, error) {
	v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil || v > math.MaxInt32 {
		return 0, FlagErrorf("invalid id %q: want a whole number from 0 to %d", s, math.MaxInt32)
	}
	return int(v), nil
}

// ParseKey parses a System V key as ipcs prints and C writes it: hex
// with 0x, octal with a leading 0, or decimal, optionally negative; it
// must fit in 32 bits (key_t), signed or unsigned. The result is the
// key's 32 bits as key_t. Other spellings (1_000, 0b101, 0o17, an empty
// string) are refused: a typo must not become another key.
func ParseKey(s string) (int32, error) {
	bad := func() (int32, error) {
		return 0, FlagErrorf("invalid key %q: want a 32-bit number: 0x1234abcd (hex), 0644 (octal) or 4660 (decimal)", s)
	}
	t := strings.TrimSpace(s)
	neg := strings.HasPrefix(t, "-")
	if neg {
		t = t[1:]
	}
	base, digits := 10, t
	switch {
	case strings.HasPrefix(t, "0x") || strings.HasPrefix(t, "0X"):
		base, digits = 16, t[2:]
	case len(t) > 1 && t[0] == '0':
		base, digits = 8, t[1:]
	}
	if digits == "" || strings.ContainsAny(digits, "_+-") {
		return bad()
	}
	v, err := strconv.ParseUint(digits, base, 64)
	if err != nil || (!neg && v > math.MaxUint32) || (neg && v > 1<<31) {
		return bad()
	}
	if neg {
		return int32(-int64(v)), nil
	}
	return int32(uint32(v)), nil
}

// ParseProj parses an ftok project id: 0..255, or one non-digit character.
func ParseProj(s string) (int, error) {
	if len(s) == 1 && (s[0] < '0' || s[0] > '9') {
		return int(s[0]), nil
	}
	v, err := strconv.ParseUint(s, 0, 8)
	if err != nil || strings.Contains(s, "_") {
		return 0, FlagErrorf("invalid project id %q: want 0 to 255 or one character", s)
	}
	return int(v), nil
}

// ParseSize parses a byte size: a whole number with an optional binary
// unit: 4096, 4K, 4KiB, 1M, 2G, 1GiB, 1T (K=1024). Zero is allowed here;
// callers that need a positive size check it. Negative, fractional,
// non-numeric and overflowing sizes are usage errors.
func ParseSize(s string) (uint64, error) {
	t := strings.TrimSpace(s)
	bad := func() (uint64, error) {
		return 0, FlagErrorf("invalid size %q: want bytes or a number with K, M, G, T, P or E (binary units), e.g. 4096, 64K, 1GiB", s)
	}
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 {
		return bad()
	}
	n, err := strconv.ParseUint(t[:i], 10, 64)
	if err != nil {
		return bad()
	}
	shift, ok := sizeShifts[strings.ToUpper(t[i:])]
	if !ok {
		return bad()
	}
	if shift > 0 && bits.LeadingZeros64(n) < shift {
		return 0, FlagErrorf("invalid size %q: larger than 2^64-1 bytes", s)
	}
	return n << uint(shift), nil
}

// ParsePositiveSize parses the size given to flag (e.g. "--qbytes"): at
// least 1 byte, and no more than an int64 holds, as the kernel's sizes
// are signed.
func ParsePositiveSize(flag, s string) (uint64, error) {
	v, err := ParseSize(s)
	if err != nil {
		return 0, err
	}
	if v == 0 || v > math.MaxInt64 {
		return 0, FlagErrorf("invalid %s %q: want 1 byte or more, below 8E (2^63)", flag, s)
	}
	return v, nil
}

// sizeShifts maps each accepted unit spelling to its power of two.
var sizeShifts = map[string]int{"": 0, "B": 0}

func init() {
	for i, u := range []string{"K", "M", "G", "T", "P", "E"} {
		for _, spelling := range []string{u, u + "B", u + "IB"} {
			sizeShifts[spelling] = 10 * (i + 1)
		}
	}
}

// ParseMode parses octal permission bits no larger than max (0777 for
// System V objects).
func ParseMode(s string, max uint32) (uint32, error) {
	v, err := strconv.ParseUint(strings.TrimSpace(s), 8, 32)
	if err != nil || uint32(v) > max {
		return 0, FlagErrorf("invalid mode %q: want octal permissions up to %#o, e.g. 0640", s, max)
	}
	return uint32(v), nil
}

// noID is (uid_t)-1: to chown(2) and IPC_SET it means "leave as is", so
// it can never be an owner.
const noID = math.MaxUint32

// ParseUID resolves a user name or a numeric uid.
func ParseUID(s string) (uint32, error) {
	if v, err := strconv.ParseUint(s, 10, 32); err == nil {
		if v == noID {
			return 0, FlagErrorf("invalid user %q: %d is (uid_t)-1, which means \"no change\", not an owner", s, v)
		}
		return uint32(v), nil
	}
	u, err := user.Lookup(s)
	if err != nil {
		return 0, FlagErrorf("unknown user %q", s)
	}
	v, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return 0, FlagErrorf("user %q has a non-numeric uid %q", s, u.Uid)
	}
	return uint32(v), nil
}

// ParseGID resolves a group name or a numeric gid.
func ParseGID(s string) (uint32, error) {
	if v, err := strconv.ParseUint(s, 10, 32); err == nil {
		if v == noID {
			return 0, FlagErrorf("invalid group %q: %d is (gid_t)-1, which means \"no change\", not a group", s, v)
		}
		return uint32(v), nil
	}
	g, err := user.LookupGroup(s)
	if err != nil {
		return 0, FlagErrorf("unknown group %q", s)
	}
	v, err := strconv.ParseUint(g.Gid, 10, 32)
	if err != nil {
		return 0, FlagErrorf("group %q has a non-numeric gid %q", s, g.Gid)
	}
	return uint32(v), nil
}

// ParseOwner parses USER[:GROUP]; gid is nil when no group is given.
func ParseOwner(s string) (uid uint32, gid *uint32, err error) {
	u, g, hasGroup := strings.Cut(s, ":")
	if u == "" {
		return 0, nil, FlagErrorf("invalid owner %q: want USER[:GROUP]", s)
	}
	if uid, err = ParseUID(u); err != nil {
		return 0, nil, err
	}
	if hasGroup {
		v, err := ParseGID(g)
		if err != nil {
			return 0, nil, err
		}
		gid = &v
	}
	return uid, gid, nil
}

// Plural returns "1 object" / "2 objects".
func Plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
