/*
 * Thread control blocks and their invocations: Configure, SetPriority,
 * SetMCP, ReadRegisters, WriteRegisters, Resume, Suspend (reference:
 * docs/threads-and-devices.md), BindNotification and UnbindNotification
 * (docs/notifications.md). Every handler checks everything before it
 * changes anything, so a failed invocation has no effect.
 */
#include "kernel/object/tcb.h"
#include "kernel/object/linkstack.h"
#include "kernel/object/relay.h"
#include "kernel/core/ipc.h"
#include <bastion/tcb.h>
#include "kernel/core/asid.h"
#include "kernel/core/cdt.h"
#include "kernel/core/delete.h"
#include "kernel/core/invoke.h"
#include "kernel/core/sched.h"
#include "kernel/object/notification.h"
#include "kernel/object/objects.h"
#include "lib/string.h"

#define TCB_DEFAULT_TIMESLICE 5 /* timer ticks */

/* The TCB's cap slots, in the order of struct tcb; Configure's first three arguments too. */
#define SLOT_CSPACE BST_TCB_CONFIGURE_CSPACE
#define SLOT_VSPACE BST_TCB_CONFIGURE_VSPACE
#define SLOT_EXCHANGE BST_TCB_CONFIGURE_EXCHANGE
#define SLOT_FAULT_EP (SLOT_EXCHANGE + 1)
#define SLOT_OFFSET(n) (offsetof(struct tcb, cspace_root) + (n) * sizeof(struct slot))
_Static_assert(offsetof(struct tcb, vspace_root) == SLOT_OFFSET(SLOT_VSPACE) &&
                   offsetof(struct tcb, exchange_frame) == SLOT_OFFSET(SLOT_EXCHANGE) &&
                   offsetof(struct tcb, fault_endpoint) == SLOT_OFFSET(SLOT_FAULT_EP) &&
                   SLOT_FAULT_EP + 1 == TCB_CONFIGURE_SLOTS &&
                   offsetof(struct tcb, link_stack) == SLOT_OFFSET(TCB_CAP_SLOTS - 1),
               "configure arguments and TCB slots in one order");

void tcb_init(struct tcb *tcb, const char *name, uint8_t priority)
{
    memset(tcb, 0, sizeof(*tcb));
    tcb->priority = priority;
    tcb->timeslice_left = TCB_DEFAULT_TIMESLICE;
    tcb->state = THREAD_INACTIVE;
    tcb->cspace_now = &tcb->cspace_root; /* its own spaces until it makes an XCall */
    tcb->vspace_now = &tcb->vspace_root;
    /* Ring 3 selectors and interrupts on from the start; rip 0 faults until registers are written. */
    arch_context_init_user(&tcb->context, 0, 0, 0, 0);
    arch_fpu_reset(tcb); /* FCW 0x37f, MXCSR 0x1f80, all registers zero: never another's state */
    tcb_set_name(tcb, name);
}

void tcb_set_name(struct tcb *tcb, const char *name) { strlcpy(tcb->name, name, sizeof(tcb->name)); }

struct slot *tcb_cap_slots(struct tcb *tcb) { return &tcb->cspace_root; }

struct tcb *tcb_of(const struct cap *cap) { return arch_phys_to_virt(cap->paddr); }

/* A new thread: lowest priority, controls no priority, inactive until configured and resumed. */
void tcb_object_init(struct tcb *tcb) { tcb_init(tcb, "thread", 0); }

/* ---- wait queues */

void thread_queue_append(struct thread_queue *q, struct tcb *t)
{
    t->queue_next = 0;
    t->queue_prev = q->tail;
    if (q->tail)
        q->tail->queue_next = t;
    else
        q->head = t;
    q->tail = t;
    t->blocked_on = q;
    t->state = THREAD_BLOCKED;
}

