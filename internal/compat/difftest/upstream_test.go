package difftest

import (
	"math/big"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// util-linux's own regression tests for ipcs (tests/ts/ipcs: headers,
// limits, limits2, mk-rm-msg, mk-rm-sem, mk-rm-shm) are run on what
// lands, outside the project, with TS_CMD_IPCS/IPCMK/IPCRM pointing at
// symlinks to ipcctl (scripts/ul-ipcs-suite.sh runs the real runner).
// This test does what each of them does, in a fresh namespace, and
// expects what their tests/expected files hold.

const upstreamHeaders = `------ Shared Memory Attach/Detach/Change Times --------
shmid      owner      attached             detached             changed             
------ Shared Memory Creator/Last-op PIDs --------
shmid      owner      cpid       lpid      
------ Shared Memory Segment Creators/Owners --------
shmid      perms      cuid       cgid       uid        gid       
------ Shared Memory Limits --------
------ Shared Memory Status --------
------ Message Queues Send/Recv/Change Times --------
msqid    owner      send                 recv                 change              
------ Message Queues PIDs --------
msqid      owner      lspid      lrpid     
------ Message Queues Creators/Owners --------
msqid      perms      cuid       cgid       uid        gid       
------ Messages Limits --------
------ Messages Status --------
------ Semaphore Operation/Change Times --------
semid    owner      last-op                    last-changed              
------ Semaphore Arrays Creators/Owners --------
semid      perms      cuid       cgid       uid        gid       
------ Semaphore Limits --------
------ Semaphore Status --------
------ Message Queues --------
key        msqid      owner      perms      used-bytes   messages    
--
------ Shared Memory Segments --------
key        shmid      owner      perms      bytes      nattch     status      
--
------ Semaphore Arrays --------
key        semid      owner      perms      nsems     
------ Message Queues Send/Recv/Change Times --------
msqid    owner      send                 recv                 change              
--
------ Shared Memory Attach/Detach/Change Times --------
shmid      owner      attached             detached             changed             
--
------ Semaphore Operation/Change Times --------
semid    owner      last-op                    last-changed              
------ Message Queues PIDs --------
msqid      owner      lspid      lrpid     
--
------ Shared Memory Creator/Last-op PIDs --------
shmid      owner      cpid       lpid      
------ Message Queues Creators/Owners --------
msqid      perms      cuid       cgid       uid        gid       
--
------ Shared Memory Segment Creators/Owners --------
shmid      perms      cuid       cgid       uid        gid       
--
------ Semaphore Arrays Creators/Owners --------
semid      perms      cuid       cgid       uid        gid       
------ Messages Limits --------
------ Shared Memory Limits --------
------ Semaphore Limits --------
------ Messages Status --------
------ Shared Memory Status --------
------ Semaphore Status --------
`

const upstreamHeadersScript = `
for r in -m -q -s; do
	for f in -t -p -c; do $TS_CMD_IPCS $r $f | grep -A1 "^---"; done
	for f in -l -u; do $TS_CMD_IPCS $r $f | grep "^---"; done
done
$TS_CMD_IPCS -a | grep -A1 "^---"
for f in -t -p -c; do $TS_CMD_IPCS -a $f | grep -A1 "^---"; done
for f in -l -u; do $TS_CMD_IPCS -a $f | grep "^---"; done
`

// upstreamMkRm is mk-rm-{shm,msg,sem}: create, look at it with -i,
// remove by id; create, remove by the key column 1 of the listing shows.
const upstreamMkRm = `
handler() { awk '{ if ($NF == $NF + 0) { print $NF >> "'$OUT'/id"; $NF = "<was_number>" } print $0 }'; }
rm -f $OUT/id
$TS_CMD_IPCMK -M 1 | handler
$TS_CMD_IPCS -m -i "$(cat $OUT/id)" | sed -n '/^bytes/s/\t.*//p'
$TS_CMD_IPCRM -m $(cat $OUT/id)
rm -f $OUT/id
$TS_CMD_IPCMK -M 12 | handler
$TS_CMD_IPCS -m -i "$(cat $OUT/id)" | sed -n '/^bytes/s/\t.*//p'
$TS_CMD_IPCRM -M "$($TS_CMD_IPCS -m | awk -v id=$(cat $OUT/id) '{if ($2 == id){print $1}}' | uniq)"
rm -f $OUT/id
$TS_CMD_IPCMK -Q | handler
$TS_CMD_IPCS -q -i "$(cat $OUT/id)" | grep -c "^Message Queue msqid=$(cat $OUT/id)$"
$TS_CMD_IPCRM -q $(cat $OUT/id)
rm -f $OUT/id
$TS_CMD_IPCMK -Q | handler
$TS_CMD_IPCRM -Q "$($TS_CMD_IPCS -q | awk -v id=$(cat $OUT/id) '{if ($2 == id){print $1}}' | uniq)"
rm -f $OUT/id
$TS_CMD_IPCMK -S 1 | handler
$TS_CMD_IPCS -s -i "$(cat $OUT/id)" | grep "^nsems"
$TS_CMD_IPCRM -s $(cat $OUT/id)
rm -f $OUT/id
$TS_CMD_IPCMK -S 2 | handler
$TS_CMD_IPCS -s -i "$(cat $OUT/id)" | grep "^nsems"
$TS_CMD_IPCRM -S "$($TS_CMD_IPCS -s | awk -v id=$(cat $OUT/id) '{if ($2 == id){print $1}}' | uniq)"
$TS_CMD_IPCS -a | grep -c '^0x'
`

const upstreamMkRmWant = `Shared memory id: <was_number>
bytes=1
Shared memory id: <was_number>
bytes=12
Message queue id: <was_number>
1
Message queue id: <was_number>
Semaphore id: <was_number>
nsems = 1
Semaphore id: <was_number>
nsems = 2
0
`

func upstreamEnv(ours func(string) string, out string) []string {
	return append(baseEnv(), "LC_ALL=POSIX", "TS_CMD_IPCS="+ours("ipcs"), "TS_CMD_IPCMK="+ours("ipcmk"),
		"TS_CMD_IPCRM="+ours("ipcrm"), "OUT="+out)
}

func TestUpstreamIpcsSuite(t *testing.T) {
	_, ours := tools(t)
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not installed")
	}
	for _, c := range []struct{ name, script, want string }{
		{"headers", upstreamHeadersScript, upstreamHeaders},
		{"mk-rm", upstreamMkRm, upstreamMkRmWant},
	} {
		rep := runChild(t, childSpec{Tool: "/bin/bash", Argv0: "bash", Args: []string{"-c", c.script}, Population: "empty",
			Env: upstreamEnv(ours, t.TempDir())})
		// every stderr line fails an upstream test
		if rep.Result.Stdout != c.want || rep.Result.Stderr != "" {
			t.Errorf("%s: %s\n%s", c.name, firstDiff(c.want, rep.Result.Stdout), rep.Result)
		}
	}
	t.Run("limits", func(t *testing.T) {
		// limits2 checks the namespace's values; limits (overflow) first
		// writes 32-bit maxima, as the upstream test does, in a fresh
		// IPC namespace whose sysctls are its own
		script := `cat /proc/sys/kernel/shmmni /proc/sys/kernel/shmall /proc/sys/kernel/shmmax; $TS_CMD_IPCS -m -l`
		check := func(t *testing.T, rep childReport) {
			lines := strings.SplitN(rep.Result.Stdout, "\n", 4)
			if len(lines) < 4 || rep.Result.Stderr != "" {
				t.Fatalf("%s", rep.Result)
			}
			checkUpstreamLimits(t, lines[0], lines[1], lines[2], lines[3])
		}
		check(t, runChild(t, childSpec{Tool: "/bin/bash", Argv0: "bash", Args: []string{"-c", script}, Population: "empty", Env: upstreamEnv(ours, t.TempDir())}))
		overflow := `echo 32768 > /proc/sys/kernel/shmmni && echo 4294967295 > /proc/sys/kernel/shmall && echo 4294967295 > /proc/sys/kernel/shmmax || exit 9; ` + script
		rep := runChild(t, childSpec{Tool: "/bin/bash", Argv0: "bash", Args: []string{"-c", overflow}, Population: "empty", Env: upstreamEnv(ours, t.TempDir())})
		if rep.Result.Code == 9 {
			t.Skipf("cannot write the namespace's shm sysctls: %s", rep.Result.Stderr)
		}
		check(t, rep)
	})
}

