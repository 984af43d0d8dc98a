package difftest

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

// The deliberate differences of docs/compat.md, each checked against a
// second source, and against util-linux to show the difference is real.

// untouched is what the varied population leaves when nothing runs.
func untouched(t *testing.T) []string {
	t.Helper()
	return runChild(t, childSpec{Tool: "/bin/true", Argv0: "true", Population: "varied", Decoy: "/nonexistent"}).State
}

// allGone reports whether every System V object is removed (attached
// segments stay, marked dest, as private ones).
func allGone(state []string) bool {
	for _, l := range state {
		if strings.HasPrefix(l, "sem ") || strings.HasPrefix(l, "msg ") ||
			(strings.HasPrefix(l, "shm ") && !strings.Contains(l, "key=0x00000000 mode=1")) {
			return false
		}
	}
	return true
}

// TestIpcrmChecksTheWholeLineFirst: util-linux removes objects while it
// parses and only then finds a bad argument (`ipcrm -a shm` empties
// every kind); ipcctl checks the whole line first and removes nothing,
// with the same messages.
func TestIpcrmChecksTheWholeLineFirst(t *testing.T) {
	ul, ours := tools(t)
	before := untouched(t)
	for _, args := range [][]string{
		{"-a", "shm"}, {"--all", "msg"}, {"-a", "sem", "-v"}, {"-m", "0", "-x"}, {"-m", "0", "-m", "abc"},
		{"-m", "0", "extra"}, {"-q", "0", "--bogus"}, {"-s", "0", "-afoo"}, {"-m", "0", "-h"},
	} {
		spec := childSpec{Tool: "ipcrm", Args: args, Population: "varied", Decoy: "/nonexistent"}
		a, b := spec, spec
		a.Tool, b.Tool = ul("ipcrm"), ours("ipcrm")
		ra, rb := runChild(t, a), runChild(t, b)
		if strings.Join(rb.State, "\n") != strings.Join(before, "\n") {
			t.Errorf("ipcrm %q changed the namespace: %s", args, firstDiff(strings.Join(before, "\n"), strings.Join(rb.State, "\n")))
		}
		if strings.Join(ra.State, "\n") == strings.Join(before, "\n") {
			t.Errorf("ipcrm %q: util-linux removed nothing either; the case shows no hazard", args)
		}
		if rb.Result.Code != ra.Result.Code || rb.Result.Stderr != ra.Result.Stderr {
			t.Errorf("ipcrm %q: messages differ:\n=== util-linux:\n%s\n=== ipcctl:\n%s", args, ra.Result, rb.Result)
		}
		if args[0] == "-a" && !allGone(ra.State) {
			t.Errorf("util-linux ipcrm %q left objects: the hazard this guards against has changed\n%s", args, strings.Join(ra.State, "\n"))
		}
	}
}

// TestIpcrmLegacyRefusesUnnamedIDs: util-linux reads "" as id 0 and cuts
// 4294967296 to id 0; both would remove an object nobody named.
func TestIpcrmLegacyRefusesUnnamedIDs(t *testing.T) {
	ul, ours := tools(t)
	before := untouched(t)
	for _, id := range []string{"", "4294967296", "99999999999"} {
		spec := childSpec{Tool: "ipcrm", Args: []string{"shm", id}, Population: "varied", Decoy: "/nonexistent"}
		a, b := spec, spec
		a.Tool, b.Tool = ul("ipcrm"), ours("ipcrm")
		ra, rb := runChild(t, a), runChild(t, b)
		want := result{Stderr: "ipcrm: invalid id: " + id + "\n", Code: 1}
		if rb.Result != want || strings.Join(rb.State, "\n") != strings.Join(before, "\n") {
			t.Errorf("ipcrm shm %q: got\n%s\nwant\n%s\nstate changed: %v", id, rb.Result, want, strings.Join(rb.State, "\n") != strings.Join(before, "\n"))
		}
		if ra.Result.Code == 0 && strings.Join(ra.State, "\n") == strings.Join(before, "\n") {
			t.Errorf("util-linux ipcrm shm %q succeeded without removing anything", id)
		}
	}
}

