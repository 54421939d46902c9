/*
 * IOPortControl and IOPort capabilities (docs/threads-and-devices.md).
 *
 * IOPortControl_Issue(first, last, root, index, depth) makes an IOPort cap
 * for ports first..last, a child of the IOPortControl cap. A port has at most
 * one owner: a range that overlaps one already issued is refused with the
 * conflicting range in the error detail. Copies of an IOPort cap are fine
 * (the same owner holds them); the range is free again when the last one goes.
 * Ports the kernel drives itself (arch_io_ports_reserved: PIC, PIT, power-off,
 * debug exit, the COM2 log line) are never issued: ILLEGAL_OPERATION, with
 * the kernel's range in detail.min/max.
 *
 * The kernel keeps two 65536-bit maps: which ports are issued, and which
 * ports start an issued range. Issued ranges never overlap, so the nearest
 * start at or below an issued port is its range's first port, and the map
 * alone recovers a conflicting range exactly, adjacent ranges included.
 *
 * IOPort_Bind(vspace_root) lets every thread of that address space use the
 * cap's ports. The ports belong to one address space at a time: while they
 * are bound to one, binding them (through any copy of the cap) to another is
 * refused with ILLEGAL_OPERATION, the range in detail.min/max. They are free
 * to bind again after IOPort_Unbind(vspace_root) from that address space,
 * when the address space dies, or when the last cap to them goes. The grants live in the ASID table (core/asid.h: a few ranges
 * per address space, no allocation); the CPU enforces them through its I/O
 * bitmap, which follows the running thread's address space (ioport_follow,
 * called on every switch). A port touched without a grant raises a general
 * protection fault, reported like any other user fault. When the last cap to
 * a range goes, the range leaves every address space it was bound to.
 */
#include <bastion/device.h>
#include "kernel/core/asid.h"
#include "kernel/core/cdt.h"
#include "kernel/core/invoke.h"
#include "kernel/core/sched.h"
#include "kernel/object/ioport.h"
#include "kernel/object/objects.h"
#include "kernel/object/vspace.h"

#define PORT_COUNT (BST_IOPORT_MAX + 1u)
#define WORD_BITS 64u
#define PORT_MASK 0xffffull

static uint64_t issued[PORT_COUNT / WORD_BITS];      /* 8 KiB */
static uint64_t range_start[PORT_COUNT / WORD_BITS]; /* 8 KiB */

static bool test_bit(const uint64_t *map, unsigned port) { return (map[port / WORD_BITS] >> (port % WORD_BITS)) & 1; }
static void set_bit(uint64_t *map, unsigned port) { map[port / WORD_BITS] |= 1ull << (port % WORD_BITS); }
static void clear_bit(uint64_t *map, unsigned port) { map[port / WORD_BITS] &= ~(1ull << (port % WORD_BITS)); }

static unsigned cap_first(const struct cap *c) { return (unsigned)(c->w2 & PORT_MASK); }
static unsigned cap_last(const struct cap *c) { return (unsigned)((c->w2 >> BST_IOPORT_LAST_SHIFT) & PORT_MASK); }

/* First issued port in [first, last], or PORT_COUNT if none. */
static unsigned first_issued(unsigned first, unsigned last)
{
    for (unsigned p = first; p <= last; p++) {
        if (p % WORD_BITS == 0 && last - p >= WORD_BITS - 1 && !issued[p / WORD_BITS]) {
            p += WORD_BITS - 1; /* a whole free word at once */
            continue;
        }
        if (test_bit(issued, p))
            return p;
    }
    return PORT_COUNT;
}

/* The issued range that holds port: [*lo, *hi]. */
static void range_of(unsigned port, unsigned *lo, unsigned *hi)
{
    unsigned p = port;
    while (p > 0 && !test_bit(range_start, p))
        p--; /* every issued range marks its first port */
    *lo = p;
    for (p = port + 1; p < PORT_COUNT && test_bit(issued, p) && !test_bit(range_start, p); p++)
        ;
    *hi = p - 1;
}

static void mark_issued(unsigned first, unsigned last)
{
    for (unsigned p = first; p <= last; p++)
        set_bit(issued, p);
    set_bit(range_start, first);
}

