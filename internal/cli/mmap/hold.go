package mmap

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/ipcctl/ipcctl/internal/iostreams"
)

// hold announces what it keeps on stderr and waits for SIGINT or SIGTERM.
// A signal is the normal way out: the exit status is 0.
func hold(io *iostreams.IOStreams, what string) error {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(ch)
	fmt.Fprintf(io.ErrOut, "ipcctl: holding %s (pid %d); send SIGINT or SIGTERM to release\n", what, os.Getpid())
	<-ch
	return nil
}