void thread_queue_remove(struct tcb *t)
{
    struct thread_queue *q = t->blocked_on;
    if (!q)
        return;
    if (t->queue_prev)
        t->queue_prev->queue_next = t->queue_next;
    else
        q->head = t->queue_next;
    if (t->queue_next)
        t->queue_next->queue_prev = t->queue_prev;
    else
        q->tail = t->queue_prev;
    t->queue_next = t->queue_prev = 0;
    t->blocked_on = 0;
}

/* ---- thread state */

void tcb_stop(struct tcb *t)
{
    /*
     * A thread stopped inside a blocking call (Send, Recv, Call, Wait...)
     * re-runs that call when resumed, as in seL4: its registers still hold
     * the request, since results are written only when a call completes.
     */
    if (t->state == THREAD_BLOCKED && !t->ipc_fault)
        arch_context_restart_syscall(&t->context);
    thread_queue_remove(t);
    ipc_abandon_reply(t);
    t->ipc_wait = IPC_NONE;
    t->ipc_fault = false;
    sched_dequeue(t);
    t->state = THREAD_INACTIVE;
}

/*
 * The last TCB cap is gone. If the thread is the current one, sched_run
 * (which every kernel exit goes through) no longer finds it on the ready
 * queue, so it never runs again; results written into its context before
 * then land in memory that stays unused until its untyped is revoked.
 */
void tcb_finalise(struct tcb *tcb)
{
    tcb_stop(tcb);
    link_stack_unwind_all(tcb, &tcb->xentry_table.cap, &tcb->link_stack.cap); /* entries' stacks free again */
    relay_thread_finalise(tcb);   /* the segment leaves every window */
    notification_unbind_tcb(tcb); /* the notification may outlive the thread */
    arch_fpu_release(tcb);        /* its memory may be retyped: never XSAVE into it again */
}

static bool tcb_configured(const struct tcb *t)
{
    return !cap_is_null(&t->cspace_root.cap) && !cap_is_null(&t->vspace_root.cap) &&
           !cap_is_null(&t->exchange_frame.cap);
}

static void tcb_resume(struct tcb *t)
{
    /* A running thread stays as it is; a blocked one waits for its IPC partner. */
    if (t->state == THREAD_INACTIVE || t->state == THREAD_FAULTED) {
        t->state = THREAD_RUNNING;
        sched_enqueue(t);
    }
}

static void tcb_set_priority(struct tcb *t, uint8_t priority)
{
    /* The ready queue is per priority: a runnable thread moves to its new queue's tail. */
    bool runnable = t->state == THREAD_RUNNING;
    if (runnable)
        sched_dequeue(t);
    t->priority = priority;
    if (runnable)
        sched_enqueue(t);
}

/* ---- Configure */

/* A TCB's own copy of a cap, as CNode_Copy would make it (a frame copy starts unmapped). */
static struct cap derived_copy(const struct cap *src)
{
    struct cap c = *src;
    cap_set_flags(&c, cap_flags(&c) & ~CAP_FLAG_ORIGINAL);
    if (cap_type(&c) == BST_OBJ_FRAME_4K)
        c.w2 = c.w3 = 0;
    return c;
}

static enum bst_error check_exchange(struct invocation *inv, const struct slot *frame)
{
    if (cap_flags(&frame->cap) & CAP_FLAG_DEVICE)
        return inv_fail(inv, BST_E_INVALID_ARG, BST_TCB_CONFIGURE_EXCHANGE, 0, 0,
                        "device memory cannot be an exchange frame");
    if (frame_mapped_executable(frame))
        return inv_fail(inv, BST_E_ILLEGAL_OPERATION, BST_TCB_CONFIGURE_EXCHANGE, 0, 0,
                        "W^X: the frame is mapped executable, and the kernel writes a thread's exchange frame");
    uint64_t va = inv->mr[BST_TCB_CONFIGURE_EXCHANGE_ADDR];
    if (va % BST_PAGE_SIZE)
        return inv_fail(inv, BST_E_INVALID_ARG, BST_TCB_CONFIGURE_EXCHANGE_ADDR, 0, 0,
                        "exchange address not page aligned");
    if (va == 0 || !arch_user_address_ok(va))
        return inv_fail(inv, BST_E_RANGE, BST_TCB_CONFIGURE_EXCHANGE_ADDR, BST_PAGE_SIZE,
                        BST_USER_ADDR_TOP - BST_PAGE_SIZE, "exchange address outside the user range");
    return BST_OK;
}

