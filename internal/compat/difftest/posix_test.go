package difftest

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/testutil/decoy"
)

// The POSIX options of util-linux 2.43 have no counterpart in 2.38.1:
// they are checked against the 2.43 samples' formats
// (../shared/compat/samples-2.43.txt) and against the files themselves.

func hhmm(t *testing.T, path string) string {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	loc, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Skipf("no tzdata for the comparison time zone: %v", err)
	}
	return fi.ModTime().In(loc).Format("15:04")
}

func TestPosixLsipc(t *testing.T) {
	_, ours := tools(t)
	withPopulation(t, false)
	lsipc := func(args ...string) result { return runTool(t, ours("lsipc"), "lsipc", args, baseEnv()) }
	for _, c := range []struct {
		args []string
		want result
	}{
		{[]string{"-M"}, result{Stdout: "NAME      PERMS OWNER SIZE MTIME\npshm1 rw-r--r--  root   1K " + hhmm(t, "/dev/shm/pshm1") + "\n"}},
		{[]string{"-S"}, result{Stdout: "NAME      PERMS OWNER MTIME SVAL\npsem1 rw-r-----  root " + hhmm(t, "/dev/shm/sem.psem1") + "    3\n"}},
		{[]string{"-Q"}, result{Stdout: "NAME      PERMS OWNER MTIME USEDBYTES MSGS\n/pmq1 rw-------  root " + hhmm(t, "/dev/mqueue/pmq1") + "        5B 1\n"}},
		{[]string{"--posix-shmems", "-b", "-r", "-P"}, result{Stdout: "NAME PERMS OWNER SIZE MTIME\npshm1 0644 root 1024 " + hhmm(t, "/dev/shm/pshm1") + "\n"}},
		{[]string{"-M", "-J", "-o", "NAME,SIZE"}, result{Stdout: "{\n   \"posix-sharedmemory\": [\n      {\n         \"name\": \"pshm1\",\n         \"size\": \"1K\"\n      }\n   ]\n}\n"}},
		{[]string{"-Q", "-e", "-c"}, result{Stdout: "NAME=\"/pmq1\" PERMS=\"rw-------\" OWNER=\"root\" MTIME=\"" + hhmm(t, "/dev/mqueue/pmq1") + "\" USEDBYTES=\"5B\" MSGS=\"1\" CUID=\"0\" CGID=\"0\"\n"}},
		{[]string{"-S", "-N", "/psem1", "-o", "NAME,SVAL"}, result{Stdout: "Name:                               psem1                               \nValue:                              3                                   \n"}},
		{[]string{"-S", "-N", "nosuch"}, result{Stderr: "lsipc: semaphore nosuch not found\n"}},
		{[]string{"-M", "-N", "link"}, result{Stderr: "lsipc: shared memory segment link not found\n"}},
		{[]string{"-Q", "-N", "nosuch"}, result{Stderr: "lsipc: message queue name must start with '/': nosuch\n"}},
		{[]string{"-Q", "-N", "/nosuch"}, result{Stderr: "lsipc: message queue /nosuch not found\n"}},
		{[]string{"-m", "-Q"}, result{Stderr: "lsipc: options --shmems and --posix-mqueues cannot be combined\n", Code: 1}},
		{[]string{"-S", "-s"}, result{Stderr: "lsipc: options --posix-semaphores and --semaphores cannot be combined\n", Code: 1}},
		{[]string{"-N", "/x"}, result{Stderr: "lsipc: --global is mutually exclusive with --creator, --id, --name and --time\n", Code: 1}},
		{[]string{"-N", "/x", "-i", "1", "-M"}, result{Stderr: "lsipc: options --name and --id cannot be combined\n", Code: 1}},
		{[]string{"-M", "-o", "NAME,NSEMS"}, result{Stderr: "lsipc: column NSEMS does not apply to the specified IPC\n", Code: 1}},
	} {
		if got := lsipc(c.args...); got != c.want {
			t.Errorf("lsipc %q:\n%s\nwant\n%s", c.args, got, c.want)
		}
	}
	// -g -Q: the POSIX queue limits, from /proc/sys/fs/mqueue
	lim := func(f string) string {
		b, err := os.ReadFile("/proc/sys/fs/mqueue/" + f)
		if err != nil {
			t.Skip(err)
		}
		return strings.TrimSpace(string(b))
	}
	got := lsipc("-g", "-Q", "-b", "-r", "--noheadings", "-o", "RESOURCE,LIMIT,USED")
	want := fmt.Sprintf("MQUMNI %s 1\nMQUMAX %s -\nMQUMNB %s -\n", lim("queues_max"), lim("msgsize_max"), lim("msg_max"))
	if got.Stdout != want || got.Code != 0 {
		t.Errorf("lsipc -g -Q:\n%s\nwant\n%s", got, want)
	}
}

