package cmdutil

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/ipcctl/ipcctl/internal/iostreams"
)

// CanPrompt reports whether a question can be asked: stdin and stderr are
// both terminals (the question goes to stderr so stdout stays clean).
func CanPrompt(io *iostreams.IOStreams) bool {
	return io.IsStdinTTY() && io.IsStderrTTY()
}

// Confirm asks question on stderr and reads one line from stdin; only "y"
// or "yes" (any case) agree. End of input means no.
func Confirm(io *iostreams.IOStreams, question string) (bool, error) {
	fmt.Fprintf(io.ErrOut, "%s [y/N] ", question)
	line, err := bufio.NewReader(io.In).ReadString('\n')
	if err != nil && line == "" {
		fmt.Fprintln(io.ErrOut)
		return false, nil
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}
