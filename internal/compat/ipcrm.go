package compat

import (
	"errors"
	"math"
	"strings"

	"github.com/ipcctl/ipcctl/pkg/ipc"
	"golang.org/x/sys/unix"
)

// ipcrm: util-linux sys-utils/ipcrm.c (2.38.1), with the POSIX options
// of 2.43. One deliberate difference runs through it: the whole command
// line is checked before anything is removed, so `ipcrm -a shm` (the
// type not attached, hence an operand) removes nothing, where util-linux
// removes every object first and complains after (docs/compat.md).

const ipcrmUsage = `
Usage:
 ipcrm [options]
 ipcrm shm|msg|sem <id>...

Remove certain IPC resources.

Options:
 -m, --shmem-id <id>        remove shared memory segment by id
 -M, --shmem-key <key>      remove shared memory segment by key
     --posix-shmem <name>   remove POSIX shared memory segment by name
 -q, --queue-id <id>        remove message queue by id
 -Q, --queue-key <key>      remove message queue by key
     --posix-mqueue <name>  remove POSIX message queue by name
 -s, --semaphore-id <id>    remove semaphore by id
 -S, --semaphore-key <key>  remove semaphore by key
     --posix-semaphore <name> remove POSIX semaphore by name
 -a, --all[=shm|msg|sem]    remove all (in the specified category)
     (also =pshm, =pmsg, =psem for the POSIX kinds)
 -v, --verbose              explain what is being done

 -h, --help                 display this help
 -V, --version              display version

For more details see ipcrm(1).
`

const (
	optPosixShm = 256 + iota
	optPosixMq
	optPosixSem
)

var ipcrmLongopts = []longOption{
	{"shmem-id", requiredArgument, 'm'},
	{"shmem-key", requiredArgument, 'M'},
	{"posix-shmem", requiredArgument, optPosixShm},
	{"queue-id", requiredArgument, 'q'},
	{"queue-key", requiredArgument, 'Q'},
	{"posix-mqueue", requiredArgument, optPosixMq},
	{"semaphore-id", requiredArgument, 's'},
	{"semaphore-key", requiredArgument, 'S'},
	{"posix-semaphore", requiredArgument, optPosixSem},
	{"all", optionalArgument, 'a'},
	{"verbose", noArgument, 'v'},
	{"version", noArgument, 'V'},
	{"help", noArgument, 'h'},
}

// rmAction is one removal asked for on the command line.
type rmAction struct {
	kind    ipc.Kind
	byKey   bool
	id      int32  // -m/-q/-s
	key     int32  // -M/-Q/-S
	arg     string // as typed: the key or POSIX name
	verbose bool   // -v came before it
}

func (p *prog) ipcrm() {
	// util-linux: "if the command is executed without parameters, do nothing"
	if len(p.argv) == 1 {
		return
	}
	if kind, ok := map[string]ipc.Kind{"shm": ipc.KindShm, "msg": ipc.KindMsg, "sem": ipc.KindSem}[p.argv[1]]; ok {
		p.ipcrmLegacy(kind, p.argv[2:])
		return
	}
	var actions []rmAction
	var verbose, rmAll bool
	var allKinds []ipc.Kind
	g := newGetopt(p.argv, "q:m:s:Q:M:S:a::vhV", ipcrmLongopts, p.errOut, p.posixlyCorrect())
	for {
		c := g.next()
		if c == optDone {
			break
		}
		switch c {
		case 'm', 'q', 's':
			kind := map[int]ipc.Kind{'m': ipc.KindShm, 'q': ipc.KindMsg, 's': ipc.KindSem}[c]
			id := p.strtos32OrErr(g.optarg, "failed to parse argument")
			actions = append(actions, rmAction{kind: kind, id: id, arg: g.optarg, verbose: verbose})
		case 'M', 'Q', 'S':
			kind := map[int]ipc.Kind{'M': ipc.KindShm, 'Q': ipc.KindMsg, 'S': ipc.KindSem}[c]
			key := p.strtokey(g.optarg, "failed to parse argument")
			actions = append(actions, rmAction{kind: kind, byKey: true, key: key, arg: g.optarg, verbose: verbose})
		case optPosixShm, optPosixMq, optPosixSem:
			kind := map[int]ipc.Kind{optPosixShm: ipc.KindPshm, optPosixMq: ipc.KindMq, optPosixSem: ipc.KindPsem}[c]
			actions = append(actions, rmAction{kind: kind, arg: g.optarg, verbose: verbose})
		case 'a':
			rmAll = true
			allKinds = []ipc.Kind{ipc.KindShm, ipc.KindSem, ipc.KindMsg}
			if g.hasOptarg {
				// 2.43 takes -a=TYPE as well as -aTYPE and --all=TYPE
				arg := strings.TrimPrefix(g.optarg, "=")
				kind, ok := map[string]ipc.Kind{"shm": ipc.KindShm, "msg": ipc.KindMsg, "sem": ipc.KindSem,
					"pshm": ipc.KindPshm, "pmsg": ipc.KindMq, "psem": ipc.KindPsem}[arg]
				if !ok {
					p.errx(1, "unknown argument: %s", g.optarg)
				}
				allKinds = []ipc.Kind{kind}
			}
		case 'v':
			verbose = true
		case 'h':
			p.puts(ipcrmUsage)
			p.exit(0)
		case 'V':
			p.printVersion()
		default:
			p.errtryhelp(1)
		}
	}
	if ops := g.operands(); len(ops) > 0 {
		p.warnx("unknown argument: %s", ops[0])
		p.errtryhelp(1)
	}
	failed := 0
	for _, a := range actions {
		if !p.runRemoval(a) {
			failed++
		}
	}
	if rmAll && !p.removeAll(allKinds, verbose) {
		failed++
	}
	if failed > 0 {
		p.exit(1)
	}
}

