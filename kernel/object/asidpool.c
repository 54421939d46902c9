/*
 * ASIDControl and ASIDPool invocations (docs/vspace.md), as seL4's.
 *
 * ASIDControl_MakePool(untyped, root, index, depth) turns a whole 4 KiB
 * Untyped (no children) into an ASID pool for the lowest free block of 512
 * ASIDs; the pool cap is the Untyped's child, so revoking the Untyped
 * deletes the pool. ASIDPool_Assign(vspace_root) gives a PML4 that has no
 * ASID one from the pool. Only the boot ASIDControl cap makes pools, so a
 * task that holds Untyped memory but no pool cap can take no ASID: it can
 * exhaust only the pools it was given.
 *
 * Deleting a pool's last cap kills every ASID in it. The address spaces
 * that held them lose their user half at once (as a destroyed PML4 does):
 * the caps mapped in them are stale from then on and their unmap does
 * nothing, so nothing may stay reachable through those roots, and a thread
 * still running in one faults on its next user access. Such a PML4 is
 * ASID-less again: it can be assigned anew and starts empty.
 */
#include "kernel/core/asid.h"
#include "kernel/core/cdt.h"
#include "kernel/core/invoke.h"
#include "kernel/object/ioport.h"
#include "kernel/object/objects.h"
#include "kernel/arch/arch.h"
#include "lib/string.h"

#define POOL_SIZE (1ull << BST_ASID_POOL_SIZE_BITS)

static unsigned pool_index(const struct cap *c) { return (unsigned)c->w2; }

/* ---- ASIDControl */

static struct slot *pool_untyped(struct invocation *inv, enum bst_error *e)
{
    struct slot *ut = inv_lookup_typed(inv, inv->mr[BST_ASID_MAKE_POOL_UNTYPED], BST_OBJ_UNTYPED,
                                       BST_ASID_MAKE_POOL_UNTYPED, e);
    if (!ut)
        return 0;
    if (cap_flags(&ut->cap) & CAP_FLAG_DEVICE)
        *e = inv_fail(inv, BST_E_INVALID_ARG, BST_ASID_MAKE_POOL_UNTYPED, 0, 0,
                      "an ASID pool cannot live in device memory");
    else if (cap_size_bits(&ut->cap) != BST_ASID_POOL_SIZE_BITS)
        *e = inv_fail(inv, BST_E_INVALID_ARG, BST_ASID_MAKE_POOL_UNTYPED, BST_ASID_POOL_SIZE_BITS,
                      BST_ASID_POOL_SIZE_BITS, "an ASID pool takes a whole 4 KiB untyped");
    else if (cdt_has_children(ut))
        *e = inv_fail(inv, BST_E_REVOKE_FIRST, BST_ASID_MAKE_POOL_UNTYPED, 0, 0,
                      "the untyped has objects in it: revoke it first");
    else
        return ut;
    return 0;
}

static enum bst_error asid_control_make_pool(struct invocation *inv)
{
    enum bst_error e;
    if (!inv_has_args(inv, BST_ASID_MAKE_POOL_ARGS, &e))
        return e;
    struct slot *ut = pool_untyped(inv, &e);
    if (!ut)
        return e;
    struct slot *dest = inv_lookup_slot(inv, inv->mr[BST_ASID_MAKE_POOL_ROOT], inv->mr[BST_ASID_MAKE_POOL_INDEX],
                                        inv->mr[BST_ASID_MAKE_POOL_DEPTH], BST_ASID_MAKE_POOL_ROOT, &e);
    if (!dest)
        return e;
    if (!cap_is_null(&dest->cap))
        return inv_fail(inv, BST_E_DELETE_FIRST, BST_ASID_MAKE_POOL_INDEX, 0, 0, "destination slot is not empty");
    unsigned high = asid_pool_free_index();
    if (high == ASID_POOLS)
        return inv_fail(inv, BST_E_DELETE_FIRST, BST_ARG_NONE, 0, ASID_POOLS - 1,
                        "every block of ASIDs has a pool: delete one first");
    uint64_t paddr = ut->cap.paddr;
    memset(arch_phys_to_virt(paddr), 0, POOL_SIZE);
    asid_pool_install(high, paddr);
    struct cap c = cap_make(BST_OBJ_ASID_POOL, BST_RIGHTS_ALL, 0, paddr);
    c.w2 = high;
    cap_set_flags(&c, CAP_FLAG_ORIGINAL);
    dest->cap = c;
    cdt_insert_child(ut, dest);
    ut->cap.w2 = POOL_SIZE; /* the whole untyped is used */
    inv->out[0] = (uint64_t)high * BST_ASID_POOL_ASIDS;
    inv->out_length = 1;
    return BST_OK;
}

enum bst_error asid_control_invoke(struct invocation *inv)
{
    if (inv->label == BST_ASID_CONTROL_MAKE_POOL)
        return asid_control_make_pool(inv);
    return inv_fail(inv, BST_E_NOT_SUPPORTED, BST_ARG_NONE, BST_ASID_CONTROL_MAKE_POOL,
                    BST_ASID_CONTROL_MAKE_POOL, "unknown ASIDControl invocation");
}

/* ---- ASIDPool */

enum { ASSIGN_ARG_VSPACE, ASSIGN_ARGS };

static enum bst_error asid_pool_assign(struct invocation *inv)
{
    enum bst_error e;
    if (!inv_has_args(inv, ASSIGN_ARGS, &e))
        return e;
    struct slot *root = inv_lookup_typed(inv, inv->mr[ASSIGN_ARG_VSPACE], BST_OBJ_PML4, ASSIGN_ARG_VSPACE, &e);
    if (!root)
        return e;
    uint64_t paddr = root->cap.paddr;
    if (asid_of_root(paddr, root->cap.w3) != ASID_NONE)
        return inv_fail(inv, BST_E_ILLEGAL_OPERATION, ASSIGN_ARG_VSPACE, 0, 0,
                        "the address space has an ASID already");
    unsigned high = pool_index(&inv->slot->cap);
    uint64_t identity = asid_assign(high, paddr);
    if (identity == ASID_NONE)
        return inv_fail(inv, BST_E_NO_MEMORY, BST_ARG_NONE, 0, 0, "every ASID of this pool is in use");
    root->cap.w3 = identity; /* a hint: copies made earlier find it by search */
    inv->out[0] = asid_number(identity);
    inv->out_length = 1;
    return BST_OK;
}

enum bst_error asid_pool_invoke(struct invocation *inv)
{
    if (inv->label == BST_ASID_POOL_ASSIGN)
        return asid_pool_assign(inv);
    return inv_fail(inv, BST_E_NOT_SUPPORTED, BST_ARG_NONE, BST_ASID_POOL_ASSIGN, BST_ASID_POOL_ASSIGN,
                    "unknown ASIDPool invocation");
}

/* Nothing stays reachable through a root whose ASID dies (see the top of this file). */
static void orphan_root(uint64_t root) { arch_vspace_clear_user(root); }

void asid_pool_finalise(const struct cap *cap)
{
    asid_pool_remove(pool_index(cap), cap->paddr, orphan_root);
    ioport_reload();
}