func TestPosixIpcmk(t *testing.T) {
	_, ours := tools(t)
	for _, c := range []struct {
		args       []string
		pop        string
		want       result
		has, hasNo []string // state lines (prefixes) that must be there / must not
	}{
		{[]string{"-m", "1K", "-n", "/pshm1"}, "empty", result{Stdout: "POSIX shared memory name: /pshm1\n"}, []string{"/dev/shm/pshm1 mode=100644 size=1024 "}, nil},
		{[]string{"-q", "-n", "/pmq1"}, "empty", result{Stdout: "POSIX message queue name: /pmq1\n"}, []string{"/dev/mqueue/pmq1 mode=100644 "}, nil},
		{[]string{"-s", "-n", "/psem1", "-p", "0600"}, "empty", result{Stdout: "POSIX semaphore name: /psem1\n"}, []string{"/dev/shm/sem.psem1 mode=100600 size=32 "}, nil},
		{[]string{"--posix-shmem", "2K", "--name", "pshm2"}, "empty", result{Stdout: "POSIX shared memory name: pshm2\n"}, []string{"/dev/shm/pshm2 mode=100644 size=2048 "}, nil},
		{[]string{"-M", "4096", "-m", "1K", "-n", "/x", "-Q", "-q", "-S", "1", "-s"}, "empty",
			result{Stdout: "Shared memory id: 0\nPOSIX shared memory name: /x\nMessage queue id: 0\nPOSIX message queue name: /x\nSemaphore id: 0\nPOSIX semaphore name: /x\n"},
			[]string{"/dev/shm/x ", "/dev/shm/sem.x ", "/dev/mqueue/x "}, nil},
		{[]string{"-m", "1K"}, "empty", result{Stderr: "ipcmk: name is required for POSIX IPC\nTry 'ipcmk --help' for more information.\n", Code: 1}, nil, []string{"/dev/shm/"}},
		{[]string{"-q", "-n", "pmq1"}, "empty", result{Stderr: "ipcmk: create POSIX message queue failed: Invalid argument\n", Code: 1}, nil, []string{"/dev/mqueue/"}},
		{[]string{"-m", "1K", "-n", "/a/b"}, "empty", result{Stderr: "ipcmk: create POSIX shared memory failed: Invalid argument\n", Code: 1}, nil, []string{"/dev/shm/"}},
		// an existing segment is not resized (util-linux truncates it)
		{[]string{"-m", "2K", "-n", "/pshm1"}, "varied", result{Stderr: "ipcmk: create POSIX shared memory failed: File exists\n", Code: 1}, []string{"/dev/shm/pshm1 mode=100644 size=1024 "}, nil},
		// an existing queue or semaphore is opened, not changed
		{[]string{"-s", "-n", "/psem1"}, "varied", result{Stdout: "POSIX semaphore name: /psem1\n"}, []string{"/dev/shm/sem.psem1 mode=100640 size=32 "}, nil},
	} {
		rep := runChild(t, childSpec{Tool: ours("ipcmk"), Argv0: "ipcmk", Args: c.args, Population: c.pop, Decoy: "/nonexistent"})
		if rep.Result != c.want {
			t.Errorf("ipcmk %q:\n%s\nwant\n%s", c.args, rep.Result, c.want)
		}
		state := strings.Join(rep.State, "\n") + "\n"
		for _, h := range c.has {
			if !strings.Contains(state, h) {
				t.Errorf("ipcmk %q: no %q in\n%s", c.args, h, state)
			}
		}
		for _, h := range c.hasNo {
			if strings.Contains(state, h) {
				t.Errorf("ipcmk %q: unexpected %q in\n%s", c.args, h, state)
			}
		}
	}
}