static void mark_free(unsigned first, unsigned last)
{
    for (unsigned p = first; p <= last; p++)
        clear_bit(issued, p);
    clear_bit(range_start, first);
}

static enum bst_error check_range(struct invocation *inv, uint64_t first, uint64_t last)
{
    if (first > BST_IOPORT_MAX)
        return inv_fail(inv, BST_E_RANGE, BST_IOPORT_ISSUE_FIRST, 0, BST_IOPORT_MAX, "no such I/O port");
    if (last > BST_IOPORT_MAX || last < first)
        return inv_fail(inv, BST_E_RANGE, BST_IOPORT_ISSUE_LAST, first, BST_IOPORT_MAX,
                        "last port below the first, or no such I/O port");
    struct arch_port_range kernel;
    if (arch_io_ports_reserved((uint16_t)first, (uint16_t)last, &kernel))
        return inv_fail(inv, BST_E_ILLEGAL_OPERATION,
                        first >= kernel.first ? BST_IOPORT_ISSUE_FIRST : BST_IOPORT_ISSUE_LAST, kernel.first,
                        kernel.last, "the range touches ports the kernel uses (detail: that range)");
    unsigned taken = first_issued((unsigned)first, (unsigned)last), lo, hi;
    if (taken == PORT_COUNT)
        return BST_OK;
    range_of(taken, &lo, &hi);
    return inv_fail(inv, BST_E_REVOKE_FIRST, BST_IOPORT_ISSUE_FIRST, lo, hi,
                    "the range overlaps ports issued already (detail: that range)");
}

static enum bst_error ioport_control_issue(struct invocation *inv)
{
    enum bst_error e;
    if (!inv_has_args(inv, BST_IOPORT_ISSUE_ARGS, &e))
        return e;
    uint64_t first = inv->mr[BST_IOPORT_ISSUE_FIRST], last = inv->mr[BST_IOPORT_ISSUE_LAST];
    if ((e = check_range(inv, first, last)) != BST_OK)
        return e;
    struct slot *dest = inv_lookup_slot(inv, inv->mr[BST_IOPORT_ISSUE_ROOT], inv->mr[BST_IOPORT_ISSUE_INDEX],
                                        inv->mr[BST_IOPORT_ISSUE_DEPTH], BST_IOPORT_ISSUE_ROOT, &e);
    if (!dest)
        return e;
    if (!cap_is_null(&dest->cap))
        return inv_fail(inv, BST_E_DELETE_FIRST, BST_IOPORT_ISSUE_INDEX, 0, 0, "destination slot is not empty");
    struct cap c = cap_make(BST_OBJ_IOPORT, BST_RIGHTS_ALL, 0, 0);
    c.w2 = first | last << BST_IOPORT_LAST_SHIFT;
    cap_set_flags(&c, CAP_FLAG_ORIGINAL);
    dest->cap = c;
    cdt_insert_child(inv->slot, dest);
    mark_issued((unsigned)first, (unsigned)last);
    return BST_OK;
}

enum bst_error ioport_control_invoke(struct invocation *inv)
{
    if (inv->label == BST_IOPORT_CONTROL_ISSUE)
        return ioport_control_issue(inv);
    return inv_fail(inv, BST_E_NOT_SUPPORTED, BST_ARG_NONE, BST_IOPORT_CONTROL_ISSUE,
                    BST_IOPORT_CONTROL_ISSUE, "unknown IOPortControl invocation");
}

/* ---- enforcement */

enum { BIND_ARG_VSPACE, BIND_ARGS };

/*
 * Whose grants the bitmap holds. A change to the grants of this identity
 * reloads at once; any other identity is reloaded when a thread of it is
 * switched to. A released identity never comes back (generations), and the
 * threads of a destroyed address space have no user mappings left to run.
 */
static uint64_t loaded_identity = ASID_NONE;
static unsigned loaded_count; /* ranges open in the bitmap now */

static void load(uint64_t identity)
{
    const struct asid_ports *g = asid_ports_of(identity);
    /* Most switches are between address spaces with no ports: nothing to close or open. */
    if (g->count || loaded_count)
        arch_io_ports_load(g->range, g->count);
    loaded_count = g->count;
    loaded_identity = identity;
}

