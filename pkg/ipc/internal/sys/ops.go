package sys

// Operations on System V semaphores and message queues, after
// include/uapi/linux/sem.h (struct sembuf) and include/uapi/linux/msg.h
// (struct msgbuf: a C long mtype followed by the text). Shared memory
// attach and detach come from x/sys (unix.SysvShmAttach/SysvShmDetach).

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Sembuf is struct sembuf, the same on every architecture.
type Sembuf struct {
	Num uint16 // sem_num
	Op  int16  // sem_op
	Flg int16  // sem_flg: IPC_NOWAIT, SEM_UNDO
}

// MsgHeaderSize is the size of the mtype (a C long) before the text of a struct msgbuf.
const MsgHeaderSize = int(unsafe.Sizeof(int64(0)))

// Semop is semop(2).
func Semop(id int, ops []Sembuf) error {
	return Semtimedop(id, ops, nil)
}

// Semtimedop is semtimedop(2); a nil timeout waits for ever (that is
// semop(2): the kernel implements both with ksys_semtimedop).
func Semtimedop(id int, ops []Sembuf, timeout *unix.Timespec) error {
	var p unsafe.Pointer
	if len(ops) > 0 {
		p = unsafe.Pointer(&ops[0])
	}
	_, _, e := unix.Syscall6(unix.SYS_SEMTIMEDOP, uintptr(id), uintptr(p), uintptr(len(ops)), uintptr(unsafe.Pointer(timeout)), 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// Msgsnd is msgsnd(2). buf is a struct msgbuf: MsgHeaderSize bytes of
// native-endian mtype followed by the text; msgsz counts the text only.
func Msgsnd(id int, buf []byte, flags int) error {
	_, _, e := unix.Syscall6(unix.SYS_MSGSND, uintptr(id), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)-MsgHeaderSize), uintptr(flags), 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// Msgrcv is msgrcv(2) into buf (a struct msgbuf with room for
// len(buf)-MsgHeaderSize bytes of text); it returns the text length.
func Msgrcv(id int, buf []byte, msgtyp int64, flags int) (int, error) {
	r, _, e := unix.Syscall6(unix.SYS_MSGRCV, uintptr(id), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)-MsgHeaderSize), uintptr(msgtyp), uintptr(flags), 0)
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

// PutMtype and Mtype write and read the mtype at the start of a msgbuf.
func PutMtype(buf []byte, t int64) { *(*int64)(unsafe.Pointer(&buf[0])) = t }

// Mtype reads the mtype at the start of a msgbuf.
func Mtype(buf []byte) int64 { return *(*int64)(unsafe.Pointer(&buf[0])) }
