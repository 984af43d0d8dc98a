package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

// completionObjects makes one object of each kind in the test namespace,
// System V ones with raw system calls, and returns their ids and names.
func completionObjects(t *testing.T) (shm, sem, msg int, pshm, mq string) {
	t.Helper()
	shm = newShm(t, 4096, 0o600)
	sem = newSem(t, 3, 0o600)
	msg = newMsg(t, 0o600)
	pshm, mq = "/e2e-complete", "/e2e-complete-q"
	if err := os.WriteFile("/dev/shm"+pshm, make([]byte, 100), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove("/dev/shm" + pshm) })
	ipcctlOK(t, "create", "mq", mq)
	t.Cleanup(func() { testutil.Run(t, "", "rm", "-f", "mq", mq) })
	return
}

// completions runs cobra's __complete for argv and returns the values
// (without descriptions) and the directive line.
func completions(t *testing.T, argv ...string) ([]string, string) {
	t.Helper()
	r := testutil.Run(t, "", append([]string{"__complete"}, argv...)...)
	if r.Code != 0 {
		t.Fatalf("__complete %q: exit %d %s", argv, r.Code, r.Stderr)
	}
	var vals []string
	directive := ""
	for _, l := range strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n") {
		if strings.HasPrefix(l, ":") {
			directive = l
			continue
		}
		vals = append(vals, strings.SplitN(l, "\t", 2)[0])
	}
	return vals, directive
}

// Completion comes from the table of kinds and the live system, never
// from file names: what `ipcctl rm shm <TAB>` offers are the ids of the
// segments that exist, checked against /proc/sysvipc.
func TestCompletionOfLiveObjects(t *testing.T) {
	nstest.Require(t)
	shm, sem, msg, pshm, mq := completionObjects(t)
	const noFiles = ":4" // cobra.ShellCompDirectiveNoFileComp

	kinds := []string{"shm", "sem", "msg", "pshm", "psem", "mq"}
	for _, argv := range [][]string{{"rm", ""}, {"ls", ""}, {"show", ""}} {
		if got, d := completions(t, argv...); !slices.Equal(got, kinds) || d != noFiles {
			t.Errorf("__complete %q = %q %s, want the kinds", argv, got, d)
		}
	}
	ids := func(kind string) []string {
		b, err := os.ReadFile("/proc/sysvipc/" + kind)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, l := range strings.Split(string(b), "\n")[1:] {
			if f := strings.Fields(l); len(f) > 1 {
				out = append(out, f[1])
			}
		}
		return out
	}
	for kind, id := range map[string]int{"shm": shm, "sem": sem, "msg": msg} {
		got, d := completions(t, "rm", kind, "")
		if want := ids(kind); !slices.Equal(got, want) || !slices.Contains(got, strconv.Itoa(id)) || d != noFiles {
			t.Errorf("__complete rm %s = %q %s, want the ids of /proc/sysvipc/%s %q", kind, got, d, kind, want)
		}
	}
	r := testutil.Run(t, "", "__complete", "show", "shm", "")
	if !regexp.MustCompile(`(?m)^` + strconv.Itoa(shm) + `\troot, key 0x00000000, 4K, 0 attached$`).MatchString(r.Stdout) {
		t.Errorf("shm ids have no description: %q", r.Stdout)
	}
	if got, d := completions(t, "rm", "pshm", "/"); !slices.Equal(got, []string{pshm}) || d != noFiles {
		t.Errorf("__complete rm pshm / = %q %s, want %s and no files", got, d, pshm)
	}
	if got, _ := completions(t, "rm", "mq", ""); !slices.Equal(got, []string{mq}) {
		t.Errorf("__complete rm mq = %q, want %s", got, mq)
	}
	if got, _ := completions(t, "set", "pshm", "/e2e-c"); !slices.Equal(got, []string{pshm}) {
		t.Errorf("__complete set pshm /e2e-c = %q", got)
	}

	got, d := completions(t, "ls", "-o", "+")
	if !slices.Contains(got, "+rss") || !slices.Contains(got, "+qbytes") || !slices.Contains(got, "+maxmsg") || d != ":6" {
		t.Errorf("__complete ls -o + = %q %s", got, d)
	}
	if got, _ := completions(t, "ls", "shm", "-o", "+rss,sw"); !slices.Equal(got, []string{"+rss,swap"}) {
		t.Errorf("__complete ls shm -o +rss,sw = %q", got)
	}
	if got, _ := completions(t, "ls", "msg", "--sort", "q"); !slices.Equal(got, []string{"qbytes"}) {
		t.Errorf("__complete ls msg --sort q = %q", got)
	}
	if got, _ := completions(t, "ls", "--time-format", ""); !slices.Equal(got, []string{"short", "full", "iso"}) {
		t.Errorf("__complete ls --time-format = %q", got)
	}
	if got, _ := completions(t, "ls", "--view", ""); !slices.Equal(got, []string{"default", "creators", "pids", "times"}) {
		t.Errorf("__complete ls --view = %q", got)
	}
}

