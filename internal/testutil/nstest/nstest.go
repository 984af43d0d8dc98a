// Package nstest runs a test binary inside fresh user, IPC and mount
// namespaces, so kernel tests create and remove real IPC objects without
// ever seeing or touching the host's.
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { nstest.Main(m) }
//
// and begin each kernel test with nstest.Require(t). Main re-executes the
// test binary with CLONE_NEWUSER|CLONE_NEWIPC|CLONE_NEWNS. Inside, it makes
// mounts private, lays a private tmpfs over /dev (bind-mounting the usual
// device nodes back), and mounts a fresh tmpfs on /dev/shm and a fresh
// mqueue filesystem on /dev/mqueue. TMPDIR points at a private tmpfs too,
// so t.TempDir(), decoys and symlink targets live in the test's own
// memory, never in a host directory. Where namespaces cannot be made the
// tests run outside and Require skips them with the reason.
package nstest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

const (
	envInside = "IPCCTL_NSTEST_INSIDE"
	envSkip   = "IPCCTL_NSTEST_SKIP"
	envTmp    = "IPCCTL_NSTEST_TMP" // the directory the private tmpfs goes on
)

// Main runs the tests of m inside private namespaces and exits.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if os.Getenv(envInside) == "1" {
		if err := setupInside(os.Getenv(envTmp)); err != nil {
			fmt.Fprintf(os.Stderr, "nstest: setting up the namespace: %v\n", err)
			return 1
		}
		return m.Run()
	}
	if reason := os.Getenv(envSkip); reason != "" {
		return m.Run()
	}
	exe, err := os.Executable()
	if err != nil {
		return skipAll(m, err.Error())
	}
	// An empty directory of the host's /tmp that only the namespace's
	// private tmpfs ever fills; removed when the tests are done.
	tmp, err := os.MkdirTemp("", "nstest-tmp-")
	if err != nil {
		return skipAll(m, err.Error())
	}
	defer os.Remove(tmp)
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), envInside+"=1", envTmp+"="+tmp)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWUSER | syscall.CLONE_NEWIPC | syscall.CLONE_NEWNS,
		Pdeathsig:  syscall.SIGKILL,
	}
	uid, gid := os.Getuid(), os.Getgid()
	if uid == 0 {
		// Real root may map a range, so tests can also act as ordinary users (uid 1000 ...).
		cmd.SysProcAttr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 65536}}
		cmd.SysProcAttr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 65536}}
		cmd.SysProcAttr.GidMappingsEnableSetgroups = true
	} else {
		cmd.SysProcAttr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: uid, Size: 1}}
		cmd.SysProcAttr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: gid, Size: 1}}
	}
	if err := cmd.Start(); err != nil {
		return skipAll(m, fmt.Sprintf("cannot create user+IPC+mount namespaces: %v", err))
	}
	if err := cmd.Wait(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		fmt.Fprintf(os.Stderr, "nstest: %v\n", err)
		return 1
	}
	return 0
}

func skipAll(m *testing.M, reason string) int {
	fmt.Fprintf(os.Stderr, "nstest: kernel tests skipped: %s\n", reason)
	os.Setenv(envSkip, reason)
	return m.Run()
}

// Inside reports whether this process runs in the private namespaces.
func Inside() bool { return os.Getenv(envInside) == "1" }

// Require skips t unless it runs in the private namespaces.
func Require(t testing.TB) {
	t.Helper()
	if !Inside() {
		reason := os.Getenv(envSkip)
		if reason == "" {
			reason = "not started through nstest.Main"
		}
		t.Skipf("kernel test needs private namespaces: %s", reason)
	}
}

// CanSwitchUser reports whether the namespace maps ordinary uids (the
// harness was started by real root), so a test can run a child as uid 1000.
func CanSwitchUser() bool {
	b, err := os.ReadFile("/proc/self/uid_map")
	if err != nil {
		return false
	}
	var inside, outside, size int
	_, err = fmt.Sscan(string(b), &inside, &outside, &size)
	return err == nil && size > 1000
}

// AsUser makes cmd run as uid:gid (see CanSwitchUser).
func AsUser(cmd *exec.Cmd, uid, gid uint32) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uid, Gid: gid, NoSetGroups: true}
}

// deviceNodes are bind-mounted from the host's /dev into the private one.
var deviceNodes = []string{"null", "zero", "full", "random", "urandom", "tty"}

func setupInside(tmp string) error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make mounts private: %w", err)
	}
	// Keep the host's /dev reachable while a private tmpfs goes over it.
	old, err := os.MkdirTemp("", "nstest-dev-")
	if err != nil {
		return err
	}
	if err := unix.Mount("/dev", old, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind /dev: %w", err)
	}
	if err := unix.Mount("tmpfs", "/dev", "tmpfs", unix.MS_NOSUID, "mode=755"); err != nil {
		return fmt.Errorf("tmpfs on /dev: %w", err)
	}
	for _, n := range deviceNodes {
		src := filepath.Join(old, n)
		if _, err := os.Stat(src); err != nil {
			continue
		}
		dst := filepath.Join("/dev", n)
		if err := os.WriteFile(dst, nil, 0o666); err != nil {
			return err
		}
		if err := unix.Mount(src, dst, "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("bind %s: %w", dst, err)
		}
	}
	for _, l := range [][2]string{{"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"}} {
		if err := os.Symlink(l[0], filepath.Join("/dev", l[1])); err != nil {
			return err
		}
	}
	// A devpts of our own, so tests can open pseudo-terminals (creack/pty)
	// without the host's.
	if err := os.Mkdir("/dev/pts", 0o755); err == nil {
		if unix.Mount("devpts", "/dev/pts", "devpts", unix.MS_NOSUID|unix.MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620") == nil {
			_ = os.Symlink("pts/ptmx", "/dev/ptmx")
		}
	}
	if err := os.Mkdir("/dev/shm", 0o1777); err != nil {
		return err
	}
	if err := unix.Mount("tmpfs", "/dev/shm", "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=1777"); err != nil {
		return fmt.Errorf("tmpfs on /dev/shm: %w", err)
	}
	if err := os.Mkdir("/dev/mqueue", 0o1777); err != nil {
		return err
	}
	if err := unix.Mount("mqueue", "/dev/mqueue", "mqueue", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mqueue on /dev/mqueue: %w", err)
	}
	if err := unix.Unmount(old, unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach old /dev: %w", err)
	}
	if err := os.Remove(old); err != nil {
		return err
	}
	if tmp == "" {
		return errors.New("no directory for the private TMPDIR")
	}
	if err := unix.Mount("tmpfs", tmp, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=1777"); err != nil {
		return fmt.Errorf("tmpfs on %s: %w", tmp, err)
	}
	return os.Setenv("TMPDIR", tmp)
}
