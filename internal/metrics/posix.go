package metrics

import (
	"cmp"
	"errors"
	"io/fs"

	"github.com/ipcctl/ipcctl/pkg/ipc"
)

// POSIX shared memory, named semaphores and message queues.
var (
	pshmObjects = gaugeFamily("pshm_objects",
		"POSIX shared memory objects: regular files in /dev/shm other than sem.* (`ipcctl ls pshm`).")
	pshmBytes = gaugeFamily("pshm_bytes",
		"Bytes of all POSIX shared memory objects: the sum of their file sizes (they share the /dev/shm tmpfs, see ipcctl_devshm_limit_bytes).")
	psemSemaphores = gaugeFamily("psem_semaphores",
		"POSIX named semaphores: sem.* files in /dev/shm, valid or not (`ipcctl ls psem`).")
	psemBytes = gaugeFamily("psem_bytes",
		"Bytes of all POSIX named semaphore files (32 for each valid one).")
	psemWithWaiters = gaugeFamily("psem_semaphores_with_waiters",
		"POSIX named semaphores with at least one process blocked in sem_wait (glibc nwaiters above 0), among those this process may read.")
	psemWaiters = gaugeFamily("psem_waiters",
		"Processes blocked in sem_wait on POSIX named semaphores (glibc nwaiters, summed), among those this process may read.")
	mqQueues = gaugeFamily("mq_queues",
		"POSIX message queues in /dev/mqueue (what fs.mqueue.queues_max limits; `ipcctl ls mq`).")
	mqMessages = gaugeFamily("mq_messages",
		"Messages in all POSIX message queues this process may read (mq_curmsgs, summed).")
	mqBytes = gaugeFamily("mq_bytes",
		"Bytes queued in all POSIX message queues this process may read (QSIZE of /dev/mqueue/NAME, summed).")

	pshmObjectBytes = gaugeFamily("pshm_object_size_bytes",
		"Size of one POSIX shared memory object (--per-object).", "name", "owner")
	psemObjectValue = gaugeFamily("psem_semaphore_value",
		"Value of one POSIX named semaphore (--per-object; valid, readable semaphores).", "name", "owner")
	psemObjectWaiters = gaugeFamily("psem_semaphore_waiters",
		"Processes blocked in sem_wait on one POSIX named semaphore, glibc nwaiters (--per-object; valid, readable semaphores).", "name", "owner")
	mqObjectMessages = gaugeFamily("mq_queue_messages",
		"Messages in one POSIX message queue, mq_curmsgs (--per-object; readable queues).", "name", "owner")
	mqObjectBytes = gaugeFamily("mq_queue_bytes",
		"Bytes queued in one POSIX message queue, QSIZE (--per-object; readable queues).", "name", "owner")
	mqObjectLimit = gaugeFamily("mq_queue_limit_messages",
		"Most messages one POSIX message queue holds, mq_maxmsg (--per-object; readable queues).", "name", "owner")
)

// collectPshm lists /dev/shm.
func (c *Collector) collectPshm(s *scrape) error {
	objs, err := c.client.PshmList()
	if errors.Is(err, fs.ErrNotExist) {
		return unsupported(err) // no /dev/shm
	}
	if err != nil {
		return err
	}
	var bytes uint64
	for _, o := range objs {
		bytes += o.Size
	}
	s.gauge(pshmObjects, float64(len(objs)))
	s.gauge(pshmBytes, float64(bytes))
	if c.opts.PerObject {
		top, left := capped(objs, c.opts.PerObjectLimit, func(a, b ipc.Pshm) int {
			return cmp.Or(cmp.Compare(b.Size, a.Size), cmp.Compare(a.Name, b.Name))
		})
		for _, o := range top {
			s.gauge(pshmObjectBytes, float64(o.Size), o.Name, s.owners.User(o.UID))
		}
		s.gauge(perObjectOmitted, float64(left), string(ipc.KindPshm))
	}
	return nil
}

