package metrics

import (
	"cmp"
	"errors"
	"os"
	"strconv"

	"github.com/ipcctl/ipcctl/pkg/errclass"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"golang.org/x/sys/unix"
)

func unsupported(err error) error { return errclass.Wrap(errclass.Unsupported, err) }

// System V shared memory.
var (
	shmSegments = gaugeFamily("shm_segments",
		"System V shared memory segments (what SHMMNI limits; `ipcctl ls shm`).")
	shmBytes = gaugeFamily("shm_bytes",
		"Bytes of all System V shared memory segments: the sum of their sizes.")
	shmChargedBytes = gaugeFamily("shm_charged_bytes",
		"Bytes SHMALL counts against ipcctl_shm_limit_bytes: each segment rounded up to whole pages.")
	shmResidentBytes = gaugeFamily("shm_resident_bytes",
		"Resident bytes of all System V shared memory segments (kernels that report rss in /proc/sysvipc/shm).")
	shmSwappedBytes = gaugeFamily("shm_swapped_bytes",
		"Swapped-out bytes of all System V shared memory segments (kernels that report swap in /proc/sysvipc/shm).")
	shmUnattached = gaugeFamily("shm_unattached_segments",
		"System V shared memory segments no process has attached (nattch 0).")
	shmDest = gaugeFamily("shm_dest_segments",
		"System V shared memory segments marked for removal (SHM_DEST): they go when the last process detaches.")
	shmOrphaned = gaugeFamily("shm_orphaned_segments",
		"Orphaned System V shared memory segments (the rule of ipcctl prune): nattch 0, the creator (cpid) is gone, and so is the last process to attach or detach (lpid) unless none ever did; a pid that reads 0 is not gone.")
	shmOrphanedBytes = gaugeFamily("shm_orphaned_bytes",
		"Bytes of the orphaned System V shared memory segments (see ipcctl_shm_orphaned_segments).")

	shmObjectBytes = gaugeFamily("shm_segment_size_bytes",
		"Size of one System V shared memory segment (--per-object).", "id", "key", "owner")
	shmObjectAttached = gaugeFamily("shm_segment_attached_processes",
		"Processes attached to one System V shared memory segment, nattch (--per-object).", "id", "key", "owner")
)

// collectShm reads the segments, and /proc/PID of their cpid and lpid.
func (c *Collector) collectShm(s *scrape) error {
	segs, err := c.client.ShmList()
	if err != nil {
		return err
	}
	u := ipc.SysvUsageOf(segs, nil, nil) // the sums `ipcs -u` and limits show
	var unattached, dest, orphans, orphanedBytes uint64
	orphaned := c.client.ShmOrphans(segs)
	for i, g := range segs {
		if g.Nattch == 0 {
			unattached++
		}
		if g.Dest() {
			dest++
		}
		if orphaned[i] {
			orphans++
			orphanedBytes += g.Size
		}
	}
	s.gauge(shmSegments, float64(u.ShmSegments))
	s.gauge(shmBytes, float64(u.ShmBytes))
	s.gauge(shmChargedBytes, float64(u.ShmPages*uint64(os.Getpagesize())))
	if u.ShmRSS != nil {
		s.gauge(shmResidentBytes, float64(*u.ShmRSS))
		s.gauge(shmSwappedBytes, float64(*u.ShmSwap))
	}
	s.gauge(shmUnattached, float64(unattached))
	s.gauge(shmDest, float64(dest))
	s.gauge(shmOrphaned, float64(orphans))
	s.gauge(shmOrphanedBytes, float64(orphanedBytes))
	if c.opts.PerObject {
		top, left := capped(segs, c.opts.PerObjectLimit, func(a, b ipc.Shm) int {
			return cmp.Or(cmp.Compare(b.Size, a.Size), cmp.Compare(a.ID, b.ID))
		})
		for _, g := range top {
			l := []string{strconv.Itoa(g.ID), keyLabel(g.Key), s.owners.User(g.UID)}
			s.gauge(shmObjectBytes, float64(g.Size), l...)
			s.gauge(shmObjectAttached, float64(g.Nattch), l...)
		}
		s.gauge(perObjectOmitted, float64(left), string(ipc.KindShm))
	}
	return nil
}

// System V semaphores.
var (
	semSets = gaugeFamily("sem_sets",
		"System V semaphore sets (what SEMMNI limits; `ipcctl ls sem`).")
	semSemaphores = gaugeFamily("sem_semaphores",
		"System V semaphores in all sets together (what SEMMNS limits).")
	semWithWaiters = gaugeFamily("sem_semaphores_with_waiters",
		"System V semaphores with at least one process blocked in semop on them (semncnt or semzcnt above 0), in the sets this process may read.")
	semWaiters = gaugeFamily("sem_waiters",
		"Processes blocked in semop, summed over semaphores (wait=\"increase\": semncnt; wait=\"zero\": semzcnt), in the sets this process may read.", "wait")
	semUnreadable = gaugeFamily("sem_unreadable_sets",
		"System V semaphore sets whose waiters this process may not read (no read permission): left out of ipcctl_sem_waiters.")

	semObjectSemaphores = gaugeFamily("sem_set_semaphores",
		"Semaphores in one System V semaphore set, nsems (--per-object).", "id", "key", "owner")
	semObjectWaiters = gaugeFamily("sem_set_waiters",
		"Processes blocked in semop on one System V semaphore set, semncnt plus semzcnt over its semaphores (--per-object; readable sets only).", "id", "key", "owner")
)

