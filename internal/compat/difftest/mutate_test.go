package difftest

import (
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

// TestIpcrmMatchesUtilLinux removes objects from the varied population
// (ids and keys are the same in every fresh namespace) with both tools.
func TestIpcrmMatchesUtilLinux(t *testing.T) {
	ul, ours := tools(t)
	for _, args := range [][]string{
		{"-m", "0"}, {"-q", "0", "-s", "0", "-m", "1"}, {"-v", "-m", "0", "-q", "1"}, {"-m", "2"}, {"-m", "3"},
		{"-v", "-s", "2", "-m", "1"}, {"--shmem-id", "4", "--queue-id=2", "--semaphore-id", "1"},
		{"-M", "0x1234"}, {"-v", "-M", "0x1234"}, {"-M", "0"}, {"-Q", "0x3333"}, {"-S", "0x2222"},
		{"--semaphore-key", "0x80000001"}, {"-M", "0xdeadbeef"}, {"-M", "-559038737"}, {"-M", "0x99999"},
		{"-Q", "013063"}, {"-S", "8738"}, {"-q", "99"}, {"-m", "99", "-q", "0"}, {"-s", "-1"},
		{"-a"}, {"-v", "-a"}, {"-ashm"}, {"-amsg"}, {"--all=sem"}, {"-v", "--all=shm"}, {"-a", "-v"}, {"--al"},
		{"-a", "-m", "0"}, {"-v", "-a", "-q", "5"},
		{"shm", "0", "1"}, {"msg", "0", "99"}, {"sem", "abc", "1"}, {"sem"}, {"shm", "-1"}, {"msg", " 2"},
		{}, {"-m"}, {"-x", "-m", "0"}, {"--bogus"}, {"-m", "abc"}, {"-M", "abc"}, {"-M", "0x"},
		{"-M", "99999999999999999999999"}, {"-m", "99999999999"}, {"-afoo"}, {"--all=foo"}, {"-V"},
	} {
		if len(args) == 1 && args[0] == "-V" {
			continue // TestVersion
		}
		compareMutating(t, ul, ours, childSpec{Tool: "ipcrm", Args: args, Population: "varied"})
	}
	if !nstest.CanSwitchUser() {
		t.Log("uid 1000 cases skipped: the namespace maps only root")
		return
	}
	// as an ordinary user: root's objects that it may read give
	// "permission denied", the others are skipped by -a
	for _, args := range [][]string{{"-a"}, {"-v", "-a"}, {"-m", "0"}, {"-M", "0x1234"}, {"-s", "1"}, {"shm", "0", "1"}} {
		compareMutating(t, ul, ours, childSpec{Tool: "ipcrm", Args: args, Population: "varied", AsUID: 1000})
	}
}

// TestIpcmkMatchesUtilLinux creates objects with both tools.
func TestIpcmkMatchesUtilLinux(t *testing.T) {
	ul, ours := tools(t)
	for _, args := range [][]string{
		{"-M", "4096"}, {"-Q"}, {"-S", "3"}, {"-M", "1.5K", "-Q", "-S", "2", "-p", "0600"}, {"-M", "0"}, {"-S", "0"},
		{"-S", "-3"}, {"-S", "100000"}, {"-p", "999", "-Q"}, {"-p", "0640", "-Q", "-S", "1"}, {"-p", "abc", "-S", "1"},
		{"-M", "1G"}, {"-M", "1E"}, {"-M", "010"}, {"-M", "0x10"}, {"-M", "1KB"}, {"-M", "2.5MiB"}, {"-M", "1.05M"},
		{"--shmem", "100", "--queue", "--semaphore=4", "--mode", "0666"}, {"--sh=9"}, {"-M", "10", "-M", "20"},
		{"-Q", "-p", "077777"}, {"-S", "1", "-p", "0"}, {}, {"-x"}, {"-M"}, {"--s", "1"}, {"-M", "abc"},
		{"-M", "-5"}, {"-M", "1.5"}, {"-M", "99999999999999999999999"}, {"-S", "abc"}, {"operand", "-Q"},
	} {
		compareMutating(t, ul, ours, childSpec{Tool: "ipcmk", Args: args, Population: "empty"})
	}
	if nstest.CanSwitchUser() {
		for _, args := range [][]string{{"-M", "100"}, {"-Q", "-S", "2", "-p", "0600"}} {
			compareMutating(t, ul, ours, childSpec{Tool: "ipcmk", Args: args, Population: "empty", AsUID: 1000})
		}
	}
}
