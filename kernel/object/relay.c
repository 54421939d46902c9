/*
 * RelaySegment: 2^size_bits bytes of contiguous memory with its own page
 * tables (abi/bastion/relay.h, docs/relay.md). After the data come
 * BST_RELAY_CONTROL_BYTES of kernel memory: a header page (struct
 * relay_segment) and the three tables. Handing a segment over is pointing
 * one window slot at its top table and emptying the slot that pointed there
 * before, whatever its size; narrowing the view to a sub-range changes at
 * most one table's worth of leaf entries.
 *
 * Invariant 7 (one owner at a time): on this one CPU, the window of the
 * address space the current thread runs in shows exactly that thread's
 * view, and no other window points at the segment. relay_follow enforces it
 * on every switch (threads of one address space take turns in its window)
 * and after every change of owner or view.
 *
 * The owner holds a copy of a segment cap in its TCB (the binding, flagged
 * CAP_FLAG_BOUND): deleting it, however that happens, detaches the segment.
 */
#include "kernel/object/relay.h"
#include "kernel/core/asid.h"
#include "kernel/core/cdt.h"
#include "kernel/core/delete.h"
#include "kernel/core/sched.h"
#include "kernel/arch/arch.h"

#define PAGE_BYTES (1ull << BST_FRAME_4K_BITS)
_Static_assert(sizeof(struct relay_segment) <= PAGE_BYTES, "the header fits its page");
_Static_assert(BST_RELAY_CONTROL_BYTES == 4 * PAGE_BYTES, "header and three tables");

uint64_t relay_segment_footprint(unsigned size_bits) { return (1ull << size_bits) + BST_RELAY_CONTROL_BYTES; }

static struct relay_segment *segment_at(uint64_t paddr, unsigned size_bits) { return relay_segment_at(paddr, size_bits); }

static struct relay_segment *segment_of_cap(const struct cap *c) { return segment_at(c->paddr, cap_size_bits(c)); }

void relay_segment_init(uint64_t paddr, unsigned size_bits)
{
    struct relay_segment *s = segment_at(paddr, size_bits);
    uint64_t control = paddr + (1ull << size_bits);
    s->data = paddr;
    s->size_bits = size_bits;
    s->tables = (struct arch_relay_tables){control + PAGE_BYTES, control + 2 * PAGE_BYTES, control + 3 * PAGE_BYTES};
    arch_relay_tables_init(&s->tables, paddr, size_bits);
    s->shown = relay_whole(s);
}

struct relay_segment *relay_segment_of(const struct tcb *t)
{
    const struct cap *c = &t->relay_segment.cap;
    return cap_is_null(c) ? 0 : segment_of_cap(c);
}

unsigned relay_granule_bits(const struct relay_segment *s)
{
    return s->size_bits <= BST_RELAY_SMALL_PAGE_MAX_BITS ? BST_FRAME_4K_BITS : BST_FRAME_2M_BITS;
}

static uint64_t view_start(uint64_t view) { return bst_relay_mask_offset(view); }
static uint64_t view_end(uint64_t view) { return view_start(view) + (1ull << bst_relay_mask_bits(view)); }

enum bst_error relay_view_narrow(const struct relay_segment *s, uint64_t from, uint64_t mask, uint64_t *to,
                                 uint64_t *min, uint64_t *max)
{
    *min = relay_granule_bits(s);
    *max = from ? bst_relay_mask_bits(from) : 0;
    if (mask == BST_RELAY_MASK_NONE || mask == BST_RELAY_MASK_ALL) {
        *to = mask == BST_RELAY_MASK_ALL ? from : 0;
        return BST_OK;
    }
    unsigned bits = bst_relay_mask_bits(mask);
    uint64_t offset = bst_relay_mask_offset(mask);
    /* bits <= max <= BST_RELAY_MAX_BITS first, so the sizes below cannot wrap. */
    if (!from || bits < *min || bits > *max || (offset & ((1ull << bits) - 1)) || offset < view_start(from) ||
        offset > view_end(from) - (1ull << bits))
        return BST_E_RANGE;
    *to = mask;
    return BST_OK;
}

/* Granules [a, b) of the segment (byte offsets) become present or absent. */
static void show_range(struct relay_segment *s, uint64_t a, uint64_t b, bool present)
{
    unsigned g = relay_granule_bits(s);
    if (a < b)
        arch_relay_tables_show(&s->tables, s->data, s->size_bits, a >> g, (b - a) >> g, present);
}

/* The tables map exactly `view` (nested ranges: one grows or shrinks into the other). */
static void show_view(struct relay_segment *s, uint64_t view)
{
    if (!view || view == s->shown)
        return;
    uint64_t a = view_start(s->shown), b = view_end(s->shown), c = view_start(view), d = view_end(view);
    show_range(s, a, c < b ? c : b, false);
    show_range(s, d > a ? d : a, b, false);
    show_range(s, c, a < d ? a : d, true);
    show_range(s, b > c ? b : c, d, true);
    s->shown = view;
}

/* The window that showed the segment shows nothing, if that root still lives and still points here. */
static void unplace(struct relay_segment *s)
{
    uint64_t root = s->mapped_root;
    if (root && asid_root(s->mapped_identity) == root && arch_relay_window(root) == s->tables.top)
        arch_relay_window_set(root, 0);
    s->mapped_root = 0;
}

static void place(struct relay_segment *s, uint64_t root, struct slot *vspace)
{
    uint64_t identity = asid_of_root(root, vspace->cap.w3);
    if (identity == ASID_NONE)
        return; /* a root without an ASID runs nothing */
    vspace->cap.w3 = identity; /* a PML4 cap's word 3 is a hint: the next switch needs no search */
    arch_relay_window_set(root, s->tables.top);
    s->mapped_root = root;
    s->mapped_identity = identity;
}

