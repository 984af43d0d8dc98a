package procfs

import (
	"bytes"
	"errors"
	"io"
	"os"
	"runtime"
	"strconv"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
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

// ProcHuge reads /proc/PID/smaps_rollup and /proc/PID/status. A process
// that has exited gives an error wrapping fs.ErrNotExist; kernel threads
// have an empty smaps_rollup and nil sizes.
func (f FS) ProcHuge(pid int) (ProcHuge, error) {
	var buf []byte
	p, err := f.procRollup(pid, &buf)
	if err != nil {
		return p, err
	}
	return p, f.procStatus(&p, &buf)
}

// ProcStatus fills p's Command, HugetlbPages and THPEnabled from
// /proc/PID/status.
func (f FS) ProcStatus(p *ProcHuge) error {
	var buf []byte
	return f.procStatus(p, &buf)
}

func (f FS) procStatus(p *ProcHuge, buf *[]byte) error {
	rel := "proc/" + strconv.Itoa(p.PID) + "/status"
	b, err := f.readInto(rel, buf)
	if err != nil {
		return err
	}
	return parseStatus(b, rel, p)
}

// procRollup reads /proc/PID/smaps_rollup through buf, which it may grow:
// listing every process reuses one buffer.
func (f FS) procRollup(pid int, buf *[]byte) (ProcHuge, error) {
	p := ProcHuge{PID: pid}
	rel := "proc/" + strconv.Itoa(pid) + "/smaps_rollup"
	b, err := f.readInto(rel, buf)
	if err != nil {
		return p, err
	}
	err = parseKB(b, rel, func(name []byte, v uint64) {
		var dst **uint64
		switch string(name) {
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

// ProcRollups reads /proc/PID/smaps_rollup of every pid with a few
// workers, skipping processes that vanish or cannot be read (ErrVanished);
// the order of the result is not that of pids. Only the smaps_rollup
// fields are set: ProcStatus fills in the rest for the processes wanted.
func (f FS) ProcRollups(pids []int) ([]ProcHuge, error) {
	workers := min(runtime.GOMAXPROCS(0)*2, len(pids))
	if workers < 1 {
		return nil, nil
	}
	parts := make([][]ProcHuge, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			for i := w; i < len(pids); i += workers {
				p, err := f.procRollup(pids[i], &buf)
				if err != nil {
					if ErrVanished(err) {
						continue
					}
					errs[w] = err
					return
				}
				parts[w] = append(parts[w], p)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out := make([]ProcHuge, 0, len(pids))
	for _, part := range parts {
		out = append(out, part...)
	}
	return out, nil
}

// readInto reads a small /proc file with plain open/read/close (no
// stat, no poller registration: a third of the cost of os.ReadFile when
// reading thousands of them).
func (f FS) readInto(rel string, buf *[]byte) ([]byte, error) {
	name := f.Path(rel)
	fd, err := unix.Open(name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	defer unix.Close(fd)
	if cap(*buf) == 0 {
		*buf = make([]byte, 0, 4096)
	}
	b := (*buf)[:0]
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := unix.Read(fd, b[len(b):cap(b)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "read", Path: name, Err: err}
		}
		if n == 0 {
			break
		}
		b = b[:len(b)+n]
	}
	*buf = b
	return b, nil
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
			p.Command = string(bytes.TrimSpace(val))
		case "THP_enabled":
			v := string(bytes.TrimSpace(val)) == "1"
			p.THPEnabled = &v
		case "HugetlbPages":
			if err := parseKB(line, file, func(_ []byte, v uint64) { p.HugetlbPages = &v }); err != nil {
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