// strtokey is ipcrm's strtokey: strtoul in any base. A number that does
// not fit in a key_t is refused here (util-linux truncates it to another
// key: docs/compat.md).
func (p *prog) strtokey(s, msg string) int32 {
	v, n, e := cStrtoull(s, 0)
	if s == "" || e != 0 || n == 0 || n != len(s) {
		if e != 0 {
			p.err(1, e, "%s: '%s'", msg, s)
		}
		p.errx(1, "%s: '%s'", msg, s)
	}
	if v > math.MaxUint32 && v < 1<<64-1<<31 {
		p.err(1, unix.ERANGE, "%s: '%s'", msg, s)
	}
	return int32(uint32(v))
}

func kindWord(k ipc.Kind) string {
	switch k {
	case ipc.KindShm:
		return "shared memory segment"
	case ipc.KindMsg:
		return "message queue"
	case ipc.KindSem:
		return "semaphore"
	case ipc.KindPshm:
		return "POSIX shared memory"
	case ipc.KindMq:
		return "POSIX message queue"
	case ipc.KindPsem:
		return "POSIX semaphore"
	}
	return string(k)
}

// runRemoval carries out one removal; false when it failed (reported).
func (p *prog) runRemoval(a rmAction) bool {
	if a.kind.Posix() {
		if a.verbose {
			p.printf("removing %s `%s'\n", kindWord(a.kind), a.arg)
		}
		return p.removeName(a.kind, a.arg)
	}
	if !a.byKey {
		return p.removeID(a.kind, false, int(a.id), a.verbose)
	}
	if a.key == 0 {
		p.warnx("illegal key (%s)", a.arg)
		return false
	}
	id, err := p.ipc.IDByKey(a.kind, a.key)
	if err != nil {
		var errno unix.Errno
		switch {
		case errors.Is(err, ipc.ErrNotFound):
			p.warnx("invalid key (%s)", a.arg)
		case errors.As(err, &errno) && errno == unix.EACCES:
			p.warnx("permission denied for key (%s)", a.arg)
		case errors.As(err, &errno) && errno == unix.EIDRM:
			p.warnx("already removed key (%s)", a.arg)
		default:
			p.err(1, err, "key failed")
		}
		return false
	}
	return p.removeIDIfKey(a.kind, id, a.key, a.verbose)
}

// removeID is ipcrm's remove_id: IPC_RMID with util-linux's messages.
func (p *prog) removeID(kind ipc.Kind, byKey bool, id int, verbose bool) bool {
	if verbose {
		p.printf("removing %s id `%d'\n", kindWord(kind), id)
	}
	return p.rmidResult(byKey, id, p.ipc.Remove(kind, id))
}

// removeIDIfKey removes an id found by key, checking right before
// IPC_RMID that the key still names it (pkg/ipc RemoveIfKey).
func (p *prog) removeIDIfKey(kind ipc.Kind, id int, key int32, verbose bool) bool {
	if verbose {
		p.printf("removing %s id `%d'\n", kindWord(kind), id)
	}
	return p.rmidResult(true, id, p.ipc.RemoveIfKey(kind, id, key))
}

