package hugepage

import (
	"fmt"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/hugetlb"
	"github.com/spf13/cobra"
)

// MountsOptions are the parsed arguments of `ipcctl hugepage mounts`.
type MountsOptions struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory
	Output  cmdutil.OutputOptions
}

// NewCmdMounts builds `hugepage mounts`.
func NewCmdMounts(f *cmdutil.Factory, runF func(*MountsOptions) error) *cobra.Command {
	opts := &MountsOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "mounts",
		Short: "List hugetlbfs mounts with their page size and limits",
		Long:  "List the hugetlbfs mounts of /proc/mounts. Replaces hugeadm --list-all-mounts.",
		Example: `  ipcctl hugepage mounts
  ipcctl hugepage mounts -o +mode,uid,gid --json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return mountsRun(opts)
		},
	}
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func mountsRun(opts *MountsOptions) error {
	ropts, cols, done, err := cmdutil.Listing(&opts.Output, opts.Factory, "mounts", columns.HugetlbfsMounts())
	if done || err != nil {
		return err
	}
	mounts, err := client(opts.Factory).Mounts()
	if err != nil {
		return fmt.Errorf("hugepage mounts: %w", err)
	}
	return table.Render(opts.IO.Out, ropts, cols.Build("mounts", "Hugetlbfs Mounts", mounts))
}

// MountOptions are the parsed arguments of `ipcctl hugepage mount`.
type MountOptions struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory

	Dir              string
	Size             string
	MaxSize, MinSize string
	NrInodes         uint64
	UID, GID, Mode   string
	DryRun           bool
}

// NewCmdMount builds `hugepage mount`.
func NewCmdMount(f *cmdutil.Factory, runF func(*MountOptions) error) *cobra.Command {
	opts := &MountOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "mount DIR --size SIZE",
		Short: "Mount a hugetlbfs for one page size",
		Long: `Mount a hugetlbfs on DIR whose files use huge pages of SIZE.

--max-size caps the memory of all files in the mount; --min-size reserves
pages for it at mount time; --nr-inodes caps the number of files. DIR must
exist. Mounting needs CAP_SYS_ADMIN in the initial user namespace.

Equivalent to: mount -t hugetlbfs -o pagesize=SIZE,... none DIR`,
		Example: `  ipcctl hugepage mount /dev/hugepages-1G --size 1G
  ipcctl hugepage mount /mnt/huge --size 2M --max-size 4G --uid postgres --mode 0770`,
		Args: cmdutil.ExactArgs(1, "a mount point DIR"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = args[0]
			if runF != nil {
				return runF(opts)
			}
			return mountRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Size, "size", "default", "huge page `SIZE` of the mount (2M, 1G, default)")
	fl.StringVar(&opts.MaxSize, "max-size", "", "most memory all files may use (`SIZE`)")
	fl.StringVar(&opts.MinSize, "min-size", "", "memory reserved for the mount (`SIZE`)")
	fl.Uint64Var(&opts.NrInodes, "nr-inodes", 0, "most files (`N`, 0 = unlimited)")
	fl.StringVar(&opts.UID, "uid", "", "owner of the root directory (`USER` or uid)")
	fl.StringVar(&opts.GID, "gid", "", "group of the root directory (`GROUP` or gid)")
	fl.StringVar(&opts.Mode, "mode", "", "permissions of the root directory (octal `MODE`)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print the mount and change nothing")
	return cmd
}

// mountOptions turns the flags into hugetlbfs options.
func (opts *MountOptions) mountOptions(pageSize uint64) (hugetlb.MountOptions, error) {
	o := hugetlb.MountOptions{PageSize: pageSize, NrInodes: opts.NrInodes}
	var err error
	for _, x := range []struct {
		s   string
		dst *uint64
	}{{opts.MaxSize, &o.MaxSize}, {opts.MinSize, &o.MinSize}} {
		if x.s != "" {
			if *x.dst, err = cmdutil.ParseSize(x.s); err != nil {
				return o, err
			}
		}
	}
	if o.MaxSize != 0 && o.MinSize > o.MaxSize {
		return o, cmdutil.FlagErrorf("--min-size %s is larger than --max-size %s", opts.MinSize, opts.MaxSize)
	}
	if opts.UID != "" {
		uid, err := cmdutil.ParseUID(opts.UID)
		if err != nil {
			return o, err
		}
		o.UID = &uid
	}
	if opts.GID != "" {
		gid, err := cmdutil.ParseGID(opts.GID)
		if err != nil {
			return o, err
		}
		o.GID = &gid
	}
	if opts.Mode != "" {
		mode, err := cmdutil.ParseMode(opts.Mode, 0o7777)
		if err != nil {
			return o, err
		}
		o.Mode = &mode
	}
	return o, nil
}

func mountRun(opts *MountOptions) error {
	c := client(opts.Factory)
	pool, err := findPool(c, opts.Size)
	if err != nil {
		return fmt.Errorf("hugepage mount: %w", err)
	}
	mo, err := opts.mountOptions(pool.PageSize)
	if err != nil {
		return err
	}
	if opts.DryRun {
		return cmdutil.WriteLine(opts.IO.Out, "hugepage mount", "dry run: would mount -t hugetlbfs -o %s none %s\n", mo, opts.Dir)
	}
	if err := c.Mount(opts.Dir, mo); err != nil {
		return cmdutil.PrefixError("hugepage mount "+opts.Dir, err)
	}
	return cmdutil.WriteLine(opts.IO.Out, "hugepage mount", "mounted hugetlbfs (%s) on %s\n", mo, opts.Dir)
}

// UmountOptions are the parsed arguments of `ipcctl hugepage umount`.
type UmountOptions struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory
	Dir     string
	DryRun  bool
}

// NewCmdUmount builds `hugepage umount`.
func NewCmdUmount(f *cmdutil.Factory, runF func(*UmountOptions) error) *cobra.Command {
	opts := &UmountOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "umount DIR",
		Short: "Unmount a hugetlbfs",
		Long:  "Unmount the hugetlbfs on DIR. Anything else mounted there is refused (exit 3).",
		Example: `  ipcctl hugepage umount /mnt/huge
  ipcctl hugepage umount /mnt/huge --dry-run`,
		Args: cmdutil.ExactArgs(1, "a mount point DIR"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = args[0]
			if runF != nil {
				return runF(opts)
			}
			return umountRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print the unmount and change nothing")
	return cmd
}

func umountRun(opts *UmountOptions) error {
	c := client(opts.Factory)
	if opts.DryRun {
		dir, err := c.HugetlbfsMountPoint(opts.Dir)
		if err != nil {
			return fmt.Errorf("hugepage umount: %w", err)
		}
		return cmdutil.WriteLine(opts.IO.Out, "hugepage umount", "dry run: would umount %s\n", dir)
	}
	dir, err := c.Unmount(opts.Dir)
	if err != nil {
		return fmt.Errorf("hugepage umount: %w", err)
	}
	return cmdutil.WriteLine(opts.IO.Out, "hugepage umount", "unmounted %s\n", dir)
}
