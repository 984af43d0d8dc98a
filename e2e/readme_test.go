package e2e

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/hptest"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

// The README is a contract: every line of every ```sh block is an example
// that runs here, in an IPC + mount namespace of its own (fresh /dev/shm
// and /dev/mqueue), after the set-up the table below gives it, or is
// listed in readmeNotRun with the reason. An example in neither fails the
// test, so a new README section is picked up as soon as it is written.

// readmeExample says how to run one example.
type readmeExample struct {
	// setup is shell run first (set -e) in the example's namespace and
	// temp dir, with ipcctl on PATH; it makes what the example names.
	// $FIXTURE is a copy of the numa2 sysfs fixture tree.
	setup string
	// rewrite is old, new pairs applied to the example: the ids the README
	// makes up (32769) become the ones setup made ($SHM), paths outside
	// the temp dir (/srv/app) become ones inside it.
	rewrite []string
	// codes are the exit statuses the README allows. For a failure the
	// string must be on stderr; for 0 it is a notice stderr may hold (every
	// stderr line must contain it). nil means 0 with nothing on stderr.
	codes map[int]string
	// hold: the example keeps something until SIGTERM (--hold, touch
	// --lock); it is started in the background, check runs once it says
	// "holding", then it is stopped and must exit 0.
	hold bool
	// check is shell run after the example (set -e): a second look, from
	// outside ipcctl, at what the example did. $OUT is its stdout.
	check string
	// sysvIPC: check reads with Python's sysv_ipc (/usr/bin/python3,
	// python3-sysv-ipc, which scripts/test-deps.sh installs as root); the
	// example is skipped with the reason where it is missing.
	sysvIPC bool
}

// Checks read the kernel's view with util-linux (ipcs) and /proc, not
// through ipcctl, wherever they can.

// withUsers makes the users and groups the README names (postgres, app)
// exist, through copies of /etc/passwd and /etc/group bind-mounted over
// the real ones in the example's private mount namespace only.
const withUsers = `cp /etc/passwd .passwd; cp /etc/group .group
grep -q '^postgres:' .passwd || echo 'postgres:x:1100:1100::/nonexistent:/bin/false' >> .passwd
grep -q '^postgres:' .group || echo 'postgres:x:1100:' >> .group
echo 'app:x:1101:1101::/nonexistent:/bin/false' >> .passwd
echo 'app:x:1101:' >> .group
mount --bind .passwd /etc/passwd; mount --bind .group /etc/group
`

// sysvField defines field KIND COLUMN ID: one /proc/sysvipc/KIND column
// of the object with that id, read by header name.
const sysvField = `field() { awk -v f="$2" -v id="$3" 'NR==1{for(i=1;i<=NF;i++) c[$i]=i; next} $c["shmid"]==id || $c["semid"]==id || $c["msqid"]==id {print $c[f]}' /proc/sysvipc/$1; }
`

// semvalsFn defines semvals ID: the values of a System V semaphore set,
// comma-terminated (1,0,5,), as util-linux `ipcs -s -i` reads them.
const semvalsFn = `semvals() { ipcs -s -i "$1" | awk 'NF == 5 && $1 ~ /^[0-9]+$/ {printf "%s,", $2}'; }
`

// psemvalueFn defines psemvalue NAME: the value of POSIX semaphore /NAME,
// read from /dev/shm/sem.NAME with od. glibc's sem_t (pkg/ipc/psem.go)
// begins with a 64-bit data word, value in its low 32 bits and waiters
// in the high 32; od -tu8 reads it in native byte order. A semaphore
// with waiters fails the check: the examples leave none.
const psemvalueFn = `psemvalue() { d=$(od -An -tu8 -N8 "/dev/shm/sem.$1" | tr -d ' '); [ $((d >> 32)) = 0 ] || { echo "sem.$1 has waiters: $d" >&2; return 1; }; echo $((d & 0xffffffff)); }
`

// shmReadPy sets $shmRead, a Python program that prints in hex LENGTH
// bytes at OFFSET of System V segment ID, read through sysv_ipc:
// /usr/bin/python3 -c "$shmRead" ID OFFSET LENGTH.
const shmReadPy = `shmRead='import sys, sysv_ipc; print(sysv_ipc.attach(int(sys.argv[1])).read(int(sys.argv[3]), int(sys.argv[2])).hex())'
`

// raiseMsgmnb lets a queue take 64K (the README's --qbytes) without
// CAP_SYS_RESOURCE, by raising kernel.msgmnb of the example's own IPC
// namespace: the host's is a different file behind the same path, so the
// write is refused unless the namespace is not the host's.
const raiseMsgmnb = `[ "$(readlink /proc/self/ns/ipc)" != "$(readlink /proc/1/ns/ipc)" ] || { echo "not in a private IPC namespace" >&2; exit 96; }
echo 65536 > /proc/sys/kernel/msgmnb
`

