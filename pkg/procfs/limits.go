package procfs

import (
	"fmt"
	"strconv"
	"strings"
)

// SysvLimits are the System V IPC limits of the reader's IPC namespace,
// from /proc/sys/kernel. Values are uint64: shmmax and shmall default to
// nearly 2^64.
type SysvLimits struct {
	ShmMax uint64 // largest segment, bytes
	ShmAll uint64 // all segments together, pages
	ShmMni uint64 // most segments
	SemMsl uint64 // most semaphores per set
	SemMns uint64 // most semaphores in all sets
	SemOpm uint64 // most operations per semop call
	SemMni uint64 // most sets
	MsgMax uint64 // largest message, bytes
	MsgMnb uint64 // default queue size, bytes
	MsgMni uint64 // most queues
}

// MqueueLimits are the POSIX message queue limits from /proc/sys/fs/mqueue.
type MqueueLimits struct {
	QueuesMax      uint64
	MsgMax         uint64
	MsgSizeMax     uint64
	MsgDefault     uint64
	MsgSizeDefault uint64
}

// SysvLimits reads /proc/sys/kernel/{shmmax,shmall,shmmni,sem,msgmax,msgmnb,msgmni}.
func (f FS) SysvLimits() (SysvLimits, error) {
	var l SysvLimits
	for _, x := range []struct {
		file string
		dst  *uint64
	}{
		{"proc/sys/kernel/shmmax", &l.ShmMax},
		{"proc/sys/kernel/shmall", &l.ShmAll},
		{"proc/sys/kernel/shmmni", &l.ShmMni},
		{"proc/sys/kernel/msgmax", &l.MsgMax},
		{"proc/sys/kernel/msgmnb", &l.MsgMnb},
		{"proc/sys/kernel/msgmni", &l.MsgMni},
	} {
		v, err := f.readUint64File(x.file)
		if err != nil {
			return l, err
		}
		*x.dst = v
	}
	const semFile = "proc/sys/kernel/sem"
	b, err := f.ReadFile(semFile)
	if err != nil {
		return l, err
	}
	sem, err := ParseSemLimits(string(b))
	if err != nil {
		return l, err
	}
	l.SemMsl, l.SemMns, l.SemOpm, l.SemMni = sem[0], sem[1], sem[2], sem[3]
	return l, nil
}

// ParseSemLimits parses /proc/sys/kernel/sem: SEMMSL SEMMNS SEMOPM SEMMNI.
func ParseSemLimits(s string) ([4]uint64, error) {
	var out [4]uint64
	fields := strings.Fields(s)
	if len(fields) != 4 {
		return out, &ParseError{File: "proc/sys/kernel/sem", Line: 1, Msg: fmt.Sprintf("%d fields, want 4", len(fields))}
	}
	for i, fld := range fields {
		v, err := strconv.ParseUint(fld, 10, 64)
		if err != nil {
			return out, &ParseError{File: "proc/sys/kernel/sem", Line: 1, Msg: fmt.Sprintf("not an unsigned number: %q", truncate(fld))}
		}
		out[i] = v
	}
	return out, nil
}

// MqueueLimits reads /proc/sys/fs/mqueue/*.
func (f FS) MqueueLimits() (MqueueLimits, error) {
	var l MqueueLimits
	for _, x := range []struct {
		file string
		dst  *uint64
	}{
		{"proc/sys/fs/mqueue/queues_max", &l.QueuesMax},
		{"proc/sys/fs/mqueue/msg_max", &l.MsgMax},
		{"proc/sys/fs/mqueue/msgsize_max", &l.MsgSizeMax},
		{"proc/sys/fs/mqueue/msg_default", &l.MsgDefault},
		{"proc/sys/fs/mqueue/msgsize_default", &l.MsgSizeDefault},
	} {
		v, err := f.readUint64File(x.file)
		if err != nil {
			return l, err
		}
		*x.dst = v
	}
	return l, nil
}
