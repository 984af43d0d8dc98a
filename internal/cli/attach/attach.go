// Package attach implements `ipcctl attach KIND ...`: attach a shared
// memory object to read, write or dump its bytes, or hold it attached.
// The kinds come from the table of kinds (those that can be attached);
// reading, writing, dumping and holding are the same for all of them
// (segment.go).
package attach

import (
	"fmt"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/kinds"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/spf13/cobra"
)

// NewCmdAttach builds `attach` with one subcommand per kind that can be
// attached; runF replaces the run of each in tests.
func NewCmdAttach(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	var attachable []*kinds.Kind
	for _, k := range kinds.All() {
		if k.CanAttach() {
			attachable = append(attachable, k)
		}
	}
	cmd := &cobra.Command{
		Use:   "attach KIND ID|NAME",
		Short: "Read, write or dump a shared memory segment, or hold it attached",
		Args:  cmdutil.MinimumArgs(1, "a kind ("+kinds.Valid(attachable)+") and an object"),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return kinds.CompleteKinds(attachable), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmdutil.FlagErrorf("unknown kind %q for attach (valid: %s)", args[0], kinds.Valid(attachable))
		},
	}
	for _, k := range attachable {
		sub := newSegmentCmd(f, segmentKindOf(k), runF)
		cmdutil.AddNSFlag(sub, f)
		cmd.AddCommand(sub)
	}
	return cmd
}

// segmentKindOf is how attach names, maps and describes objects of k.
// What differs between families is the word for the object and how a
// read-only attach is made.
func segmentKindOf(k *kinds.Kind) *segmentKind {
	name := string(k.Name)
	sk := &segmentKind{
		name: name,
		parse: func(arg string, opts *Options) error {
			t, err := k.ParseTarget(arg)
			if k.Family == kinds.POSIX {
				opts.Name = t.Name
			} else {
				opts.ID = t.ID
			}
			return err
		},
		attach: func(opts *Options, readOnly bool) (*ipc.Mapping, error) {
			return k.Attach(opts.Factory, kinds.Target{ID: opts.ID, Name: opts.Name}, readOnly)
		},
		label: func(opts *Options) string {
			if k.Family == kinds.POSIX {
				return name + " " + opts.Name
			}
			return fmt.Sprintf("%s %d", name, opts.ID)
		},
	}
	if k.Family == kinds.POSIX {
		sk.use = name + " /NAME [DATA]"
		sk.short = "Read, write or dump a POSIX shared memory object"
		sk.noun = "object"
		sk.rdonly = "map read-only (O_RDONLY, PROT_READ)"
		sk.example = fmt.Sprintf(`  ipcctl attach %[1]s /frames --read --out frames.bin
  ipcctl attach %[1]s /frames --hexdump --length 256
  ipcctl attach %[1]s /frames --write 'hello' --offset 128
  ipcctl attach %[1]s /frames --write --in payload.bin
  ipcctl attach %[1]s /frames --hold --rdonly &`, name)
		sk.long = sk.longHelp(`Map POSIX shared memory object /NAME (shm_open + mmap MAP_SHARED, the
file /dev/shm/NAME) and do one thing with it:`,
			"stay mapped (it shows in /proc/PID/maps) until SIGINT or SIGTERM",
			`--read and --hexdump open and map it read-only, so read
permission is enough; --rdonly makes --hold map read-only too. The
object's size is what it is now: attach never grows or shrinks it.`)
		return sk
	}
	sk.use = name + " ID [DATA]"
	sk.short = "Read, write or dump a System V shared memory segment"
	sk.noun = "segment"
	sk.rdonly = "attach read-only (SHM_RDONLY)"
	sk.example = fmt.Sprintf(`  ipcctl attach %[1]s 42 --read --out seg.bin
  ipcctl attach %[1]s 42 --hexdump --length 256
  ipcctl attach %[1]s 42 --write 'hello' --offset 128
  ipcctl attach %[1]s 42 --write --in payload.bin
  ipcctl attach %[1]s 42 --hold --rdonly &`, name)
	sk.long = sk.longHelp("Attach System V shared memory segment ID (shmat) and do one thing with it:",
		"stay attached (nattch counts this process) until SIGINT or SIGTERM",
		`--read and --hexdump attach read-only (SHM_RDONLY), so read
permission is enough; --rdonly makes --hold attach read-only too.`)
	return sk
}