var readmeRun = map[string]readmeExample{
	// Set-up on a fresh machine.
	"go run ./cmd/ipcctl ls": {setup: `cd "$REPO"`},
	"CGO_ENABLED=0 go install ./cmd/ipcctl": {setup: `export GOBIN="$PWD/gobin"; cd "$REPO"`,
		check: `"$GOBIN/ipcctl" --version | grep -q '^ipcctl '`},

	// Usage.
	"ipcctl ls": {setup: `ipcctl create shm --size 4K >>made`},
	"ipcctl ls shm --owner postgres": {setup: withUsers + `SHM=$(ipcctl create shm --size 4K); ipcctl set shm $SHM --owner postgres; ipcctl create shm --size 4K >>made`,
		check: `[ "$(grep -c postgres "$OUT")" = 1 ]`},
	"ipcctl ls shm -o +rss,swap -b": {setup: `ipcctl create shm --size 64K >>made`, check: `grep -q ' 65536 ' "$OUT"`},
	"ipcctl ls sem msg --json":      {setup: `ipcctl create sem --nsems 1 >>made; ipcctl create msg >>made`, check: `grep -q '"sem": \[' "$OUT"; grep -q '"msg": \[' "$OUT"`},
	"ipcctl ls shm --list-columns":  {check: `grep -q nattch "$OUT"`},
	"ipcctl ls -o +qbytes": {setup: `ipcctl create msg >>made; ipcctl create shm --size 4K >>made`,
		check: `[ "$(grep -c QBYTES "$OUT")" = 1 ]`},
	"ipcctl ls shm -o all --sort size -r": {setup: `ipcctl create shm --size 4K >>made; ipcctl create shm --size 64K >>made`,
		check: `awk 'NR==3 && $6 != "64K" {exit 1}' "$OUT"`},
	"ipcctl ls --view creators": {setup: `ipcctl create shm --size 4K >>made`, check: `grep -q CUSER "$OUT"`},
	"ipcctl ls shm --watch=1s": {setup: `ipcctl create shm --size 4K >>made`, rewrite: []string{"--watch=1s", "--watch=1s &"},
		check: `sleep 1.5; kill -TERM $!; wait $!; [ "$(grep -c '^{"shm":\[{' "$OUT")" -ge 2 ]`},

	// show.
	"ipcctl show shm 5":                {setup: `SHM=$(ipcctl create shm --size 4K)`, rewrite: []string{"shm 5", "shm $SHM"}},
	"ipcctl show sem 3 --json":         {setup: `SEM=$(ipcctl create sem --nsems 2 --values 4,5)`, rewrite: []string{"sem 3", "sem $SEM"}, check: `grep -q '"semaphores"' "$OUT"`},
	"ipcctl show msg --key 0x1234abcd": {setup: `ipcctl create msg --key 0x1234abcd >>made`},
	"ipcctl show shm 5 -o size,nattch --raw -n": {setup: `SHM=$(ipcctl create shm --size 8K)`, rewrite: []string{"shm 5", "shm $SHM"},
		check: `[ "$(cat "$OUT")" = "8192 0" ]`},

	// limits.
	"ipcctl limits":                  {},
	"ipcctl limits --json":           {check: `grep -q '"resource": "SHMALL"' "$OUT"`},
	"ipcctl limits -o +kind,unit -b": {},

	// create.
	"id=$(ipcctl create shm --size 1M)": {check: sysvField + `[ "$(field shm size "$id")" = 1048576 ]`},
	"ipcctl create shm --size 64M --key 0x5eed --mode 0660 --hugetlb --hugepage-size 2M": {
		codes: map[int]string{0: "", 7: "fill the pool with: ipcctl hugepage set 2M --min +"}},
	"ipcctl create sem --nsems 3 --values 1,0,5": {check: semvalsFn + `[ "$(semvals "$(cat "$OUT")")" = 1,0,5, ]`},
	"ipcctl create msg --path /srv/app --proj 1 --qbytes 64K": {setup: raiseMsgmnb + `mkdir app`, rewrite: []string{"/srv/app", "$PWD/app"},
		check: `ipcs -q -i "$(cat "$OUT")" | grep -q 'qbytes=65536'`},
	"ipcctl create shm --size 1M --key 0x5eed --reuse": {setup: `SHM=$(ipcctl create shm --size 1M --key 0x5eed)`, check: `[ "$(cat "$OUT")" = "$SHM" ]`},

	// rm.
	"ipcctl rm shm 32769 32770 -v": {setup: sysvField + `A=$(ipcctl create shm --size 4K); B=$(ipcctl create shm --size 4K)`, rewrite: []string{"32769", "$A", "32770", "$B"},
		codes: map[int]string{0: "removed shm"},
		check: `[ -z "$(field shm size "$A")$(field shm size "$B")" ]`},
	"ipcctl rm sem --key 0x1234": {setup: `ipcctl create sem --nsems 1 --key 0x1234 >>made`, check: `[ "$(wc -l < /proc/sysvipc/sem)" = 1 ]`},
	"ipcctl rm --all --yes": {setup: `ipcctl create shm --size 4K >>made; ipcctl create sem --nsems 1 >>made; ipcctl create msg >>made; ipcctl create pshm /keep --size 4K >>made`,
		check: `for f in shm sem msg; do [ "$(wc -l < /proc/sysvipc/$f)" = 1 ]; done; [ -e /dev/shm/keep ]`},
	"ipcctl rm shm --orphaned --dry-run --json": {setup: `ipcctl create shm --size 4K >>made`, check: `[ "$(wc -l < /proc/sysvipc/shm)" = 2 ]`,
		codes: map[int]string{0: "dry run"}},

	// set.
	"ipcctl set shm 32769 --mode 0640 --owner postgres:postgres": {setup: withUsers + sysvField + `SHM=$(ipcctl create shm --size 4K)`, rewrite: []string{"32769", "$SHM"},
		check: `[ "$(field shm perms "$SHM")" = 640 ] && [ "$(field shm uid "$SHM")" = "$(id -u postgres)" ]`},
	"ipcctl set msg 5 --qbytes 64K": {setup: raiseMsgmnb + sysvField + `MSG=$(ipcctl create msg)`, rewrite: []string{"msg 5", "msg $MSG"},
		check: `ipcs -q -i "$MSG" | grep -q 'qbytes=65536'`},

	// key.
	"ipcctl key /srv/app 1": {setup: `mkdir app`, rewrite: []string{"/srv/app", "$PWD/app"}, check: `grep -Eq '^0x01[0-9a-f]{6}$' "$OUT"`},

	// hugepage: pool writes go to a copy of a fixture tree, never the host's sysfs.
	"ipcctl hugepage":        {},
	"ipcctl hugepage --json": {check: `grep -q '"pools"' "$OUT"`},
	"ipcctl hugepage set 2M --min 512 --max 1G": {
		setup:   `echo 0 > "$FIXTURE/sys/kernel/mm/hugepages/hugepages-2048kB/surplus_hugepages"`,
		rewrite: []string{"ipcctl hugepage", `ipcctl hugepage --fs-root="$FIXTURE"`},
		check:   `[ "$(cat "$FIXTURE/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages")" = 512 ] && [ "$(cat "$FIXTURE/sys/kernel/mm/hugepages/hugepages-2048kB/nr_overcommit_hugepages")" = 0 ]`},
	"ipcctl hugepage set 1G --min +2 --node 1 --dry-run": {rewrite: []string{"ipcctl hugepage", `ipcctl hugepage --fs-root="$FIXTURE"`},
		codes: map[int]string{0: "warning: each 1G page needs 1G of contiguous free memory"},
		check: `grep -q '^dry run: would write 3 to .*/node1/hugepages/hugepages-1048576kB/nr_hugepages (now 1)$' "$OUT" && [ "$(cat "$FIXTURE/sys/devices/system/node/node1/hugepages/hugepages-1048576kB/nr_hugepages")" = 1 ]`},
	"ipcctl hugepage explain":                  {},
	"ipcctl hugepage test --size 2M --count 4": {codes: map[int]string{0: "", 7: "fill the pool with: ipcctl hugepage set 2M --min +"}},

	// thp: writes go to a copy of a fixture tree.
	"ipcctl thp": {},
	"ipcctl thp set enabled=madvise defrag=defer+madvise": {rewrite: []string{"ipcctl thp", `ipcctl thp --fs-root="$FIXTURE"`},
		check: `[ "$(cat "$FIXTURE/sys/kernel/mm/transparent_hugepage/enabled")" = madvise ]`},
	"ipcctl thp set --size 64K enabled=inherit": {rewrite: []string{"ipcctl thp", `ipcctl thp --fs-root="$FIXTURE"`},
		check: `[ "$(cat "$FIXTURE/sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled")" = inherit ]`},
	"ipcctl thp set khugepaged.pages_to_scan=8192 --dry-run": {check: `grep -q '^dry run: would write 8192 to /sys/kernel/mm/transparent_hugepage/khugepaged/pages_to_scan' "$OUT"`},
	"ipcctl thp stats --interval 1s --count 5":               {},
	"ipcctl thp top --limit 10":                              {},

	// attach.
	"ipcctl attach shm 42 --read > seg.bin": {setup: `SHM=$(ipcctl create shm --size 8K)`, rewrite: []string{"shm 42", "shm $SHM"}, check: `[ "$(wc -c < seg.bin)" = 8192 ]`},
	"ipcctl attach shm 42 --hexdump --length 256": {setup: `SHM=$(ipcctl create shm --size 8K)`, rewrite: []string{"shm 42", "shm $SHM"},
		check: `[ "$(head -1 "$OUT")" = "00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|" ]`},
	"ipcctl attach shm 42 --write=hi --offset 128": {setup: `SHM=$(ipcctl create shm --size 8K)`, rewrite: []string{"shm 42", "shm $SHM"},
		check: shmReadPy + `[ "$(/usr/bin/python3 -c "$shmRead" "$SHM" 126 6)" = 000068690000 ]`, sysvIPC: true},
	"ipcctl attach shm 42 --hold --rdonly &": {setup: sysvField + `SHM=$(ipcctl create shm --size 8K)`, rewrite: []string{"shm 42", "shm $SHM"}, hold: true,
		check: `[ "$(field shm nattch "$SHM")" = 1 ]`},

	// sem-op.
	"ipcctl sem-op 7 0:-1 1:+1 --undo": {setup: `SEM=$(ipcctl create sem --nsems 2 --values 1,0)`, rewrite: []string{"sem-op 7", "sem-op $SEM"}},
	"ipcctl sem-op 7 0:-1 --timeout 5s": {setup: semvalsFn + `SEM=$(ipcctl create sem --nsems 2 --values 1,0)`, rewrite: []string{"sem-op 7", "sem-op $SEM"},
		check: `[ "$(semvals $SEM)" = 0,0, ]`},
	"ipcctl sem-op 7 --set 0=1": {setup: semvalsFn + `SEM=$(ipcctl create sem --nsems 2)`, rewrite: []string{"sem-op 7", "sem-op $SEM"},
		check: `[ "$(semvals $SEM)" = 1,0, ]`},
	"ipcctl sem-op 7 --get --json": {setup: `SEM=$(ipcctl create sem --nsems 2 --values 3,4)`, rewrite: []string{"sem-op 7", "sem-op $SEM"}, check: `grep -q '"value": 4' "$OUT"`},

	// mq-send / mq-recv.
	"ipcctl mq-send 3 'hello' --type 7":           {setup: sysvField + `MSG=$(ipcctl create msg)`, rewrite: []string{"mq-send 3", "mq-send $MSG"}, check: `[ "$(field msg qnum "$MSG")" = 1 ]`},
	"ipcctl mq-recv 3 --type -5":                  {setup: `MSG=$(ipcctl create msg); ipcctl mq-send $MSG low --type 3`, rewrite: []string{"mq-recv 3", "mq-recv $MSG"}, check: `[ "$(cat "$OUT")" = low ]`},
	"ipcctl mq-recv 3 --timeout 2s --out msg.bin": {setup: `MSG=$(ipcctl create msg); ipcctl mq-send $MSG body`, rewrite: []string{"mq-recv 3", "mq-recv $MSG"}, check: `[ "$(cat msg.bin)" = body ]`},
	"ipcctl mq-recv 3 --all --json": {setup: `MSG=$(ipcctl create msg); ipcctl mq-send $MSG one; ipcctl mq-send $MSG two --type 2`, rewrite: []string{"mq-recv 3", "mq-recv $MSG"},
		check: `[ "$(wc -l < "$OUT")" = 2 ] && grep -q '"body":"two"' "$OUT"`},
	"ipcctl mq-recv 3 --peek 0": {setup: sysvField + `MSG=$(ipcctl create msg); ipcctl mq-send $MSG kept`, rewrite: []string{"mq-recv 3", "mq-recv $MSG"},
		codes: map[int]string{0: "", 7: "MSG_COPY"}, check: `[ "$(field msg qnum "$MSG")" = 1 ]`},

	// POSIX objects.
	"ipcctl ls pshm psem mq":                            {setup: `ipcctl create pshm /a --size 4K >>made; ipcctl create psem /b >>made; ipcctl create mq /c >>made`, check: `grep -q '/a' "$OUT" && grep -q '/b' "$OUT" && grep -q '/c' "$OUT"`},
	"ipcctl ls psem -o +reason":                         {setup: `ipcctl create psem /b >>made`},
	"ipcctl ls mq --json":                               {setup: `ipcctl create mq /c >>made`, check: `grep -q '"maxmsg"' "$OUT"`},
	"ipcctl create pshm /cache --size 64M --mode 0660":  {check: `[ "$(stat -c '%s %a' /dev/shm/cache)" = "67108864 660" ]`},
	"ipcctl create psem /lock --value 1 --reuse":        {check: psemvalueFn + `[ "$(stat -c %s /dev/shm/sem.lock)" = 32 ] && [ "$(psemvalue lock)" = 1 ]`},
	"ipcctl create mq /events --maxmsg 10 --msgsize 8K": {check: `grep -q 'QSIZE:0' /dev/mqueue/events`},
	"ipcctl show mq /events --json":                     {setup: `ipcctl create mq /events >>made`, check: `grep -q '"notify_pid"' "$OUT"`},
	"ipcctl set pshm /cache --mode 0640 --owner app:app": {setup: withUsers + `ipcctl create pshm /cache --size 4K >>made`,
		check: `[ "$(stat -c '%a %U %G' /dev/shm/cache)" = "640 app app" ]`},
	"ipcctl rm psem /lock /stale": {setup: `ipcctl create psem /lock >>made; ipcctl create psem /stale >>made`,
		check: `[ ! -e /dev/shm/sem.lock ] && [ ! -e /dev/shm/sem.stale ]`},
	"ipcctl rm --all pshm --older-than 24h --dry-run": {setup: `ipcctl create pshm /young --size 4K >>made`, check: `[ -e /dev/shm/young ]`,
		codes: map[int]string{0: "dry run"}},
	"ipcctl limits -o +free": {check: `grep -q DEVSHM_BYTES "$OUT"`},

	// POSIX operations.
	"ipcctl attach pshm /frames --read --out f.bin": {setup: `ipcctl create pshm /frames --size 8K >>made`, check: `[ "$(wc -c < f.bin)" = 8192 ]`},
	"ipcctl attach pshm /frames --write 'hi' --offset 128": {setup: `ipcctl create pshm /frames --size 8K >>made`,
		check: `[ "$(dd if=/dev/shm/frames bs=1 skip=128 count=2 2>/dev/null)" = hi ]`},
	"ipcctl sem-op /jobs wait --timeout 30s": {setup: psemvalueFn + `ipcctl create psem /jobs --value 1 >>made`, check: `[ "$(psemvalue jobs)" = 0 ]`},
	"ipcctl sem-op /jobs trywait":            {setup: psemvalueFn + `ipcctl create psem /jobs --value 1 >>made`, check: `[ "$(psemvalue jobs)" = 0 ]`},
	"ipcctl sem-op /jobs post --count 3": {setup: psemvalueFn + `ipcctl create psem /jobs >>made`,
		check: `[ "$(psemvalue jobs)" = 3 ]`},
	"ipcctl sem-op /jobs get --json":           {setup: `ipcctl create psem /jobs --value 2 >>made`, check: `grep -q '"value": 2' "$OUT"`},
	"ipcctl mq-send /q 'urgent' --priority 10": {setup: `ipcctl create mq /q >>made`, check: `grep -q 'QSIZE:6 ' /dev/mqueue/q`},
	"ipcctl mq-recv /q --all --json": {setup: `ipcctl create mq /q >>made; ipcctl mq-send /q urgent --priority 10`,
		check: `grep -q '"priority":10' "$OUT" && grep -q 'QSIZE:0 ' /dev/mqueue/q`},
	"ipcctl mq-recv /q --wait-notify --timeout 1m": {setup: `ipcctl create mq /q >>made; (sleep 0.2; ipcctl mq-send /q late) &`,
		check: `[ "$(cat "$OUT")" = late ]`},

	// mmap.
	"ipcctl mmap data.bin --read --offset 4K --length 4K": {setup: `head -c 16384 /dev/urandom > data.bin`, check: `dd if=data.bin bs=4096 skip=1 count=1 2>/dev/null | cmp -s - "$OUT"`},
	"ipcctl mmap data.bin --write=hello --offset 100 --sync": {setup: `head -c 4096 /dev/zero > data.bin`,
		check: `[ "$(dd if=data.bin bs=1 skip=100 count=5 2>/dev/null)" = hello ]`},
	"ipcctl mmap data.bin --private --write hello": {setup: `head -c 4096 /dev/zero > data.bin; cp data.bin orig.bin`, check: `cmp -s data.bin orig.bin`,
		codes: map[int]string{0: "the file is unchanged"}},
	"ipcctl mmap data.bin --length 1M --grow": {setup: `head -c 4096 /dev/zero > data.bin`, check: `[ "$(wc -c < data.bin)" -ge 1048576 ]`},
	"ipcctl mmap data.bin --advise willneed --lock --hold": {setup: `head -c 65536 /dev/zero > data.bin`, hold: true,
		check: `grep -q "$PWD/data.bin" /proc/$pid/maps`},
	"ipcctl mmap anon --size 4M --hugetlb --hugepage-size 2M --populate": {codes: map[int]string{0: "", 7: "fill the pool with: ipcctl hugepage set 2M --min +"}},
	"ipcctl mmap residency -r /var/lib/db --map --json": {setup: `mkdir -p db/sub; head -c 8192 /dev/zero > db/a; head -c 4096 /dev/zero > db/sub/b`,
		rewrite: []string{"/var/lib/db", "$PWD/db"}, check: `grep -q '/db/sub/b"' "$OUT"`},
	"ipcctl mmap touch big.img --lock": {setup: `head -c 1048576 /dev/zero > big.img`, hold: true,
		check: `awk '/^VmLck:/ {exit !($2 >= 1024)}' /proc/$pid/status`},
	"ipcctl mmap evict big.img": {setup: `head -c 1048576 /dev/zero > big.img`},

	// prune: orphans made by processes that are gone (ipcmk exits at once).
	// The test's user namespace cannot read the host's processes: prune
	// says so and keeps POSIX objects, unless told to go ahead.
	"ipcctl prune --dry-run": {setup: sysvField + `ipcmk -M 4096 >/dev/null; ipcctl create pshm /held --size 4K >>made`,
		codes: map[int]string{0: "could not be read"}, check: `grep -q 'nattch 0' "$OUT"; [ "$(wc -l < /proc/sysvipc/shm)" = 2 ]`},
	"ipcctl prune shm --older-than 7d --owner postgres --dry-run --json": {setup: withUsers,
		codes: map[int]string{0: "dry run"}, check: `grep -q '"prune"' "$OUT"`},
	"ipcctl prune --older-than 1d --yes -v": {setup: `ipcmk -M 4096 >/dev/null`, codes: map[int]string{0: "could not be read"}, check: `[ "$(wc -l < /proc/sysvipc/shm)" = 2 ]`},
	"ipcctl prune pshm psem --yes --json":   {setup: `ipcctl create pshm /gone --size 4K >>made`, rewrite: []string{"--yes", "--yes --ignore-unreadable"}, check: `[ ! -e /dev/shm/gone ] && grep -q '"/gone"' "$OUT"`},

	// monitoring.
	"ipcctl metrics":    {check: `grep -q '^ipcctl_shm_segments ' "$OUT"`},
	"ipcctl metrics -A": {setup: `ipcctl create shm --size 4K >>made`, check: `ns=$(readlink /proc/self/ns/ipc | tr -dc 0-9); grep -q "^ipcctl_shm_segments{ns=\"$ns\"} 1\$" "$OUT" && grep -q 'collector="meminfo",ns=""} 1$' "$OUT"`},
	"ipcctl metrics --per-object --per-object-limit 50": {setup: `ipcctl create pshm /m --size 4K >>made`, check: `grep -q 'ipcctl_pshm_object_size_bytes{name="/m"' "$OUT"`},
	"textdir=$(mktemp -d)":                              {check: `[ -d "$textdir" ]`},
	"ipcctl metrics --out \"$textdir/ipcctl.prom\"":     {setup: `textdir=$(mktemp -d)`, check: `grep -q '^ipcctl_' "$textdir/ipcctl.prom"`},
	"ipcctl serve &":                                    {codes: map[int]string{0: "ipcctl serve: "}, check: `n=0; until curl -sf http://127.0.0.1:19121/metrics >/dev/null; do n=$((n+1)); [ $n -lt 200 ]; sleep 0.05; done; kill $!; wait $!`},
	"sleep 1; curl -s http://127.0.0.1:19121/metrics | grep '^ipcctl_shm_segments '": {setup: `ipcctl serve 2>>serve.err & SERVE=$!`, check: `kill $SERVE; wait $SERVE`},
	"kill $!": {setup: `ipcctl serve 2>>serve.err & sleep 1`},

	// containers: a child in IPC + mount namespaces of its own stands for one.
	"ipcctl ls --ns 4242 --json": {setup: container, rewrite: []string{"4242", "$CT"},
		check: `grep -q '"/inside"' "$OUT" && ! grep -q '"/outside"' "$OUT"`},
	"ipcctl limits --ns 4242": {setup: container, rewrite: []string{"4242", "$CT"}, check: `grep -q QUEUES_MAX "$OUT"`},
	"ipcctl ls -A":            {setup: container, check: `grep -q /inside "$OUT" && grep -q /outside "$OUT"`},
	"ipcctl ls -A shm -o ns,container,id,nattch,command": {setup: container + `ipcctl create shm --size 4K >>made`, check: `grep -q host "$OUT" || grep -q ' - ' "$OUT"`},
	"ipcctl show pshm /cache": {setup: `ipcctl create pshm /cache --size 4K >>made; ipcctl attach pshm /cache --hold >/dev/null 2>&1 & HOLD=$!; sleep 0.5`,
		check: `kill $HOLD; wait $HOLD || true; grep -q '^------ Holders ------' "$OUT"; grep -q " mapped" "$OUT"`},
	"ipcctl ls shm -o +command,holders": {setup: sysvField + `SHM=$(ipcctl create shm --size 4K); ipcctl attach shm $SHM --hold >/dev/null 2>&1 & HOLD=$!
n=0; until [ "$(field shm nattch "$SHM")" = 1 ]; do n=$((n+1)); [ $n -lt 200 ]; sleep 0.02; done`,
		check: `kill $HOLD; wait $HOLD || true; grep -q ":ipcctl(mapped)" "$OUT"`},

	// the util-linux front-ends, through links made in the example's own dir.
	// (-o build: the binary make test built is the one linked, not rebuilt under the running tests.)
	"make install-links PREFIX=/opt/ipcctl": {setup: `cd "$REPO"`, rewrite: []string{"make install-links PREFIX=/opt/ipcctl", `make -s -o build install-links PREFIX="$WORK/opt"`},
		check: `[ -L "$WORK/opt/bin/ipcs" ] && "$WORK/opt/bin/ipcs" -V | grep -q 'from util-linux'`},
	"export PATH=/opt/ipcctl/bin:$PATH": {setup: links, rewrite: []string{"/opt/ipcctl/bin", "$PWD/opt/bin"}, check: `[ "$(command -v ipcs)" = "$PWD/opt/bin/ipcs" ]`},
	"ipcs -m | awk '$6 == 0'":           {setup: links + `ipcctl create shm --size 4K >>made`, check: `grep -q '^0x00000000' "$OUT"`},
	"ipcrm -M 0x1234abcd":               {setup: links + `ipcctl create shm --size 4K --key 0x1234abcd >>made`, check: `[ "$(wc -l < /proc/sysvipc/shm)" = 1 ]`},
	"lsipc -g --json":                   {setup: links, check: `grep -q '"resource": "SHMMNI"' "$OUT"`},
	"ipcmk -m 1M -n /cache":             {setup: links, check: `[ "$(stat -c %s /dev/shm/cache)" = 1048576 ]`},
	"lsipc -M":                          {setup: links + `ipcctl create pshm /m --size 4K >>made`, check: `grep -q '^m ' "$OUT"`},
	"ipcctl compat ipcs -a":             {check: `grep -q 'Shared Memory Segments' "$OUT"`},
}

