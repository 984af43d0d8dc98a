package cmdutil

import (
	"testing"

	"github.com/ipcctl/ipcctl/internal/iostreams"
)

func TestConfirm(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"y\n", true}, {"YES\n", true}, {" yes \n", true}, {"y", true},
		{"n\n", false}, {"\n", false}, {"", false}, {"yeah\n", false},
	} {
		ios, stdin, _, stderr := iostreams.Test()
		stdin.WriteString(tc.in)
		got, err := Confirm(ios, "Remove 3 objects?")
		if err != nil || got != tc.want {
			t.Errorf("Confirm(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if stderr.String()[:len("Remove 3 objects? [y/N] ")] != "Remove 3 objects? [y/N] " {
			t.Errorf("prompt = %q", stderr.String())
		}
	}
}

func TestCanPrompt(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	if CanPrompt(ios) {
		t.Error("buffers are not terminals")
	}
	ios.SetStdinTTY(true)
	ios.SetStderrTTY(true)
	if !CanPrompt(ios) {
		t.Error("stdin and stderr terminals: want a prompt")
	}
}
