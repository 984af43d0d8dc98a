package metrics

import (
	"errors"
	"io/fs"
	"os"
)

// The kernel limits of the IPC namespace, each named after the usage
// family it bounds, so that "used / limit" alerts need no constants.
var (
	shmSegmentsLimit = gaugeFamily("shm_segments_limit",
		"Most System V shared memory segments (kernel.shmmni, SHMMNI).")
	shmLimitBytes = gaugeFamily("shm_limit_bytes",
		"Most bytes all System V shared memory segments may take together: SHMALL (kernel.shmall pages) times the page size; compare with ipcctl_shm_charged_bytes.")
	semSetsLimit = gaugeFamily("sem_sets_limit",
		"Most System V semaphore sets (SEMMNI, 4th field of kernel.sem).")
	semSemaphoresLimit = gaugeFamily("sem_semaphores_limit",
		"Most System V semaphores in all sets together (SEMMNS, 2nd field of kernel.sem).")
	msgQueuesLimit = gaugeFamily("msg_queues_limit",
		"Most System V message queues (kernel.msgmni, MSGMNI).")
	mqQueuesLimit = gaugeFamily("mq_queues_limit",
		"Most POSIX message queues (fs.mqueue.queues_max; root may exceed it).")
)

// collectLimits reads /proc/sys/kernel and /proc/sys/fs/mqueue, as the
// client's IPC namespace has them.
func (c *Collector) collectLimits(s *scrape) error {
	l, err := c.client.SysvLimits()
	if errors.Is(err, fs.ErrNotExist) {
		return unsupported(err)
	}
	if err != nil {
		return err
	}
	page := float64(os.Getpagesize())
	s.gauge(shmSegmentsLimit, float64(l.ShmMni))
	s.gauge(shmLimitBytes, float64(l.ShmAll)*page)
	s.gauge(semSetsLimit, float64(l.SemMni))
	s.gauge(semSemaphoresLimit, float64(l.SemMns))
	s.gauge(msgQueuesLimit, float64(l.MsgMni))
	mq, err := c.client.MqueueLimits()
	if errors.Is(err, fs.ErrNotExist) {
		return nil // a kernel without POSIX message queues
	}
	if err != nil {
		return err
	}
	s.gauge(mqQueuesLimit, float64(mq.QueuesMax))
	return nil
}
