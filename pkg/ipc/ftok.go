package ipc

import (
	"fmt"
	"os"
	"syscall"

	"github.com/ipcctl/ipcctl/pkg/errclass"
)

// Ftok computes the System V key for path and proj exactly as glibc's
// ftok(3) does (sysvipc/ftok.c):
//
//	key = (st_ino & 0xffff) | ((st_dev & 0xff) << 16) | ((proj_id & 0xff) << 24)
//
// with st_ino and st_dev from stat(2), which follows symbolic links. Only
// the low 8 bits of proj count, as in glibc; callers that want to refuse
// values that would alias (256 is 0) check the range themselves.
// Equivalent to: ftok(3).
func Ftok(path string, proj int) (int32, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, errclass.IfNotExist(err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, fmt.Errorf("ftok %s: no stat data", path)
	}
	return int32(uint32(st.Ino&0xffff) | uint32(st.Dev&0xff)<<16 | uint32(proj&0xff)<<24), nil
}