// container starts a child in IPC and mount namespaces of its own ($CT)
// with /dev/shm/inside, while ours has /dev/shm/outside.
const container = `touch /dev/shm/outside
unshare --ipc --mount sh -c 'mount -t tmpfs tmpfs /dev/shm && touch /dev/shm/inside && mount -t mqueue mqueue /dev/mqueue && exec sleep 60' &
CT=$!; n=0; until [ "$(readlink /proc/$CT/ns/ipc)" != "$(readlink /proc/self/ns/ipc)" ] && [ -e /proc/$CT/root/dev/shm/inside ]; do n=$((n+1)); [ $n -lt 200 ]; sleep 0.02; done
`

// links puts ipcs, ipcrm, ipcmk and lsipc links to ipcctl first on PATH.
const links = `mkdir -p opt/bin; for n in ipcs ipcrm ipcmk lsipc; do ln -s "$(command -v ipcctl)" opt/bin/$n; done; export PATH="$PWD/opt/bin:$PATH"
`

// readmeNotRun are the examples that cannot run in a test namespace.
var readmeNotRun = map[string]string{
	"make test": "runs this whole suite, this test included",
	"ipcctl hugepage mount /mnt/huge --size 2M --max-size 4G --uid postgres --mode 0770": "mounting hugetlbfs needs CAP_SYS_ADMIN in the initial user namespace, and would mount on the host's /mnt/huge (TestHugepageMountUmount mounts on a temp dir where it can, and checks the refusal, exit 4 and nothing mounted, where it cannot)",
	"ipcctl hugepage umount /mnt/huge":                                                   "unmounts the host's /mnt/huge (TestMountAndUmountValidation runs umount against a fixture tree)",
}