// The shells' own completion scripts, run for real: each calls back
// __complete, and what it offers at <TAB> is the live objects.
func TestCompletionInShells(t *testing.T) {
	nstest.Require(t)
	shm, _, _, pshm, _ := completionObjects(t)
	dir := t.TempDir()
	if err := os.Symlink(testutil.Binary(t), filepath.Join(dir, "ipcctl")); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
	run := func(shell string, args ...string) string {
		cmd := exec.Command(shell, args...)
		cmd.Env, cmd.Dir = env, dir
		out, err := cmd.Output()
		if err != nil {
			t.Errorf("%s: %v\n%s", shell, err, out)
		}
		return string(out)
	}
	id := strconv.Itoa(shm)

	t.Run("bash", func(t *testing.T) {
		const lib = "/usr/share/bash-completion/bash_completion"
		if _, err := os.Stat(lib); err != nil {
			t.Skip("bash-completion is not installed (scripts/test-deps.sh installs it as root)")
		}
		script := `source ` + lib + `; source <(ipcctl completion bash) 2>/dev/null
complete_line() { COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}; read -ra COMP_WORDS <<<"$COMP_LINE"
  [[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=(""); COMP_CWORD=$((${#COMP_WORDS[@]}-1))
  COMPREPLY=(); __start_ipcctl ipcctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}" 2>/dev/null
  printf '%s\n' "${COMPREPLY[@]}"; echo --; }
complete_line "ipcctl rm shm "; complete_line "ipcctl rm pshm /"; complete_line "ipcctl rm "`
		out := run("bash", "-c", script)
		parts := strings.Split(out, "--\n")
		if len(parts) < 3 || !strings.Contains(parts[0], id+"\n") || strings.TrimSpace(parts[1]) != pshm || !strings.Contains(parts[2], "pshm\n") {
			t.Errorf("bash completion:\n%s", out)
		}
	})
	t.Run("fish", func(t *testing.T) {
		if _, err := exec.LookPath("fish"); err != nil {
			t.Skip("fish is not installed (scripts/test-deps.sh installs it as root)")
		}
		out := run("fish", "-c", `ipcctl completion fish | source; complete -C "ipcctl rm shm "; echo SEP; complete -C "ipcctl rm pshm /"`)
		parts := strings.Split(out, "SEP\n")
		if len(parts) != 2 || !strings.HasPrefix(parts[0], id+"\troot, key 0x00000000") || !strings.HasPrefix(parts[1], pshm+"\troot, 100B") {
			t.Errorf("fish completion:\n%s", out)
		}
	})
	t.Run("zsh", func(t *testing.T) {
		if _, err := exec.LookPath("zsh"); err != nil {
			t.Skip("zsh is not installed (scripts/test-deps.sh installs it as root)")
		}
		// zsh completes only in its line editor: drive an interactive zsh
		// through zpty, press <TAB> and read the screen.
		script := `zmodload zsh/zpty
zpty z 'zsh -f -i'
zpty -w z 'PROMPT="> "; autoload -U compinit; compinit -u; source <(ipcctl completion zsh); compdef _ipcctl ipcctl'
zpty -w -n z $'ipcctl rm shm \t'
out=""; for i in {1..40}; do if zpty -r -t z chunk; then out+=$chunk; else sleep 0.05; fi; done
print -r -- "$out"; zpty -d z`
		// The test namespace's /dev has no ptmx: a mount namespace of the
		// shell's own gets a devpts instance (the IPC namespace stays ours).
		pty := `mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts && ln -sf pts/ptmx /dev/ptmx && exec zsh -f -c "$0"`
		deadline := time.Now().Add(30 * time.Second)
		var out string
		for time.Now().Before(deadline) { // the line editor may still be starting
			cmd := exec.Command("sh", "-c", pty, script)
			cmd.Env, cmd.Dir = env, dir
			cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS}
			b, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("zsh: %v\n%s", err, b)
			}
			out = regexp.MustCompile("\x1b\\[[0-9;?]*[a-zA-Z]|\r").ReplaceAllString(string(b), "")
			if strings.Contains(out, "rm shm "+id) || strings.Contains(out, id+"  -- root, key 0x00000000") {
				return
			}
		}
		t.Errorf("zsh completion of `ipcctl rm shm <TAB>` does not show segment %s:\n%s", id, out)
	})
}