// collectPsem reads each sem.* file of /dev/shm.
func (c *Collector) collectPsem(s *scrape) error {
	sems, err := c.client.PsemList()
	if errors.Is(err, fs.ErrNotExist) {
		return unsupported(err)
	}
	if err != nil {
		return err
	}
	var bytes, with, waiters uint64
	for _, p := range sems {
		bytes += p.Size
		if p.Waiters != nil && *p.Waiters > 0 {
			with++
			waiters += uint64(*p.Waiters)
		}
	}
	s.gauge(psemSemaphores, float64(len(sems)))
	s.gauge(psemBytes, float64(bytes))
	s.gauge(psemWithWaiters, float64(with))
	s.gauge(psemWaiters, float64(waiters))
	if c.opts.PerObject {
		waiters := func(p ipc.Psem) int64 { // readable ones first, most waiters first
			if p.Waiters == nil {
				return -1
			}
			return int64(*p.Waiters)
		}
		top, left := capped(sems, c.opts.PerObjectLimit, func(a, b ipc.Psem) int {
			return cmp.Or(cmp.Compare(waiters(b), waiters(a)), cmp.Compare(a.Name, b.Name))
		})
		for _, p := range top {
			if p.Value == nil || p.Waiters == nil {
				continue
			}
			owner := s.owners.User(p.UID)
			s.gauge(psemObjectValue, float64(*p.Value), p.Name, owner)
			s.gauge(psemObjectWaiters, float64(*p.Waiters), p.Name, owner)
		}
		s.gauge(perObjectOmitted, float64(left), string(ipc.KindPsem))
	}
	return nil
}

// collectMq reads /dev/mqueue; without the mqueue mount there is nothing
// to count (ErrUnsupported).
func (c *Collector) collectMq(s *scrape) error {
	queues, err := c.client.MqList()
	if err != nil {
		return err
	}
	var msgs, bytes uint64
	for _, q := range queues {
		if q.CurMsgs != nil {
			msgs += *q.CurMsgs
		}
		if q.Status != nil {
			bytes += q.Status.QSize
		}
	}
	s.gauge(mqQueues, float64(len(queues)))
	s.gauge(mqMessages, float64(msgs))
	s.gauge(mqBytes, float64(bytes))
	if c.opts.PerObject {
		qsize := func(q ipc.Mq) uint64 {
			if q.Status == nil {
				return 0
			}
			return q.Status.QSize
		}
		top, left := capped(queues, c.opts.PerObjectLimit, func(a, b ipc.Mq) int {
			return cmp.Or(cmp.Compare(qsize(b), qsize(a)), cmp.Compare(a.Name, b.Name))
		})
		for _, q := range top {
			owner := s.owners.User(q.UID)
			if q.CurMsgs != nil {
				s.gauge(mqObjectMessages, float64(*q.CurMsgs), q.Name, owner)
			}
			if q.Status != nil {
				s.gauge(mqObjectBytes, float64(q.Status.QSize), q.Name, owner)
			}
			if q.MaxMsg != nil {
				s.gauge(mqObjectLimit, float64(*q.MaxMsg), q.Name, owner)
			}
		}
		s.gauge(perObjectOmitted, float64(left), string(ipc.KindMq))
	}
	return nil
}

// The tmpfs behind /dev/shm, which POSIX shared memory and semaphores share.
var (
	devShmBytes = gaugeFamily("devshm_bytes",
		"Bytes used in the /dev/shm tmpfs that holds POSIX shared memory and semaphores (statfs; `ipcctl limits` DEVSHM_BYTES); absent when the tmpfs has no size limit.")
	devShmLimitBytes = gaugeFamily("devshm_limit_bytes",
		"Size of the /dev/shm tmpfs (its size= option); absent when unlimited.")
	devShmInodes = gaugeFamily("devshm_inodes",
		"Inodes used in the /dev/shm tmpfs (`ipcctl limits` DEVSHM_INODES); absent when the tmpfs has no inode limit.")
	devShmInodesLimit = gaugeFamily("devshm_inodes_limit",
		"Inodes the /dev/shm tmpfs may hold (its nr_inodes= option); absent when unlimited.")
)

// collectDevShm asks statfs(2) about /dev/shm (the live system only).
func (c *Collector) collectDevShm(s *scrape) error {
	u, err := c.client.DevShm()
	if errors.Is(err, fs.ErrNotExist) {
		return unsupported(err) // no /dev/shm
	}
	if err != nil {
		return err
	}
	for _, x := range []struct {
		f *Family
		v *uint64
	}{{devShmBytes, u.UsedBytes}, {devShmLimitBytes, u.SizeBytes}, {devShmInodes, u.UsedInodes}, {devShmInodesLimit, u.Inodes}} {
		if x.v != nil {
			s.gauge(x.f, float64(*x.v))
		}
	}
	return nil
}