/* Only for the current thread: a window shows the view of whichever thread runs in it now. */
void relay_follow(struct tcb *t)
{
    uint64_t root = t->vspace_paddr;
    struct relay_segment *s = relay_segment_of(t);
    uint64_t want = s && t->relay_view ? s->tables.top : 0;
    if (want)
        show_view(s, t->relay_view);
    if (s && s->mapped_root && (s->mapped_root != root || !want))
        unplace(s);
    if (!root || arch_relay_window(root) == want)
        return;
    if (want)
        place(s, root, (struct slot *)tcb_vspace_slot(t));
    else
        arch_relay_window_set(root, 0); /* another thread's view, or a stale one: not this thread's */
}

/*
 * XCall and XRet: the current thread t moved from root `from` (where it ran,
 * alive) to t->vspace_paddr, whose ASID identity is `to_identity` (0: look it
 * up if needed). The known roots spare relay_follow's checks: one entry
 * emptied, one filled, no flush (the caller loads CR3 afterwards).
 */
void relay_hand_over(struct tcb *t, uint64_t from, uint64_t to_identity)
{
    uint64_t to = t->vspace_paddr;
    struct relay_segment *s = relay_segment_of(t);
    uint64_t want = s && t->relay_view ? s->tables.top : 0;
    if (want && t->relay_view != s->shown)
        show_view(s, t->relay_view);
    if (s && s->mapped_root == from && from) {
        arch_relay_window_write(from, 0);
        s->mapped_root = 0;
    } else if (s && s->mapped_root) {
        unplace(s);
    }
    uint64_t identity = want && !to_identity ? asid_of_root(to, tcb_vspace_slot(t)->cap.w3) : to_identity;
    if (want && identity == ASID_NONE)
        want = 0; /* a root without an ASID runs nothing: never show the segment where no unplace could find it */
    if (!to || arch_relay_window(to) == want)
        return;
    arch_relay_window_write(to, want); /* someone else's view, if not ours: not the moving thread's */
    if (!want)
        return;
    s->mapped_root = to;
    s->mapped_identity = identity;
}

/* The segment leaves its owner: out of every window, back to its whole view for the next owner. */
static void detach(struct relay_segment *s)
{
    struct tcb *owner = s->owner;
    unplace(s);
    show_view(s, relay_whole(s));
    s->owner = 0;
    if (owner)
        owner->relay_view = 0;
}

void relay_segment_cap_deleted(const struct cap *cap, const struct slot *slot, bool final)
{
    struct relay_segment *s = segment_of_cap(cap);
    if (s->owner && slot == &s->owner->relay_segment)
        detach(s);
    else if (final)
        unplace(s); /* never reached with an owner (its binding is a cap), kept for safety */
}

void relay_thread_finalise(struct tcb *t)
{
    struct relay_segment *s = relay_segment_of(t);
    if (s && s->owner == t)
        detach(s);
}

static enum bst_error relay_attach(struct invocation *inv, struct relay_segment *s)
{
    enum bst_error e;
    struct slot *ts;
    if (!inv_has_args(inv, 1, &e) || !(ts = inv_lookup_typed(inv, inv->mr[0], BST_OBJ_TCB, 0, &e)))
        return e;
    struct tcb *t = tcb_of(&ts->cap);
    if (s->owner)
        return inv_fail(inv, BST_E_DELETE_FIRST, BST_ARG_NONE, 0, 0, "the segment has an owner: detach it first");
    if (!cap_is_null(&t->relay_segment.cap))
        return inv_fail(inv, BST_E_DELETE_FIRST, 0, 0, 0, "the thread owns a segment already");
    if (t->call_depth)
        return inv_fail(inv, BST_E_ILLEGAL_OPERATION, 0, 0, 0, "the thread is inside an XCall");
    struct cap c = inv->slot->cap;
    cap_set_flags(&c, (cap_flags(&c) & ~CAP_FLAG_ORIGINAL) | CAP_FLAG_BOUND);
    t->relay_segment.cap = c;
    cdt_insert_child(inv->slot, &t->relay_segment);
    s->owner = t;
    t->relay_view = relay_whole(s);
    relay_follow(sched_current()); /* the owner's window fills when it runs: now, if it is the caller */
    return BST_OK;
}

static enum bst_error relay_detach(struct invocation *inv, struct relay_segment *s)
{
    if (!s->owner)
        return inv_fail(inv, BST_E_ILLEGAL_OPERATION, BST_ARG_NONE, 0, 0, "the segment has no owner");
    if (s->owner->call_depth)
        return inv_fail(inv, BST_E_ILLEGAL_OPERATION, BST_ARG_NONE, 0, 0,
                        "the owner is inside an XCall: the segment is on its way along a call chain");
    slot_delete(&s->owner->relay_segment); /* the hook detaches it */
    return BST_OK;
}

enum bst_error relay_segment_invoke(struct invocation *inv)
{
    struct relay_segment *s = segment_of_cap(&inv->slot->cap);
    switch (inv->label) {
    case BST_RELAY_ATTACH: return relay_attach(inv, s);
    case BST_RELAY_DETACH: return relay_detach(inv, s);
    default:
        return inv_fail(inv, BST_E_NOT_SUPPORTED, BST_ARG_NONE, BST_RELAY_ATTACH, BST_RELAY_DETACH,
                        "unknown relay segment invocation");
    }
}