// sem-op completes semaphore numbers with their values (read through the
// kernel, set here by semctl), hugepage sizes come from the kernel's
// pools and THP settings from its files.
func TestCompletionOfNumbersSizesAndSettings(t *testing.T) {
	nstest.Require(t)
	sem := newSem(t, 3, 0o600)
	semctl(t, sem, 1, setVal, 7)
	sid := strconv.Itoa(sem)
	if got, d := completions(t, "sem-op", sid, ""); !slices.Equal(got, []string{"0:", "1:", "2:"}) || d != ":6" {
		t.Errorf("__complete sem-op %s = %q %s", sid, got, d)
	}
	r := testutil.Run(t, "", "__complete", "sem-op", sid, "--set", "")
	if !strings.Contains(r.Stdout, "1=\tvalue 7,") {
		t.Errorf("__complete sem-op --set: %q", r.Stdout)
	}
	if got, _ := completions(t, "sem-op", ""); !slices.Contains(got, sid) {
		t.Errorf("__complete sem-op = %q, want set %s", got, sid)
	}
	ipcctlOK(t, "create", "psem", "/e2e-cs")
	t.Cleanup(func() { os.Remove("/dev/shm/sem.e2e-cs") })
	if got, _ := completions(t, "sem-op", "/"); !slices.Equal(got, []string{"/e2e-cs"}) {
		t.Errorf("__complete sem-op / = %q", got)
	}
	if got, _ := completions(t, "sem-op", "/e2e-cs", ""); !slices.Equal(got, []string{"wait", "trywait", "post", "get"}) {
		t.Errorf("__complete sem-op /NAME = %q", got)
	}

	ents, _ := os.ReadDir("/sys/kernel/mm/hugepages")
	var sizes []string
	for _, e := range ents {
		kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(e.Name(), "hugepages-"), "kB"), 10, 64)
		switch {
		case kb >= 1<<20 && kb%(1<<20) == 0:
			sizes = append(sizes, strconv.FormatUint(kb>>20, 10)+"G")
		case kb >= 1<<10:
			sizes = append(sizes, strconv.FormatUint(kb>>10, 10)+"M")
		}
	}
	if got, _ := completions(t, "hugepage", "set", ""); len(sizes) > 0 && !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(sizes))) {
		t.Errorf("__complete hugepage set = %q, the kernel has %q", got, sizes)
	}
	if got, _ := completions(t, "create", "shm", "--hugepage-size", ""); len(sizes) > 0 && len(got) != len(sizes) {
		t.Errorf("__complete create shm --hugepage-size = %q", got)
	}
	enabled, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil {
		t.Skip("no THP here")
	}
	if got, _ := completions(t, "thp", "set", ""); !slices.Contains(got, "enabled=") || !slices.Contains(got, "khugepaged.pages_to_scan=") {
		t.Errorf("__complete thp set = %q", got)
	}
	var want []string
	for _, c := range strings.Fields(string(enabled)) {
		want = append(want, "enabled="+strings.Trim(c, "[]"))
	}
	if got, _ := completions(t, "thp", "set", "enabled="); !slices.Equal(got, want) {
		t.Errorf("__complete thp set enabled= = %q, the kernel offers %q", got, want)
	}
}
