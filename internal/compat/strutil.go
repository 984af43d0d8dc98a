package compat

import (
	"math"
	"math/bits"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Ports of the util-linux lib/strutils.c helpers the four tools use, so
// numbers parse and print as they do there (C locale).

// strtoimax is C's strtoimax/strtoumax prefix scan: optional spaces and
// sign, then digits in base (0 = by prefix). It returns the value, how
// many bytes it consumed (0: no conversion) and whether it overflowed
// (the value is then clamped, as C does).
func strtoimax(s string, base int, unsigned bool) (val uint64, neg bool, n int, overflow bool) {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	if (base == 0 || base == 16) && i+1 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') && i+2 < len(s) && digitVal(s[i+2]) < 16 {
		base = 16
		i += 2
		start = i
	} else if base == 0 {
		if i < len(s) && s[i] == '0' {
			base = 8
		} else {
			base = 10
		}
	}
	var v uint64
	for i < len(s) {
		d := digitVal(s[i])
		if d >= base {
			break
		}
		hi, lo := bits.Mul64(v, uint64(base))
		if hi != 0 {
			overflow = true
		}
		lo, carry := bits.Add64(lo, uint64(d), 0)
		if carry != 0 {
			overflow = true
		}
		v = lo
		i++
	}
	if i == start {
		// "0x" with no hex digit still converts the "0"
		return 0, false, 0, false
	}
	if overflow {
		v = math.MaxUint64
	}
	return v, neg, i, overflow
}

func digitVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return 99
}

func isCSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r')
}

// cStrtoll is strtoimax(s, &end, base): the clamped signed value, the
// number of bytes used and errno (ERANGE on overflow).
func cStrtoll(s string, base int) (int64, int, unix.Errno) {
	u, neg, n, ovf := strtoimax(s, base, false)
	if n == 0 {
		return 0, 0, 0
	}
	if neg {
		if ovf || u > 1<<63 {
			return math.MinInt64, n, unix.ERANGE
		}
		return -int64(u), n, 0
	}
	if ovf || u > math.MaxInt64 {
		return math.MaxInt64, n, unix.ERANGE
	}
	return int64(u), n, 0
}

// cStrtoull is strtoumax/strtoul(s, &end, base): a leading '-' negates in
// unsigned arithmetic, as C does.
func cStrtoull(s string, base int) (uint64, int, unix.Errno) {
	u, neg, n, ovf := strtoimax(s, base, true)
	if n == 0 {
		return 0, 0, 0
	}
	if ovf {
		return math.MaxUint64, n, unix.ERANGE
	}
	if neg {
		return -u, n, 0
	}
	return u, n, 0
}

// strtos64 is ul_strtos64: the whole string must be a number.
func strtos64(s string) (int64, unix.Errno, bool) {
	if s == "" {
		return 0, 0, false
	}
	v, n, e := cStrtoll(s, 10)
	if e != 0 {
		return v, e, false
	}
	if n == 0 || n != len(s) {
		return v, 0, false
	}
	return v, 0, true
}

// strtos32OrErr is util-linux's strtos32_or_err: on error it exits with
// "MSG: 'ARG'" (plus strerror for a number out of range).
func (p *prog) strtos32OrErr(s, msg string) int32 {
	v, e, ok := strtos64(s)
	if ok && (v < math.MinInt32 || v > math.MaxInt32) {
		ok, e = false, unix.ERANGE
	}
	if !ok {
		if e == unix.ERANGE {
			p.err(1, e, "%s: '%s'", msg, s)
		}
		p.errx(1, "%s: '%s'", msg, s)
	}
	return int32(v)
}

