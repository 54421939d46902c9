/*
 * CNode invocations: Copy, Mint, Move, Mutate, Delete, Revoke. The invoked
 * CNode is the root for the destination (or target) slot address; sources are
 * named by (root cptr, index, depth) in the caller's CSpace. Rights only
 * shrink: a new cap has the source's rights masked by the rights argument.
 */
#include "kernel/core/invoke.h"
#include "kernel/core/cdt.h"
#include "kernel/core/cspace.h"
#include "kernel/core/delete.h"

enum { ARG_DEST_INDEX, ARG_DEST_DEPTH, ARG_SRC_ROOT, ARG_SRC_INDEX, ARG_SRC_DEPTH, ARG_RIGHTS,
       ARG_BADGE, ARG_GUARD_BITS };
enum { MUTATE_ARG_BADGE = ARG_RIGHTS, MUTATE_ARG_GUARD_BITS = ARG_BADGE };

struct transfer {
    struct slot *dest, *src;
};

/* Frames and paging structures below the root record where they are mapped; a PML4 cap's word 3 is its address-space identity instead, which every copy keeps. */
static bool is_mapping_cap(enum bst_object_type t)
{
    return t >= BST_OBJ_FRAME_4K && t <= BST_OBJ_PDPT;
}

/* Looks up and checks an empty destination and a full source slot. */
static bool find_transfer(struct invocation *inv, unsigned nargs, struct transfer *t, enum bst_error *e)
{
    if (!inv_has_args(inv, nargs, e))
        return false;
    t->dest = inv_lookup_slot_in(inv, &inv->slot->cap, inv->mr[ARG_DEST_INDEX],
                                 inv->mr[ARG_DEST_DEPTH], ARG_DEST_INDEX, e);
    if (!t->dest)
        return false;
    t->src = inv_lookup_slot(inv, inv->mr[ARG_SRC_ROOT], inv->mr[ARG_SRC_INDEX],
                             inv->mr[ARG_SRC_DEPTH], ARG_SRC_ROOT, e);
    if (!t->src)
        return false;
    if (cap_is_null(&t->src->cap)) {
        *e = inv_fail(inv, BST_E_INVALID_CAP, ARG_SRC_INDEX, 0, 0, "source slot is empty");
        return false;
    }
    if (!cap_is_null(&t->dest->cap)) {
        *e = inv_fail(inv, BST_E_DELETE_FIRST, ARG_DEST_INDEX, 0, 0, "destination slot is not empty");
        return false;
    }
    return true;
}

/* Sets a badge (endpoint, notification) or guard (CNode) on c; false if not allowed. */
static bool apply_badge(struct invocation *inv, struct cap *c, uint64_t badge, uint64_t guard_bits,
                        unsigned badge_arg, enum bst_error *e)
{
    switch (cap_type(c)) {
    case BST_OBJ_ENDPOINT:
    case BST_OBJ_NOTIFICATION:
        if (c->w2 != 0 && badge != c->w2) {
            *e = inv_fail(inv, BST_E_ILLEGAL_OPERATION, badge_arg, 0, 0, "the cap is badged already");
            return false;
        }
        c->w2 = badge;
        return true;
    case BST_OBJ_CNODE:
        if (guard_bits > CSPACE_WORD_BITS - cap_size_bits(c)) { /* no wrap-around for huge guard_bits */
            *e = inv_fail(inv, BST_E_RANGE, badge_arg + 1, 0, CSPACE_WORD_BITS - cap_size_bits(c),
                          "guard bits plus radix exceed 64");
            return false;
        }
        if (guard_bits < 64 && (badge >> guard_bits) != 0) {
            *e = inv_fail(inv, BST_E_RANGE, badge_arg, 0, (1ull << guard_bits) - 1,
                          "guard value wider than its guard bits");
            return false;
        }
        c->w2 = badge;
        cap_set_guard_bits(c, (unsigned)guard_bits);
        return true;
    default:
        if (badge != 0) {
            *e = inv_fail(inv, BST_E_INVALID_ARG, badge_arg, 0, 0, "only endpoints, notifications and CNodes take a badge or guard");
            return false;
        }
        return true;
    }
}

