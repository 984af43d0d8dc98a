package difftest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/ipcctl/ipcctl/pkg/ipc"
	"golang.org/x/sys/unix"
)

// population is a set of IPC objects made in the private namespace, with
// what keeps some of them in their state (attachments, blocked waiters).
type population struct {
	c        *ipc.Client
	shm      []int
	sem      []int
	msg      []int
	posix    map[ipc.Kind][]string
	attached []*ipc.Attachment
	waiters  []*exec.Cmd
	files    []string // non-object files planted in /dev/shm
}

func u32(v uint32) *uint32 { return &v }

// build makes the varied population: private, ordinary and high-bit keys,
// owners with names (short and longer than ipcs's 10 columns) and
// without, attached, "dest" and locked segments, a segment of 1.5 EiB
// (no memory is reserved), semaphore sets with values and blocked
// waiters, queues holding messages, POSIX objects, and files in /dev/shm
// that are not objects. The waiters (processes blocked in semop) are
// this test binary run in waiter mode.
func build(uniform, waiters bool) (*population, error) {
	p := &population{c: ipc.New("/"), posix: map[ipc.Kind][]string{}}
	fail := func(what string, err error) (*population, error) {
		p.destroy()
		return nil, fmt.Errorf("population: %s: %w", what, err)
	}
	shm := func(key int32, size uint64, mode uint32, noreserve bool) (int, error) {
		id, err := p.c.ShmCreate(ipc.ShmCreateOptions{Key: key, Size: size, Mode: mode, NoReserve: noreserve})
		if err == nil {
			p.shm = append(p.shm, id)
		}
		return id, err
	}
	if uniform {
		// every size a multiple of the page size and every set of the
		// same size: util-linux's lsipc -g figures are right for these
		for i, key := range []int32{0x1234, 0, 0x7fff0001} {
			if _, err := shm(key, uint64(4096*(i+1)), 0o644, false); err != nil {
				return fail("shm", err)
			}
			id, err := p.c.SemCreate(ipc.SemCreateOptions{Key: key, NSems: 4, Mode: 0o600})
			if err != nil {
				return fail("sem", err)
			}
			p.sem = append(p.sem, id)
			qid, err := p.c.MsgCreate(ipc.MsgCreateOptions{Key: key, Mode: 0o640})
			if err != nil {
				return fail("msg", err)
			}
			p.msg = append(p.msg, qid)
		}
		return p, nil
	}

	pg := uint64(os.Getpagesize())
	if _, err := shm(0x1234, pg, 0o644, false); err != nil {
		return fail("shm A", err)
	}
	b, err := shm(0, 1, 0o600, false)
	if err != nil {
		return fail("shm B", err)
	}
	if err := p.c.ShmSet(b, ipc.PermUpdate{UID: u32(1), GID: u32(1)}); err != nil {
		return fail("shm B owner", err)
	}
	cid, err := shm(-0x21524111 /* 0xdeadbeef */, 1572864, 0o640, false)
	if err != nil {
		return fail("shm C", err)
	}
	a, err := p.c.ShmAttach(cid, ipc.ShmAttachOptions{})
	if err != nil {
		return fail("attach C", err)
	}
	p.attached = append(p.attached, a)
	did, err := shm(0x4321, 2*pg, 0o666, false)
	if err != nil {
		return fail("shm D", err)
	}
	if a, err = p.c.ShmAttach(did, ipc.ShmAttachOptions{}); err != nil {
		return fail("attach D", err)
	}
	p.attached = append(p.attached, a)
	if err := p.c.ShmRemove(did); err != nil { // attached: stays, as "dest"
		return fail("rm D", err)
	}
	eid, err := shm(0x5555, 16*pg, 0o600, false)
	if err != nil {
		return fail("shm E", err)
	}
	if _, err := unix.SysvShmCtl(eid, shmLock, nil); err != nil {
		return fail("lock E", err)
	}
	if a, err = p.c.ShmAttach(eid, ipc.ShmAttachOptions{ReadOnly: true}); err != nil {
		return fail("attach E", err)
	}
	if err := a.Detach(); err != nil { // sets the detach time
		return fail("detach E", err)
	}
	fid, err := shm(0x6666, 10, 0o644, false)
	if err != nil {
		return fail("shm F", err)
	}
	if err := p.c.ShmSet(fid, ipc.PermUpdate{UID: u32(4242), GID: u32(4343)}); err != nil {
		return fail("shm F owner", err)
	}
	gid, err := shm(0x7777, 100, 0o600, false)
	if err != nil {
		return fail("shm G", err)
	}
	if err := p.c.ShmSet(gid, ipc.PermUpdate{UID: u32(997), GID: u32(997)}); err != nil {
		return fail("shm G owner", err)
	}
	if _, err := shm(0, 3<<59+12345, 0o600, true); err != nil {
		return fail("shm H", err)
	}

	s1, err := p.c.SemCreate(ipc.SemCreateOptions{Key: 0x2222, NSems: 3, Mode: 0o644, Values: []uint16{1, 0, 5}})
	if err != nil {
		return fail("sem 1", err)
	}
	p.sem = append(p.sem, s1)
	if err := p.c.SemOp(s1, []ipc.SemBuf{{Num: 0, Op: 1}}, 0, ipc.Forever); err != nil {
		return fail("semop 1", err)
	}
	s2, err := p.c.SemCreate(ipc.SemCreateOptions{Key: 0, NSems: 1, Mode: 0o600})
	if err != nil {
		return fail("sem 2", err)
	}
	p.sem = append(p.sem, s2)
	if err := p.c.SemSet(s2, ipc.PermUpdate{UID: u32(1)}); err != nil {
		return fail("sem 2 owner", err)
	}
	s3, err := p.c.SemCreate(ipc.SemCreateOptions{Key: -0x7fffffff /* 0x80000001 */, NSems: 10, Mode: 0o666,
		Values: []uint16{1, 0, 0, 0, 0, 0, 0, 0, 0, 32767}})
	if err != nil {
		return fail("sem 3", err)
	}
	p.sem = append(p.sem, s3)
	if waiters {
		// one process waits for set 1's semaphore 1 to rise (ncount),
		// another for set 3's semaphore 0 to reach zero (zcount)
		exe, err := os.Executable()
		if err != nil {
			return fail("waiter", err)
		}
		for _, op := range []string{fmt.Sprintf("%d 1 -1", s1), fmt.Sprintf("%d 0 0", s3)} {
			cmd := exec.Command(exe)
			cmd.Env = append(os.Environ(), waiterEnv+"="+op)
			if err := cmd.Start(); err != nil {
				return fail("waiter", err)
			}
			p.waiters = append(p.waiters, cmd)
		}
		if err := waitFor(func() bool {
			v1, e1 := ipc.SemValues(s1, 3)
			v3, e3 := ipc.SemValues(s3, 10)
			return e1 == nil && e3 == nil && v1[1].NCnt == 1 && v3[0].ZCnt == 1
		}); err != nil {
			return fail("waiters", err)
		}
	}

	q1, err := p.c.MsgCreate(ipc.MsgCreateOptions{Key: 0x3333, Mode: 0o644})
	if err != nil {
		return fail("msg 1", err)
	}
	p.msg = append(p.msg, q1)
	for _, body := range []string{"hello", "world!"} {
		if err := p.c.MsgSend(q1, 1, []byte(body), 0); err != nil {
			return fail("msgsnd", err)
		}
	}
	q2, err := p.c.MsgCreate(ipc.MsgCreateOptions{Key: 0, Mode: 0o600})
	if err != nil {
		return fail("msg 2", err)
	}
	p.msg = append(p.msg, q2)
	if err := p.c.MsgSet(q2, ipc.PermUpdate{UID: u32(4242)}, nil); err != nil {
		return fail("msg 2 owner", err)
	}
	q3, err := p.c.MsgCreate(ipc.MsgCreateOptions{Key: -0x01234568 /* 0xfedcba98 */, Mode: 0o620})
	if err != nil {
		return fail("msg 3", err)
	}
	p.msg = append(p.msg, q3)
	if err := p.c.MsgSend(q3, 7, []byte("x"), 0); err != nil {
		return fail("msgsnd 3", err)
	}
	if _, err := p.c.MsgReceive(q3, 64, 0, ipc.MsgNoWait, 0); err != nil {
		return fail("msgrcv 3", err)
	}

	if _, err := p.c.PshmCreate("/pshm1", ipc.PshmCreateOptions{Size: 1024, Mode: 0o644}); err != nil {
		return fail("pshm", err)
	}
	p.posix[ipc.KindPshm] = append(p.posix[ipc.KindPshm], "/pshm1")
	if _, err := p.c.PsemCreate("/psem1", ipc.PsemCreateOptions{Value: 3, Mode: 0o640}); err != nil {
		return fail("psem", err)
	}
	p.posix[ipc.KindPsem] = append(p.posix[ipc.KindPsem], "/psem1")
	if _, err := p.c.MqCreate("/pmq1", ipc.MqCreateOptions{Mode: 0o600}); err != nil {
		return fail("mq", err)
	}
	p.posix[ipc.KindMq] = append(p.posix[ipc.KindMq], "/pmq1")
	q, err := p.c.MqOpen("/pmq1", unix.O_WRONLY)
	if err != nil {
		return fail("mq open", err)
	}
	err = q.Send([]byte("posix"), 1, ipc.NoWait)
	q.Close()
	if err != nil {
		return fail("mq send", err)
	}
	return p, nil
}

