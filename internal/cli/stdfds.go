package cli

import "golang.org/x/sys/unix"

// The Go runtime re-opens a standard descriptor that the caller closed
// (`ipcctl mq-recv 3 >&-`) on /dev/null, read-write, before main: output
// to a closed stdout would then vanish without an error, and mq-recv would
// count a message as written and drop it. So a standard descriptor that
// is /dev/null opened read-write — which is what the runtime leaves, and
// which no shell redirection makes short of `<>` — is re-opened in the
// direction that makes its use fail (stdin write-only, stdout and stderr
// read-only), as it would fail with the descriptor closed.
func init() {
	for fd, flags := range []int{unix.O_WRONLY, unix.O_RDONLY, unix.O_RDONLY} {
		if !isDevNullReadWrite(fd) {
			continue
		}
		nfd, err := unix.Open("/dev/null", flags|unix.O_CLOEXEC, 0)
		if err != nil {
			continue
		}
		unix.Dup3(nfd, fd, 0)
		unix.Close(nfd)
	}
}

func isDevNullReadWrite(fd int) bool {
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != unix.Mkdev(1, 3) {
		return false
	}
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	return err == nil && fl&unix.O_ACCMODE == unix.O_RDWR
}
