/*
 * XCall and XRet (abi/bastion/relay.h, docs/relay.md): a call into another
 * address space by the calling thread itself. XCall checks the call bit and
 * the entry, pushes a linkage record, and moves the thread into the callee
 * with the view of its segment that the mask names; XRet pops the record.
 * No second thread and no scheduler pass: the thread switches address space
 * and window on the spot (sched_current_moved). Every check comes before
 * the first change, so a failing XCall changes nothing.
 */
#include <bastion/syscall.h>
#include "kernel/core/xcall.h"
#include "kernel/core/asid.h"
#include "kernel/core/sched.h"
#include "kernel/core/syscall.h"
#include "kernel/object/linkstack.h"
#include "kernel/object/relay.h"
#include "kernel/object/xentry.h"

enum { ARG_ENTRY, ARG_MASK };

static void fail(struct tcb *t, enum bst_error code, uint64_t argument, uint64_t min, uint64_t max)
{
    syscall_fail(t, BST_SYS_XCALL, code, argument, min, max);
}

/* The call bits that apply where the thread runs now: its own, or those of the entry it is inside. */
static uint64_t call_bits(const struct tcb *t)
{
    if (!t->call_depth)
        return t->xentry_table.cap.w2;
    const struct xentry_table *table = xentry_table_of(&t->xentry_table.cap);
    return table->entry[link_stack_record(t, t->call_depth)->entry].onward;
}

/* A free stack of the entry, or -1 when max_nesting calls are in flight. */
static int free_stack(const struct xentry *e)
{
    for (unsigned i = 0; i < e->max_nesting; i++)
        if (!(e->busy & (1ull << i)))
            return (int)i;
    return -1;
}

/* The entry the thread may call now (*identity: its address space's), or 0 after failing the call. */
static struct xentry *callable_entry(struct tcb *t, uint64_t n, uint64_t *identity)
{
    if (cap_is_null(&t->xentry_table.cap) || cap_is_null(&t->link_stack.cap)) {
        fail(t, BST_E_ILLEGAL_OPERATION, BST_ARG_NONE, 0, 0);
        return 0;
    }
    if (n >= BST_XENTRY_COUNT) {
        fail(t, BST_E_RANGE, ARG_ENTRY, 0, BST_XENTRY_COUNT - 1);
        return 0;
    }
    struct xentry *e = &xentry_table_of(&t->xentry_table.cap)->entry[n];
    if (!(call_bits(t) & (1ull << n)))
        fail(t, BST_E_RIGHTS, ARG_ENTRY, 0, 0);
    else if (!e->valid)
        fail(t, BST_E_INVALID_CAP, ARG_ENTRY, 0, 0);
    else if (!(*identity = xentry_live_identity(&t->xentry_table.cap, (unsigned)n)))
        fail(t, BST_E_PARTNER_GONE, ARG_ENTRY, 0, 0);
    else
        return e;
    return 0;
}

/* The view the callee gets (0: none), or false after failing the call. */
static bool callee_view(struct tcb *t, uint64_t mask, uint64_t *view)
{
    const struct relay_segment *s = relay_segment_of(t);
    uint64_t min, max;
    *view = 0;
    if (!s) {
        if (mask == BST_RELAY_MASK_NONE)
            return true;
        fail(t, BST_E_ILLEGAL_OPERATION, ARG_MASK, 0, 0);
        return false;
    }
    if (relay_view_narrow(s, t->relay_view, mask, view, &min, &max) == BST_OK)
        return true;
    fail(t, BST_E_RANGE, ARG_MASK, min, max);
    return false;
}

/*
 * Both paths end here once every check has passed: the linkage record
 * (record `depth` + 1 of `records`), the callee's stack, registers and view,
 * and the move into its address space. `direct`: the fast path's, whose
 * exit starts the callee from the record (xcall.h); else the context is
 * written. Inline, so the fast path makes no call before the move.
 */
static inline __attribute__((always_inline)) struct link_record *
enter_callee(struct tcb *t, struct link_record *records, struct xentry *e, uint64_t n, unsigned stack, uint64_t view,
             uint64_t identity, bool direct)
{
    uint32_t depth = t->call_depth + 1;
    struct link_record *r = &records[depth];
    uint64_t start = e->stack_base + (stack + 1) * e->stack_size;
    uint64_t view_base = view ? BST_RELAY_WINDOW_BASE + bst_relay_mask_offset(view) : 0;
    uint64_t view_size = view ? 1ull << bst_relay_mask_bits(view) : 0;
    arch_call_save(&t->context, &r->caller);
    r->caller_view = t->relay_view;
    r->entry = (uint32_t)n;
    r->stack_slot = stack;
    e->busy |= 1ull << stack;
    t->call_depth = depth;
    t->relay_view = view;
    t->cspace_now = xentry_cspace(&t->xentry_table.cap, (unsigned)n);
    t->vspace_now = xentry_vspace(&t->xentry_table.cap, (unsigned)n);
    if (direct)
        arch_call_start(&r->callee, e->entry_point, start, view_base, view_size);
    else
        arch_call_enter(&t->context, e->entry_point, start, view_base, view_size);
    sched_current_moved(t, identity); /* the callee's address space, its window */
    return r;
}

/* ---- the general path: every check with its error, then the call */