/* Its write right (the kernel sends faults on it) is checked with the lookup (abi/bastion/rights.h). */
static struct slot *lookup_fault_endpoint(struct invocation *inv, enum bst_error *e)
{
    uint64_t cptr = inv->mr[BST_TCB_CONFIGURE_FAULT_EP];
    return inv_lookup_typed(inv, cptr, BST_OBJ_ENDPOINT, BST_TCB_CONFIGURE_FAULT_EP, e);
}

/* Looks up and checks every source cap; src[i] is NULL only for "no fault endpoint". */
static enum bst_error configure_sources(struct invocation *inv, struct slot *src[TCB_CONFIGURE_SLOTS])
{
    static const enum bst_object_type types[] = {BST_OBJ_CNODE, BST_OBJ_PML4, BST_OBJ_FRAME_4K};
    enum bst_error e = BST_OK;
    for (unsigned i = SLOT_CSPACE; i <= SLOT_EXCHANGE; i++) {
        /* The argument order matches the slot order: cspace, vspace, exchange frame. */
        src[i] = inv_lookup_typed(inv, inv->mr[i], types[i], i, &e);
        if (!src[i])
            return e;
    }
    struct cap *vspace = &src[SLOT_VSPACE]->cap;
    if ((vspace->w3 = asid_of_root(vspace->paddr, vspace->w3)) == ASID_NONE) /* a hint: the thread's copy keeps it */
        return inv_fail(inv, BST_E_ILLEGAL_OPERATION, SLOT_VSPACE, 0, 0,
                        "the address space has no ASID: assign one with an ASID pool cap");
    if ((e = check_exchange(inv, src[SLOT_EXCHANGE])) != BST_OK)
        return e;
    src[SLOT_FAULT_EP] = 0;
    if (inv->mr[BST_TCB_CONFIGURE_FAULT_EP] != 0 && !(src[SLOT_FAULT_EP] = lookup_fault_endpoint(inv, &e)))
        return e;
    return BST_OK;
}

/* The caps a configure replaces wait here while they are deleted (the kernel is not reentrant). */
static struct slot replaced[TCB_CONFIGURE_SLOTS];

static void install(struct tcb *t, struct slot *const src[TCB_CONFIGURE_SLOTS], uint64_t exchange_uaddr)
{
    struct slot *slots = tcb_cap_slots(t);
    for (unsigned i = 0; i < TCB_CONFIGURE_SLOTS; i++) {
        if (!cap_is_null(&slots[i].cap))
            cdt_move(&replaced[i], &slots[i]);
        if (src[i]) {
            slots[i].cap = derived_copy(&src[i]->cap);
            if (i == SLOT_EXCHANGE) /* written by the kernel: never executable anywhere (frame.c) */
                cap_set_flags(&slots[i].cap, cap_flags(&slots[i].cap) | CAP_FLAG_KERNEL_WRITES);
            cdt_insert_child(src[i], &slots[i]);
        }
    }
    t->exchange_uaddr = exchange_uaddr;
    tcb_refresh_cached(t);
    /*
     * Only now, with the thread consistent, delete the old caps: one may be
     * the last cap to a CNode holding the last cap to this very TCB, and
     * then the whole thread goes, new caps included.
     */
    for (unsigned i = 0; i < TCB_CONFIGURE_SLOTS; i++)
        slot_delete(&replaced[i]);
    /* Such a cascade (an untyped destroyed with its CNode, say) may also have emptied new slots. */
    tcb_refresh_cached(t);
}

static enum bst_error tcb_configure(struct invocation *inv, struct tcb *t)
{
    enum bst_error e;
    struct slot *src[TCB_CONFIGURE_SLOTS];
    if (!inv_has_args(inv, BST_TCB_CONFIGURE_ARGS, &e) || (e = configure_sources(inv, src)) != BST_OK)
        return e;
    install(t, src, inv->mr[BST_TCB_CONFIGURE_EXCHANGE_ADDR]);
    if (t == sched_current())
        sched_reload_current(); /* a thread configuring itself continues in its new address space */
    return BST_OK;
}

