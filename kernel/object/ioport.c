/*
 * IOPortControl and IOPort capabilities (docs/threads-and-devices.md).
 *
 * IOPortControl_Issue(first, last, root, index, depth) makes an IOPort cap
 * for ports first..last, a child of the IOPortControl cap. A port has at most
 * one owner: a range that overlaps one already issued is refused with the
 * conflicting range in the error detail. Copies of an IOPort cap are fine
 * (the same owner holds them); the range is free again when the last one goes.
 *
 * The kernel keeps two 65536-bit maps: which ports are issued, and which
 * ports start an issued range. Issued ranges never overlap, so the nearest
 * start at or below an issued port is its range's first port, and the map
 * alone recovers a conflicting range exactly, adjacent ranges included.
 *
 * IOPort caps have no invocations yet: enforcing them through the TSS I/O
 * bitmap of the running thread's address space is the next step.
 */
#include <bastion/device.h>
#include "kernel/core/cdt.h"
#include "kernel/core/invoke.h"
#include "kernel/object/objects.h"

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

enum bst_error ioport_invoke(struct invocation *inv)
{
    return inv_fail(inv, BST_E_NOT_SUPPORTED, BST_ARG_NONE, 0, 0,
                    "IOPort caps have no invocations yet (I/O bitmap enforcement comes next)");
}

/* The last cap to the range is gone: nobody owns those ports any more. */
void ioport_finalise(const struct cap *cap) { mark_free(cap_first(cap), cap_last(cap)); }
