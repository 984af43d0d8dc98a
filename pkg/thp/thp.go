// Package thp reads and changes Transparent Huge Page settings and reads
// their counters and per-process use, through a procfs.FS: a Client
// rooted at a fixture tree never touches the live kernel.
package thp

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/ipcctl/ipcctl/pkg/errclass"
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

// Client reads and changes THP through its procfs.FS.
type Client struct{ fs procfs.FS }

// New returns a client over fs (procfs.DefaultFS for the live system).
func New(fs procfs.FS) *Client { return &Client{fs: fs} }

// Settings reads the whole THP tree: top-level files, khugepaged and the
// multi-size THP sizes. A kernel without THP gives an error of class
// errclass.Unsupported.
//
// Equivalent to: `grep . /sys/kernel/mm/transparent_hugepage/{*,*/*}`.
func (c *Client) Settings() (procfs.THP, error) {
	t, err := c.fs.THP()
	if err != nil && errors.Is(err, errors.ErrUnsupported) {
		err = errclass.Wrap(errclass.Unsupported, err)
	}
	return t, err
}

// Usage is the memory in THPs system-wide.
type Usage struct {
	procfs.Meminfo
	NrAnonTHP *uint64 // nr_anon_transparent_hugepages from /proc/vmstat
}

// Usage reads the THP fields of /proc/meminfo and /proc/vmstat.
func (c *Client) Usage() (Usage, error) {
	mi, err := c.fs.Meminfo()
	if err != nil {
		return Usage{}, err
	}
	u := Usage{Meminfo: mi}
	vm, err := c.fs.Vmstat("nr_anon_transparent_hugepages")
	if err != nil {
		return u, err
	}
	if len(vm) > 0 {
		u.NrAnonTHP = &vm[0].Value
	}
	return u, nil
}

// Counter is one THP counter: a thp_* line of /proc/vmstat (Size 0) or a
// stats/* file of one multi-size THP size.
type Counter struct {
	Size  uint64
	Name  string
	Value uint64
}

// Counters reads the thp_* counters of /proc/vmstat and each mTHP size's
// stats/*, in that order.
func (c *Client) Counters() ([]Counter, error) {
	vm, err := c.fs.Vmstat("thp_")
	if err != nil {
		return nil, err
	}
	t, err := c.Settings()
	if err != nil {
		return nil, err
	}
	out := make([]Counter, 0, len(vm)+16*len(t.Sizes))
	for _, v := range vm {
		out = append(out, Counter{Name: v.Name, Value: v.Value})
	}
	for _, m := range t.Sizes {
		for _, s := range m.Stats {
			out = append(out, Counter{Size: m.Size, Name: s.Name, Value: s.Value})
		}
	}
	return out, nil
}

type counterKey struct {
	size uint64
	name string
}

// Rates is each counter of cur's increase per second since prev, over
// elapsed; a counter that went down (or is new) rates 0.
func Rates(prev, cur []Counter, elapsed time.Duration) []uint64 {
	old := make(map[counterKey]uint64, len(prev))
	for _, c := range prev {
		old[counterKey{c.Size, c.Name}] = c.Value
	}
	rates := make([]uint64, len(cur))
	for i, c := range cur {
		if v, ok := old[counterKey{c.Size, c.Name}]; ok && c.Value >= v && elapsed > 0 {
			rates[i] = uint64(float64(c.Value-v) / elapsed.Seconds())
		}
	}
	return rates
}

// Moved reports, for each counter of cur, whether it moved: since prev
// (a counter prev lacks moved if it is not 0), or since boot (not 0)
// when prev is nil.
func Moved(prev, cur []Counter) []bool {
	old := make(map[counterKey]uint64, len(prev))
	for _, c := range prev {
		old[counterKey{c.Size, c.Name}] = c.Value
	}
	moved := make([]bool, len(cur))
	for i, c := range cur {
		v, ok := old[counterKey{c.Size, c.Name}]
		moved[i] = c.Value != v || (!ok && c.Value != 0)
	}
	return moved
}

