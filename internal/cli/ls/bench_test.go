package ls

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

// writeLargeFixture writes /proc/sysvipc files with n objects of each kind,
// laid out as the kernel prints them.
func writeLargeFixture(b *testing.B, n int) procfs.FS {
	b.Helper()
	root := b.TempDir()
	dir := filepath.Join(root, "proc", "sysvipc")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	var shm, sem, msg strings.Builder
	shm.WriteString("       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n")
	sem.WriteString("       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n")
	msg.WriteString("       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n")
	for i := 0; i < n; i++ {
		key := int32(i*7919 - 1<<30)
		fmt.Fprintf(&shm, "%10d %10d %5o %21d %5d %5d %6d %5d %5d %5d %5d %10d %10d %10d %21d %21d\n",
			key, i, 0o644, 4096*(i%64+1), 1000+i, 0, i%3, 0, 0, 0, 0, 0, 0, 1795460454, 4096, 0)
		fmt.Fprintf(&sem, "%10d %10d %5o %10d %5d %5d %5d %5d %10d %10d\n",
			key, i, 0o600, 4, 0, 0, 0, 0, 0, 1795460454)
		fmt.Fprintf(&msg, "%10d %10d %5o %10d %10d %5d %5d %5d %5d %5d %5d %10d %10d %10d\n",
			key, i, 0o666, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1795460454)
	}
	for name, s := range map[string]string{"shm": shm.String(), "sem": sem.String(), "msg": msg.String()} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return procfs.FS(root)
}

// BenchmarkLsRun6000 lists 2000 objects of each System V kind, as
// scripts/bench-ls.sh does, in each output format.
func BenchmarkLsRun6000(b *testing.B) {
	fsys := writeLargeFixture(b, 2000)
	for _, args := range []string{"", "--json", "--raw", "--export"} {
		b.Run("args="+args, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				f, _, _, _ := testFactory("")
				f.FS = fsys
				f.IOStreams.Out = io.Discard
				opts := &Options{IO: f.IOStreams, Factory: f}
				opts.Output = cmdutil.OutputOptions{JSON: args == "--json", Raw: args == "--raw", Export: args == "--export"}
				if err := lsRun(opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