func (p *prog) rmidResult(byKey bool, id int, err error) bool {
	if err == nil {
		return true
	}
	what := "id"
	if byKey {
		what = "key"
	}
	var errno unix.Errno
	errors.As(err, &errno)
	switch {
	case errno == unix.EACCES || errno == unix.EPERM:
		p.warnx("permission denied for %s (%d)", what, id)
	case errors.Is(err, ipc.ErrNotFound) || errno == unix.EINVAL:
		p.warnx("invalid %s (%d)", what, id)
	case errno == unix.EIDRM:
		p.warnx("already removed %s (%d)", what, id)
	default:
		p.err(1, err, "%s failed", what)
	}
	return false
}

// removeName is 2.43's remove_name: shm_unlink, mq_unlink or sem_unlink
// of a name as typed.
func (p *prog) removeName(kind ipc.Kind, given string) bool {
	name, e := posixName(kind, given)
	var err error
	if e != 0 {
		err = e
	} else {
		switch kind {
		case ipc.KindPshm:
			err = p.ipc.PshmRemove(name)
		case ipc.KindMq:
			err = p.ipc.MqRemove(name)
		case ipc.KindPsem:
			// A sem.* file of the wrong size or layout is not a
			// semaphore. The file checked is the one removed
			// (RemoveIfSame): a file put under the name since is left
			// alone, as "not found".
			st, serr := p.ipc.PsemStat(name)
			switch {
			case serr != nil:
				err = serr
			case st.Status == ipc.PsemInvalid:
				err = ipc.ErrNotFound
			default:
				if afterNameChecked != nil {
					afterNameChecked(kind, name)
				}
				err = p.ipc.RemoveIfSame(kind, st.Identity())
			}
		}
	}
	return p.nameResult(given, err)
}

// termSafe is s for a stream that is a terminal (tty): with control
// characters and what the locale cannot print as \xHH (safeEncode), so
// that a name nobody typed cannot drive the terminal. Elsewhere s is
// written as it is, as util-linux writes it.
func (p *prog) termSafe(tty bool, s string) string {
	if !tty {
		return s
	}
	enc, _ := safeEncode(s, p.utf8)
	return enc
}

// nameResult says what became of the removal of a name, as 2.43 does.
func (p *prog) nameResult(given string, err error) bool {
	if err == nil {
		return true
	}
	var errno unix.Errno
	errors.As(err, &errno)
	switch {
	case errno == unix.EACCES || errno == unix.EPERM:
		p.warnx("permission denied for name `%s'", given)
	case errors.Is(err, ipc.ErrNotFound) || errno == unix.ENOENT:
		p.warnx("name `%s' not found", given)
	case errno == unix.ENAMETOOLONG:
		p.warnx("name `%s' too long", given)
	default:
		if errno == 0 {
			errno = unix.EINVAL
		}
		p.err(1, errno, "name failed")
	}
	return false
}

// removeAll is ipcrm -a: every object of the kinds, System V ones in
// index order. Like util-linux (which lists with *_STAT, not
// *_STAT_ANY) it skips objects the caller may not read. POSIX kinds
// come only when asked for by type, and only regular files that are
// objects: no symlink, directory or other file is followed or removed.
// Unlike util-linux, each object is checked right before its removal to
// be the one listed (ipc.RemoveIfSame): an id or a name taken by a new
// object in between is left alone ("invalid id", "not found").
func (p *prog) removeAll(kinds []ipc.Kind, verbose bool) bool {
	ok := true
	for _, k := range kinds {

		switch k {
		case ipc.KindShm, ipc.KindSem, ipc.KindMsg:
			listed, err := p.readableSysv(k)
			if err != nil {
				p.errx(1, "kernel not configured for %s", map[ipc.Kind]string{
					ipc.KindShm: "shared memory", ipc.KindSem: "semaphores", ipc.KindMsg: "message queues"}[k])
			}
			listedHook(k)
			for _, id := range listed {
				if verbose {
					p.printf("removing %s id `%d'\n", kindWord(k), id.ID)
				}
				err := p.ipc.RemoveIfSame(k, id)
				if errors.Is(err, ipc.ErrMarkedForRemoval) {
					// The listed segment, removed already: IPC_RMID it
					// again as util-linux does (success for its owner,
					// EPERM for others).
					err = p.ipc.Remove(k, id.ID)
				}
				if !p.rmidResult(false, id.ID, err) {
					ok = false
				}
			}
		default:
			listed, err := p.posixListed(k)
			if err != nil {
				p.warnx("cannot list %s: %s", kindWord(k), strings.TrimSpace(err.Error()))
				ok = false
				continue
			}
			listedHook(k)
			for _, id := range listed {
				shown := id.Name
				if k != ipc.KindMq {
					shown = shown[1:] // as util-linux 2.43 shows them
				}
				// The names come from the directory, not the user: on a
				// terminal their control characters are shown as \xHH,
				// as lsipc's tables show them (util-linux prints them raw).
				if verbose {
					p.printf("removing %s `%s'\n", kindWord(k), p.termSafe(p.tty, shown))
				}
				if !p.nameResult(p.termSafe(p.errTTY, id.Name), p.ipc.RemoveIfSame(k, id)) {
					ok = false
				}
			}
		}
	}
	return ok
}