// unfenced matches a line of prose that is really an example.
var unfenced = regexp.MustCompile(`^\s*(\$ )?(sudo )?([A-Z_]+=\S* )*(ipcctl|[a-z]+=\$\(ipcctl|make|go (run|install|build)) `)

// readmeExamples reads the example lines of every ```sh block of the
// README, without their comments.
func readmeExamples(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	fence := ""
	pending := ""
	for n, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") {
			switch {
			case fence == "":
				fence = strings.TrimPrefix(trimmed, "```")
			default:
				fence = ""
			}
			continue
		}
		if fence == "" && unfenced.MatchString(line) {
			t.Errorf("README.md:%d: example outside a ```sh block: %q", n+1, line)
		}
		if fence != "sh" {
			continue
		}
		cmd := strings.TrimSpace(stripComment(line))
		if cmd == "" {
			continue
		}
		if c, ok := strings.CutSuffix(cmd, "\\"); ok {
			pending += c
			continue
		}
		cmd = pending + cmd
		pending = ""
		if slices.Contains(out, cmd) {
			t.Errorf("README.md:%d: example %q appears twice", n+1, cmd)
		}
		out = append(out, cmd)
	}
	if fence != "" {
		t.Errorf("README.md: a ``` block is never closed")
	}
	return out
}

