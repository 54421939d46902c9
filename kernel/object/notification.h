/*
 * Notifications: a word of bits for asynchronous signals. Signal ORs the
 * cap's badge in (or wakes a waiter with it), Wait returns the word and
 * clears it (blocking while it is 0), Poll does the same without blocking.
 * A notification may be bound to one TCB: a Signal then also wakes that
 * thread's Recv on an endpoint. IRQs arrive as Signals (kernel/object/irq.c).
 * Reference: docs/notifications.md.
 */
#ifndef BASTION_OBJECT_NOTIFICATION_H
#define BASTION_OBJECT_NOTIFICATION_H

#include "kernel/object/tcb.h"

struct notification {
    struct thread_queue waiters; /* threads blocked in Wait, FIFO */
    uint64_t word;               /* pending bits; never nonzero while waiters is not empty */
    struct tcb *bound_tcb;       /* a thread whose Recv also wakes on this, or NULL */
};
_Static_assert(sizeof(struct notification) <= (1u << BST_NOTIFICATION_SIZE_BITS),
               "notification fits its object size");

struct notification *notification_at(uint64_t paddr);

/*
 * The badge a cap signals: its own, or 1 for an unbadged cap (badge 0), so
 * that every Signal is seen and Wait never returns 0 bits.
 */
uint64_t notification_cap_badge(const struct cap *cap);

/*
 * Delivers badge (nonzero): to the first thread in Wait (result bits =
 * badge), else to the bound thread if it is blocked in Recv (result bits =
 * the word | badge, msginfo BST_MSGINFO_NOTIFICATION), else ORs it into the
 * word. A woken thread is made runnable; the caller's kernel exit runs the
 * scheduler, which switches to it at once if its priority is higher.
 */
void notification_signal(struct notification *n, uint64_t badge);
/* Wait: returns the pending bits and clears them, or blocks t and returns 0. */
uint64_t notification_wait(struct notification *n, struct tcb *t);
/* Poll: returns the pending bits and clears them; 0 when none are pending. */
uint64_t notification_poll(struct notification *n);

/*
 * For an endpoint Recv by t: if t has a bound notification with pending
 * bits, takes (clears) them into *bits and returns true; the Recv then
 * returns at once with them (msginfo BST_MSGINFO_NOTIFICATION).
 */
bool notification_take_for_recv(struct tcb *t, uint64_t *bits);

/* Binding (TCB_BindNotification): one notification per TCB, one TCB per notification. */
void notification_bind(struct notification *n, struct tcb *t);
/* Drops t's binding, if any (TCB_UnbindNotification, and the TCB's death). */
void notification_unbind_tcb(struct tcb *t);

/*
 * System calls Signal, Wait and Poll on the notification at cptr in the
 * caller's CSpace. Each sets the caller's result registers (rax = error,
 * rdi = bits) itself, or blocks the caller (Wait) until a Signal sets them;
 * a failure also writes its detail into the caller's exchange frame.
 */
void notification_syscall_signal(struct tcb *caller, uint64_t cptr);
void notification_syscall_wait(struct tcb *caller, uint64_t cptr);
void notification_syscall_poll(struct tcb *caller, uint64_t cptr);

#endif
