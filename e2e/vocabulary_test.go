package e2e

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

// TestAttachAndMmapOneVocabulary: the same flags do the same thing in
// attach and mmap. A POSIX shared memory object is also a file, so each
// command line runs through `attach pshm /NAME` and `mmap /dev/shm/NAME`
// and must write the same bytes or print the same output.
func TestAttachAndMmapOneVocabulary(t *testing.T) {
	nstest.Require(t)
	base := bytes.Repeat([]byte("0123456789abcdef"), 512) // 8 KiB
	for _, tc := range []struct {
		name  string
		args  []string
		stdin string
		want  func([]byte) []byte // the object after; nil: unchanged
	}{
		{"--write=DATA", []string{"--write=AB", "--offset", "5"}, "", at(5, "AB")},
		{"--write DATA", []string{"--write", "CD", "--offset", "4K"}, "", at(4096, "CD")},
		{"--write --in -", []string{"--write", "--in", "-", "--offset", "9"}, "stdin", at(9, "stdin")},
		{"--in - alone", []string{"--in", "-", "--offset", "100"}, "xyz", at(100, "xyz")},
		{"--write=", []string{"--write=", "--offset", "1"}, "", nil},
		{"--read", []string{"--read", "--offset", "4", "--length", "6"}, "", nil},
		{"--hexdump", []string{"--hexdump", "--offset", "16", "--length", "40"}, "", nil},
		{"--hexdump to the end", []string{"--hexdump", "--offset", "8000"}, "", nil},
		{"refused past --length", []string{"--write", "ABCD", "--offset", "8", "--length", "3"}, "", nil},
		{"refused past the end", []string{"--write", "ABCD", "--offset", "8190"}, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var outs [2]testutil.Result
			for i, cmd := range [][]string{{"attach", "pshm", "/e2e-voc"}, {"mmap", "/dev/shm/e2e-voc"}} {
				path := newPshm(t, "/e2e-voc", uint64(len(base)), 0o600)
				if err := os.WriteFile(path, base, 0); err != nil {
					t.Fatal(err)
				}
				outs[i] = testutil.Run(t, tc.stdin, append(cmd, tc.args...)...)
				want := base
				if tc.want != nil {
					want = tc.want(bytes.Clone(base))
				}
				if got, _ := os.ReadFile(path); !bytes.Equal(got, want) {
					t.Errorf("%s %v: object differs from what was asked (exit %d %s)", cmd[0], tc.args, outs[i].Code, outs[i].Stderr)
				}
				os.Remove(path)
			}
			// mmap describes the mapping when it copies nothing out; what is
			// read or dumped must be the same.
			a, m := outs[0], outs[1]
			reading := strings.Contains(strings.Join(tc.args, " "), "--read") || strings.Contains(strings.Join(tc.args, " "), "--hexdump")
			if a.Code != m.Code || (reading && a.Stdout != m.Stdout) {
				t.Errorf("%v: attach exit %d %q, mmap exit %d %q", tc.args, a.Code, a.Stdout, m.Code, m.Stdout)
			}
			if strings.HasPrefix(tc.name, "refused") && (a.Code != 2 || !strings.Contains(a.Stderr, "nothing written") || !strings.Contains(m.Stderr, "nothing written")) {
				t.Errorf("%v: attach %d %q, mmap %d %q; want both refused, nothing written", tc.args, a.Code, a.Stderr, m.Code, m.Stderr)
			}
		})
	}
}

func at(off int, s string) func([]byte) []byte {
	return func(b []byte) []byte { copy(b[off:], s); return b }
}