/* Copy and Mint: a derived cap, child of the source. */
static enum bst_error derive(struct invocation *inv, bool mint)
{
    enum bst_error e;
    struct transfer t;
    if (!find_transfer(inv, mint ? ARG_GUARD_BITS + 1 : ARG_RIGHTS + 1, &t, &e))
        return e;
    struct cap c = t.src->cap;
    if (cap_type(&c) == BST_OBJ_UNTYPED)
        return inv_fail(inv, BST_E_ILLEGAL_OPERATION, ARG_SRC_INDEX, 0, 0,
                        "untyped caps cannot be copied (move them instead)");
    if (inv->mr[ARG_RIGHTS] & ~(uint64_t)BST_RIGHTS_ALL)
        return inv_fail(inv, BST_E_INVALID_ARG, ARG_RIGHTS, 0, BST_RIGHTS_ALL, "unknown rights bits");
    cap_set_rights(&c, cap_rights(&c) & (unsigned)inv->mr[ARG_RIGHTS]);
    cap_set_flags(&c, cap_flags(&c) & ~CAP_FLAG_ORIGINAL);
    if (is_mapping_cap(cap_type(&c)))
        c.w2 = c.w3 = 0; /* a copy starts unmapped */
    if (cap_type(&c) == BST_OBJ_XENTRY_TABLE)
        c.w2 = 0; /* call bits live only in a thread's binding (object/xentry.h) */
    if (mint && !apply_badge(inv, &c, inv->mr[ARG_BADGE], inv->mr[ARG_GUARD_BITS], ARG_BADGE, &e))
        return e;
    t.dest->cap = c;
    cdt_insert_child(t.src, t.dest);
    return BST_OK;
}

/* Move and Mutate: the cap and its place in the derivation tree move. */
static enum bst_error relocate(struct invocation *inv, bool mutate)
{
    enum bst_error e;
    struct transfer t;
    if (!find_transfer(inv, mutate ? MUTATE_ARG_GUARD_BITS + 1 : ARG_SRC_DEPTH + 1, &t, &e))
        return e;
    struct cap c = t.src->cap;
    if (mutate && !apply_badge(inv, &c, inv->mr[MUTATE_ARG_BADGE], inv->mr[MUTATE_ARG_GUARD_BITS],
                               MUTATE_ARG_BADGE, &e))
        return e;
    if (mutate && cdt_has_children(t.src) && cap_type(&c) != BST_OBJ_CNODE)
        return inv_fail(inv, BST_E_REVOKE_FIRST, ARG_SRC_INDEX, 0, 0,
                        "a cap with derived caps cannot change its badge");
    cdt_move(t.dest, t.src);
    t.dest->cap = c;
    return BST_OK;
}

static struct slot *target(struct invocation *inv, enum bst_error *e)
{
    if (!inv_has_args(inv, 2, e))
        return 0;
    struct slot *s = inv_lookup_slot_in(inv, &inv->slot->cap, inv->mr[0], inv->mr[1], 0, e);
    if (s && cap_is_null(&s->cap)) {
        *e = inv_fail(inv, BST_E_INVALID_CAP, 0, 0, 0, "the slot is empty");
        return 0;
    }
    return s;
}

static enum bst_error cnode_delete(struct invocation *inv)
{
    enum bst_error e;
    struct slot *s = target(inv, &e);
    if (!s)
        return e;
    /* Deleting the invoked cap itself is fine: nothing uses it after this. */
    e = slot_delete_preemptible(s);
    if (e == BST_E_REVOKE_FIRST)
        return inv_fail(inv, e, 0, 0, 0, "an untyped cap with children must be revoked first");
    return e; /* BST_OK, or E_PREEMPTED: restarted (core/preempt.h) */
}

static enum bst_error cnode_revoke(struct invocation *inv)
{
    enum bst_error e;
    struct slot *s = target(inv, &e);
    if (!s)
        return e;
    return slot_revoke(s) ? BST_OK : E_PREEMPTED;
}

enum bst_error cnode_invoke(struct invocation *inv)
{
    switch (inv->label) {
    case BST_CNODE_COPY: return derive(inv, false);
    case BST_CNODE_MINT: return derive(inv, true);
    case BST_CNODE_MOVE: return relocate(inv, false);
    case BST_CNODE_MUTATE: return relocate(inv, true);
    case BST_CNODE_DELETE: return cnode_delete(inv);
    case BST_CNODE_REVOKE: return cnode_revoke(inv);
    default:
        return inv_fail(inv, BST_E_NOT_SUPPORTED, BST_ARG_NONE, BST_CNODE_COPY, BST_CNODE_REVOKE,
                        "unknown CNode invocation");
    }
}