// afterNameChecked, set by tests, runs between the check of a named
// semaphore and its removal: where another process may replace it.
var afterNameChecked func(kind ipc.Kind, name string)

// beforeRemoveAll, set by tests, runs between the listing of a kind and
// the removals: where another process may replace a listed object.
var beforeRemoveAll func(ipc.Kind)

func listedHook(k ipc.Kind) {
	if beforeRemoveAll != nil {
		beforeRemoveAll(k)
	}
}

// readableSysv lists the objects of kind k that *_STAT would show the
// caller (the listing, less the objects IPC_STAT refuses to read), as the
// identities their removal re-checks. An object gone since the listing
// is left out too.
func (p *prog) readableSysv(k ipc.Kind) ([]ipc.Identity, error) {
	var listed []ipc.Identity
	switch k {
	case ipc.KindShm:
		list, err := p.ipc.ShmListStat()
		if err != nil {
			return nil, err
		}
		for _, s := range list {
			listed = append(listed, s.Identity())
		}
	case ipc.KindSem:
		list, err := p.ipc.SemListStat()
		if err != nil {
			return nil, err
		}
		for _, s := range list {
			listed = append(listed, s.Identity())
		}
	case ipc.KindMsg:
		list, err := p.ipc.MsgListStat()
		if err != nil {
			return nil, err
		}
		for _, m := range list {
			listed = append(listed, m.Identity())
		}
	}
	var ids []ipc.Identity
	for _, id := range listed {
		if ok, err := ipc.Readable(k, id.ID); ok && err == nil {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// posixListed lists the objects of a POSIX kind, as the identities
// their removal re-checks.
func (p *prog) posixListed(k ipc.Kind) ([]ipc.Identity, error) {
	var names []ipc.Identity
	switch k {
	case ipc.KindPshm:
		list, err := p.ipc.PshmList()
		if err != nil {
			return nil, err
		}
		for _, o := range list {
			names = append(names, o.Identity())
		}
	case ipc.KindPsem:
		list, err := p.ipc.PsemList()
		if err != nil {
			return nil, err
		}
		for _, o := range list {
			if o.Status != ipc.PsemInvalid {
				names = append(names, o.Identity())
			}
		}
	case ipc.KindMq:
		list, err := p.ipc.MqList()
		if err != nil {
			return nil, err
		}
		for _, o := range list {
			names = append(names, o.Identity())
		}
	}
	return names, nil
}

// ipcrmLegacy is `ipcrm shm|msg|sem ID...`: every id is tried, and
// "resource(s) deleted" is printed only if all went.
func (p *prog) ipcrmLegacy(kind ipc.Kind, ids []string) {
	if len(ids) == 0 {
		p.warnx("not enough arguments")
		p.errtryhelp(1)
	}
	failed := 0
	for _, s := range ids {
		v, n, e := cStrtoull(s, 10)
		// util-linux takes "" as id 0 and cuts ids to int: both would
		// remove an object nobody named (docs/compat.md)
		if e != 0 || n != len(s) || s == "" || (v > math.MaxInt32 && v < 1<<64-1<<31) {
			p.warnx("invalid id: %s", s)
			failed++
			continue
		}
		if !p.removeID(kind, false, int(int32(uint32(v))), false) {
			failed++
		}
	}
	if failed > 0 {
		p.exit(1)
	}
	p.puts("resource(s) deleted\n")
}
