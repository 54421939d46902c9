/*
 * Relay segments (object/relay.c) as the rest of the kernel sees them: the
 * segment a thread owns, the view of it the thread has now (a mask, as
 * abi/bastion/relay.h encodes it; 0: none), and the window that shows it.
 */
#ifndef BASTION_OBJECT_RELAY_H
#define BASTION_OBJECT_RELAY_H

#include <bastion/relay.h>
#include "kernel/core/invoke.h"

struct relay_segment {
    struct tcb *owner;         /* 0: none */
    uint64_t mapped_root;      /* the root whose window points at the segment (0: none) */
    uint64_t mapped_identity;  /* that root's ASID identity when it was filled */
    uint64_t shown;            /* the view the segment's own tables map now */
    uint64_t data;             /* physical address of the first byte */
    unsigned size_bits;
    struct arch_relay_tables tables;
};

/* Bytes a segment of 2^size_bits takes from its untyped (data, then header and tables). */
uint64_t relay_segment_footprint(unsigned size_bits);
/* Retype: the zeroed memory at paddr becomes a segment with its tables linked. */
void relay_segment_init(uint64_t paddr, unsigned size_bits);
enum bst_error relay_segment_invoke(struct invocation *inv);

/* The segment the thread owns, or 0. */
struct relay_segment *relay_segment_of(const struct tcb *t);
/* The smallest mask size the segment takes (12 or 21), and the whole segment as a view. */
unsigned relay_granule_bits(const struct relay_segment *s);
static inline uint64_t relay_whole(const struct relay_segment *s) { return bst_relay_mask(0, s->size_bits); }
/*
 * The view an XCall hands on, from the caller's view `from` and its mask:
 * BST_OK and *to, or BST_E_RANGE with the sizes allowed in [*min, *max].
 */
enum bst_error relay_view_narrow(const struct relay_segment *s, uint64_t from, uint64_t mask, uint64_t *to,
                                 uint64_t *min, uint64_t *max);
/*
 * The thread's view becomes `view` in the address space it runs in now
 * (t->vspace_paddr): the segment's tables show that view and only that
 * root's window shows the segment. Also the check on every switch.
 */
void relay_follow(struct tcb *t);
/* XCall, XRet: the current thread t moved from root `from`; to_identity is its new root's ASID identity
 * (0: unknown). */
void relay_hand_over(struct tcb *t, uint64_t from, uint64_t to_identity);
/* The header of the segment of 2^size_bits bytes at paddr: it follows the data. */
static inline struct relay_segment *relay_segment_at(uint64_t paddr, unsigned size_bits)
{
    return arch_phys_to_virt(paddr + (1ull << size_bits));
}
/*
 * relay_hand_over for the usual case, or false and nothing changed: the
 * thread's view is the one its segment's tables show (never 0: a segment
 * always shows some view, so the thread has one), in the window of `from`,
 * and the window of its new root (live, identity to_identity) is empty.
 * Inline: XCall and XRet's fast paths take it every time.
 */
static inline __attribute__((always_inline)) bool relay_move_plain(struct tcb *t, uint64_t from, uint64_t to_identity)
{
    const struct cap *c = &t->relay_segment.cap;
    if (cap_is_null(c))
        return !arch_relay_windows_filled; /* no window anywhere could show the thread anything */
    struct relay_segment *s = relay_segment_at(c->paddr, cap_size_bits(c));
    if (t->relay_view != s->shown || s->mapped_root != from || !from || !to_identity ||
        !arch_relay_window_move(from, t->vspace_paddr, s->tables.top))
        return false;
    s->mapped_root = t->vspace_paddr;
    s->mapped_identity = to_identity;
    return true;
}
/*
 * The view a thread gets back when a call returns: its caller's, unless its
 * segment left it during the call (deleted or revoked; a thread in a call
 * cannot attach another), and then none.
 */
static inline uint64_t relay_view_after_return(const struct tcb *t, uint64_t caller_view)
{
    return cap_is_null(&t->relay_segment.cap) ? 0 : caller_view;
}
/* On every switch to t: nothing to check when t sees no segment and no window is filled anywhere. */
static inline bool relay_window_involved(const struct tcb *t) { return t->relay_view || arch_relay_windows_filled; }
/* Deletion hooks: a segment cap left its slot; a thread dies. */
void relay_segment_cap_deleted(const struct cap *cap, const struct slot *slot, bool final);
void relay_thread_finalise(struct tcb *t);

#endif
