#include "kernel/core/sched.h"
#include "kernel/object/relay.h"
#include "kernel/core/kernel.h"
#include "kernel/object/ioport.h"
#include "kernel/lib/log.h"

#define BITMAP_WORDS (SCHED_PRIORITIES / 64)

static struct tcb *queue_head[SCHED_PRIORITIES];
static struct tcb *queue_tail[SCHED_PRIORITIES];
static uint64_t nonempty[BITMAP_WORDS];
struct tcb *sched_current_thread;
/* Set whenever the ready queues change: only then can the choice of thread change. */
bool sched_reschedule_pending;

static bool queued(const struct tcb *t) { return t->sched_prev || queue_head[t->priority] == t; }

void sched_enqueue(struct tcb *t)
{
    if (queued(t))
        return;
    unsigned p = t->priority;
    t->sched_next = 0;
    t->sched_prev = queue_tail[p];
    if (queue_tail[p])
        queue_tail[p]->sched_next = t;
    else
        queue_head[p] = t;
    queue_tail[p] = t;
    nonempty[p / 64] |= 1ull << (p % 64);
    sched_reschedule_pending = true;
}

void sched_dequeue(struct tcb *t)
{
    if (!queued(t))
        return;
    unsigned p = t->priority;
    if (t->sched_prev)
        t->sched_prev->sched_next = t->sched_next;
    else
        queue_head[p] = t->sched_next;
    if (t->sched_next)
        t->sched_next->sched_prev = t->sched_prev;
    else
        queue_tail[p] = t->sched_prev;
    t->sched_next = t->sched_prev = 0;
    if (!queue_head[p])
        nonempty[p / 64] &= ~(1ull << (p % 64));
    sched_reschedule_pending = true;
}

/* t goes first in its priority's queue (it is not queued). */
static void push_front(struct tcb *t)
{
    unsigned p = t->priority;
    t->sched_prev = 0;
    t->sched_next = queue_head[p];
    if (queue_head[p])
        queue_head[p]->sched_prev = t;
    else
        queue_tail[p] = t;
    queue_head[p] = t;
    nonempty[p / 64] |= 1ull << (p % 64);
}

/*
 * Every switch goes through here: the thread's spaces, its registers' home,
 * its I/O ports, and (only when a relay segment is about) its window, which
 * must show its view before it runs. The usual switch makes no call but the
 * last, so it needs no stack frame.
 */
static __attribute__((noinline)) void follow_ports_and_window(struct tcb *t)
{
    ioport_follow(t);
    relay_follow(t);
}

static void make_current(struct tcb *t)
{
    sched_current_thread = t;
    tcb_refresh_cached(t); /* its spaces may have been revoked while it waited */
    arch_set_current(t);
    if (__builtin_expect(relay_window_involved(t), 0))
        follow_ports_and_window(t);
    else
        ioport_follow(t); /* the I/O bitmap belongs to the address space, like CR3 */
}

void sched_reload_current(void)
{
    if (sched_current_thread)
        make_current(sched_current_thread);
}

void sched_switch_direct(struct tcb *from, struct tcb *t)
{
    unsigned p = t->priority;
    if (from == queue_head[p] && from->priority == p) {
        /* The usual case: equal priorities, and the running thread heads its queue. */
        t->sched_prev = 0;
        t->sched_next = from->sched_next;
        if (t->sched_next)
            t->sched_next->sched_prev = t;
        else
            queue_tail[p] = t;
        queue_head[p] = t;
        from->sched_next = from->sched_prev = 0;
    } else {
        sched_dequeue(from);
        push_front(t);
    }
    make_current(t);
    sched_reschedule_pending = false;
}

void sched_prefer(struct tcb *t)
{
    if (queue_head[t->priority] == t || !t->sched_prev)
        return;
    sched_dequeue(t);
    push_front(t);
    sched_reschedule_pending = true;
}

struct tcb *sched_pick(void)
{
    for (int w = BITMAP_WORDS - 1; w >= 0; w--) {
        if (nonempty[w]) {
            unsigned p = (unsigned)w * 64 + 63 - (unsigned)__builtin_clzll(nonempty[w]);
            return queue_head[p];
        }
    }
    return 0;
}


void sched_tick(void)
{
    if (!sched_current_thread || sched_current_thread->timeslice_left == 0)
        return;
    if (--sched_current_thread->timeslice_left == 0) {
        sched_current_thread->timeslice_left = SCHED_TIMESLICE_TICKS;
        sched_yield_current();
    }
}

void sched_yield_current(void)
{
    /* Round robin: the current thread goes behind its equals. */
    if (sched_current_thread && sched_current_thread->state == THREAD_RUNNING) {
        sched_dequeue(sched_current_thread);
        sched_enqueue(sched_current_thread);
    }
}

void schedule_slow(void)
{
    sched_reschedule_pending = false;
    struct tcb *next = sched_pick();
    if (!next) {
        /* No thread: the exit path idles (after saving what the old thread still has live). */
        sched_current_thread = 0;
        if (kernel_exit_when_idle) {
            log_info("no runnable threads left; the kernel idles");
            arch_shutdown(KERNEL_EXIT_IDLE); /* test runs: nothing left to run */
        }
        arch_set_current(0);
        return;
    }
    if (next != sched_current_thread)
        make_current(next);
}

void sched_run(void)
{
    schedule();
    arch_return_to_user();
}

unsigned invariants_check_ready_queues(void)
{
    unsigned bad = 0;
    for (unsigned p = 0; p < SCHED_PRIORITIES; p++) {
        bool bit = (nonempty[p / 64] >> (p % 64)) & 1;
        if (bit != (queue_head[p] != 0)) {
            log_error("invariant: ready bitmap disagrees with queue %u", p);
            bad++;
        }
        struct tcb *prev = 0;
        for (struct tcb *t = queue_head[p]; t; prev = t, t = t->sched_next) {
            if (t->sched_prev != prev || t->priority != p || t->state != THREAD_RUNNING) {
                log_error("invariant: ready queue %u inconsistent at thread '%s'", p, t->name);
                bad++;
                break;
            }
        }
        if (queue_tail[p] != prev) {
            log_error("invariant: ready queue %u tail is wrong", p);
            bad++;
        }
    }
    return bad;
}