// plantNonObjects puts files in /dev/shm that are not IPC objects: a
// symlink to target (a decoy the tools must never follow), a directory
// and a "semaphore" of the wrong size.
func (p *population) plantNonObjects(target string) error {
	link := "/dev/shm/link"
	if err := os.Symlink(target, link); err != nil {
		return err
	}
	p.files = append(p.files, link)
	dir := "/dev/shm/adir"
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	p.files = append(p.files, dir)
	bad := "/dev/shm/sem.bad"
	if err := os.WriteFile(bad, []byte("not a sem_t"), 0o644); err != nil {
		return err
	}
	p.files = append(p.files, bad)
	return nil
}

// destroy removes every object and file the population made.
func (p *population) destroy() {
	for _, w := range p.waiters {
		w.Process.Kill()
		w.Wait()
	}
	for _, a := range p.attached {
		a.Detach()
	}
	for _, id := range p.shm {
		p.c.ShmRemove(id)
	}
	for _, id := range p.sem {
		p.c.SemRemove(id)
	}
	for _, id := range p.msg {
		p.c.MsgRemove(id)
	}
	for _, n := range p.posix[ipc.KindPshm] {
		p.c.PshmRemove(n)
	}
	for _, n := range p.posix[ipc.KindPsem] {
		p.c.PsemRemove(n)
	}
	for _, n := range p.posix[ipc.KindMq] {
		p.c.MqRemove(n)
	}
	for i := len(p.files) - 1; i >= 0; i-- {
		if filepath.Dir(p.files[i]) == "/dev/shm" {
			os.Remove(p.files[i])
		}
	}
}

const waiterEnv = "COMPAT_DIFFTEST_WAITER"

// waiterMain blocks in semop(ID, {NUM, OP}) until killed.
func waiterMain() int {
	var id, num, op int
	if _, err := fmt.Sscan(os.Getenv(waiterEnv), &id, &num, &op); err != nil {
		return 2
	}
	err := ipc.New("/").SemOp(id, []ipc.SemBuf{{Num: uint16(num), Op: int16(op)}}, 0, ipc.Forever)
	if err != nil {
		return 1
	}
	return 0
}

func waitFor(cond func() bool) error {
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

// shmLock is SHM_LOCK from include/uapi/linux/shm.h (x/sys lacks it).
const shmLock = 11
