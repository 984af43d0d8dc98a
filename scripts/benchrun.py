#!/usr/bin/env python3
"""benchrun.py: time whole commands side by side, in alternating rounds.

Each round runs every command once, in turn (the order rotates from round
to round); a --prepare command runs untimed before each. Each run goes
through bench-spawn (scripts/bench-spawn.c, given with --spawn), which
reports the wall time, the CPU time (user + system, from wait4: the
command and what it waited for) and the peak RSS, with the command's
output thrown away. It prints medians, and ratios of medians against the
commands named with --vs. A machine shared with others is noisy: CPU time
moves far less than wall time, so read both; min and max show the spread.

  benchrun.py --spawn PATH [--rounds R] [--prepare CMD] [--vs NAME]...
              [--target T]... NAME=CMD [NAME=CMD]...

CMD is split like a shell line (no shell runs it); ' ;; ' separates
commands run one after another as one measurement (their times add up,
the peak is the largest). A target is "NAME: METRIC <= X [REF]" with
METRIC wall or cpu (a ratio to REF's median when REF is given, else ms)
or rss (MiB), or "NAME: faster >= X REF" (REF's wall time over NAME's).
Targets are reported, never enforced: the exit status does not depend
on them.
"""
import argparse
import os
import shlex
import statistics
import subprocess
import sys


def run_group(spawn, cmds):
    wall = cpu = 0.0
    rss = 0
    for argv in cmds:
        out = subprocess.run([spawn] + argv, check=True, stdout=subprocess.PIPE, text=True).stdout.split()
        w, c, m, status = (int(x) for x in out)
        if status != 0:
            # Again, to show why (bench-spawn throws the output away).
            err = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=NULL_OUT, stderr=subprocess.PIPE, text=True).stderr
            sys.exit(f"benchrun: {shlex.join(argv)} exited {status}: {err.strip()}")
        wall += w / 1000
        cpu += c / 1000
        rss = max(rss, m)
    return wall, cpu, rss / 1024


# /dev/null opened write-only: ipcctl takes a read-write /dev/null on its
# stdout for a closed descriptor (what the Go runtime leaves) and fails.
NULL_OUT = open(os.devnull, "wb")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spawn", required=True)
    ap.add_argument("--rounds", type=int, default=21)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--prepare")
    ap.add_argument("--vs", action="append", default=[])
    ap.add_argument("--target", action="append", default=[])
    ap.add_argument("--title", default="")
    ap.add_argument("cmds", nargs="+")
    a = ap.parse_args()
    names, groups = [], {}
    for c in a.cmds:
        name, _, line = c.partition("=")
        names.append(name)
        groups[name] = [shlex.split(part) for part in line.split(" ;; ")]
    prepare = shlex.split(a.prepare) if a.prepare else None
    res = {n: [] for n in names}
    for r in range(a.warmup + a.rounds):
        k = r % len(names)
        for n in names[k:] + names[:k]:
            if prepare:
                subprocess.run(prepare, check=True, stdin=subprocess.DEVNULL, stdout=NULL_OUT)
            m = run_group(a.spawn, groups[n])
            if r >= a.warmup:
                res[n].append(m)
    med = {n: [statistics.median(x[i] for x in res[n]) for i in range(3)] for n in names}
    lo = {n: [min(x[i] for x in res[n]) for i in range(3)] for n in names}
    hi = {n: [max(x[i] for x in res[n]) for i in range(3)] for n in names}
    if a.title:
        print(a.title)
    head = f"{'command':<26}{'wall ms':>9}{'cpu ms':>9}{'(min-max cpu)':>16}{'peak MiB':>9}"
    for v in a.vs:
        head += f"{'wall/' + v[:8]:>15}{'cpu/' + v[:8]:>14}"
    print(head)
    for n in names:
        w, c, m = med[n]
        line = f"{n[:26]:<26}{w:>9.2f}{c:>9.2f}{f'({lo[n][1]:.1f}-{hi[n][1]:.1f})':>16}{m:>9.1f}"
        for v in a.vs:
            line += f"{w / med[v][0]:>14.2f}x{c / med[v][1]:>13.2f}x"
        print(line)
    for t in a.target:
        name, _, rest = t.partition(": ")
        f = rest.split(None, 3)
        metric, op, x, ref = f[0], f[1], float(f[2]), (f[3] if len(f) > 3 else None)
        if name not in med or (ref and ref not in med):
            continue
        if metric == "faster":
            got, unit = med[ref][0] / med[name][0], f"x faster than {ref} (wall)"
        elif ref:
            i = {"wall": 0, "cpu": 1}[metric]
            got, unit = med[name][i] / med[ref][i], f"x {ref}"
        else:
            i = {"wall": 0, "cpu": 1, "rss": 2}[metric]
            got, unit = med[name][i], {"wall": " ms", "cpu": " ms", "rss": " MiB"}[metric]
        ok = got <= x if op == "<=" else got >= x
        want = f"{x:g}x {ref}" if ref and metric != "faster" else (f"{x:g}x" if ref else f"{x:g}")
        print(f"target {name}: {metric} {op} {want}: {got:.2f}{unit}: {'met' if ok else 'MISSED'}")
    print(f"({a.rounds} alternating rounds after {a.warmup} warm-up; medians; "
          f"{os.cpu_count()} cores, load {open('/proc/loadavg').read().split()[0]})")


if __name__ == "__main__":
    main()
