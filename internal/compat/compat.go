// Package compat is ipcctl's drop-in for util-linux's ipcs, ipcrm, ipcmk
// and lsipc: when the binary is called by one of those names (or as
// `ipcctl compat NAME`), it takes the same options with GNU getopt_long
// semantics and prints the same bytes with the same exit codes as
// util-linux 2.38.1, plus the POSIX options of util-linux 2.43.
// docs/compat.md lists every deliberate difference.
//
// It reads through pkg/procfs and changes objects through pkg/ipc; it has
// its own option parser and formatters because the output must match the
// C tools byte for byte, not ipcctl's tables.
package compat

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"golang.org/x/sys/unix"
)

// Names are the programs this package stands in for.
var Names = []string{"ipcs", "ipcrm", "ipcmk", "lsipc"}

// utilLinuxVersion is the util-linux release whose output the front-ends
// reproduce.
const utilLinuxVersion = "2.38.1"

// Name returns the front-end that argv0 calls for (its base name is
// exactly ipcs, ipcrm, ipcmk or lsipc), or "".
func Name(argv0 string) string {
	base := filepath.Base(argv0)
	for _, n := range Names {
		if base == n {
			return n
		}
	}
	return ""
}

// Env is what a front-end runs with.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Version is ipcctl's version, shown by -V after util-linux's.
	Version string
	// Getenv reads the environment (os.LookupEnv when nil).
	Getenv func(string) (string, bool)
}

// Main runs front-end name with argv (argv[0] as called: getopt's
// messages show it in full) and returns the exit status.
func Main(name string, argv []string, env Env) (code int) {
	if env.Getenv == nil {
		env.Getenv = os.LookupEnv
	}
	if _, ok := env.Getenv("GOGC"); !ok {
		// a run lasts milliseconds; collecting would cost more than it frees
		debug.SetGCPercent(400)
	}
	if len(argv) == 0 {
		argv = []string{name}
	}
	usePosixTZ(env)
	p := newProg(name, argv, env)
	defer func() {
		if r := recover(); r != nil {
			st, ok := r.(exitStatus)
			if !ok {
				panic(r)
			}
			code = p.closeStdout(int(st))
		}
	}()
	var run func()
	switch name {
	case "ipcs":
		run = p.ipcs
	case "ipcrm":
		run = p.ipcrm
	case "ipcmk":
		run = p.ipcmk
	case "lsipc":
		run = p.lsipc
	default:
		fmt.Fprintf(env.Stderr, "ipcctl: no front-end named %q (one of %s)\n", name, strings.Join(Names, ", "))
		return 2
	}
	run()
	return p.closeStdout(0)
}

// exitStatus unwinds a front-end the way exit(3) ends the C program:
// err(), errx() and usage() panic with it and Main recovers it.
type exitStatus int

// prog is one run of a front-end.
type prog struct {
	name   string   // program_invocation_short_name
	argv   []string // argv[0] is the full name, for getopt's messages
	out    *stdoutBuffer
	errOut io.Writer
	env    Env

	tty    bool // stdout is a terminal
	errTTY bool // stderr is a terminal
	width  int  // terminal width: TIOCGWINSZ, else $COLUMNS, else 80
	utf8   bool // the locale's charset is UTF-8 (how lsipc shows names)

	fs    procfs.FS
	ipc   *ipc.Client
	users *userDB
	now   time.Time

	row        []byte            // reused for each listing row
	ownerCells map[uint32]string // ipcs owner cells by uid
}

func newProg(name string, argv []string, env Env) *prog {
	p := &prog{name: name, argv: argv, errOut: env.Stderr, env: env, fs: procfs.DefaultFS}
	p.ipc = ipc.New(p.fs)
	p.users = newUserDB("/etc/passwd", "/etc/group")
	blksize := 4096
	if f, ok := env.Stdout.(*os.File); ok {
		fd := int(f.Fd())
		if _, err := unix.IoctlGetTermios(fd, unix.TCGETS); err == nil {
			p.tty = true
		}
		if ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ); err == nil {
			p.width = int(ws.Col)
		}
		var st unix.Stat_t
		if unix.Fstat(fd, &st) == nil && st.Blksize > 0 {
			blksize = int(st.Blksize)
		}
	}
	if f, ok := env.Stderr.(*os.File); ok {
		if _, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS); err == nil {
			p.errTTY = true
		}
	}
	if p.width <= 0 {
		p.width = envInt(env, "COLUMNS")
	}
	if p.width <= 0 {
		p.width = 80
	}
	p.out = newStdoutBuffer(env.Stdout, blksize, p.tty)
	p.utf8 = utf8Locale(env)
	return p
}

// utf8Locale reports whether setlocale(LC_ALL, "") would pick a UTF-8
// locale: LC_ALL, else LC_CTYPE, else LANG names one that is installed
// (C.UTF-8 always is). Everything else is the C locale.
func utf8Locale(env Env) bool {
	name := ""
	for _, v := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if s, ok := env.Getenv(v); ok && s != "" {
			name = s
			break
		}
	}
	lower := strings.ToLower(name)
	if !strings.Contains(lower, "utf-8") && !strings.Contains(lower, "utf8") {
		return false
	}
	if lower == "c.utf-8" || lower == "c.utf8" {
		return true
	}
	// glibc normalizes the codeset: en_US.UTF-8 is installed as en_US.utf8
	norm := name
	if i := strings.IndexByte(name, '.'); i >= 0 {
		rest := name[i+1:]
		mod := ""
		if j := strings.IndexByte(rest, '@'); j >= 0 {
			rest, mod = rest[:j], rest[j:]
		}
		norm = name[:i] + "." + strings.ReplaceAll(strings.ToLower(rest), "-", "") + mod
	}
	for _, dir := range []string{"/usr/lib/locale/" + norm, "/usr/lib/locale/" + name} {
		if _, err := os.Stat(dir); err == nil {
			return true
		}
	}
	_, err := os.Stat("/usr/lib/locale/locale-archive")
	return err == nil
}

