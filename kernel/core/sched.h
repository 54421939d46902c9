/*
 * Scheduler: 256 fixed priorities, an O(1) ready queue (a bitmap of non-empty
 * priorities plus a FIFO list per priority), round-robin timeslices inside a
 * priority. The highest priority is 255.
 */
#ifndef BASTION_CORE_SCHED_H
#define BASTION_CORE_SCHED_H

#include "kernel/object/tcb.h"

#define SCHED_PRIORITIES 256
#define SCHED_TIMESLICE_TICKS 5

void sched_enqueue(struct tcb *tcb);   /* at the tail of its priority */
void sched_dequeue(struct tcb *tcb);
struct tcb *sched_pick(void);          /* highest-priority runnable thread, or NULL */
unsigned invariants_check_ready_queues(void); /* debug: queue consistency (core/invariant.c) */
struct tcb *sched_current(void);
void sched_tick(void);                 /* timer: charge the current thread's timeslice */
void sched_yield_current(void);
/* Makes the highest-priority runnable thread current (idles if there is none). */
void schedule(void);
/* schedule(), then leave the kernel to the current thread. */
void sched_run(void) __attribute__((noreturn));

#endif
