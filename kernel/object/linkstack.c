/*
 * Link stacks (object/linkstack.h): push happens in core/xcall.c, pop and
 * unwinding here. A record names its callee by entry number in the thread's
 * table, and its caller by the record below it (or the thread's own spaces
 * for the outermost), so nothing in a record can go stale but those entries:
 * a return checks that the caller's address space still lives and unwinds
 * further with BST_E_PARTNER_GONE when it does not.
 */
#include "kernel/object/linkstack.h"
#include "kernel/object/relay.h"
#include "kernel/object/xentry.h"
#include "kernel/core/cdt.h"
#include "kernel/core/delete.h"
#include "kernel/core/exchange.h"
#include "kernel/core/sched.h"
#include "kernel/lib/log.h"
#include <bastion/syscall.h>

struct link_header {
    struct tcb *thread; /* the thread bound to the stack, 0 if none */
};

static struct link_record *record_in(const struct cap *stack, uint32_t depth)
{
    return arch_phys_to_virt(stack->paddr + ((uint64_t)depth << BST_LINK_RECORD_BITS));
}
static struct link_header *header_of(const struct cap *stack) { return arch_phys_to_virt(stack->paddr); }

uint32_t link_stack_capacity(const struct tcb *t)
{
    const struct cap *c = &t->link_stack.cap;
    return cap_is_null(c) ? 0 : (1u << cap_size_bits(c)) - 1;
}

struct link_record *link_stack_record(const struct tcb *t, uint32_t depth)
{
    return record_in(&t->link_stack.cap, depth);
}

/* The thread acts in the spaces of the entry its record `depth` called (table: its binding). */
static void act_in(struct tcb *t, const struct cap *table, const struct cap *stack)
{
    if (t->call_depth) {
        uint32_t n = record_in(stack, t->call_depth)->entry;
        t->cspace_now = xentry_cspace(table, n);
        t->vspace_now = xentry_vspace(table, n);
    } else {
        t->cspace_now = &t->cspace_root;
        t->vspace_now = &t->vspace_root;
    } /* vspace_paddr follows when the thread next runs, or at once for the current one (resumed) */
}

/* Pops the top record: its stack is free again, and the caller resumes with error and results. */
static void pop(struct tcb *t, const struct cap *table, const struct cap *stack, uint64_t error,
                const uint64_t results[4])
{
    struct link_record *r = record_in(stack, t->call_depth);
    xentry_table_of(table)->entry[r->entry].busy &= ~(1ull << r->stack_slot);
    t->call_depth--;
    t->relay_view = relay_view_after_return(t, r->caller_view);
    arch_call_return(&t->context, &r->caller, error, results);
    act_in(t, table, stack);
}

/* The identity of the address space the thread is back in: 0 when its own (looked up if needed), ASID_GONE if dead. */
#define ASID_GONE UINT64_MAX
static uint64_t caller_identity(const struct tcb *t, const struct cap *table, const struct cap *stack)
{
    if (!t->call_depth)
        return 0;
    uint64_t identity = xentry_live_identity(table, record_in(stack, t->call_depth)->entry);
    return identity ? identity : ASID_GONE;
}

static void resumed(struct tcb *t, uint64_t error, const struct bst_error_detail *detail, uint64_t identity)
{
    if (error != BST_OK) {
        struct bst_error_detail d = *detail;
        d.code = error;
        exchange_write_error(t, &d);
    }
    if (t == sched_current() && t->state == THREAD_RUNNING)
        sched_current_moved(t, identity); /* its address space, its window (a dying thread runs nowhere) */
}

static const uint64_t no_results[4];

static void return_from(struct tcb *t, const struct cap *table, const struct cap *stack, uint64_t error,
                        const uint64_t results[4], const struct bst_error_detail *detail)
{
    static const struct bst_error_detail gone = {.argument = BST_ARG_NONE, .syscall = BST_SYS_XCALL};
    pop(t, table, stack, error, results);
    uint64_t identity;
    for (; (identity = caller_identity(t, table, stack)) == ASID_GONE; detail = &gone) {
        error = BST_E_PARTNER_GONE;
        pop(t, table, stack, error, no_results);
    }
    resumed(t, error, detail, identity);
}

void link_stack_return(struct tcb *t, uint64_t error, const uint64_t results[4], const struct bst_error_detail *detail)
{
    return_from(t, &t->xentry_table.cap, &t->link_stack.cap, error, results, detail);
}

