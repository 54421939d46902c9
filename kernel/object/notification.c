/*
 * Notification objects and the Signal, Wait and Poll system calls
 * (docs/notifications.md). Retype hands them out zeroed: no pending bits, no
 * waiters, no bound thread. IRQ handlers point at one by physical address
 * (kernel/object/irq.c), so the object's death also drops those bindings.
 *
 * The word is never nonzero while threads wait: a thread blocks only when it
 * is 0, and a Signal goes to a waiter before it goes to the word.
 */
#include "kernel/object/notification.h"
#include <bastion/error.h>
#include <bastion/ipc.h>
#include <bastion/syscall.h>
#include "kernel/core/cspace.h"
#include "kernel/core/exchange.h"
#include "kernel/core/ipc.h"
#include "kernel/lib/log.h"
#include "kernel/object/irq.h"
#include "kernel/object/objects.h"

static const uint64_t no_words[4];

struct notification *notification_at(uint64_t paddr) { return arch_phys_to_virt(paddr); }

uint64_t notification_cap_badge(const struct cap *cap) { return cap->w2 ? cap->w2 : 1; }

/* Takes the pending bits (and badge, if any) off the word. */
static uint64_t take(struct notification *n, uint64_t badge)
{
    uint64_t bits = n->word | badge;
    n->word = 0;
    return bits;
}

static void wake(struct tcb *t, uint64_t bits, uint64_t msginfo)
{
    ipc_set_receive_result(t, BST_OK, bits, msginfo, no_words);
    ipc_unblock(t); /* off its wait queue (or endpoint queue), onto the ready queue */
}

void notification_signal(struct notification *n, uint64_t badge)
{
    struct tcb *bound = n->bound_tcb;
    if (n->waiters.head)
        wake(n->waiters.head, take(n, badge), 0);
    else if (bound && bound->state == THREAD_BLOCKED && bound->ipc_wait == IPC_RECV)
        wake(bound, take(n, badge), BST_MSGINFO_NOTIFICATION);
    else
        n->word |= badge;
}

uint64_t notification_wait(struct notification *n, struct tcb *t)
{
    if (n->word)
        return take(n, 0);
    ipc_block(t, &n->waiters, IPC_NOTIFICATION);
    return 0;
}

uint64_t notification_poll(struct notification *n) { return take(n, 0); }

bool notification_take_for_recv(struct tcb *t, uint64_t *bits)
{
    struct notification *n = t->bound_notification;
    if (!n || !n->word)
        return false;
    *bits = take(n, 0);
    return true;
}

void notification_bind(struct notification *n, struct tcb *t)
{
    n->bound_tcb = t;
    t->bound_notification = n;
}

void notification_unbind_tcb(struct tcb *t)
{
    if (t->bound_notification)
        t->bound_notification->bound_tcb = 0;
    t->bound_notification = 0;
}

/*
 * The last cap is gone: waiters wake with BST_E_INVALID_CAP (as if their cap
 * had been invalid from the start), the bound thread is unbound, and no IRQ
 * may signal the memory any more (it can become another object after a revoke).
 */
void notification_finalise(const struct cap *cap)
{
    struct notification *n = notification_at(cap->paddr);
    const struct bst_error_detail detail = {.code = BST_E_INVALID_CAP, .argument = 0,
                                            .syscall = BST_SYS_WAIT};
    while (n->waiters.head) {
        struct tcb *t = n->waiters.head;
        ipc_set_receive_result(t, BST_E_INVALID_CAP, 0, 0, no_words);
        ipc_unblock(t);
        exchange_write_error(t, &detail);
    }
    if (n->bound_tcb)
        notification_unbind_tcb(n->bound_tcb);
    irq_unbind_notification(cap->paddr);
    n->word = 0;
}

/* ---- system calls */

static void syscall_fail(struct tcb *caller, uint64_t syscall, struct bst_error_detail d, const char *why)
{
    if (why)
        log_debug("notification: %s: syscall %llu: %s", caller->name, (unsigned long long)syscall, why);
    (void)why;
    d.syscall = syscall;
    exchange_write_error(caller, &d);
    ipc_set_receive_result(caller, d.code, 0, 0, no_words);
}

/* The notification cap at cptr, with right; NULL (and the caller's result set) on failure. */
static struct slot *lookup(struct tcb *caller, uint64_t cptr, unsigned right, uint64_t syscall)
{
    struct lookup_result r = cspace_lookup(tcb_cspace(caller), cptr, CSPACE_WORD_BITS, false);
    struct bst_error_detail d = {.argument = 0};
    const char *why;
    if (!r.slot) {
        d = (struct bst_error_detail){.code = BST_E_LOOKUP_FAILED, .bits_resolved = r.bits_resolved};
        why = "capability lookup failed";
    } else if (cap_is_null(&r.slot->cap)) {
        d.code = BST_E_INVALID_CAP;
        why = "empty slot";
    } else if (cap_type(&r.slot->cap) != BST_OBJ_NOTIFICATION) {
        d = (struct bst_error_detail){.code = BST_E_WRONG_TYPE, .min = BST_OBJ_NOTIFICATION,
                                      .max = BST_OBJ_NOTIFICATION};
        why = "not a notification capability";
    } else if (!(cap_rights(&r.slot->cap) & right)) {
        d = (struct bst_error_detail){.code = BST_E_RIGHTS, .min = right, .max = right};
        why = right == BST_RIGHT_WRITE ? "Signal needs the write right" : "Wait and Poll need the read right";
    } else {
        return r.slot;
    }
    syscall_fail(caller, syscall, d, why);
    return 0;
}

void notification_syscall_signal(struct tcb *caller, uint64_t cptr)
{
    struct slot *s = lookup(caller, cptr, BST_RIGHT_WRITE, BST_SYS_SIGNAL);
    if (!s)
        return;
    ipc_set_receive_result(caller, BST_OK, 0, 0, no_words);
    notification_signal(notification_at(s->cap.paddr), notification_cap_badge(&s->cap));
}

void notification_syscall_wait(struct tcb *caller, uint64_t cptr)
{
    struct slot *s = lookup(caller, cptr, BST_RIGHT_READ, BST_SYS_WAIT);
    if (!s)
        return;
    uint64_t bits = notification_wait(notification_at(s->cap.paddr), caller);
    if (bits)
        ipc_set_receive_result(caller, BST_OK, bits, 0, no_words);
    /* else blocked: the Signal that wakes it sets its result */
}

void notification_syscall_poll(struct tcb *caller, uint64_t cptr)
{
    struct slot *s = lookup(caller, cptr, BST_RIGHT_READ, BST_SYS_POLL);
    if (!s)
        return;
    uint64_t bits = notification_poll(notification_at(s->cap.paddr));
    if (bits) {
        ipc_set_receive_result(caller, BST_OK, bits, 0, no_words);
        return;
    }
    /* Nothing pending: reported like any failure, but an ordinary outcome, so not logged. */
    struct bst_error_detail d = {.code = BST_E_WOULD_BLOCK, .argument = BST_ARG_NONE};
    syscall_fail(caller, BST_SYS_POLL, d, 0);
}
