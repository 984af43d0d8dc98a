package compat

import (
	"crypto/rand"
	"encoding/binary"
	"errors"

	"github.com/ipcctl/ipcctl/pkg/ipc"
	"golang.org/x/sys/unix"
)

// ipcmk: util-linux sys-utils/ipcmk.c (2.38.1), with the POSIX options
// of 2.43 (-m, -q, -s, -n).

const ipcmkUsage = `
Usage:
 ipcmk [options]

Create various IPC resources.

Options:
 -M, --shmem <size>       create shared memory segment of size <size>
 -m, --posix-shmem <size> create POSIX shared memory segment of size <size>
 -S, --semaphore <number> create semaphore array with <number> elements
 -s, --posix-semaphore    create POSIX semaphore
 -Q, --queue              create message queue
 -q, --posix-mqueue       create POSIX message queue
 -p, --mode <mode>        permission for the resource (default is 0644)
 -n, --name <name>        name of the POSIX resource

 -h, --help               display this help
 -V, --version            display version

Arguments:
 <size> arguments may be followed by the suffixes for
   GiB, TiB, PiB, EiB, ZiB, and YiB (the "iB" is optional)

 -n, --name <name> option is required for POSIX IPC

For more details see ipcmk(1).
`

var ipcmkLongopts = []longOption{
	{"shmem", requiredArgument, 'M'},
	{"posix-shmem", requiredArgument, 'm'},
	{"semaphore", requiredArgument, 'S'},
	{"posix-semaphore", noArgument, 's'},
	{"queue", noArgument, 'Q'},
	{"posix-mqueue", noArgument, 'q'},
	{"mode", requiredArgument, 'p'},
	{"name", requiredArgument, 'n'},
	{"version", noArgument, 'V'},
	{"help", noArgument, 'h'},
}

// shmFlagBits are shmget flags above the permission bits that ipcmk -p
// passes through (ipcmk ORs the whole mode into shmflg).
const (
	shmHugeTLB   = 0o4000
	shmNoReserve = 0o10000
)

func (p *prog) ipcmk() {
	permission := uint32(0o644)
	var size uint64
	var nsems int32
	var name string
	var hasName bool
	var askShm, askMsg, askSem, askPshm, askPmsg, askPsem bool
	g := newGetopt(p.argv, "hM:m:QqS:sp:n:Vh", ipcmkLongopts, p.errOut, p.posixlyCorrect())
	for {
		c := g.next()
		if c == optDone {
			break
		}
		switch c {
		case 'M', 'm':
			v, e := parseSize(g.optarg)
			if e != 0 {
				p.err(1, e, "%s: '%s'", "failed to parse size", g.optarg)
			}
			size = v
			if c == 'M' {
				askShm = true
			} else {
				askPshm = true
			}
		case 'Q':
			askMsg = true
		case 'q':
			askPmsg = true
		case 'S':
			nsems = p.strtos32OrErr(g.optarg, "failed to parse elements")
			askSem = true
		case 's':
			askPsem = true
		case 'p':
			v, n, e := cStrtoull(g.optarg, 8)
			if e != 0 || n == 0 || n != len(g.optarg) {
				p.err(1, e, "failed to parse mode")
			}
			permission = uint32(v)
		case 'n':
			name, hasName = g.optarg, true
		case 'h':
			p.puts(ipcmkUsage)
			p.exit(0)
		case 'V':
			p.printVersion()
		default:
			p.errtryhelp(1)
		}
	}
	if !askShm && !askMsg && !askSem && !askPshm && !askPmsg && !askPsem {
		p.warnx("bad usage")
		p.errtryhelp(1)
	}
	if (askPshm || askPmsg || askPsem) && !hasName {
		p.warnx("name is required for POSIX IPC")
		p.errtryhelp(1)
	}
	mode := permission & 0o777
	if askShm {
		id, err := createWithRandomKey(func(key int32) (int, error) {
			return p.ipc.ShmCreate(ipc.ShmCreateOptions{Key: key, Size: size, Mode: mode,
				HugeTLB: permission&shmHugeTLB != 0, NoReserve: permission&shmNoReserve != 0})
		})
		if err != nil {
			p.err(1, err, "create share memory failed")
		}
		p.printf("Shared memory id: %d\n", id)
	}
	if askPshm {
		if err := p.createPosix(ipc.KindPshm, name, size, permission); err != nil {
			p.err(1, err, "create POSIX shared memory failed")
		}
		p.printf("POSIX shared memory name: %s\n", name)
	}
	if askMsg {
		id, err := createWithRandomKey(func(key int32) (int, error) {
			return p.ipc.MsgCreate(ipc.MsgCreateOptions{Key: key, Mode: mode})
		})
		if err != nil {
			p.err(1, err, "create message queue failed")
		}
		p.printf("Message queue id: %d\n", id)
	}
	if askPmsg {
		if err := p.createPosix(ipc.KindMq, name, 0, permission); err != nil {
			p.err(1, err, "create POSIX message queue failed")
		}
		p.printf("POSIX message queue name: %s\n", name)
	}
	if askSem {
		id, err := createWithRandomKey(func(key int32) (int, error) {
			return p.ipc.SemCreate(ipc.SemCreateOptions{Key: key, NSems: int(nsems), Mode: mode})
		})
		if err != nil {
			p.err(1, err, "create semaphore failed")
		}
		p.printf("Semaphore id: %d\n", id)
	}
	if askPsem {
		if err := p.createPosix(ipc.KindPsem, name, 0, permission); err != nil {
			p.err(1, err, "create POSIX semaphore failed")
		}
		p.printf("POSIX semaphore name: %s\n", name)
	}
}

