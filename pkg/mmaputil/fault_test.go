package mmaputil

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"golang.org/x/sys/unix"
)

// truncatedMapping maps 3 pages of a file and then cuts the file to one
// page: the last two pages of the mapping now raise SIGBUS when touched.
func truncatedMapping(t *testing.T) (*Mapping, string) {
	t.Helper()
	p := writeFile(t, t.TempDir(), "cut", bytes.Repeat([]byte{'a'}, 3*PageSize))
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := MapFile(f, FileOptions{Prot: unix.PROT_READ | unix.PROT_WRITE})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	if err := f.Truncate(int64(PageSize)); err != nil {
		t.Fatal(err)
	}
	return m, p
}

func wantFault(t *testing.T, what string, err error, minOff int64) {
	t.Helper()
	var fe *FaultError
	if !errors.As(err, &fe) {
		t.Fatalf("%s: %v, want a *FaultError", what, err)
	}
	if fe.Offset >= 0 && fe.Offset < minOff {
		t.Errorf("%s: fault at offset %d, want at or after %d", what, fe.Offset, minOff)
	}
	if !strings.Contains(fe.Error(), "truncated while mapped") {
		t.Errorf("%s: %q does not say the file was truncated", what, fe.Error())
	}
}

// Every way of touching a mapping survives SIGBUS and says why.
func TestFaultsBecomeErrors(t *testing.T) {
	nstest.Require(t)
	m, _ := truncatedMapping(t)
	page := int64(PageSize)

	buf := make([]byte, 10)
	if n, err := m.ReadAt(buf, 0); n != 10 || err != nil {
		t.Fatalf("ReadAt of the page still there: %d %v", n, err)
	}
	_, err := m.ReadAt(buf, 2*page)
	wantFault(t, "ReadAt", err, 2*page)
	_, err = m.WriteAt([]byte("x"), page+5)
	wantFault(t, "WriteAt", err, page)

	var b bytes.Buffer
	_, err = m.WriteTo(&b)
	wantFault(t, "WriteTo a buffer", err, page)

	out, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	n, err := m.WriteTo(out)
	wantFault(t, "WriteTo a file (write(2): EFAULT)", err, page)
	if n != page {
		t.Errorf("WriteTo a file wrote %d bytes before the fault, want the %d that exist", n, page)
	}

	pr, pw, _ := os.Pipe()
	go io.Copy(io.Discard, pr)
	_, err = m.WriteTo(pw)
	pw.Close()
	wantFault(t, "WriteTo a pipe (vmsplice: EFAULT)", err, 0)

	wantFault(t, "Populate", m.Populate(), page)

	if err := m.ReadPages(); err == nil {
		t.Error("ReadPages of a truncated mapping: no error")
	} else if !strings.Contains(err.Error(), "truncated while mapped") {
		t.Errorf("ReadPages: %v", err)
	}
}

// A fault outside the memory Guard guards is a bug elsewhere: it still
// panics instead of turning into an error about the wrong mapping.
func TestGuardFaultElsewherePanics(t *testing.T) {
	nstest.Require(t)
	m, _ := truncatedMapping(t)
	other := make([]byte, 8)
	defer func() {
		if recover() == nil {
			t.Error("a fault outside the guarded memory did not panic")
		}
	}()
	err := Guard(other, "read", nil, func() { sink = m.Bytes()[2*PageSize] })
	t.Errorf("Guard returned %v", err)
}

// Guard leaves the goroutine's panic-on-fault setting as it found it.
func TestGuardRestoresSetting(t *testing.T) {
	nstest.Require(t)
	m, _ := truncatedMapping(t)
	if err := Guard(m.Bytes(), "read", nil, func() { sink = m.Bytes()[2*PageSize] }); err == nil {
		t.Error("no fault")
	}
	if prev := debug.SetPanicOnFault(false); prev {
		t.Error("Guard left SetPanicOnFault on")
	}
}
