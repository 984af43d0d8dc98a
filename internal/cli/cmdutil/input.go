package cmdutil

import (
	"fmt"
	"io"
	"os"
)

// StdinArg names stdin where a command takes a FILE (--in -), and is
// what --write without =DATA stands for (attach, mmap).
const StdinArg = "-"

// ReadInput reads the data a command takes from FILE (path) or, when
// path is empty or StdinArg, from stdin. It reads at most limit+1 bytes, so a caller
// can refuse input longer than limit without reading all of it; name says
// where the data came from, for messages.
func ReadInput(stdin io.Reader, path string, limit uint64) (data []byte, name string, err error) {
	r, name := stdin, "stdin"
	if path != "" && path != StdinArg {
		f, err := os.Open(path)
		if err != nil {
			return nil, path, err
		}
		defer f.Close()
		r, name = f, path
	}
	data, err = io.ReadAll(io.LimitReader(r, int64(min(limit, 1<<62))+1))
	if err != nil {
		return nil, name, fmt.Errorf("read %s: %w", name, err)
	}
	return data, name, nil
}
