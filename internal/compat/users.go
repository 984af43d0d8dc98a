package compat

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// userDB answers getpwuid and getgrgid from /etc/passwd and /etc/group,
// each read once on first use: the C tools ask NSS once per row, which
// is most of their run time on long listings. Only the files are read
// (docs/compat.md: names from LDAP or sssd are not shown).
type userDB struct {
	passwdFile, groupFile string
	users, groups         map[uint32]string
}

func newUserDB(passwd, group string) *userDB {
	return &userDB{passwdFile: passwd, groupFile: group}
}

// user returns the name of uid, as getpwuid(uid)->pw_name.
func (db *userDB) user(uid uint32) (string, bool) {
	if db.users == nil {
		db.users = readIDFile(db.passwdFile)
	}
	n, ok := db.users[uid]
	return n, ok
}

// group returns the name of gid, as getgrgid(gid)->gr_name.
func (db *userDB) group(gid uint32) (string, bool) {
	if db.groups == nil {
		db.groups = readIDFile(db.groupFile)
	}
	n, ok := db.groups[gid]
	return n, ok
}

// readIDFile maps the third field (uid or gid) of each NAME:PW:ID:... line
// to NAME; the first line for an id wins, as with glibc's files module.
// Lines glibc skips (comments, NIS +/- entries, bad ids) are skipped.
func readIDFile(path string) map[uint32]string {
	m := map[uint32]string{}
	f, err := os.Open(path)
	if err != nil {
		return m
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' || line[0] == '+' || line[0] == '-' {
			continue
		}
		fields := strings.SplitN(line, ":", 4)
		if len(fields) < 3 || fields[0] == "" {
			continue
		}
		id, err := strconv.ParseUint(strings.TrimSpace(fields[2]), 10, 32)
		if err != nil {
			continue
		}
		if _, dup := m[uint32(id)]; !dup {
			m[uint32(id)] = fields[0]
		}
	}
	return m
}