static __attribute__((noinline, cold)) void xcall_checked(struct tcb *t, uint64_t n, uint64_t mask)
{
    uint64_t view, identity;
    int stack;
    struct xentry *e = callable_entry(t, n, &identity);
    if (!e || !callee_view(t, mask, &view))
        return;
    if (t->call_depth >= link_stack_capacity(t)) {
        fail(t, BST_E_NO_MEMORY, BST_ARG_NONE, 0, link_stack_capacity(t));
        return;
    }
    if ((stack = free_stack(e)) < 0) {
        fail(t, BST_E_NO_MEMORY, ARG_ENTRY, 0, e->max_nesting);
        return;
    }
    enter_callee(t, link_stack_record(t, 0), e, n, (unsigned)stack, view, identity, false);
}

static __attribute__((noinline, cold)) void xret_checked(struct tcb *t)
{
    static const struct bst_error_detail none = {.argument = BST_ARG_NONE, .syscall = BST_SYS_XRET};
    uint64_t results[4];
    if (!t->call_depth) {
        syscall_fail(t, BST_SYS_XRET, BST_E_ILLEGAL_OPERATION, BST_ARG_NONE, 0, 0);
        return;
    }
    arch_call_results(&t->context, results);
    link_stack_return(t, BST_OK, results, &none);
}

/*
 * ---- the fast path: the same checks without their reports, in the order
 * of the data they read, and the same effect. Anything it does not expect
 * (an error to report, a sub-range to cut, a caller to unwind past) goes to
 * the general path, which re-checks from the start: the fast path has
 * changed nothing then.
 */

/* The identity of a live address space cap, from its hint alone (the general path searches). */
static inline uint64_t live_identity(const struct cap *vspace)
{
    return !cap_is_null(vspace) && asid_root(vspace->w3) == vspace->paddr ? vspace->w3 : ASID_NONE;
}

/* The view an XCall with `mask` hands on when no arithmetic is needed: all of it, or none without a segment. */
static inline bool plain_view(const struct tcb *t, uint64_t mask)
{
    bool segment = !cap_is_null(&t->relay_segment.cap);
    return mask == BST_RELAY_MASK_ALL ? segment && t->relay_view : mask == BST_RELAY_MASK_NONE && !segment;
}

/* The callee's start (the exit starts it: see xcall.h), or 0 after changing nothing. */
static const struct arch_call_start *xcall_fast(struct tcb *t, uint64_t n, uint64_t mask)
{
    const struct cap *table_cap = &t->xentry_table.cap, *stack_cap = &t->link_stack.cap;
    uint32_t depth = t->call_depth;
    if (n >= BST_XENTRY_COUNT || cap_is_null(table_cap) || cap_is_null(stack_cap) ||
        depth + 1 >= 1u << cap_size_bits(stack_cap) || !plain_view(t, mask))
        return 0;
    /* The callee's address space first, while little else is live (it is the longest check). */
    uint64_t identity = live_identity(&xentry_vspace(table_cap, (unsigned)n)->cap);
    if (identity == ASID_NONE)
        return 0;
    struct xentry_table *table = xentry_table_of(table_cap);
    struct link_record *records = link_stack_record(t, 0);
    uint64_t bits = depth ? table->entry[records[depth].entry].onward : table_cap->w2;
    struct xentry *e = &table->entry[n];
    unsigned stack = (unsigned)__builtin_ctzll(~e->busy | (1ull << 63));
    if (!((bits >> n) & 1) || !e->valid || stack >= e->max_nesting)
        return 0;
    return &enter_callee(t, records, e, n, stack, t->relay_view, identity, true)->callee;
}

/* The caller's frame to resume from (the exit restores it: see xcall.h), or 0 after changing nothing. */
static const struct arch_call_frame *xret_fast(struct tcb *t)
{
    const struct cap *table_cap = &t->xentry_table.cap, *stack_cap = &t->link_stack.cap;
    uint32_t depth = t->call_depth;
    if (!depth || cap_is_null(table_cap) || cap_is_null(stack_cap))
        return 0;
    struct link_record *records = link_stack_record(t, 0), *r = &records[depth];
    struct slot *cspace = &t->cspace_root, *vspace = &t->vspace_root;
    if (depth > 1) {
        cspace = xentry_cspace(table_cap, records[depth - 1].entry);
        vspace = xentry_vspace(table_cap, records[depth - 1].entry);
    }
    uint64_t identity = live_identity(&vspace->cap);
    if (identity == ASID_NONE || !arch_call_frame_direct(&r->caller))
        return 0; /* the caller's address space is gone (or its hint is stale): unwind in general */
    xentry_table_of(table_cap)->entry[r->entry].busy &= ~(1ull << r->stack_slot);
    t->call_depth = depth - 1;
    t->relay_view = relay_view_after_return(t, r->caller_view);
    t->cspace_now = cspace;
    t->vspace_now = vspace;
    sched_current_moved(t, identity);
    return &r->caller;
}

xcall_outcome xcall(struct tcb *t, uint64_t n, uint64_t mask)
{
    const struct arch_call_start *callee = xcall_fast(t, n, mask);
    if (callee)
        return (xcall_outcome)callee;
    xcall_checked(t, n, mask);
    return XCALL_CHECKED;
}

xcall_outcome xret(struct tcb *t)
{
    const struct arch_call_frame *caller = xret_fast(t);
    if (caller)
        return (xcall_outcome)caller;
    xret_checked(t);
    return XCALL_CHECKED;
}
