package procfs

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// ProcHuge is one process's huge page use, from /proc/PID/smaps_rollup
// and /proc/PID/status. Sizes are bytes; a field the kernel did not
// print is nil.
type ProcHuge struct {
	PID     int
	Command string // status Name:
	RSS     *uint64
	// smaps_rollup
	AnonHugePages, ShmemPmdMapped, FilePmdMapped *uint64
	SharedHugetlb, PrivateHugetlb                *uint64
	// status
	HugetlbPages *uint64
	THPEnabled   *bool // THP_enabled: false when prctl(PR_SET_THP_DISABLE)
}

// PIDs lists the numeric entries of /proc.
func (f FS) PIDs() ([]int, error) {
	d, err := os.Open(f.Path("proc"))
	if err != nil {
		return nil, err
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	pids := make([]int, 0, len(names))
	for _, n := range names {
		if n[0] < '1' || n[0] > '9' {
			continue
		}
		if pid, err := strconv.Atoi(n); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// ProcHuge reads /proc/PID/status and /proc/PID/smaps_rollup. A process
// that has exited gives an error wrapping fs.ErrNotExist; kernel threads
// have an empty smaps_rollup and nil sizes.
func (f FS) ProcHuge(pid int) (ProcHuge, error) {
	p := ProcHuge{PID: pid}
	dir := "proc/" + strconv.Itoa(pid)
	b, err := f.ReadFile(dir + "/status")
	if err != nil {
		return p, err
	}
	if err := parseStatus(b, dir+"/status", &p); err != nil {
		return p, err
	}
	b, err = f.ReadFile(dir + "/smaps_rollup")
	if err != nil {
		return p, err
	}
	err = parseKB(bytes.NewReader(b), dir+"/smaps_rollup", func(name string, v uint64) {
		var dst **uint64
		switch name {
		case "Rss":
			dst = &p.RSS
		case "AnonHugePages":
			dst = &p.AnonHugePages
		case "ShmemPmdMapped":
			dst = &p.ShmemPmdMapped
		case "FilePmdMapped":
			dst = &p.FilePmdMapped
		case "Shared_Hugetlb":
			dst = &p.SharedHugetlb
		case "Private_Hugetlb":
			dst = &p.PrivateHugetlb
		default:
			return
		}
		*dst = &v
	})
	return p, err
}

func parseStatus(b []byte, file string, p *ProcHuge) error {
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		name, val, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			continue
		}
		switch string(name) {
		case "Name":
			p.Command = strings.TrimSpace(string(val))
		case "THP_enabled":
			v := strings.TrimSpace(string(val)) == "1"
			p.THPEnabled = &v
		case "HugetlbPages":
			if err := parseKB(bytes.NewReader(line), file, func(_ string, v uint64) { p.HugetlbPages = &v }); err != nil {
				return err
			}
		}
	}
	return nil
}

// ErrVanished reports whether err means a process went away (or hid
// itself) between listing /proc and reading its files.
func ErrVanished(err error) bool {
	return errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ESRCH)
}
