package procfs

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// NamespaceInode reads the link /proc/PROC/ns/TYPE ("ipc:[4026531839]")
// and returns the namespace's inode number, which names the namespace:
// two processes share a namespace exactly when their inodes are equal
// (all namespaces live on the one nsfs filesystem). PROC is a pid,
// "self" or "thread-self". Reading another user's link needs ptrace
// access to that process (an error wrapping fs.ErrPermission without
// it); a process that has exited gives fs.ErrNotExist.
func (f FS) NamespaceInode(proc, typ string) (uint64, error) {
	rel := "proc/" + proc + "/ns/" + typ
	link, err := os.Readlink(f.Path(rel))
	if err != nil {
		return 0, err
	}
	return ParseNamespaceLink(rel, typ, link)
}

// NamespaceInodePID is NamespaceInode for a pid.
func (f FS) NamespaceInodePID(pid int, typ string) (uint64, error) {
	return f.NamespaceInode(strconv.Itoa(pid), typ)
}

// ParseNamespaceLink parses the target of a /proc/PID/ns/TYPE link,
// "TYPE:[INODE]", and returns INODE.
func ParseNamespaceLink(file, typ, link string) (uint64, error) {
	rest, ok := strings.CutPrefix(link, typ+":[")
	if !ok || !strings.HasSuffix(rest, "]") {
		return 0, &ParseError{File: file, Msg: fmt.Sprintf("not a %s namespace link: %q", typ, truncate(link))}
	}
	ino, err := strconv.ParseUint(rest[:len(rest)-1], 10, 64)
	if err != nil || ino == 0 {
		return 0, &ParseError{File: file, Msg: fmt.Sprintf("bad namespace inode in %q", truncate(link))}
	}
	return ino, nil
}
