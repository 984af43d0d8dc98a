package procfs

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
)

// THPDir is the Transparent Huge Pages sysfs directory.
const THPDir = "sys/kernel/mm/transparent_hugepage"

// THPSetting is one file of the THP tree. A choice file such as enabled
// ("always [madvise] never") has Choices and Value the bracketed one; a
// number file has Number set; anything else keeps its text in Value.
type THPSetting struct {
	Name     string // file name, e.g. "enabled", "max_ptes_none"
	Value    string
	Choices  []string // nil unless the file offers choices
	Number   *uint64
	Writable bool // the file has a write permission bit
}

// MTHPSize is one multi-size THP size, hugepages-NkB.
type MTHPSize struct {
	Size     uint64 // bytes
	Settings []THPSetting
	Stats    []Counter // stats/*
}

// THP is the whole THP tree: top-level files, khugepaged/*, and the
// multi-size THP sizes. Files the kernel adds later are kept, in name
// order; unreadable files are skipped.
type THP struct {
	Settings   []THPSetting
	Khugepaged []THPSetting
	Sizes      []MTHPSize
}

// Setting finds a setting by file name.
func Setting(list []THPSetting, name string) (THPSetting, bool) {
	for _, s := range list {
		if s.Name == name {
			return s, true
		}
	}
	return THPSetting{}, false
}

// Counter is one named counter.
type Counter struct {
	Name  string
	Value uint64
}

// THP reads /sys/kernel/mm/transparent_hugepage/**. A kernel without THP
// has no such directory: the error wraps ErrNotSupported.
func (f FS) THP() (THP, error) {
	var t THP
	ents, err := os.ReadDir(f.Path(THPDir))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return t, fmt.Errorf("transparent huge pages: %w", ErrNotSupported)
		}
		return t, err
	}
	if t.Settings, err = f.thpSettings(THPDir, ents); err != nil {
		return t, err
	}
	for _, e := range ents {
		switch size, isSize := ParseSizeDir(e.Name()); {
		case e.Name() == "khugepaged":
			if t.Khugepaged, err = f.thpDir(path.Join(THPDir, "khugepaged")); err != nil {
				return t, err
			}
		case isSize && e.IsDir():
			m := MTHPSize{Size: size}
			dir := path.Join(THPDir, e.Name())
			if m.Settings, err = f.thpDir(dir); err != nil {
				return t, err
			}
			stats, err := f.thpDir(path.Join(dir, "stats"))
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return t, err
			}
			for _, s := range stats {
				if s.Number != nil {
					m.Stats = append(m.Stats, Counter{s.Name, *s.Number})
				}
			}
			t.Sizes = append(t.Sizes, m)
		}
	}
	slices.SortFunc(t.Sizes, func(a, b MTHPSize) int { return cmp.Compare(a.Size, b.Size) })
	return t, nil
}

func (f FS) thpDir(dir string) ([]THPSetting, error) {
	ents, err := os.ReadDir(f.Path(dir))
	if err != nil {
		return nil, err
	}
	return f.thpSettings(dir, ents)
}

// thpSettings reads the regular files among ents (ReadDir sorts by name).
func (f FS) thpSettings(dir string, ents []os.DirEntry) ([]THPSetting, error) {
	var out []THPSetting
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		s, err := f.ReadTHPSetting(path.Join(dir, e.Name()))
		if err != nil {
			if errors.Is(err, fs.ErrPermission) || errors.Is(err, fs.ErrNotExist) {
				continue // write-only, or gone
			}
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// ReadTHPSetting reads one THP file (path below the root).
func (f FS) ReadTHPSetting(rel string) (THPSetting, error) {
	b, err := f.ReadFile(rel)
	if err != nil {
		return THPSetting{}, err
	}
	s := ParseTHPSetting(path.Base(rel), string(b))
	if fi, err := os.Stat(f.Path(rel)); err == nil {
		s.Writable = fi.Mode().Perm()&0o222 != 0
	}
	return s, nil
}

// ParseTHPSetting parses the text of a THP file: "always [madvise] never"
// gives Value "madvise" and the three choices; "511" gives Number 511.
func ParseTHPSetting(name, text string) THPSetting {
	s := THPSetting{Name: name, Value: strings.TrimSpace(text)}
	if strings.Contains(s.Value, "[") {
		for _, w := range strings.Fields(s.Value) {
			if v, ok := strings.CutPrefix(w, "["); ok {
				v = strings.TrimSuffix(v, "]")
				s.Value = v
				w = v
			}
			s.Choices = append(s.Choices, w)
		}
		if s.Value == strings.TrimSpace(text) { // brackets never closed a word
			s.Value = ""
		}
		return s
	}
	if n, err := strconv.ParseUint(s.Value, 10, 64); err == nil {
		s.Number = &n
	}
	return s
}

// InvalidValueError reports a value a file does not accept; the file
// was not written.
type InvalidValueError struct {
	File  string
	Value string
	Valid string // what the file accepts, e.g. "always, madvise, never" or "0 to 511"
}

func (e *InvalidValueError) Error() string {
	return fmt.Sprintf("invalid value %q for %s (valid: %s)", e.Value, e.File, e.Valid)
}

// SetTHP checks value against what a THP file offers (its choices, or a
// number no larger than max when max is not nil), writes it, reads it back
// and returns old and new values. A value that fails the check is an
// *InvalidValueError and nothing is written.
//
// Equivalent to: `echo VALUE > /sys/kernel/mm/transparent_hugepage/FILE`.
func (f FS) SetTHP(rel, value string, max *uint64) (Change, error) {
	cur, err := f.ReadTHPSetting(rel)
	if err != nil {
		return Change{}, err
	}
	if err := CheckTHPValue(cur, value, max); err != nil {
		e := err.(*InvalidValueError)
		e.File = rel
		return Change{}, e
	}
	if err := f.WriteFile(rel, value); err != nil {
		return Change{File: rel, Old: cur.Value, New: cur.Value}, err
	}
	after, err := f.ReadTHPSetting(rel)
	if err != nil {
		return Change{File: rel, Old: cur.Value}, err
	}
	return Change{File: rel, Old: cur.Value, New: after.Value}, nil
}

// CheckTHPValue reports whether cur's file accepts value, as an
// *InvalidValueError if not.
func CheckTHPValue(cur THPSetting, value string, max *uint64) error {
	bad := func(valid string) error { return &InvalidValueError{File: cur.Name, Value: value, Valid: valid} }
	switch {
	case cur.Choices != nil:
		if !slices.Contains(cur.Choices, value) {
			return bad(strings.Join(cur.Choices, ", "))
		}
	case cur.Number != nil:
		n, err := strconv.ParseUint(value, 10, 64)
		if max != nil && (err != nil || n > *max) {
			return bad(fmt.Sprintf("0 to %d", *max))
		}
		if err != nil {
			return bad("a whole number")
		}
	}
	return nil
}