/* ---- priorities */

static enum bst_error tcb_priority(struct invocation *inv, struct tcb *t, bool mcp)
{
    enum bst_error e;
    if (!inv_has_args(inv, BST_TCB_PRIORITY_ARGS, &e))
        return e;
    struct slot *auth = inv_lookup_typed(inv, inv->mr[BST_TCB_PRIORITY_AUTHORITY], BST_OBJ_TCB,
                                         BST_TCB_PRIORITY_AUTHORITY, &e);
    if (!auth)
        return e;
    /* The limit is read before anything changes: the authority may be the target itself. */
    uint64_t limit = tcb_of(&auth->cap)->max_controlled_priority, value = inv->mr[BST_TCB_PRIORITY_VALUE];
    if (value > limit)
        return inv_fail(inv, BST_E_RANGE, BST_TCB_PRIORITY_VALUE, 0, limit,
                        "above the authority's maximum controlled priority");
    if (mcp)
        t->max_controlled_priority = (uint8_t)value;
    else
        tcb_set_priority(t, (uint8_t)value);
    return BST_OK;
}

/* ---- registers */

/* The caller is in the middle of a system call: its saved registers say nothing useful. */
static enum bst_error refuse_self(struct invocation *inv, struct tcb *t, enum bst_error *e)
{
    if (t != inv->caller)
        return BST_OK;
    return *e = inv_fail(inv, BST_E_ILLEGAL_OPERATION, BST_ARG_NONE, 0, 0,
                         "a thread cannot read or write its own registers");
}

static enum bst_error tcb_read_registers(struct invocation *inv, struct tcb *t)
{
    enum bst_error e = BST_OK;
    if (!inv_has_args(inv, 1, &e) || refuse_self(inv, t, &e) != BST_OK)
        return e;
    uint64_t count = inv->mr[0];
    if (count > BST_TCB_REGISTER_COUNT)
        return inv_fail(inv, BST_E_RANGE, 0, 0, BST_TCB_REGISTER_COUNT, "more registers than there are");
    if (count > BST_MSG_REGISTER_WORDS && !tcb_exchange_paddr(inv->caller))
        return inv_fail(inv, BST_E_NO_EXCHANGE, 0, 0, BST_MSG_REGISTER_WORDS,
                        "results beyond the registers, but the caller has no exchange frame");
    arch_context_read(&t->context, inv->out, (unsigned)count);
    inv->out_length = (unsigned)count;
    return BST_OK;
}

static enum bst_error check_user_pointer(struct invocation *inv, const uint64_t *regs, uint64_t count,
                                         unsigned reg)
{
    if (reg < count && !arch_user_address_ok(regs[reg]))
        return inv_fail(inv, BST_E_RANGE, BST_TCB_WRITE_FIRST_REG + reg, 0, BST_USER_ADDR_TOP - 1,
                        "instruction or stack pointer outside the user range");
    return BST_OK;
}

static enum bst_error tcb_write_registers(struct invocation *inv, struct tcb *t)
{
    enum bst_error e = BST_OK;
    if (!inv_has_args(inv, BST_TCB_WRITE_FIRST_REG, &e) || refuse_self(inv, t, &e) != BST_OK)
        return e;
    uint64_t resume = inv->mr[BST_TCB_WRITE_RESUME], count = inv->mr[BST_TCB_WRITE_COUNT];
    if (resume > 1)
        return inv_fail(inv, BST_E_INVALID_ARG, BST_TCB_WRITE_RESUME, 0, 1, "resume is 0 or 1");
    if (count > BST_TCB_REGISTER_COUNT)
        return inv_fail(inv, BST_E_RANGE, BST_TCB_WRITE_COUNT, 0, BST_TCB_REGISTER_COUNT,
                        "more registers than there are");
    if (!inv_has_args(inv, BST_TCB_WRITE_FIRST_REG + (unsigned)count, &e))
        return e;
    const uint64_t *regs = &inv->mr[BST_TCB_WRITE_FIRST_REG];
    if ((e = check_user_pointer(inv, regs, count, BST_REG_RIP)) != BST_OK ||
        (e = check_user_pointer(inv, regs, count, BST_REG_RSP)) != BST_OK)
        return e;
    if (resume && !tcb_configured(t))
        return inv_fail(inv, BST_E_ILLEGAL_OPERATION, BST_TCB_WRITE_RESUME, 0, 0,
                        "cannot resume a thread without CSpace, address space and exchange frame");
    arch_context_write(&t->context, regs, (unsigned)count);
    if (resume)
        tcb_resume(t);
    return BST_OK;
}