// stripComment drops a shell comment: a # that starts a word outside
// quotes.
func stripComment(line string) string {
	var quote rune
	for i, r := range line {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t'):
			return line[:i]
		}
	}
	return line
}

// changesHost matches examples that would write the host's sysfs or
// mounts: they run only with --dry-run or against a fixture (--fs-root).
var changesHost = regexp.MustCompile(`\bipcctl (hugepage (set|mount|umount)|thp set)\b|\bsysctl\b|(^|[;&|]\s*)(u?mount)\b`)

func TestReadmeExamples(t *testing.T) {
	examples := readmeExamples(t)
	if len(examples) < 50 {
		t.Fatalf("only %d examples found in README.md's ```sh blocks", len(examples))
	}
	for _, ex := range examples {
		_, run := readmeRun[ex]
		_, skip := readmeNotRun[ex]
		if run == skip {
			t.Errorf("README example %q is %s: give it an entry in readmeRun (with its set-up) or in readmeNotRun (with the reason)", ex, map[bool]string{false: "neither run nor listed", true: "both run and listed"}[run])
		}
	}
	for _, table := range []map[string]readmeExample{readmeRun} {
		for ex := range table {
			if !slices.Contains(examples, ex) {
				t.Errorf("readmeRun has %q, which README.md no longer shows", ex)
			}
		}
	}
	for ex, why := range readmeNotRun {
		if !slices.Contains(examples, ex) {
			t.Errorf("readmeNotRun has %q, which README.md no longer shows", ex)
		}
		t.Logf("not run: %s (%s)", ex, why)
	}

	nstest.Require(t)
	for _, tool := range []string{"sh", "mount", "ipcs", "awk", "stat", "dd", "od", "cmp", "head", "grep", "readlink", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the README examples' set-up and checks need %s: %v", tool, err)
		}
	}
	bin := t.TempDir()
	if err := os.Symlink(testutil.Binary(t), filepath.Join(bin, "ipcctl")); err != nil {
		t.Fatal(err)
	}
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range examples {
		spec, ok := readmeRun[ex]
		if !ok {
			continue
		}
		t.Run(ex, func(t *testing.T) {
			t.Parallel()
			runReadmeExample(t, ex, spec, bin, repo)
		})
	}
}