void link_stack_unwind_fault(struct tcb *t, const struct fault_info *fault)
{
    const struct cap *table = &t->xentry_table.cap, *stack = &t->link_stack.cap;
    bool gone = !xentry_live_identity(table, record_in(stack, t->call_depth)->entry);
    struct bst_error_detail d = {.argument = fault->vector, .min = fault->address, .max = fault->ip,
                                 .syscall = BST_SYS_XCALL};
    log_debug("xcall: thread '%s' %s in a callee at rip %#llx: the call unwinds to its caller", t->name,
              gone ? "lost its address space" : "faulted", (unsigned long long)fault->ip);
    return_from(t, table, stack, gone ? BST_E_PARTNER_GONE : BST_E_CALLEE_FAULT, no_results, &d);
}

void link_stack_unwind_all(struct tcb *t, const struct cap *table, const struct cap *stack)
{
    static const struct bst_error_detail gone = {.argument = BST_ARG_NONE, .syscall = BST_SYS_XCALL};
    if (!t->call_depth)
        return;
    if (cap_is_null(table) || cap_is_null(stack)) {
        t->call_depth = 0; /* not reached: each binding's deletion unwinds while the other is there */
        t->cspace_now = &t->cspace_root;
        t->vspace_now = &t->vspace_root;
        tcb_refresh_cached(t);
        return;
    }
    while (t->call_depth)
        pop(t, table, stack, BST_E_PARTNER_GONE, no_results);
    resumed(t, BST_E_PARTNER_GONE, &gone, 0);
}

/* ---- TCB_SetRelay */

static struct slot replaced; /* an old binding waits here while it is deleted (not reentrant) */

/* slot holds a bound copy of src's object (call bits cleared); an old binding to another object is deleted. */
static void bind(struct slot *slot, struct slot *src)
{
    if (!cap_is_null(&slot->cap) && cap_same_object(&slot->cap, &src->cap))
        return;
    if (!cap_is_null(&slot->cap))
        cdt_move(&replaced, slot);
    struct cap c = src->cap;
    c.w2 = 0;
    cap_set_flags(&c, (cap_flags(&c) & ~CAP_FLAG_ORIGINAL) | CAP_FLAG_BOUND);
    slot->cap = c;
    cdt_insert_child(src, slot);
    slot_delete(&replaced);
}

enum bst_error link_stack_set_relay(struct invocation *inv, struct tcb *t)
{
    enum bst_error e;
    struct slot *table, *stack;
    if (!inv_has_args(inv, BST_TCB_SET_RELAY_ARGS, &e) ||
        !(table = inv_lookup_typed(inv, inv->mr[BST_TCB_SET_RELAY_TABLE], BST_OBJ_XENTRY_TABLE,
                                   BST_TCB_SET_RELAY_TABLE, &e)) ||
        !(stack = inv_lookup_typed(inv, inv->mr[BST_TCB_SET_RELAY_LINK_STACK], BST_OBJ_LINK_STACK,
                                   BST_TCB_SET_RELAY_LINK_STACK, &e)))
        return e;
    if (t->call_depth)
        return inv_fail(inv, BST_E_ILLEGAL_OPERATION, BST_ARG_NONE, 0, 0, "the thread is inside an XCall");
    struct link_header *h = header_of(&stack->cap);
    if (h->thread && h->thread != t)
        return inv_fail(inv, BST_E_ILLEGAL_OPERATION, BST_TCB_SET_RELAY_LINK_STACK, 0, 0,
                        "the link stack belongs to another thread");
    if (!cap_is_null(&t->link_stack.cap) && !cap_same_object(&t->link_stack.cap, &stack->cap))
        header_of(&t->link_stack.cap)->thread = 0;
    h->thread = t;
    bind(&t->xentry_table, table);
    bind(&t->link_stack, stack);
    return BST_OK;
}

/* A thread's binding to its link stack went (not in SetRelay: the thread is in no call then). */
void link_stack_cap_deleted(const struct cap *cap, struct slot *slot)
{
    struct link_header *h = header_of(cap);
    struct tcb *t = h->thread;
    if (!(cap_flags(cap) & CAP_FLAG_BOUND) || !t || slot != &t->link_stack)
        return;
    link_stack_unwind_all(t, &t->xentry_table.cap, cap);
    h->thread = 0;
}