// TestIpcrmRefusesWideKeys: util-linux cuts 0x100001234 to key 0x1234.
func TestIpcrmRefusesWideKeys(t *testing.T) {
	ul, ours := tools(t)
	before := untouched(t)
	spec := childSpec{Tool: "ipcrm", Args: []string{"-M", "0x100001234"}, Population: "varied", Decoy: "/nonexistent"}
	a, b := spec, spec
	a.Tool, b.Tool = ul("ipcrm"), ours("ipcrm")
	ra, rb := runChild(t, a), runChild(t, b)
	want := result{Stderr: "ipcrm: failed to parse argument: '0x100001234': Numerical result out of range\n", Code: 1}
	if rb.Result != want || strings.Join(rb.State, "\n") != strings.Join(before, "\n") {
		t.Errorf("got\n%s\nwant\n%s", rb.Result, want)
	}
	if strings.Join(ra.State, "\n") == strings.Join(before, "\n") {
		t.Errorf("util-linux removed nothing: %s", ra.Result)
	}
}

// TestIpcrmAllAttachedEquals: -a=TYPE (2.43's form) works; 2.38.1
// rejects it. It removes what -aTYPE removes.
func TestIpcrmAllAttachedEquals(t *testing.T) {
	ul, ours := tools(t)
	for _, typ := range []string{"shm", "msg", "sem"} {
		ref := runChild(t, childSpec{Tool: ul("ipcrm"), Argv0: "ipcrm", Args: []string{"-v", "-a" + typ}, Population: "varied", Decoy: "/nonexistent"})
		got := runChild(t, childSpec{Tool: ours("ipcrm"), Argv0: "ipcrm", Args: []string{"-v", "-a=" + typ}, Population: "varied", Decoy: "/nonexistent"})
		if got.Result != ref.Result || strings.Join(got.State, "\n") != strings.Join(ref.State, "\n") {
			t.Errorf("ipcrm -v -a=%s differs from util-linux's -v -a%s:\n%s\n%s", typ, typ, ref.Result, got.Result)
		}
	}
}

// TestLsipcGlobal compares lsipc -g over a population for which
// util-linux's figures are right, then checks the "used" figures over
// the varied population against the kernel's, as util-linux's ipcs -u
// prints them (SHM_INFO, SEM_INFO, MSG_INFO).
func TestLsipcGlobal(t *testing.T) {
	ul, ours := tools(t)
	t.Run("uniform", func(t *testing.T) {
		withPopulation(t, true)
		for _, r := range [][]string{nil, {"-g"}, {"-g", "-m"}, {"-g", "-q"}, {"-g", "-s"}, {"--global", "--shm"}} {
			for _, m := range [][]string{nil, {"-J"}, {"-r"}, {"-e"}, {"-n"}, {"-l"}} {
				for _, e := range [][]string{nil, {"-b"}, {"-y"}, {"--noheadings"}, {"-o", "RESOURCE,USED,USE%"}, {"-o", "+KEY"},
					{"-o", "SIZE"}, {"-P"}, {"-t"}, {"-c"}, {"--notruncate"}} {
					compare(t, ul, ours, "lsipc", cat(r, m, e)...)
				}
			}
		}
	})
	t.Run("kernel figures", func(t *testing.T) {
		withPopulation(t, false)
		u := runTool(t, ul("ipcs"), "ipcs", []string{"-u"}, baseEnv()).Stdout
		kernel := map[string]string{
			"MSGMNI": field(t, u, `allocated queues = (\d+)`),
			"SHMMNI": field(t, u, `segments allocated (\d+)`),
			"SHMALL": field(t, u, `pages allocated (\d+)`),
			"SEMMNI": field(t, u, `used arrays = (\d+)`),
			"SEMMNS": field(t, u, `allocated semaphores = (\d+)`),
		}
		args := []string{"-g", "-b", "-r", "--noheadings", "-o", "RESOURCE,USED"}
		got := rows(runTool(t, ours("lsipc"), "lsipc", args, baseEnv()).Stdout)
		anchor := rows(runTool(t, ul("lsipc"), "lsipc", args, baseEnv()).Stdout)
		for res, want := range kernel {
			if got[res] != want {
				t.Errorf("lsipc -g %s used = %s, kernel says %s", res, got[res], want)
			}
		}
		for _, res := range []string{"SHMALL", "SEMMNS"} {
			if anchor[res] == kernel[res] {
				t.Errorf("util-linux's %s used is the kernel's figure here: the population does not show the difference", res)
			}
		}
	})
}

