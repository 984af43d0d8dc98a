package sys

import (
	"testing"
	"unsafe"
)

// The kernel copies these structs whole: a wrong size corrupts memory.
func TestPosixStructSizes(t *testing.T) {
	if got := unsafe.Sizeof(MqAttr{}); got != 64 {
		t.Errorf("sizeof(struct mq_attr) = %d, want 64", got)
	}
	if got := unsafe.Sizeof(Sigevent{}); got != 64 {
		t.Errorf("sizeof(struct sigevent) = %d, want 64", got)
	}
}