// Target is one file `thp set` may write, under the key it takes.
type Target struct {
	Key     string // enabled, khugepaged.pages_to_scan
	File    string // below the FS root
	Current procfs.THPSetting
	Max     *uint64 // largest number the file takes; nil: no bound known
}

// readOnly are THP files the kernel only reports, whatever their mode.
var readOnly = map[string]bool{"hpage_pmd_size": true, "khugepaged/full_scans": true, "khugepaged/pages_collapsed": true}

// topKeys are the top-level files that may be set.
var topKeys = []string{"enabled", "defrag", "shmem_enabled", "use_zero_page"}

// UnknownSizeError is a multi-size THP size the kernel does not offer.
type UnknownSizeError struct {
	Size    uint64
	Offered []uint64
}

func (e *UnknownSizeError) Error() string {
	names := make([]string, len(e.Offered))
	for i, s := range e.Offered {
		names[i] = procfs.PageSizeName(s)
	}
	return fmt.Sprintf("unknown THP size %s (offered: %s)", procfs.PageSizeName(e.Size), strings.Join(names, ", "))
}

// Unwrap gives the class errclass.Usage.
func (e *UnknownSizeError) Unwrap() error { return errclass.Usage }

// Targets maps each key that may be set to its file: with size 0, the
// top-level files and khugepaged's writable ones; with an mTHP size,
// that size's enabled and shmem_enabled.
func (c *Client) Targets(size uint64) (map[string]Target, error) {
	t, err := c.Settings()
	if err != nil {
		return nil, err
	}
	keys := map[string]Target{}
	if size != 0 {
		i := slices.IndexFunc(t.Sizes, func(m procfs.MTHPSize) bool { return m.Size == size })
		if i < 0 {
			offered := make([]uint64, len(t.Sizes))
			for j, m := range t.Sizes {
				offered[j] = m.Size
			}
			return nil, &UnknownSizeError{Size: size, Offered: offered}
		}
		dir := path.Join(procfs.THPDir, fmt.Sprintf("hugepages-%dkB", size>>10))
		for _, s := range t.Sizes[i].Settings {
			if s.Name == "enabled" || s.Name == "shmem_enabled" {
				keys[s.Name] = Target{s.Name, path.Join(dir, s.Name), s, nil}
			}
		}
		return keys, nil
	}
	one := uint64(1)
	for _, s := range t.Settings {
		if slices.Contains(topKeys, s.Name) {
			var max *uint64
			if s.Name == "use_zero_page" {
				max = &one
			}
			keys[s.Name] = Target{s.Name, path.Join(procfs.THPDir, s.Name), s, max}
		}
	}
	// max_ptes_* count the PTEs of one PMD: at most HPAGE_PMD_NR − 1.
	var ptes *uint64
	if pmd, ok := procfs.Setting(t.Settings, "hpage_pmd_size"); ok && pmd.Number != nil && *pmd.Number >= uint64(os.Getpagesize()) {
		n := *pmd.Number/uint64(os.Getpagesize()) - 1
		ptes = &n
	}
	for _, s := range t.Khugepaged {
		if !s.Writable || readOnly["khugepaged/"+s.Name] {
			continue
		}
		var max *uint64
		switch {
		case s.Name == "defrag":
			max = &one
		case strings.HasPrefix(s.Name, "max_ptes_"):
			max = ptes
		}
		keys["khugepaged."+s.Name] = Target{"khugepaged." + s.Name, path.Join(procfs.THPDir, "khugepaged", s.Name), s, max}
	}
	return keys, nil
}

// Write is one checked assignment.
type Write struct {
	Target
	Value string
}

