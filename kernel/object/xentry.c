/*
 * XEntry tables and XEntry caps (object/xentry.h, docs/relay.md).
 * XEntryTable_Register fills a numbered entry and makes the XEntry cap that
 * names it (a child of the table cap); that cap, with Grant, is the only way
 * to set or clear call bits for the number (invariant 3: no number alone
 * grants anything). Unregistering clears the valid bit; calls in flight
 * finish on the entry's caps, which stay until the number is registered
 * again (only once no call and no call bit is left) or the table dies.
 */
#include "kernel/object/xentry.h"
#include "kernel/object/linkstack.h"
#include "kernel/core/asid.h"
#include "kernel/core/cdt.h"
#include "kernel/core/delete.h"
#include "kernel/arch/arch.h"

#define SLOTS_OFFSET (1u << (BST_XENTRY_TABLE_BITS - 1)) /* the second half of the table */
_Static_assert(sizeof(struct xentry_table) <= SLOTS_OFFSET, "entries fit the first half");
_Static_assert(XENTRY_TABLE_SLOTS * sizeof(struct slot) == SLOTS_OFFSET, "slots fill the second half");
_Static_assert(BST_XENTRY_COUNT == 64, "one call bit per entry in a 64-bit word");

struct xentry_table *xentry_table_of(const struct cap *c) { return arch_phys_to_virt(c->paddr); }
struct slot *xentry_slots(const struct cap *c) { return arch_phys_to_virt(c->paddr + SLOTS_OFFSET); }

uint64_t xentry_live_identity(const struct cap *table, unsigned n)
{
    const struct cap *vs = &xentry_vspace(table, n)->cap;
    return cap_is_null(vs) ? ASID_NONE : asid_of_root(vs->paddr, vs->w3);
}

static uint64_t bit(unsigned n) { return 1ull << n; }

/* Call bits that go away: their numbers' grant counts drop. */
static void release_bits(struct xentry_table *t, uint64_t bits)
{
    for (unsigned n = 0; bits; n++, bits >>= 1)
        if (bits & 1)
            t->entry[n].grants--;
}

/* ---- Register */

enum { A_INDEX = BST_XENTRY_REG_INDEX, A_CSPACE, A_VSPACE, A_ENTRY, A_STACK_BASE, A_STACK_SIZE, A_NESTING, A_ROOT };

static enum bst_error check_entry_words(struct invocation *inv)
{
    uint64_t entry = inv->mr[A_ENTRY], base = inv->mr[A_STACK_BASE], size = inv->mr[A_STACK_SIZE];
    uint64_t nesting = inv->mr[A_NESTING], page = 1ull << BST_FRAME_4K_BITS;
    if (entry < page || entry >= BST_USER_MAP_END)
        return inv_fail(inv, BST_E_RANGE, A_ENTRY, page, BST_USER_MAP_END - 1, "entry point outside the user range");
    if (base % 16)
        return inv_fail(inv, BST_E_INVALID_ARG, A_STACK_BASE, 0, 0, "stack base not a multiple of 16");
    if (size == 0 || size % 16)
        return inv_fail(inv, BST_E_INVALID_ARG, A_STACK_SIZE, 16, 0, "stack size 0 or not a multiple of 16");
    if (nesting < 1 || nesting > BST_XENTRY_MAX_NESTING)
        return inv_fail(inv, BST_E_RANGE, A_NESTING, 1, BST_XENTRY_MAX_NESTING, "max nesting out of range");
    if (base < page || base >= BST_USER_MAP_END || size > (BST_USER_MAP_END - base) / nesting)
        return inv_fail(inv, BST_E_RANGE, A_STACK_SIZE, 0, base < BST_USER_MAP_END ? (BST_USER_MAP_END - base) / nesting : 0,
                        "the stacks run outside the user range");
    return BST_OK;
}

static enum bst_error check_number(struct invocation *inv, const struct xentry_table *t)
{
    uint64_t n = inv->mr[A_INDEX];
    if (n >= BST_XENTRY_COUNT)
        return inv_fail(inv, BST_E_RANGE, A_INDEX, 0, BST_XENTRY_COUNT - 1, "entry number out of range");
    const struct xentry *e = &t->entry[n];
    if (e->valid)
        return inv_fail(inv, BST_E_DELETE_FIRST, A_INDEX, 0, 0, "the entry is registered: unregister it first");
    if (e->grants || e->busy)
        return inv_fail(inv, BST_E_DELETE_FIRST, A_INDEX, e->grants, e->grants,
                        "call bits for this number are still granted, or calls are in flight");
    return BST_OK;
}

static struct cap bound_copy(const struct cap *src)
{
    struct cap c = *src;
    cap_set_flags(&c, cap_flags(&c) & ~CAP_FLAG_ORIGINAL);
    return c; /* a PML4 copy keeps its ASID hint in word 3 */
}

