package hexdump

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// cases are inputs chosen for the format's corners: partial last line,
// runs of identical lines (squeezed), a run that ends in a partial line,
// identical lines separated by a different one, every byte value.
func cases() map[string][]byte {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	rng := rand.New(rand.NewSource(1))
	random := make([]byte, 1000)
	rng.Read(random)
	mixed := append([]byte("hello\n"), make([]byte, 37)...)
	mixed = append(mixed, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"...)
	alternating := bytes.Repeat(append(bytes.Repeat([]byte{'a'}, 16), bytes.Repeat([]byte{'b'}, 16)...), 3)
	return map[string][]byte{
		"one":         {'x'},
		"sixteen":     []byte("0123456789abcdef"),
		"zeros32":     make([]byte, 32),
		"zeros4096":   make([]byte, 4096),
		"zeros37":     make([]byte, 37),
		"mixed":       mixed,
		"allbytes":    all,
		"random":      random,
		"alternating": alternating,
	}
}

// golden is what `hexdump -C` printed for some cases, so the test also
// runs where util-linux is missing.
var golden = map[string]string{
	"mixed": `00000000  68 65 6c 6c 6f 0a 00 00  00 00 00 00 00 00 00 00  |hello...........|
00000010  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|
00000020  00 00 00 00 00 00 00 00  00 00 00 41 42 43 44 45  |...........ABCDE|
00000030  46 47 48 49 4a 4b 4c 4d  4e 4f 50 51 52 53 54 55  |FGHIJKLMNOPQRSTU|
00000040  56 57 58 59 5a                                    |VWXYZ|
00000045
`,
	"zeros32": `00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|
*
00000020
`,
}

func TestGolden(t *testing.T) {
	c := cases()
	for name, want := range golden {
		var out bytes.Buffer
		if err := Write(&out, c[name], 0); err != nil {
			t.Fatal(err)
		}
		if out.String() != want {
			t.Errorf("%s:\n%s\nwant:\n%s", name, out.String(), want)
		}
	}
	var out bytes.Buffer
	if err := Write(&out, nil, 0); err != nil || out.Len() != 0 {
		t.Errorf("empty input: %q, %v; want nothing", out.String(), err)
	}
}

// TestMatchesHexdump compares with util-linux hexdump -C, with and
// without a start offset (-s), on every case.
func TestMatchesHexdump(t *testing.T) {
	if _, err := exec.LookPath("hexdump"); err != nil {
		t.Skip("hexdump not installed: only the golden cases ran")
	}
	dir := t.TempDir()
	for name, data := range cases() {
		for _, skip := range []int{0, 5, 16} {
			if skip > len(data) {
				continue
			}
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			want, err := exec.Command("hexdump", "-C", "-s", fmt.Sprint(skip), path).Output()
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := Write(&got, data[skip:], uint64(skip)); err != nil {
				t.Fatal(err)
			}
			if got.String() != string(want) {
				t.Errorf("%s -s %d:\ngot:\n%s\nwant:\n%s", name, skip, got.String(), want)
			}
		}
	}
}

// A dump written in pieces of any size is the dump of the whole.
func TestWriterInPieces(t *testing.T) {
	data := append(bytes.Repeat([]byte("same line ......"), 5), []byte("tail bytes: 0123456789abcdefXYZ")...)
	for _, base := range []uint64{0, 4096} {
		var whole bytes.Buffer
		if err := Write(&whole, data, base); err != nil {
			t.Fatal(err)
		}
		for _, piece := range []int{1, 7, 16, 33, len(data)} {
			var got bytes.Buffer
			d := NewWriter(&got, base)
			for i := 0; i < len(data); i += piece {
				d.Write(data[i:min(i+piece, len(data))])
			}
			if err := d.Close(); err != nil {
				t.Fatal(err)
			}
			if got.String() != whole.String() {
				t.Errorf("base %d, pieces of %d:\n%s\nwant\n%s", base, piece, got.String(), whole.String())
			}
		}
	}
}