// envInt is util-linux's get_env_int: a positive decimal number, else 0.
func envInt(env Env, name string) int {
	s, ok := env.Getenv(name)
	if !ok {
		return 0
	}
	v, e, ok := strtos64(s)
	if !ok || e != 0 || v <= 0 || v > 1<<31-1 {
		return 0
	}
	return int(v)
}

func (p *prog) posixlyCorrect() bool {
	_, ok := p.env.Getenv("POSIXLY_CORRECT")
	return ok
}

// exit ends the run with status code, like exit(3).
func (p *prog) exit(code int) { panic(exitStatus(code)) }

// printf writes to the (buffered) standard output.
func (p *prog) printf(format string, args ...any) { fmt.Fprintf(p.out, format, args...) }

// puts writes s to the standard output.
func (p *prog) puts(s string) { io.WriteString(p.out, s) }

// warnx is warnx(3): "NAME: message" on stderr.
func (p *prog) warnx(format string, args ...any) {
	fmt.Fprintf(p.errOut, "%s: %s\n", p.name, fmt.Sprintf(format, args...))
}

// warn is warn(3): the message, then ": " and strerror(errno).
func (p *prog) warn(errno error, format string, args ...any) {
	fmt.Fprintf(p.errOut, "%s: %s: %s\n", p.name, fmt.Sprintf(format, args...), strerror(errno))
}

// errx is errx(3).
func (p *prog) errx(code int, format string, args ...any) {
	p.warnx(format, args...)
	p.exit(code)
}

// err is err(3).
func (p *prog) err(code int, errno error, format string, args ...any) {
	p.warn(errno, format, args...)
	p.exit(code)
}

// errtryhelp is util-linux's errtryhelp().
func (p *prog) errtryhelp(code int) {
	fmt.Fprintf(p.errOut, "Try '%s --help' for more information.\n", p.name)
	p.exit(code)
}

// printVersion is util-linux's print_version(), naming ipcctl after it.
func (p *prog) printVersion() {
	v := p.env.Version
	if v == "" {
		v = "dev"
	}
	p.printf("%s from util-linux %s (ipcctl %s)\n", p.name, utilLinuxVersion, v)
	p.exit(0)
}

// closeStdout is util-linux's close_stdout(), run at exit: a failed
// write to stdout makes the status 1. A write that failed before exit
// gives "write error"; one that fails at the final flush gives its
// strerror, except a broken pipe and a closed stdout (EBADF), which pass.
func (p *prog) closeStdout(code int) int {
	if p.out.err != nil {
		p.warnx("write error")
		return 1
	}
	err := p.out.Flush()
	switch {
	case err == nil, errors.Is(err, unix.EPIPE), errors.Is(err, unix.EBADF):
		return code
	}
	p.warn(err, "write error")
	return 1
}

// errnoOf digs the errno out of err (EINVAL when it carries none).
func errnoOf(err error) unix.Errno {
	var errno unix.Errno
	if errors.As(err, &errno) {
		return errno
	}
	return unix.EINVAL
}

// strerror is glibc's strerror for an errno (Go's texts are glibc's with
// the first letter lowered).
func strerror(err error) string {
	var errno unix.Errno
	if !errors.As(err, &errno) {
		return err.Error()
	}
	if errno == 0 {
		return "Success"
	}
	s := errno.Error()
	if len(s) > 1 && s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z' {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return s
}

// stdoutBuffer buffers standard output as glibc's stdio does: line by
// line on a terminal, in blocks of the file's st_blksize otherwise, so
// that stdout and the unbuffered stderr interleave as they do in C.
type stdoutBuffer struct {
	w    io.Writer
	buf  []byte
	size int
	line bool
	err  error // sticky, as ferror()
}

func newStdoutBuffer(w io.Writer, size int, line bool) *stdoutBuffer {
	return &stdoutBuffer{w: w, buf: make([]byte, 0, size), size: size, line: line}
}

func (b *stdoutBuffer) Write(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	n := len(p)
	for len(p) > 0 {
		room := b.size - len(b.buf)
		if len(p) <= room {
			b.buf = append(b.buf, p...)
			break
		}
		b.buf = append(b.buf, p[:room]...)
		p = p[room:]
		if err := b.flush(); err != nil {
			return 0, err
		}
	}
	if b.line && len(b.buf) > 0 && strings.IndexByte(string(b.buf), '\n') >= 0 {
		if err := b.flush(); err != nil {
			return 0, err
		}
	}
	return n, nil
}

func (b *stdoutBuffer) flush() error {
	data := b.buf
	b.buf = b.buf[:0]
	for len(data) > 0 {
		n, err := b.w.Write(data)
		if err != nil {
			b.err = err
			return err
		}
		data = data[n:]
	}
	return nil
}

// Flush writes what is buffered and returns the first write error.
func (b *stdoutBuffer) Flush() error {
	if b.err != nil {
		return b.err
	}
	return b.flush()
}
