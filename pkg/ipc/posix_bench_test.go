package ipc

import (
	"os"
	"sync/atomic"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"golang.org/x/sys/unix"
)

// BenchmarkPsemPostWait is one uncontended sem_post + sem_wait pair;
// scripts/bench-posix.sh runs the same loop in C.
func BenchmarkPsemPostWait(b *testing.B) {
	nstest.Require(b)
	c := liveClient()
	if _, err := c.PsemCreate("/bench", PsemCreateOptions{Mode: 0o600}); err != nil {
		b.Fatal(err)
	}
	defer os.Remove("/dev/shm/sem.bench")
	s, err := c.PsemOpen("/bench")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for b.Loop() {
		if err := s.Post(); err != nil {
			b.Fatal(err)
		}
		if err := s.Wait(Forever); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPsemPingPong is a round trip between two goroutines through
// two semaphores, so every wait blocks in the futex and every post wakes.
func BenchmarkPsemPingPong(b *testing.B) {
	nstest.Require(b)
	c := liveClient()
	for _, n := range []string{"/ping", "/pong"} {
		if _, err := c.PsemCreate(n, PsemCreateOptions{Mode: 0o600}); err != nil {
			b.Fatal(err)
		}
		defer os.Remove("/dev/shm/sem." + n[1:])
	}
	ping, _ := c.PsemOpen("/ping")
	pong, _ := c.PsemOpen("/pong")
	defer ping.Close()
	defer pong.Close()
	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ping.Wait(Forever) == nil && !stop.Load() {
			pong.Post()
		}
	}()
	for b.Loop() {
		ping.Post()
		pong.Wait(Forever)
	}
	stop.Store(true)
	ping.Post()
	<-done
}

// BenchmarkMqSendReceive is one mq_send + mq_receive of a 64-byte message.
func BenchmarkMqSendReceive(b *testing.B) {
	nstest.Require(b)
	c := liveClient()
	if _, err := c.MqCreate("/bench", MqCreateOptions{MaxMsg: 10, MsgSize: 64, Mode: 0o600}); err != nil {
		b.Fatal(err)
	}
	defer c.MqRemove("/bench")
	q, err := c.MqOpen("/bench", unix.O_RDWR)
	if err != nil {
		b.Fatal(err)
	}
	defer q.Close()
	msg, buf := make([]byte, 64), make([]byte, 64)
	for b.Loop() {
		if err := q.Send(msg, 1, Forever); err != nil {
			b.Fatal(err)
		}
		if _, _, err := q.ReceiveInto(buf, Forever); err != nil {
			b.Fatal(err)
		}
	}
}