// createWithRandomKey creates a System V object under a random key, as
// ipcmk does, but exclusively: a key that is taken (one chance in 2^32)
// is never answered with somebody else's object; another key is tried.
func createWithRandomKey(create func(key int32) (int, error)) (int, error) {
	var ex *ipc.ExistsError
	for {
		var b [4]byte
		rand.Read(b[:])
		id, err := create(int32(binary.NativeEndian.Uint32(b[:])))
		if errors.As(err, &ex) {
			continue
		}
		if err != nil {
			var errno unix.Errno
			if errors.As(err, &errno) {
				return -1, errno
			}
			return -1, unix.EINVAL
		}
		return id, nil
	}
}

// umask reads the process umask (shm_open, mq_open and sem_open apply it;
// pkg/ipc sets modes exactly).
func umask() uint32 {
	m := unix.Umask(0)
	unix.Umask(m)
	return uint32(m)
}

// createPosix makes a POSIX object as ipcmk does with shm_open, mq_open
// or sem_open and O_CREAT, except that an existing shared memory object
// is not truncated to the new size: that is refused with EEXIST
// (docs/compat.md). An existing queue or semaphore is left as it is.
func (p *prog) createPosix(kind ipc.Kind, given string, size uint64, permission uint32) error {
	name, e := posixName(kind, given)
	if e != 0 {
		return e
	}
	mode := permission & 0o7777 &^ umask()
	var err error
	switch kind {
	case ipc.KindPshm:
		if int64(size) < 0 {
			return unix.EINVAL // ftruncate of a negative off_t
		}
		_, err = p.ipc.PshmCreate(name, ipc.PshmCreateOptions{Size: size, Mode: mode})
	case ipc.KindMq:
		_, err = p.ipc.MqCreate(name, ipc.MqCreateOptions{Mode: mode & 0o777, Reuse: true})
	case ipc.KindPsem:
		_, err = p.ipc.PsemCreate(name, ipc.PsemCreateOptions{Mode: mode, Reuse: true})
	}
	if err == nil {
		return nil
	}
	var errno unix.Errno
	if errors.As(err, &errno) {
		return errno
	}
	switch {
	case errors.Is(err, ipc.ErrNotFound):
		return unix.ENOENT
	case errors.Is(err, unix.EEXIST):
		return unix.EEXIST
	}
	return unix.EINVAL
}
