package limits

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/golden"
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

func TestNewCmdLimits(t *testing.T) {
	for _, tc := range []struct {
		argv    string
		want    cmdutil.OutputOptions
		wantErr string
	}{
		{argv: "", want: cmdutil.OutputOptions{}},
		{argv: "--json", want: cmdutil.OutputOptions{JSON: true}},
		{argv: "-o resource,used,limit --raw -n", want: cmdutil.OutputOptions{Columns: "resource,used,limit", Raw: true, NoHeadings: true}},
		{argv: "--export -b", want: cmdutil.OutputOptions{Export: true, Bytes: true}},
		{argv: "--list-columns", want: cmdutil.OutputOptions{ListColumns: true}},
		{argv: "shm", wantErr: `unexpected argument "shm"`},
		{argv: "--json --raw", wantErr: "none of the others"},
	} {
		t.Run(tc.argv, func(t *testing.T) {
			got, f, err := testutil.ParseArgs(NewCmdLimits, tc.argv)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Output != tc.want || got.IO != f.IOStreams || got.Factory != f {
				t.Errorf("options = %+v, want output %+v", *got, tc.want)
			}
		})
	}
}

// TestLimitsRun renders the limits of fixture trees. "fs" has the default
// limits of a 6.x kernel (shmall and shmmax near 2^64) and two POSIX
// queues; "small" has tight limits and no mqueue (null POSIX values).
func TestLimitsRun(t *testing.T) {
	if os.Getpagesize() != 4096 {
		t.Skip("goldens count SHMALL usage in 4 KiB pages")
	}
	for _, tc := range []struct {
		name, tree, argv string
	}{
		{"human", "fs", ""},
		{"raw", "fs", "--raw"},
		{"export", "fs", "--export"},
		{"json", "fs", "--json"},
		{"small-human-bytes", "small", "-b -o +kind,unit"},
		{"small-json", "small", "--json"},
		{"free-json", "fs", "-o resource,used,limit,free --json"},
		{"list-columns", "fs", "--list-columns"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ios, _, out, _ := iostreams.Test()
			f := &cmdutil.Factory{IOStreams: ios, FS: procfs.FS(filepath.Join("testdata", tc.tree)), Now: time.Now}
			if err := testutil.Execute(NewCmdLimits(f, nil), tc.argv); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "golden", tc.name+".golden"), out.Bytes())
		})
	}
}

func TestLimitsRunWithoutSysV(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, FS: procfs.FS(t.TempDir()), Now: time.Now}
	err := testutil.Execute(NewCmdLimits(f, nil), "")
	if cmdutil.ExitCode(err) != cmdutil.ExitUnsupported {
		t.Fatalf("err = %v (exit %d), want exit %d", err, cmdutil.ExitCode(err), cmdutil.ExitUnsupported)
	}
}