/* ---- Resume, Suspend */

static enum bst_error tcb_resume_invocation(struct invocation *inv, struct tcb *t)
{
    if (!tcb_configured(t))
        return inv_fail(inv, BST_E_ILLEGAL_OPERATION, BST_ARG_NONE, 0, 0,
                        "cannot resume a thread without CSpace, address space and exchange frame");
    tcb_resume(t);
    return BST_OK;
}

/* Suspending oneself is fine: the results are written now, and sched_run picks another thread. */
static enum bst_error tcb_suspend(struct tcb *t)
{
    tcb_stop(t);
    return BST_OK;
}

/* ---- BindNotification, UnbindNotification */

static enum bst_error tcb_bind_notification(struct invocation *inv, struct tcb *t)
{
    enum bst_error e;
    if (!inv_has_args(inv, 1, &e))
        return e;
    struct slot *s = inv_lookup_typed(inv, inv->mr[0], BST_OBJ_NOTIFICATION, 0, &e);
    if (!s) /* includes the read right: the bound thread receives the signals */
        return e;
    struct notification *n = notification_at(s->cap.paddr);
    if (t->bound_notification)
        return inv_fail(inv, BST_E_ILLEGAL_OPERATION, BST_ARG_NONE, 0, 0,
                        "the thread has a bound notification already");
    if (n->bound_tcb)
        return inv_fail(inv, BST_E_ILLEGAL_OPERATION, 0, 0, 0, "the notification is bound to a thread already");
    notification_bind(n, t);
    return BST_OK;
}

static enum bst_error tcb_unbind_notification(struct invocation *inv, struct tcb *t)
{
    if (!t->bound_notification)
        return inv_fail(inv, BST_E_ILLEGAL_OPERATION, BST_ARG_NONE, 0, 0, "the thread has no bound notification");
    notification_unbind_tcb(t);
    return BST_OK;
}

enum bst_error tcb_invoke(struct invocation *inv)
{
    struct tcb *t = tcb_of(&inv->slot->cap);
    switch (inv->label) {
    case BST_TCB_CONFIGURE: return tcb_configure(inv, t);
    case BST_TCB_SET_PRIORITY: return tcb_priority(inv, t, false);
    case BST_TCB_SET_MCP: return tcb_priority(inv, t, true);
    case BST_TCB_READ_REGISTERS: return tcb_read_registers(inv, t);
    case BST_TCB_WRITE_REGISTERS: return tcb_write_registers(inv, t);
    case BST_TCB_RESUME: return tcb_resume_invocation(inv, t);
    case BST_TCB_SUSPEND: return tcb_suspend(t);
    case BST_TCB_BIND_NOTIFICATION: return tcb_bind_notification(inv, t);
    case BST_TCB_UNBIND_NOTIFICATION: return tcb_unbind_notification(inv, t);
    case BST_TCB_SET_RELAY: return link_stack_set_relay(inv, t);
    default:
        /* The TCB labels are three runs (later ones were appended): min..max spans them. */
        return inv_fail(inv, BST_E_NOT_SUPPORTED, BST_ARG_NONE, BST_TCB_CONFIGURE, BST_TCB_SET_RELAY,
                        "unknown TCB invocation");
    }
}
