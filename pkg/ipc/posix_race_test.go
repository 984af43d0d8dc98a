package ipc

import (
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

// Objects created and removed while another goroutine lists: an object
// that vanishes between readdir and stat/read/open is skipped, never an error.
func TestPosixListWhileRemoving(t *testing.T) {
	nstest.Require(t)
	c := liveClient()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			n := fmt.Sprintf("/churn%d", i%8)
			c.PshmCreate(n, PshmCreateOptions{Size: 64, Mode: 0o600})
			c.PsemCreate(n, PsemCreateOptions{Value: 1, Mode: 0o600})
			c.MqCreate(n, MqCreateOptions{MaxMsg: 1, MsgSize: 8, Mode: 0o600})
			c.PshmRemove(n)
			c.PsemRemove(n)
			c.MqRemove(n)
		}
	}()
	defer func() {
		close(stop)
		wg.Wait()
		for i := 0; i < 8; i++ {
			n := fmt.Sprintf("churn%d", i)
			os.Remove("/dev/shm/" + n)
			os.Remove("/dev/shm/sem." + n)
			c.MqRemove("/" + n)
		}
	}()
	for i := 0; i < 300; i++ {
		if _, err := c.PshmList(); err != nil {
			t.Fatalf("pshm list: %v", err)
		}
		if sems, err := c.PsemList(); err != nil {
			t.Fatalf("psem list: %v", err)
		} else {
			for _, s := range sems {
				if s.Status != PsemOK {
					t.Fatalf("a semaphore seen half-made: %+v", s)
				}
			}
		}
		if _, err := c.MqList(); err != nil {
			t.Fatalf("mq list: %v", err)
		}
	}
}