static uint64_t followed_root = ~0ull; /* the address space last followed: most switches stay in it */

void ioport_follow(const struct tcb *t)
{
    if (t->vspace_paddr == followed_root)
        return;
    followed_root = t->vspace_paddr;
    if (asid_port_ranges_total == 0 && loaded_count == 0) {
        /* No address space has ports: the bitmap stays all closed, and no identity is
         * loaded (a cached one may be stale). A Bind into this root loads it (it compares roots). */
        loaded_identity = ASID_NONE;
        return;
    }
    /* The TCB's own PML4 copy keeps the identity in word 3, so this is mostly a check, not a search. */
    uint64_t identity = t->vspace_paddr ? asid_of_root(t->vspace_paddr, t->vspace_root.cap.w3) : ASID_NONE;
    if (identity != loaded_identity)
        load(identity);
}

static enum bst_error ioport_bind(struct invocation *inv)
{
    enum bst_error e;
    struct vspace_target t;
    if (!inv_has_args(inv, BIND_ARGS, &e) || !vspace_lookup_root(inv, BIND_ARG_VSPACE, &t, &e))
        return e;
    const struct cap *c = &inv->slot->cap;
    uint64_t holder = asid_ports_holder((uint16_t)cap_first(c), (uint16_t)cap_last(c));
    if (holder != ASID_NONE && holder != t.identity)
        return inv_fail(inv, BST_E_ILLEGAL_OPERATION, BIND_ARG_VSPACE, cap_first(c), cap_last(c),
                        "the ports are bound to another address space (detail: the range)");
    if (!asid_ports_add(t.identity, (uint16_t)cap_first(c), (uint16_t)cap_last(c)))
        return inv_fail(inv, BST_E_NO_MEMORY, BIND_ARG_VSPACE, 0, ASID_PORT_RANGES,
                        "the address space has the most port ranges it can hold");
    if (t.root == followed_root)
        load(t.identity); /* the running address space may use the ports as soon as the call returns */
    return BST_OK;
}

/* The ports leave that address space: its threads fault on them from the call's return on. */
static enum bst_error ioport_unbind(struct invocation *inv)
{
    enum bst_error e;
    struct vspace_target t;
    if (!inv_has_args(inv, BIND_ARGS, &e) || !vspace_lookup_root(inv, BIND_ARG_VSPACE, &t, &e))
        return e;
    const struct cap *c = &inv->slot->cap;
    if (!asid_ports_remove_from(t.identity, (uint16_t)cap_first(c), (uint16_t)cap_last(c)))
        return inv_fail(inv, BST_E_ILLEGAL_OPERATION, BIND_ARG_VSPACE, cap_first(c), cap_last(c),
                        "the ports are not bound to that address space (detail: the range)");
    if (t.root == followed_root)
        load(t.identity);
    return BST_OK;
}

enum bst_error ioport_invoke(struct invocation *inv)
{
    if (inv->label == BST_IOPORT_BIND)
        return ioport_bind(inv);
    if (inv->label == BST_IOPORT_UNBIND)
        return ioport_unbind(inv);
    return inv_fail(inv, BST_E_NOT_SUPPORTED, BST_ARG_NONE, BST_IOPORT_BIND, BST_IOPORT_UNBIND,
                    "unknown IOPort invocation");
}

/* An identity died (PML4 or pool): follow the running thread afresh, never a remembered identity,
 * which a later Assign may give to another address space. */
void ioport_reload(void)
{
    followed_root = ~0ull; /* the same root may come back with a new identity */
    const struct tcb *t = sched_current();
    if (t)
        ioport_follow(t);
    else
        load(ASID_NONE);
}

/* The last cap to the range is gone: nobody owns those ports any more, nor may use them. */
void ioport_finalise(const struct cap *cap)
{
    asid_ports_remove((uint16_t)cap_first(cap), (uint16_t)cap_last(cap));
    mark_free(cap_first(cap), cap_last(cap));
    load(loaded_identity); /* the running address space may have been one of them */
}
