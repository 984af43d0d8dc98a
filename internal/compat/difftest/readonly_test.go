package difftest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/decoy"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

// withPopulation builds a population for one test and removes it after.
func withPopulation(t *testing.T, uniform bool) *population {
	t.Helper()
	p, err := build(uniform, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.destroy)
	if !uniform {
		if err := p.plantNonObjects(decoy.File(t)); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// TestIpcsMatchesUtilLinux runs every ipcs option combination of
// OPTIONS.md on both tools over the varied population.
func TestIpcsMatchesUtilLinux(t *testing.T) {
	ul, ours := tools(t)
	p := withPopulation(t, false)

	resources := [][]string{nil, {"-a"}, {"-m"}, {"-q"}, {"-s"}, {"-m", "-q"}, {"-q", "-s", "-m"}, {"--shmems", "--sem"}}
	formats := [][]string{nil, {"-t"}, {"-p"}, {"-c"}, {"-l"}, {"-u"}, {"-t", "-c"}, {"--time"}, {"--pid"}, {"--creator"}, {"--limits"}, {"--summary"}}
	units := [][]string{nil, {"-b"}, {"--human"}, {"-b", "--human"}, {"--human", "-b"}, {"--bytes"}}
	for _, r := range resources {
		for _, f := range formats {
			for _, u := range units {
				compare(t, ul, ours, "ipcs", cat(r, f, u)...)
			}
		}
	}
	// -i on every object, in every unit
	for kind, ids := range map[string][]int{"-m": p.shm, "-q": p.msg, "-s": p.sem} {
		for _, id := range append(ids, 99999, 0) {
			for _, u := range units {
				compare(t, ul, ours, "ipcs", cat([]string{kind, "-i", fmt.Sprint(id)}, u)...)
			}
		}
	}
	// getopt forms: bundled, attached, permuted, abbreviated, --
	for _, args := range [][]string{
		{"-mt"}, {"-qp", "-b"}, {"-i" + fmt.Sprint(p.msg[0]), "-q"}, {"--id=" + fmt.Sprint(p.sem[0]), "--sema"},
		{"--id", fmt.Sprint(p.shm[0]), "-m"}, {"operand", "-m", "other"}, {"-m", "--", "-q"}, {"--sh", "--hu"},
		{"--s"}, {"--bogus"}, {"--bogus=1"}, {"-x"}, {"-mx"}, {"-i"}, {"--id"}, {"-i", "abc", "-m"},
		{"-i", "99999999999", "-q"}, {"-i", "1"}, {"-i", "1", "-m", "-q"}, {"--human=1"}, {"-h"}, {"--help"},
		{"-m", "-h"}, {"-i", " 5", "-m"}, {"-i", "5 ", "-m"},
	} {
		compare(t, ul, ours, "ipcs", args...)
	}
}

// TestLsipcMatchesUtilLinux runs lsipc in every output mode over the
// varied population (the -g rows, which util-linux gets wrong for it, are
// compared over the uniform population in TestLsipcGlobal).
func TestLsipcMatchesUtilLinux(t *testing.T) {
	ul, ours := tools(t)
	p := withPopulation(t, false)

	resources := [][]string{{"-m"}, {"-q"}, {"-s"}, {"--shmems"}}
	modes := [][]string{nil, {"-J"}, {"-r"}, {"-e"}, {"-n"}, {"-l"}, {"--json"}, {"--raw"}, {"--export"}, {"--newline"}, {"--list"}}
	extras := [][]string{nil, {"-b"}, {"-c"}, {"-t"}, {"-y"}, {"--notruncate"}, {"--noheadings"},
		{"--time-format=short"}, {"--time-format=full"}, {"--time-format", "iso"}, {"-t", "--time-format=iso"},
		{"-c", "-b", "-y"}, {"-o", "KEY,ID,OWNER,PERMS"}, {"-o", "+CUSER,CGROUP,USER,GROUP,UID,GID,CUID"},
		{"-o", "key,id"}, {"-b", "--noheadings", "-t"}}
	for _, r := range resources {
		for _, m := range modes {
			for _, e := range extras {
				compare(t, ul, ours, "lsipc", cat(r, m, e)...)
			}
		}
	}
	// -P (numeric perms) for the kinds util-linux prints it for; -q -P
	// is TestLsipcQueuePerms
	for _, r := range [][]string{{"-m"}, {"-s"}} {
		for _, m := range modes {
			compare(t, ul, ours, "lsipc", cat(r, m, []string{"-P"})...)
		}
	}
	// kind-specific columns
	for _, args := range [][]string{
		{"-m", "-o", "SIZE,NATTCH,STATUS,ATTACH,DETACH,COMMAND,CPID,LPID,CTIME"},
		{"-q", "-o", "USEDBYTES,MSGS,SEND,RECV,LSPID,LRPID"},
		{"-s", "-o", "NSEMS,OTIME,CTIME"},
		{"-m", "-o", "+COMMAND", "--notruncate"},
		{"-s", "-o", "KEY,,ID"}, {"-s", "-o", ""}, {"-s", "-o", "+"}, {"-m", "-o", "FOO,KEY"},
		{"-m", "-o", "KEY,NSEMS"}, {"-q", "-o", "SIZE"}, {"-s", "-o", "RESOURCE"},
		{"-o", "KEY", "-m", "-t"}, {"-c", "-o", "KEY", "-m"}, {"-m", "-q"}, {"-q", "-s", "-m"},
		{"-J", "-r", "-m"}, {"-e", "-n", "-s"}, {"-g", "-i", "1", "-m"}, {"-c"}, {"-t"}, {"-i", "0"},
		{"--time-format=xx", "-m"}, {"--time-format"}, {"-o"}, {"--o"}, {"-x"}, {"--bogus"}, {"-m", "--no"},
		{"-i", "abc", "-m"},
	} {
		compare(t, ul, ours, "lsipc", args...)
	}
	// reading semaphore values needs read permission: both fail alike
	if nstest.CanSwitchUser() {
		for _, args := range [][]string{{"-s", "-i", fmt.Sprint(p.sem[1])}, {"-s", "-i", fmt.Sprint(p.sem[0])},
			{"-q", "-i", fmt.Sprint(p.msg[1])}, {"-q", "-i", fmt.Sprint(p.msg[0])}, {"-m", "-i", fmt.Sprint(p.shm[1])}} {
			compareAs(t, 1000, ul, ours, "ipcs", args...)
			compareAs(t, 1000, ul, ours, "lsipc", args...)
			compareAs(t, 1000, ul, ours, "lsipc", append(args, "-J")...)
		}
		for _, args := range [][]string{nil, {"-a", "-c"}, {"-l"}, {"-u"}} {
			compareAs(t, 1000, ul, ours, "ipcs", args...)
		}
	}
	// --id in every mode, for every object
	for kind, ids := range map[string][]int{"-m": p.shm, "-q": p.msg, "-s": p.sem} {
		for _, id := range append(ids, 99999) {
			for _, m := range [][]string{nil, {"-l"}, {"-J"}, {"-r"}, {"-e"}, {"-n"}, {"-b"}, {"-c"}, {"-t"}, {"-o", "KEY,ID"}, {"--time-format=iso"}} {
				compare(t, ul, ours, "lsipc", cat([]string{kind, "-i", fmt.Sprint(id)}, m)...)
			}
		}
	}
}

// TestArgv0 checks util-linux's argv[0] rules: getopt's messages show
// argv[0] in full, everything else the base name.
func TestArgv0(t *testing.T) {
	ul, ours := tools(t)
	for _, argv0 := range []string{"ipcs", "/opt/util/bin/ipcs", "./ipcs"} {
		for _, args := range [][]string{{"--bogus"}, {"-x"}, {"-i"}, {"-i", "x", "-m"}, {"-h"}} {
			a := runTool(t, ul("ipcs"), argv0, args, baseEnv())
			b := runTool(t, ours("ipcs"), argv0, args, baseEnv())
			if a != b {
				t.Errorf("argv0 %q %q:\n=== util-linux:\n%s\n=== ipcctl:\n%s", argv0, args, a, b)
			}
		}
	}
}

func cat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// TestNamesInLocales compares owners with names outside ASCII (valid
// UTF-8, wide, combining, invalid, with a space) in the C and a UTF-8
// locale: lsipc escapes or aligns them as libsmartcols does, ipcs prints
// the bytes.
func TestNamesInLocales(t *testing.T) {
	ul, ours := tools(t)
	passwd := "j\u00f6s\u00e9:x:4242:4242::/:/bin/sh\n" + // jösé
		"sp ace:x:4343:4343::/:/bin/sh\n" +
		"\u540d\u524d:x:4444:4444::/:/bin/sh\n" + // 名前, two cells each
		"e\u0301x:x:4545:4545::/:/bin/sh\n" + // e + combining acute
		"bad\xff\x01:x:4646:4646::/:/bin/sh\n"
	var cases [][]string
	for _, tool := range []string{"ipcs", "lsipc"} {
		for _, a := range [][]string{{"-m"}, {"-m", "-c"}, {"-m", "-t"}} {
			if tool == "lsipc" {
				for _, m := range [][]string{nil, {"-r"}, {"-e"}, {"-J"}, {"-o", "OWNER,USER,ID", "--notruncate"}} {
					cases = append(cases, append([]string{tool}, cat(a, m)...))
				}
				continue
			}
			cases = append(cases, append([]string{tool}, a...))
		}
	}
	for _, loc := range []string{"C", "C.UTF-8"} {
		env := append(baseEnv(), "LC_ALL="+loc)
		var all strings.Builder
		for _, c := range cases {
			rep := runChild(t, childSpec{Population: "empty", Passwd: passwd, Env: env, Argv0: c[0],
				Pairs: [2]string{ul(c[0]), ours(c[0])}, Cases: [][]string{c[1:]}, ShmOwners: []uint32{4242, 4343, 4444, 4545, 4646}})
			for _, pair := range rep.Results {
				all.WriteString(pair[1].Stdout)
				if pair[0] != pair[1] {
					t.Errorf("LC_ALL=%s %s %q: %s\n=== util-linux:\n%s\n=== ipcctl:\n%s", loc, c[0], c[1:], firstDiff(pair[0].Stdout, pair[1].Stdout), pair[0], pair[1])
				}
			}
		}
		// the names are there, escaped (C) or as they are (UTF-8)
		for _, want := range map[string][]string{"C": {`j\xc3\xb6s\xc3\xa9`, "sp ace"}, "C.UTF-8": {"j\u00f6s\u00e9", "\u540d\u524d", "sp ace"}}[loc] {
			if !strings.Contains(all.String(), want) {
				t.Errorf("LC_ALL=%s: no %q in the outputs", loc, want)
			}
		}
	}
}