func runReadmeExample(t *testing.T, ex string, spec readmeExample, bin, repo string) {
	cmd := ex
	for i := 0; i+1 < len(spec.rewrite); i += 2 {
		if !strings.Contains(cmd, spec.rewrite[i]) {
			t.Fatalf("rewrite %q does not occur in the example", spec.rewrite[i])
		}
		cmd = strings.ReplaceAll(cmd, spec.rewrite[i], spec.rewrite[i+1])
	}
	if changesHost.MatchString(cmd) && !strings.Contains(cmd, "--dry-run") && !strings.Contains(cmd, "--fs-root") {
		t.Fatalf("refusing to run %q: it would change the host (give it --dry-run or a fixture, or list it in readmeNotRun)", cmd)
	}
	if spec.sysvIPC {
		if err := exec.Command("/usr/bin/python3", "-c", "import sysv_ipc").Run(); err != nil {
			t.Skipf("its check reads through Python's sysv_ipc, which is missing (python3-sysv-ipc): %v", err)
		}
	}
	work := t.TempDir()
	fixture := hptest.Copy(t, "numa2")
	var script strings.Builder
	// A private mount namespace of our own, or nothing runs: the example's
	// mounts (fresh /dev/shm and /dev/mqueue, a private /etc/passwd) must
	// never reach the test's namespace, let alone the host's. Loopback is
	// brought up in the example's fresh network namespace.
	script.WriteString(`set -e
[ "$(readlink /proc/self/ns/mnt)" != "$(readlink /proc/1/ns/mnt)" ] || { echo "not in a private mount namespace" >&2; exit 97; }
mount --make-rprivate /
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
mount -t mqueue -o nosuid,nodev,noexec mqueue /dev/mqueue
if command -v ip >/dev/null; then ip link set lo up; fi
cd "$WORK"
`)
	script.WriteString(spec.setup + "\n")
	if spec.hold {
		script.WriteString(strings.TrimSuffix(strings.TrimSpace(cmd), "&") + ` >"$OUT" 2>"$ERR" &
pid=$!
n=0
until grep -q holding "$ERR"; do
	n=$((n+1))
	if [ $n -gt 400 ] || ! kill -0 $pid 2>/dev/null; then echo "the example never said it was holding" >&2; break; fi
	sleep 0.05
done
trap 'echo "check failed while holding" >&2; kill -TERM $pid' EXIT
` + spec.check + `
trap - EXIT
kill -TERM $pid 2>/dev/null || true
set +e; wait $pid; echo $? >"$CODE"; set -e
`)
	} else {
		script.WriteString("set +e\n{ " + cmd + "\n} >\"$OUT\" 2>\"$ERR\"\necho $? >\"$CODE\"\nset -e\n")
		// The check runs in this shell (set -e), so it sees $! and may wait.
		script.WriteString("trap 'echo \"check failed\" >&2' EXIT\n" + spec.check + "\ntrap - EXIT\n")
	}
	out, errf, codef := filepath.Join(work, ".out"), filepath.Join(work, ".err"), filepath.Join(work, ".code")
	sh := exec.Command("sh", "-c", script.String())
	sh.Dir = work
	sh.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "TMPDIR="+work, "WORK="+work, "OUT="+out, "ERR="+errf, "CODE="+codef,
		"FIXTURE="+string(fixture), "REPO="+repo)
	// Its own network namespace too: an example that serves on a fixed
	// port (ipcctl serve) cannot clash with another test's.
	sh.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWIPC | syscall.CLONE_NEWNS | syscall.CLONE_NEWNET}
	var shOut, shErr bytes.Buffer
	sh.Stdout, sh.Stderr = &shOut, &shErr
	runErr := sh.Run()
	stdout, _ := os.ReadFile(out)
	stderr, _ := os.ReadFile(errf)
	codeText, _ := os.ReadFile(codef)
	report := fmt.Sprintf("ran: %s\nexample stdout:\n%s\nexample stderr:\n%s\nset-up/check output:\n%s%s", cmd, stdout, stderr, shOut.String(), shErr.String())
	if runErr != nil || strings.Contains(shErr.String(), "check failed") || strings.Contains(shErr.String(), "never said") {
		t.Fatalf("%v\n%s", runErr, report)
	}
	var code int
	if _, err := fmt.Sscan(string(codeText), &code); err != nil {
		t.Fatalf("no exit status recorded\n%s", report)
	}
	codes := spec.codes
	if codes == nil {
		codes = map[int]string{0: ""}
	}
	want, ok := codes[code]
	if !ok {
		t.Fatalf("exit %d; the README allows %v\n%s", code, slices.Sorted(maps.Keys(codes)), report)
	}
	if code != 0 {
		if !strings.Contains(string(stderr), want) {
			t.Errorf("exit %d without %q on stderr\n%s", code, want, report)
		}
		return
	}
	for _, line := range strings.Split(strings.TrimSpace(string(stderr)), "\n") {
		switch {
		case line == "", want != "" && strings.Contains(line, want), spec.hold && strings.Contains(line, "holding"):
		default:
			t.Errorf("exit 0 with an error on stderr: %q\n%s", line, report)
		}
	}
}