func field(t *testing.T, text, re string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("%q not in:\n%s", re, text)
	}
	return m[1]
}

func rows(raw string) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(raw), "\n") {
		if f := strings.Fields(l); len(f) == 2 {
			m[f[0]] = f[1]
		}
	}
	return m
}

// TestLsipcQueuePerms: util-linux leaves PERMS empty for queues with
// -P; ipcctl prints the mode, which ipcs -c shows too.
func TestLsipcQueuePerms(t *testing.T) {
	ul, ours := tools(t)
	p := withPopulation(t, false)
	args := []string{"-q", "-P", "-r", "--noheadings", "-o", "ID,PERMS"}
	got := runTool(t, ours("lsipc"), "lsipc", args, baseEnv()).Stdout
	anchor := runTool(t, ul("lsipc"), "lsipc", args, baseEnv()).Stdout
	c := runTool(t, ul("ipcs"), "ipcs", []string{"-q", "-c"}, baseEnv()).Stdout
	for _, id := range p.msg {
		m := regexp.MustCompile(`(?m)^` + strconv.Itoa(id) + ` +(\d+)`).FindStringSubmatch(c)
		if m == nil {
			t.Fatalf("queue %d not in ipcs -q -c:\n%s", id, c)
		}
		if want := fmt.Sprintf("%d 0%s", id, m[1]); !strings.Contains(got, want+"\n") {
			t.Errorf("lsipc -q -P: want line %q in\n%s", want, got)
		}
		if !strings.Contains(anchor, fmt.Sprintf("%d \n", id)) {
			t.Errorf("util-linux lsipc -q -P printed perms for %d: %q", id, anchor)
		}
	}
}

// TestLsipcCreatorGID: util-linux prints the creator's uid as CGID for
// segments and queues; ipcctl the creator's gid (ipcs -i cgid=).
func TestLsipcCreatorGID(t *testing.T) {
	ul, ours := tools(t)
	if !nstest.CanSwitchUser() {
		t.Skip("needs a namespace that maps uid 1000")
	}
	for _, kind := range []struct{ mk, ls, name string }{{"-M", "-m", "Shared memory id"}, {"-Q", "-q", "Message queue id"}} {
		args := []string{kind.mk}
		if kind.mk == "-M" {
			args = append(args, "64")
		}
		cmd := runToolUG(t, 1000, 1001, ul("ipcmk"), "ipcmk", args, baseEnv())
		id := field(t, cmd.Stdout, kind.name+`: (\d+)`)
		t.Cleanup(func() { runTool(t, ul("ipcrm"), "ipcrm", []string{kind.ls, id}, baseEnv()) })
		detail := runTool(t, ul("ipcs"), "ipcs", []string{kind.ls, "-i", id}, baseEnv()).Stdout
		cuid, cgid := field(t, detail, `cuid=(\d+)`), field(t, detail, `cgid=(\d+)`)
		args = []string{kind.ls, "-c", "-r", "--noheadings", "-o", "ID,CUID,CGID"}
		got := runTool(t, ours("lsipc"), "lsipc", args, baseEnv()).Stdout
		anchor := runTool(t, ul("lsipc"), "lsipc", args, baseEnv()).Stdout
		if want := id + " " + cuid + " " + cgid + "\n"; !strings.Contains(got, want) {
			t.Errorf("lsipc %s -c: want %q in\n%s", kind.ls, want, got)
		}
		if want := id + " " + cuid + " " + cuid + "\n"; cuid != cgid && !strings.Contains(anchor, want) {
			t.Errorf("util-linux lsipc %s -c no longer prints the uid as CGID: %q", kind.ls, anchor)
		}
	}
}

