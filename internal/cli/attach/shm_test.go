package attach

import (
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/testutil"
)

// TestNewCmdAttach: argv → options for attach shm and attach pshm (an
// argument starting with / is a pshm case).
func TestNewCmdAttach(t *testing.T) {
	u := func(n uint64) *uint64 { return &n }
	for _, tc := range []struct {
		args    string
		want    Options
		wantErr string
	}{
		{args: "5 --read", want: Options{ID: 5, Read: true}},
		{args: "5 --hexdump --offset 1K --length 16", want: Options{ID: 5, Hexdump: true, Offset: 1024, Length: u(16)}},
		{args: "5 --write hello --offset 3", want: Options{ID: 5, Write: true, Offset: 3}},
		{args: "5 --write --in f", want: Options{ID: 5, Write: true, In: "f"}},
		{args: "5 --hold --rdonly", want: Options{ID: 5, Hold: true, ReadOnly: true}},
		{args: "5 --read --out o --hold", want: Options{ID: 5, Read: true, Out: "o", Hold: true}},
		{args: "5", wantErr: "nothing to do"},
		{args: "5 --write x --rdonly", wantErr: "if any flags in the group [write rdonly]"},
		{args: "5 --read --write", wantErr: "if any flags in the group"},
		{args: "5 --read extra", wantErr: "DATA goes with --write"},
		{args: "5 --write x --in f", wantErr: "DATA or --in"},
		{args: "5 --read --in f", wantErr: "--in writes; it does not go with --read"},
		{args: "5 --in f", want: Options{ID: 5, Write: true, In: "f"}},
		{args: "5 --write --in -", want: Options{ID: 5, Write: true, In: "-"}},
		{args: "5 --write=hello --offset 3", want: Options{ID: 5, Write: true, Offset: 3}},
		{args: "5 --write=hello extra", wantErr: "--write=DATA was given"},
		{args: "5 --write=hello --in f", wantErr: "DATA or --in"},
		{args: "5 --write --out f", wantErr: "--out goes with"},
		{args: "5 --write x --length 3", want: Options{ID: 5, Write: true, Length: u(3)}},
		{args: "5 --hold --offset 3", wantErr: "--offset and --length go with"},
		{args: "5 --read --offset -1", wantErr: "invalid size"},
		{args: "5 --read --length 99999999999999999999", wantErr: "invalid size"},
		{args: "2147483648 --read", wantErr: "invalid id"},
		{args: "", wantErr: "want an id"},
		{args: "/seg --read", want: Options{Name: "/seg", Read: true}},
		{args: "/seg --write hi --offset 4K", want: Options{Name: "/seg", Write: true, Offset: 4096}},
		{args: "/seg --hold --rdonly", want: Options{Name: "/seg", Hold: true, ReadOnly: true}},
		{args: "/seg", wantErr: "attach pshm: nothing to do"},
		{args: "/a/b --read", wantErr: "invalid POSIX name"},
		{args: "/.. --read", wantErr: "invalid POSIX name"},
		{args: "/seg --read extra", wantErr: "DATA goes with --write"},
		{args: "/seg --write=x --length 3", want: Options{Name: "/seg", Write: true, Length: u(3)}},
		{args: "/", wantErr: "invalid POSIX name"},
	} {
		t.Run(tc.args, func(t *testing.T) {
			argv := "shm " + tc.args
			if strings.HasPrefix(tc.args, "/") {
				argv = "pshm " + tc.args
			}
			got, _, err := testutil.ParseArgs(NewCmdAttach, argv)
			if tc.wantErr != "" {
				// cobra's flag-group errors become usage errors in the root command.
				usage := cmdutil.ExitCode(err) == cmdutil.ExitUsage || strings.Contains(tc.wantErr, "if any flags in the group")
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !usage {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != tc.want.ID || got.Name != tc.want.Name || got.Read != tc.want.Read || got.Write != tc.want.Write || got.Hexdump != tc.want.Hexdump ||
				got.ReadOnly != tc.want.ReadOnly || got.Hold != tc.want.Hold || got.Offset != tc.want.Offset ||
				got.In != tc.want.In || got.Out != tc.want.Out || (got.Length == nil) != (tc.want.Length == nil) ||
				(got.Length != nil && *got.Length != *tc.want.Length) {
				t.Errorf("options = %+v, want %+v", *got, tc.want)
			}
		})
	}
}