// PlanSet checks every KEY=VALUE against what the kernel offers (the
// keys of Targets(size), each file's choices or number range) before
// anything is written. A bad assignment is an error of class
// errclass.Usage naming the valid keys or values.
func (c *Client) PlanSet(size uint64, assignments []string) ([]Write, error) {
	keys, err := c.Targets(size)
	if err != nil {
		return nil, err
	}
	valid := make([]string, 0, len(keys))
	for k := range keys {
		valid = append(valid, k)
	}
	slices.Sort(valid)
	var writes []Write
	for _, a := range assignments {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return nil, errclass.Errorf(errclass.Usage, "invalid %q: want KEY=VALUE", a)
		}
		tg, ok := keys[k]
		if !ok {
			return nil, errclass.Errorf(errclass.Usage, "unknown THP key %q (valid: %s)", k, strings.Join(valid, ", "))
		}
		if err := procfs.CheckTHPValue(tg.Current, v, tg.Max); err != nil {
			return nil, errclass.Errorf(errclass.Usage, "%s: %s", k, strings.Replace(err.Error(), " for "+tg.Current.Name, "", 1))
		}
		writes = append(writes, Write{tg, v})
	}
	return writes, nil
}

// KeptError says the kernel accepted a write but kept another value.
type KeptError struct {
	Key, Value, Kept string
}

func (e *KeptError) Error() string {
	return fmt.Sprintf("%s=%s: the kernel kept %s", e.Key, e.Value, e.Kept)
}

// Set carries out checked writes: every file is checked writable first
// (a refusal, class errclass.Permission, changes nothing), then each is
// written and read back. It stops at the first value the kernel refuses
// or does not keep (*KeptError), returning the changes made so far.
//
// Equivalent to: `echo VALUE > /sys/kernel/mm/transparent_hugepage/FILE`.
func (c *Client) Set(writes []Write) ([]procfs.Change, error) {
	for _, w := range writes {
		if err := c.fs.CheckWritable(w.File); err != nil {
			return nil, fmt.Errorf("%s: %w", w.Key, classWrite(err))
		}
	}
	var changes []procfs.Change
	for _, w := range writes {
		ch, err := c.fs.SetTHP(w.File, w.Value, w.Max)
		if err != nil {
			return changes, fmt.Errorf("%s=%s: the kernel refused: %w", w.Key, w.Value, classWrite(err))
		}
		changes = append(changes, ch)
		if ch.New != w.Value {
			return changes, &KeptError{w.Key, w.Value, ch.New}
		}
	}
	return changes, nil
}

func classWrite(err error) error {
	if errors.Is(err, os.ErrPermission) {
		return errclass.Wrap(errclass.Permission, err)
	}
	return err
}

// TopProcesses reads every process's THP use, largest AnonHugePages
// first (then RSS, then pid), at most limit of them (0: all); processes
// that vanish or cannot be read are skipped.
func (c *Client) TopProcesses(limit int) ([]procfs.ProcHuge, error) {
	pids, err := c.fs.PIDs()
	if err != nil {
		return nil, err
	}
	// Rank on smaps_rollup alone; read status only for the processes shown.
	procs, err := c.fs.ProcRollups(pids)
	if err != nil {
		return nil, err
	}
	val := func(p *uint64) uint64 {
		if p == nil {
			return 0
		}
		return *p
	}
	slices.SortFunc(procs, func(a, b procfs.ProcHuge) int {
		return cmp.Or(cmp.Compare(val(b.AnonHugePages), val(a.AnonHugePages)),
			cmp.Compare(val(b.RSS), val(a.RSS)), cmp.Compare(a.PID, b.PID))
	})
	shown := procs[:0]
	for _, p := range procs {
		if limit > 0 && len(shown) == limit {
			break
		}
		if err := c.fs.ProcStatus(&p); err != nil {
			if procfs.ErrVanished(err) {
				continue
			}
			return nil, err
		}
		shown = append(shown, p)
	}
	return shown, nil
}