// parseSize is util-linux's parse_size (strtosize): a number (any C base)
// with an optional K/M/G/T/P/E/Z/Y suffix, KiB-style (1024) or KB-style
// (1000), and an optional decimal fraction before the suffix.
func parseSize(str string) (uint64, unix.Errno) {
	if str == "" {
		return 0, unix.EINVAL
	}
	p := 0
	for p < len(str) && isCSpace(str[p]) {
		p++
	}
	if p < len(str) && str[p] == '-' {
		return 0, unix.EINVAL
	}
	x, n, e := cStrtoull(str, 0)
	if n == 0 || (e != 0 && (x == math.MaxUint64 || x == 0)) {
		if e != 0 {
			return 0, e
		}
		return 0, unix.EINVAL
	}
	if n == len(str) {
		return x, 0
	}
	var frac uint64
	fracZeros := 0
	base := uint64(1024)
	rest := str[n:]
	at := func(s string, i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	for {
		if at(rest, 1) == 'i' && (at(rest, 2) == 'B' || at(rest, 2) == 'b') && len(rest) == 3 {
			base = 1024
		} else if (at(rest, 1) == 'B' || at(rest, 1) == 'b') && len(rest) == 2 {
			base = 1000
		} else if len(rest) > 1 {
			if frac == 0 && rest[0] == '.' {
				f := rest[1:]
				for len(f) > 0 && f[0] == '0' {
					fracZeros++
					f = f[1:]
				}
				if len(f) > 0 && f[0] >= '0' && f[0] <= '9' {
					v, m, e := cStrtoull(f, 0)
					if m == 0 || (e != 0 && (v == math.MaxUint64 || v == 0)) {
						if e != 0 {
							return 0, e
						}
						return 0, unix.EINVAL
					}
					frac = v
					f = f[m:]
				}
				if frac != 0 && f == "" {
					return 0, unix.EINVAL
				}
				rest = f
				continue
			}
			return 0, unix.EINVAL
		}
		break
	}
	if rest == "" {
		// C reads the terminating NUL as the suffix letter: no match
		return 0, unix.EINVAL
	}
	pwr := strings.IndexByte("KMGTPEZY", rest[0]) + 1
	if pwr == 0 {
		pwr = strings.IndexByte("kmgtpezy", rest[0]) + 1
		if pwr == 0 {
			return 0, unix.EINVAL
		}
	}
	var rc unix.Errno
	if !scaleByPower(&x, base, pwr) {
		rc = unix.ERANGE
	}
	if frac != 0 && pwr != 0 {
		fracDiv, fracPoz, fracBase := uint64(10), uint64(1), uint64(1)
		scaleByPower(&fracBase, base, pwr)
		for fracDiv < frac {
			if fracDiv <= math.MaxUint64/10 {
				fracDiv *= 10
			} else {
				frac /= 10
			}
		}
		for i := 0; i < fracZeros; i++ {
			if fracDiv <= math.MaxUint64/10 {
				fracDiv *= 10
			} else {
				frac /= 10
			}
		}
		for {
			seg := frac % 10
			segDiv := fracDiv / fracPoz
			frac /= 10
			fracPoz *= 10
			if seg != 0 && segDiv/seg != 0 {
				x += fracBase / (segDiv / seg)
			}
			if frac == 0 {
				break
			}
		}
	}
	return x, rc
}

func scaleByPower(x *uint64, base uint64, power int) bool {
	for ; power > 0; power-- {
		if math.MaxUint64/base < *x {
			return false
		}
		*x *= base
	}
	return true
}

// humanSize is size_to_human_string(SIZE_SUFFIX_1LETTER): 0B, 512B, 4K,
// 1.5M, 16E; one decimal, rounded, trailing ".0" dropped.
func humanSize(bytes uint64) string {
	exp := 0
	for shft := 10; shft <= 60; shft += 10 {
		if bytes < 1<<uint(shft) {
			exp = shft - 10
			break
		}
		exp = shft
	}
	letter := "BKMGTPE"[exp/10]
	dec := bytes
	var frac uint64
	if exp != 0 {
		dec = bytes >> uint(exp)
		frac = bytes & (1<<uint(exp) - 1)
	}
	if frac != 0 {
		if frac >= math.MaxUint64/1000 {
			frac = ((frac / 1024) * 1000) / (1 << uint(exp-10))
		} else {
			frac = (frac * 1000) / (1 << uint(exp))
		}
		frac = ((frac + 50) / 100) * 10
		if frac == 100 {
			dec++
			frac = 0
		}
	}
	// C prints dec with %d: an int
	d := strconv.Itoa(int(int32(dec)))
	if frac != 0 {
		s := d + "." + twoDigits(frac)
		s = strings.TrimSuffix(s, "0")
		return s + string(letter)
	}
	return d + string(letter)
}

func twoDigits(v uint64) string {
	if v < 10 {
		return "0" + strconv.FormatUint(v, 10)
	}
	return strconv.FormatUint(v, 10)
}

// strmode is xstrmode of mode&0777 (no file type, no set-id bits): "rw-r--r--".
func strmode(mode uint32) string {
	b := []byte("---------")
	const rwx = "rwxrwxrwx"
	for i := 0; i < 9; i++ {
		if mode&(1<<uint(8-i)) != 0 {
			b[i] = rwx[i]
		}
	}
	return string(b)
}

// octalAlt is printf("%#o", v): "0" for zero, else a leading 0.
func octalAlt(v uint32) string {
	if v == 0 {
		return "0"
	}
	return "0" + strconv.FormatUint(uint64(v), 8)
}