func TestPosixIpcrm(t *testing.T) {
	_, ours := tools(t)
	nonObjects := []string{"/dev/shm/adir mode=40755", "/dev/shm/link mode=120777", "/dev/shm/sem.bad mode=100644 size=11"}
	for _, c := range []struct {
		args       []string
		want       result
		has, hasNo []string
	}{
		{[]string{"--posix-shmem", "/pshm1"}, result{}, nonObjects, []string{"/dev/shm/pshm1"}},
		{[]string{"-v", "--posix-mqueue", "/pmq1", "--posix-semaphore", "/psem1"},
			result{Stdout: "removing POSIX message queue `/pmq1'\nremoving POSIX semaphore `/psem1'\n"}, []string{"/dev/shm/pshm1 "}, []string{"/dev/mqueue/pmq1", "/dev/shm/sem.psem1"}},
		// each removal is named once (2.43 names shared memory twice)
		{[]string{"-v", "-a=pshm"}, result{Stdout: "removing POSIX shared memory `pshm1'\n"}, append(nonObjects, "/dev/shm/sem.psem1 "), []string{"/dev/shm/pshm1"}},
		{[]string{"--all=psem"}, result{}, append(nonObjects, "/dev/shm/pshm1 "), []string{"/dev/shm/sem.psem1"}},
		{[]string{"-apmsg", "-v"}, result{Stdout: "removing POSIX message queue `/pmq1'\n"}, nonObjects, []string{"/dev/mqueue/pmq1"}},
		// plain -a keeps 2.38.1's scope: System V only
		{[]string{"-a"}, result{}, append(nonObjects, "/dev/shm/pshm1 ", "/dev/shm/sem.psem1 ", "/dev/mqueue/pmq1 "), []string{"sem id="}},
		{[]string{"--posix-shmem", "/nope"}, result{Stderr: "ipcrm: name `/nope' not found\n", Code: 1}, nil, nil},
		{[]string{"--posix-shmem", "/link"}, result{Stderr: "ipcrm: name `/link' not found\n", Code: 1}, nonObjects, nil},
		{[]string{"--posix-semaphore", "/bad"}, result{Stderr: "ipcrm: name `/bad' not found\n", Code: 1}, nonObjects, nil},
		{[]string{"--posix-mqueue", "pmq1"}, result{Stderr: "ipcrm: name failed: Invalid argument\n", Code: 1}, []string{"/dev/mqueue/pmq1 "}, nil},
	} {
		rep := runChild(t, childSpec{Tool: ours("ipcrm"), Argv0: "ipcrm", Args: c.args, Population: "varied", Decoy: decoy.File(t)})
		if rep.Result != c.want {
			t.Errorf("ipcrm %q:\n%s\nwant\n%s", c.args, rep.Result, c.want)
		}
		state := strings.Join(rep.State, "\n") + "\n"
		for _, h := range c.has {
			if !strings.Contains(state, h) {
				t.Errorf("ipcrm %q: no %q in\n%s", c.args, h, state)
			}
		}
		for _, h := range c.hasNo {
			if strings.Contains(state, h) {
				t.Errorf("ipcrm %q: unexpected %q in\n%s", c.args, h, state)
			}
		}
	}
}
