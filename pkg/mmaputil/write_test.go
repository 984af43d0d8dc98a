package mmaputil

import (
	"bytes"
	"crypto/rand"
	"io"
	"os"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"golang.org/x/sys/unix"
)

// WriteTo gives a pipe exactly the mapped bytes through vmsplice, and
// anything else through plain writes.
func TestWriteTo(t *testing.T) {
	nstest.Require(t)
	want := make([]byte, 300*PageSize+123)
	rand.Read(want)
	p := writeFile(t, t.TempDir(), "src", want)
	m := mapPath(t, p, os.O_RDONLY, FileOptions{Prot: unix.PROT_READ})
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := make(chan []byte)
	go func() { b, _ := io.ReadAll(r); got <- b }()
	n, err := m.WriteTo(w)
	w.Close()
	if b := <-got; err != nil || n != int64(len(want)) || !bytes.Equal(b, want) {
		t.Errorf("to a pipe: wrote %d, err %v, reader got %d bytes, equal=%v", n, err, len(b), bytes.Equal(b, want))
	}
	var buf bytes.Buffer
	if n, err := m.WriteTo(&buf); err != nil || n != int64(len(want)) || !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("to a buffer: %d, %v", n, err)
	}
}
