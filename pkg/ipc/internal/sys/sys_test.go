package sys

import (
	"testing"
	"unsafe"
)

// Sizes from the kernel's uapi headers for 64-bit: a wrong layout would
// make the kernel write past our struct.
func TestStructSizes(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  uintptr
		want uintptr
	}{
		{"ipc64_perm", unsafe.Sizeof(IpcPerm{}), 48},
		{"shmid64_ds", unsafe.Sizeof(ShmidDs{}), 112},
		{"semid64_ds", unsafe.Sizeof(SemidDs{}), semidDsSize},
		{"msqid64_ds", unsafe.Sizeof(MsqidDs{}), 120},
		{"shm_info", unsafe.Sizeof(ShmInfo{}), 48},
		{"seminfo", unsafe.Sizeof(SemInfo{}), 40},
		{"msginfo", unsafe.Sizeof(MsgInfo{}), 32},
	} {
		if tc.got != tc.want {
			t.Errorf("sizeof(%s) = %d, want %d", tc.name, tc.got, tc.want)
		}
	}
}