/* The caps an earlier registration left wait here while they are deleted (not reentrant). */
static struct slot replaced[XENTRY_SLOTS_PER_ENTRY];

static void install_caps(const struct cap *table, unsigned n, struct slot *cspace, struct slot *vspace)
{
    struct slot *dst[XENTRY_SLOTS_PER_ENTRY] = {xentry_cspace(table, n), xentry_vspace(table, n)};
    struct slot *src[XENTRY_SLOTS_PER_ENTRY] = {cspace, vspace};
    for (unsigned i = 0; i < XENTRY_SLOTS_PER_ENTRY; i++) {
        if (!cap_is_null(&dst[i]->cap))
            cdt_move(&replaced[i], dst[i]);
        dst[i]->cap = bound_copy(&src[i]->cap);
        cdt_insert_child(src[i], dst[i]);
    }
    /* Last: deleting an old cap may destroy much (even this table), and the entry is consistent now. */
    for (unsigned i = 0; i < XENTRY_SLOTS_PER_ENTRY; i++)
        slot_delete(&replaced[i]);
}

static enum bst_error xentry_register(struct invocation *inv)
{
    enum bst_error e;
    struct xentry_table *t = xentry_table_of(&inv->slot->cap);
    struct slot *cspace, *vspace, *dest;
    if (!inv_has_args(inv, BST_XENTRY_REG_ARGS, &e) || (e = check_number(inv, t)) != BST_OK ||
        !(cspace = inv_lookup_typed(inv, inv->mr[A_CSPACE], BST_OBJ_CNODE, A_CSPACE, &e)) ||
        !(vspace = inv_lookup_typed(inv, inv->mr[A_VSPACE], BST_OBJ_PML4, A_VSPACE, &e)))
        return e;
    uint64_t identity = asid_of_root(vspace->cap.paddr, vspace->cap.w3);
    if (identity == ASID_NONE)
        return inv_fail(inv, BST_E_ILLEGAL_OPERATION, A_VSPACE, 0, 0,
                        "the address space has no ASID: assign one with an ASID pool cap");
    if ((e = check_entry_words(inv)) != BST_OK ||
        !(dest = inv_lookup_slot(inv, inv->mr[A_ROOT], inv->mr[A_ROOT + 1], inv->mr[A_ROOT + 2], A_ROOT, &e)))
        return e;
    if (!cap_is_null(&dest->cap))
        return inv_fail(inv, BST_E_DELETE_FIRST, A_ROOT + 1, 0, 0, "destination slot is not empty");
    unsigned n = (unsigned)inv->mr[A_INDEX];
    uint32_t generation = t->entry[n].generation + 1;
    t->entry[n] = (struct xentry){.entry_point = inv->mr[A_ENTRY], .stack_base = inv->mr[A_STACK_BASE],
                                  .stack_size = inv->mr[A_STACK_SIZE], .max_nesting = (uint8_t)inv->mr[A_NESTING],
                                  .valid = true, .generation = generation};
    struct cap x = cap_make(BST_OBJ_XENTRY, BST_RIGHTS_ALL, 0, inv->slot->cap.paddr);
    x.w2 = n;
    x.w3 = generation;
    cap_set_flags(&x, CAP_FLAG_ORIGINAL);
    dest->cap = x;
    cdt_insert_child(inv->slot, dest);
    install_caps(&inv->slot->cap, n, cspace, vspace);
    xentry_vspace(&inv->slot->cap, n)->cap.w3 = identity; /* the hint that keeps every XCall's check O(1) */
    return BST_OK;
}

enum bst_error xentry_table_invoke(struct invocation *inv)
{
    if (inv->label == BST_XENTRY_TABLE_REGISTER)
        return xentry_register(inv);
    return inv_fail(inv, BST_E_NOT_SUPPORTED, BST_ARG_NONE, BST_XENTRY_TABLE_REGISTER, BST_XENTRY_TABLE_REGISTER,
                    "unknown XEntry table invocation");
}

/* ---- XEntry caps: unregister, grant and revoke service */

/* The cap names the entry's current registration (not an earlier one of its number). */
static bool registration_of(const struct cap *x, const struct xentry_table *t)
{
    return t->entry[x->w2].generation == x->w3;
}

static void unregister(struct xentry_table *t, unsigned n)
{
    struct xentry *e = &t->entry[n];
    e->valid = false;
    release_bits(t, e->onward);
    e->onward = 0;
}

