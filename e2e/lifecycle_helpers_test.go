package e2e

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil"
)

// ipcctlOK runs ipcctl and fails the test unless it exits 0.
func ipcctlOK(t *testing.T, args ...string) testutil.Result {
	t.Helper()
	r := testutil.Run(t, "", args...)
	if r.Code != 0 {
		t.Fatalf("ipcctl %v: exit %d: %s", args, r.Code, r.Stderr)
	}
	return r
}

// create runs `ipcctl create ...` and returns the id it printed.
func create(t *testing.T, args ...string) int {
	t.Helper()
	r := ipcctlOK(t, append([]string{"create"}, args...)...)
	id, err := strconv.Atoi(strings.TrimSpace(r.Stdout))
	if err != nil {
		t.Fatalf("create %v printed %q, want an id alone", args, r.Stdout)
	}
	return id
}

// sysvRows reads /proc/sysvipc/<file> (shm, sem or msg) by header: the
// kernel's own view, a second path independent of ipcctl. Rows are keyed by id.
func sysvRows(t *testing.T, file string) map[int]map[string]string {
	t.Helper()
	f, err := os.Open("/proc/sysvipc/" + file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan()
	head := strings.Fields(sc.Text())
	idCol := map[string]string{"shm": "shmid", "sem": "semid", "msg": "msqid"}[file]
	rows := map[int]map[string]string{}
	for sc.Scan() {
		vals := strings.Fields(sc.Text())
		row := map[string]string{}
		for i, h := range head {
			if i < len(vals) {
				row[h] = vals[i]
			}
		}
		id, _ := strconv.Atoi(row[idCol])
		rows[id] = row
	}
	return rows
}

// sysvRow is the /proc/sysvipc row of one object; it fails if there is none.
func sysvRow(t *testing.T, file string, id int) map[string]string {
	t.Helper()
	row, ok := sysvRows(t, file)[id]
	if !ok {
		t.Fatalf("%s %d is not in /proc/sysvipc/%s", file, id, file)
	}
	return row
}

func exists(t *testing.T, file string, id int) bool {
	t.Helper()
	_, ok := sysvRows(t, file)[id]
	return ok
}

// python runs a script with the system python's sysv_ipc module, or skips.
func python(t *testing.T, script string) string {
	t.Helper()
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import sysv_ipc").Run(); err != nil {
		t.Skipf("python3-sysv-ipc not available for %s: %v", py, err)
	}
	out, err := exec.Command(py, "-c", "import sysv_ipc, sys\n"+script).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s\nscript:\n%s", err, out, script)
	}
	return strings.TrimSpace(string(out))
}

// cHelperSrc is a small C program that looks at objects through libc, a
// path independent of ipcctl and of Go's syscall wrappers.
const cHelperSrc = `#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/msg.h>
#include <sys/shm.h>

int main(int argc, char **argv) {
	if (argc == 4 && !strcmp(argv[1], "ftok")) {
		key_t k = ftok(argv[2], atoi(argv[3]));
		if (k == -1) { perror("ftok"); return 1; }
		printf("0x%08x\n", (unsigned)k);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "sem")) { /* mode and values of set ID */
		int id = atoi(argv[2]);
		struct semid_ds ds;
		if (semctl(id, 0, IPC_STAT, &ds) < 0) { perror("IPC_STAT"); return 1; }
		unsigned short v[ds.sem_nsems];
		if (semctl(id, 0, GETALL, v) < 0) { perror("GETALL"); return 1; }
		printf("%o", ds.sem_perm.mode & 0777);
		for (unsigned long i = 0; i < ds.sem_nsems; i++) printf(" %u", v[i]);
		printf("\n");
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "msg")) { /* qbytes of queue ID */
		struct msqid_ds ds;
		if (msgctl(atoi(argv[2]), IPC_STAT, &ds) < 0) { perror("IPC_STAT"); return 1; }
		printf("%lu\n", (unsigned long)ds.msg_qbytes);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "shmkey")) { /* id of the segment with KEY */
		int id = shmget((key_t)strtoul(argv[2], 0, 0), 0, 0);
		if (id < 0) { perror("shmget"); return 1; }
		printf("%d\n", id);
		return 0;
	}
	fprintf(stderr, "usage\n");
	return 2;
}
`

var (
	cOnce sync.Once
	cPath string
	cErr  string
)

// cHelper runs the C helper with args (building it once), or skips without gcc.
func cHelper(t *testing.T, args ...string) string {
	t.Helper()
	cOnce.Do(func() {
		gcc, err := exec.LookPath("gcc")
		if err != nil {
			cErr = "gcc not installed"
			return
		}
		dir, err := os.MkdirTemp("", "ipcctl-c-")
		if err != nil {
			cErr = err.Error()
			return
		}
		src := filepath.Join(dir, "helper.c")
		if err := os.WriteFile(src, []byte(cHelperSrc), 0o644); err != nil {
			cErr = err.Error()
			return
		}
		cPath = filepath.Join(dir, "helper")
		if out, err := exec.Command(gcc, "-O", "-o", cPath, src).CombinedOutput(); err != nil {
			cErr = "gcc failed: " + err.Error() + "\n" + string(out)
		}
	})
	if cErr != "" {
		t.Skipf("C helper: %s", cErr)
	}
	out, err := exec.Command(cPath, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("C helper %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// removeAll clears every System V object in the private namespace, so
// tests that count objects start from nothing.
func removeAll(t *testing.T) {
	t.Helper()
	ipcctlOK(t, "rm", "--all", "--yes")
}

// inNewIPCNamespace runs a shell script in IPC and mount namespaces of
// its own (nested in the test's), for `rm --all` runs that must not see
// objects of other tests. $B is the ipcctl binary. It returns stdout.
func inNewIPCNamespace(t *testing.T, script string) string {
	t.Helper()
	cmd := exec.Command("sh", "-ec", script)
	cmd.Dir = t.TempDir() // files a script writes never land in the source tree
	cmd.Env = append(os.Environ(), "B="+testutil.Binary(t))
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWIPC | syscall.CLONE_NEWNS}
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("script in a new IPC namespace: %v\nstdout:\n%s\nstderr:\n%s\nscript:\n%s", err, out.String(), errOut.String(), script)
	}
	return out.String()
}

// cleanup removes objects of kind when the test ends, if they are still there.
func cleanup(t *testing.T, kind string, ids ...int) {
	t.Helper()
	args := []string{"rm", "--force", kind}
	for _, id := range ids {
		args = append(args, strconv.Itoa(id))
	}
	t.Cleanup(func() { testutil.Run(t, "", args...) })
}
