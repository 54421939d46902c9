/*
 * Scheduler: 256 fixed priorities, an O(1) ready queue (a bitmap of non-empty
 * priorities plus a FIFO list per priority), round-robin timeslices inside a
 * priority. The highest priority is 255.
 */
#ifndef BASTION_CORE_SCHED_H
#define BASTION_CORE_SCHED_H

#include "kernel/object/ioport.h"
#include "kernel/object/relay.h"
#include "kernel/object/tcb.h"

#define SCHED_PRIORITIES 256
#define SCHED_TIMESLICE_TICKS 5

void sched_enqueue(struct tcb *tcb);   /* at the tail of its priority */
void sched_dequeue(struct tcb *tcb);
/*
 * The IPC fastpath's switch: the current thread `from` blocks (it leaves the
 * ready queue) and `to`, of at least its priority, takes the head of its
 * queue and runs at once.
 */
void sched_switch_direct(struct tcb *from, struct tcb *to);
/* IPC woke tcb for the current thread: put it first among its equals, so a
 * direct switch happens when its priority allows. */
void sched_prefer(struct tcb *tcb);
struct tcb *sched_pick(void);          /* highest-priority runnable thread, or NULL */
unsigned invariants_check_ready_queues(void); /* debug: queue consistency (core/invariant.c) */
extern struct tcb *sched_current_thread;
extern bool sched_reschedule_pending;
static inline struct tcb *sched_current(void) { return sched_current_thread; }
void sched_tick(void);                 /* timer: charge the current thread's timeslice */
void sched_yield_current(void);
/* The current thread's spaces changed (TCB_Configure on itself): load them now. */
void sched_reload_current(void);
/* Makes the highest-priority runnable thread current (idles if there is none). */
void schedule_slow(void);
static inline void schedule(void)
{
    if (sched_reschedule_pending || !sched_current_thread)
        schedule_slow(); /* only when the ready queues changed */
}
/* schedule(), then leave the kernel to the current thread. */
void sched_run(void) __attribute__((noreturn));

/*
 * XCall and XRet: the current thread t moved to another address space (and
 * nothing else changed); it keeps its registers' home and FPU. to_identity is
 * the new root's ASID identity (0: not known). Inline, because it is most of
 * an XCall's work after the checks: the usual case moves the window's one
 * entry and loads CR3 (a flush even when the thread stays in one address
 * space).
 */
static inline __attribute__((always_inline)) void sched_current_moved(struct tcb *t, uint64_t to_identity)
{
    uint64_t from = t->vspace_paddr;
    tcb_refresh_cached(t);
    if (!relay_move_plain(t, from, to_identity))
        relay_hand_over(t, from, to_identity); /* its segment leaves the window it showed in */
    arch_vspace_load(t->vspace_paddr);
    ioport_follow(t);
}

#endif