/* The call-bit word target names for the entry's table: a bound thread's, or another entry's. */
static uint64_t *target_bits(struct invocation *inv, const struct cap *xentry, enum bst_error *e)
{
    struct slot *s = inv_lookup_cap(inv, inv->mr[0], 0, e);
    if (!s || !inv_check_cap_rights(inv, &s->cap, 0, e))
        return 0;
    if (cap_type(&s->cap) == BST_OBJ_TCB) {
        struct cap *bound = &tcb_of(&s->cap)->xentry_table.cap;
        if (!cap_is_null(bound) && bound->paddr == xentry->paddr)
            return &bound->w2;
        *e = inv_fail(inv, BST_E_ILLEGAL_OPERATION, 0, 0, 0,
                      "the thread's call bits index another table (or none): TCB_SetRelay first");
        return 0;
    }
    if (cap_type(&s->cap) == BST_OBJ_XENTRY) {
        struct xentry_table *t = xentry_table_of(&s->cap);
        if (s->cap.paddr == xentry->paddr && t->entry[s->cap.w2].valid && registration_of(&s->cap, t))
            return &t->entry[s->cap.w2].onward;
        *e = inv_fail(inv, BST_E_ILLEGAL_OPERATION, 0, 0, 0, "the target entry is in another table or unregistered");
        return 0;
    }
    *e = inv_fail(inv, BST_E_WRONG_TYPE, 0, BST_OBJ_TCB, BST_OBJ_XENTRY, "the target is neither a TCB nor an XEntry");
    return 0;
}

static enum bst_error set_service(struct invocation *inv, bool grant)
{
    enum bst_error e;
    const struct cap *x = &inv->slot->cap;
    struct xentry_table *t = xentry_table_of(x);
    unsigned n = (unsigned)x->w2;
    uint64_t *bits;
    if (!inv_has_args(inv, 1, &e))
        return e;
    /* Revoking is clean-up: it works on an unregistered entry, so its number can be registered again. */
    if (grant && !t->entry[n].valid)
        return inv_fail(inv, BST_E_ILLEGAL_OPERATION, BST_ARG_NONE, 0, 0, "the entry is not registered");
    if (!(bits = target_bits(inv, x, &e)))
        return e;
    if (grant && !(*bits & bit(n)))
        t->entry[n].grants++;
    if (!grant && (*bits & bit(n)))
        t->entry[n].grants--;
    *bits = grant ? *bits | bit(n) : *bits & ~bit(n);
    return BST_OK;
}

enum bst_error xentry_invoke(struct invocation *inv)
{
    struct xentry_table *t = xentry_table_of(&inv->slot->cap);
    unsigned n = (unsigned)inv->slot->cap.w2;
    if (!registration_of(&inv->slot->cap, t))
        return inv_fail(inv, BST_E_ILLEGAL_OPERATION, BST_ARG_NONE, 0, 0,
                        "a cap of an earlier registration of this number: it controls nothing now");
    switch (inv->label) {
    case BST_XENTRY_UNREGISTER:
        if (!t->entry[n].valid)
            return inv_fail(inv, BST_E_ILLEGAL_OPERATION, BST_ARG_NONE, 0, 0, "the entry is not registered");
        unregister(t, n);
        return BST_OK;
    case BST_XENTRY_GRANT_SERVICE: return set_service(inv, true);
    case BST_XENTRY_REVOKE_SERVICE: return set_service(inv, false);
    default:
        return inv_fail(inv, BST_E_NOT_SUPPORTED, BST_ARG_NONE, BST_XENTRY_UNREGISTER, BST_XENTRY_REVOKE_SERVICE,
                        "unknown XEntry invocation");
    }
}

/* ---- deletion */

/* The table dies: XEntry caps that outlive it (lifted out of the tree) name no entry any more. */
void xentry_table_finalise(const struct cap *cap)
{
    struct xentry_table *t = xentry_table_of(cap);
    for (unsigned n = 0; n < BST_XENTRY_COUNT; n++)
        t->entry[n] = (struct xentry){0};
}

/* The last cap to an entry is gone: nobody can grant it or revoke its bits any more, so it ends. */
void xentry_cap_deleted(const struct cap *cap, bool final)
{
    struct xentry_table *t = xentry_table_of(cap);
    if (final && t->entry[cap->w2].valid && registration_of(cap, t))
        unregister(t, (unsigned)cap->w2);
}

/*
 * A thread's binding to the table went: its call bits with it. A thread
 * inside an XCall runs on the table's entries, so it comes back first.
 */
void xentry_table_cap_deleted(const struct cap *cap, struct slot *slot, bool final)
{
    struct tcb *t = tcb_of_bound_slot(slot); /* compared before it is used: slot may be anywhere */
    if ((cap_flags(cap) & CAP_FLAG_BOUND) && slot == &t->xentry_table && t->call_depth)
        link_stack_unwind_all(t, cap, &t->link_stack.cap);
    if (!final)
        release_bits(xentry_table_of(cap), cap->w2);
}