// TestNegativeIDs: util-linux treats an id below 0 as "all" and shows
// the first object (ipcs -s -i -1 crashes); ipcctl says not found.
func TestNegativeIDs(t *testing.T) {
	ul, ours := tools(t)
	withPopulation(t, false)
	for _, c := range []struct {
		tool string
		args []string
	}{{"ipcs", []string{"-m", "-i", "-1"}}, {"ipcs", []string{"-q", "-i", "-2"}}, {"ipcs", []string{"-s", "-i", "-1"}},
		{"lsipc", []string{"-m", "-i", "-5"}}, {"lsipc", []string{"-s", "-i", "-2", "-J"}}} {
		got := runTool(t, ours(c.tool), c.tool, c.args, baseEnv())
		// what util-linux prints for an id that does not exist
		missing := append([]string(nil), c.args...)
		missing[2] = "99999"
		want := runTool(t, ul(c.tool), c.tool, missing, baseEnv())
		want.Stderr = strings.ReplaceAll(want.Stderr, "99999", c.args[2])
		if got != want || !strings.Contains(got.Stderr, "not found") {
			t.Errorf("%s %q:\n%s\nwant\n%s", c.tool, c.args, got, want)
		}
		if a := runTool(t, ul(c.tool), c.tool, c.args, baseEnv()); a == want {
			t.Errorf("util-linux %s %q now says not found too", c.tool, c.args)
		}
	}
}

// TestHelpAndVersion: --help adds the POSIX options to util-linux's
// text (ipcs has none and is identical); -V names ipcctl after
// util-linux's line.
func TestHelpAndVersion(t *testing.T) {
	ul, ours := tools(t)
	compare(t, ul, ours, "ipcs", "--help")
	for _, tool := range []string{"ipcmk", "ipcrm", "lsipc"} {
		a := runTool(t, ul(tool), tool, []string{"--help"}, baseEnv())
		b := runTool(t, ours(tool), tool, []string{"-h"}, baseEnv())
		if b.Code != 0 || b.Stderr != "" {
			t.Errorf("%s -h: %s", tool, b)
		}
		// every line of util-linux's help, in order
		rest := strings.Split(b.Stdout, "\n")
		for _, line := range strings.Split(a.Stdout, "\n") {
			for len(rest) > 0 && rest[0] != line {
				rest = rest[1:]
			}
			if len(rest) == 0 {
				t.Errorf("%s -h lacks util-linux's line %q", tool, line)
				break
			}
			rest = rest[1:]
		}
		if !strings.Contains(b.Stdout, "posix") && !strings.Contains(b.Stdout, "POSIX") {
			t.Errorf("%s -h does not mention the POSIX options", tool)
		}
	}
	for _, tool := range []string{"ipcs", "ipcmk", "ipcrm", "lsipc"} {
		a := runTool(t, ul(tool), tool, []string{"-V"}, baseEnv())
		b := runTool(t, ours(tool), tool, []string{"--version"}, baseEnv())
		if !strings.HasPrefix(b.Stdout, strings.TrimSuffix(a.Stdout, "\n")+" (ipcctl ") || b.Code != 0 {
			t.Errorf("%s --version = %q, util-linux says %q", tool, b.Stdout, a.Stdout)
		}
	}
}

func testBin(t *testing.T) string {
	t.Helper()
	_, ours := tools(t)
	p, err := os.Readlink(ours("ipcs"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p, "/") {
		p = strings.TrimSuffix(ours("ipcs"), "ipcs") + p
	}
	return p
}