// collectSem reads the sets, then GETNCNT and GETZCNT of each semaphore.
func (c *Collector) collectSem(s *scrape) error {
	sets, err := c.client.SemList()
	if err != nil {
		return err
	}
	u := ipc.SysvUsageOf(nil, sets, nil)
	s.gauge(semSets, float64(u.SemSets))
	s.gauge(semSemaphores, float64(u.Semaphores))

	// Waiters need a semctl per semaphore, and the live system.
	waiters := make(map[int]int, len(sets))
	var with, ncnt, zcnt, unreadable int
	known := true
	for _, set := range sets {
		w, err := c.client.SemWaiters(set.ID, int(set.NSems))
		switch {
		case errors.Is(err, errors.ErrUnsupported):
			known = false
		case errors.Is(err, ipc.ErrNotFound): // removed since the listing
		case errors.Is(err, unix.EACCES):
			unreadable++
		case err != nil:
			return err
		default:
			with += w.Semaphores
			ncnt += w.NCnt
			zcnt += w.ZCnt
			waiters[set.ID] = w.NCnt + w.ZCnt
		}
		if !known {
			break
		}
	}
	if known {
		s.gauge(semWithWaiters, float64(with))
		s.gauge(semWaiters, float64(ncnt), "increase")
		s.gauge(semWaiters, float64(zcnt), "zero")
		s.gauge(semUnreadable, float64(unreadable))
	}
	if c.opts.PerObject {
		top, left := capped(sets, c.opts.PerObjectLimit, func(a, b ipc.Sem) int {
			return cmp.Or(cmp.Compare(b.NSems, a.NSems), cmp.Compare(a.ID, b.ID))
		})
		for _, set := range top {
			l := []string{strconv.Itoa(set.ID), keyLabel(set.Key), s.owners.User(set.UID)}
			s.gauge(semObjectSemaphores, float64(set.NSems), l...)
			if w, ok := waiters[set.ID]; ok {
				s.gauge(semObjectWaiters, float64(w), l...)
			}
		}
		s.gauge(perObjectOmitted, float64(left), string(ipc.KindSem))
	}
	return nil
}

// System V message queues.
var (
	msgQueues = gaugeFamily("msg_queues",
		"System V message queues (what MSGMNI limits; `ipcctl ls msg`).")
	msgMessages = gaugeFamily("msg_messages",
		"Messages in all System V message queues (`ipcs -u` used headers).")
	msgBytes = gaugeFamily("msg_bytes",
		"Bytes of the messages in all System V message queues (`ipcs -u` used space).")
	msgFullest = gaugeFamily("msg_fullest_queue_ratio",
		"Bytes queued over capacity (cbytes / qbytes) of the fullest System V message queue this process may read; senders block once a message no longer fits.")

	msgObjectBytes = gaugeFamily("msg_queue_bytes",
		"Bytes queued in one System V message queue, cbytes (--per-object).", "id", "key", "owner")
	msgObjectMessages = gaugeFamily("msg_queue_messages",
		"Messages in one System V message queue, qnum (--per-object).", "id", "key", "owner")
	msgObjectLimit = gaugeFamily("msg_queue_limit_bytes",
		"Capacity of one System V message queue, qbytes (--per-object; queues this process may read).", "id", "key", "owner")
)

// collectMsg reads the queues with their capacities.
func (c *Collector) collectMsg(s *scrape) error {
	queues, err := c.client.MsgListNeeds(ipc.ListNeeds{QBytes: true})
	if err != nil {
		return err
	}
	u := ipc.SysvUsageOf(nil, nil, queues)
	s.gauge(msgQueues, float64(u.MsgQueues))
	s.gauge(msgMessages, float64(u.Messages))
	s.gauge(msgBytes, float64(u.MsgBytes))
	fullest, known := 0.0, false
	for _, q := range queues {
		if q.QBytes == nil {
			continue
		}
		r := 1.0 // a queue of capacity 0 takes nothing: full
		if *q.QBytes > 0 {
			r = min(float64(q.CBytes)/float64(*q.QBytes), 1)
		}
		fullest, known = max(fullest, r), true
	}
	if known {
		s.gauge(msgFullest, fullest)
	}
	if c.opts.PerObject {
		top, left := capped(queues, c.opts.PerObjectLimit, func(a, b ipc.Msg) int {
			return cmp.Or(cmp.Compare(b.CBytes, a.CBytes), cmp.Compare(a.ID, b.ID))
		})
		for _, q := range top {
			l := []string{strconv.Itoa(q.ID), keyLabel(q.Key), s.owners.User(q.UID)}
			s.gauge(msgObjectBytes, float64(q.CBytes), l...)
			s.gauge(msgObjectMessages, float64(q.QNum), l...)
			if q.QBytes != nil {
				s.gauge(msgObjectLimit, float64(*q.QBytes), l...)
			}
		}
		s.gauge(perObjectOmitted, float64(left), string(ipc.KindMsg))
	}
	return nil
}