// checkUpstreamLimits is ipcs_limits_check of tests/ts/ipcs/functions.sh:
// ipcs -m -l's fields against the kernel's values in KiB, u64 overflow
// handled the way ipcs handles it.
func checkUpstreamLimits(t *testing.T, shmmni, shmall, shmmax, ipcsOut string) {
	t.Helper()
	page := big.NewInt(int64(os.Getpagesize()))
	num := func(s string) *big.Int {
		v, ok := new(big.Int).SetString(strings.TrimSpace(s), 10)
		if !ok {
			t.Fatalf("not a number: %q", s)
		}
		return v
	}
	u64max := new(big.Int).SetUint64(^uint64(0))
	kib := new(big.Int).Div(page, big.NewInt(1024))
	maxKbytes := new(big.Int).Sub(u64max, new(big.Int).Mod(u64max, kib))
	awk := func(pattern string, field int) string {
		for _, l := range strings.Split(ipcsOut, "\n") {
			if regexp.MustCompile(pattern).MatchString(l) {
				if f := strings.Fields(l); len(f) >= field {
					return f[field-1]
				}
			}
		}
		return ""
	}
	for _, c := range []struct {
		file, got string
		kernel    *big.Int
	}{
		{"shmmni", awk("max number of segments", 6), num(shmmni)},
		{"shmall", awk("max total shared memory", 7), new(big.Int).Div(new(big.Int).Mul(num(shmall), page), big.NewInt(1024))},
		{"shmmax", awk("max seg size", 6), new(big.Int).Div(num(shmmax), big.NewInt(1024))},
	} {
		want := c.kernel
		if want.Cmp(maxKbytes) > 0 {
			want = maxKbytes
		}
		if c.got != want.String() {
			t.Errorf("/proc/sys/kernel/%s: kernel=%s, ipcs=%s\n%s", c.file, want, c.got, ipcsOut)
		}
	}
}
