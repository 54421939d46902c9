/*
 * Paging structures: PDPT, page directory and page table caps map into an
 * address space (Map: vspace_root, vaddr; Unmap), a PML4 cap is the address
 * space itself and has no invocations. Also the checks every map invocation
 * shares with frame.c (object/vspace.h). docs/vspace.md is the reference.
 *
 * Stale mappings. A cap records where it is mapped (word 2 = vaddr, word 3 =
 * the address space's ASID identity), and the records can go stale: the
 * address space dies, or a structure higher up is unmapped. So nothing here
 * ever trusts a record: an unmap walks from the identity's live root and
 * clears the entry only if it still points to this object. Two rules keep
 * that sound:
 *   - a paging structure is mapped in at most one place, through the cap
 *     Retype made (copies cannot map it), so when its one link is gone it is
 *     unreachable from every address space;
 *   - a structure is zeroed whenever its cap unmaps it, so nothing below it
 *     comes back if it is mapped again. Caps of what it held are stale: their
 *     unmap finds nothing, and nothing reachable points at their objects.
 */
#include "kernel/object/vspace.h"
#include "kernel/object/ioport.h"
#include "kernel/object/objects.h"
#include "lib/string.h"

enum { ARG_VSPACE, ARG_VADDR, MAP_ARGS };

/* The level of the entry that maps a structure of this type. */
static unsigned structure_level(enum bst_object_type type)
{
    switch (type) {
    case BST_OBJ_PDPT: return LEVEL_PDPT;
    case BST_OBJ_PAGE_DIRECTORY: return LEVEL_PAGE_DIRECTORY;
    default: return LEVEL_PAGE_TABLE;
    }
}

bool vspace_lookup_root(struct invocation *inv, unsigned arg, struct vspace_target *t, enum bst_error *e)
{
    struct slot *s = inv_lookup_typed(inv, inv->mr[arg], BST_OBJ_PML4, arg, e);
    if (!s)
        return false;
    t->root = s->cap.paddr;
    t->identity = asid_of_root(t->root, s->cap.w3);
    if (t->identity == ASID_NONE) {
        /* Not assigned yet, or its pool was deleted: mapped caps must name a live identity. */
        *e = inv_fail(inv, BST_E_ILLEGAL_OPERATION, arg, 0, 0,
                      "the address space has no ASID: assign one with an ASID pool cap");
        return false;
    }
    s->cap.w3 = t->identity; /* only a hint (a copy made before Assign has 0): the next lookup needs no search */
    return true;
}

bool vspace_check_vaddr(struct invocation *inv, unsigned arg, uint64_t align, uint64_t min, uint64_t max,
                        enum bst_error *e)
{
    uint64_t vaddr = inv->mr[arg];
    if (vaddr & (align - 1)) {
        *e = inv_fail(inv, BST_E_RANGE, arg, min, max, "vaddr is not aligned to the mapping's size");
        return false;
    }
    if (vaddr < min || vaddr > max) {
        *e = inv_fail(inv, BST_E_RANGE, arg, min, max,
                      "vaddr outside the user range (page 0 and the last user page are never mapped)");
        return false;
    }
    return true;
}

bool vspace_check_empty(struct invocation *inv, unsigned arg, const struct vspace_target *t,
                        unsigned level, enum bst_error *e)
{
    struct arch_entry found = arch_vspace_lookup(t->root, inv->mr[arg], level);
    if (found.kind == ARCH_ENTRY_EMPTY && found.level > level) {
        /* The table the empty entry should point to is missing; the bits above it were resolved. */
        unsigned resolved = ARCH_VSPACE_INDEX_BITS * (ARCH_VSPACE_LEVELS - found.level);
        *e = inv_fail_lookup(inv, arg, resolved, "a paging structure on the way to vaddr is missing");
        return false;
    }
    if (found.kind != ARCH_ENTRY_EMPTY) {
        *e = inv_fail(inv, BST_E_DELETE_FIRST, arg, 0, 0,
                      found.level > level ? "a large page covers vaddr" : "something is mapped at vaddr already");
        return false;
    }
    return true;
}

/* Removes the structure's link (if it still holds) and its contents; the cap's record stays. */
static void structure_unmap(const struct cap *c)
{
    if (!mapping_cap_is_mapped(c))
        return;
    uint64_t root = asid_root(c->w3);
    if (root)
        arch_vspace_clear(root, c->w2, structure_level(cap_type(c)), c->paddr);
    /* Unreachable now (it has one link): no TLB can hold what it mapped once the link's flush is done. */
    memset(arch_phys_to_virt(c->paddr), 0, 1ull << BST_PAGE_TABLE_BITS);
}

/* Highest base of a region of `span` bytes that still holds a user address. */
static uint64_t last_region(uint64_t span) { return (arch_vspace_user_end() - 1) & ~(span - 1); }

static enum bst_error page_table_map(struct invocation *inv)
{
    enum bst_error e;
    if (!inv_has_args(inv, MAP_ARGS, &e))
        return e;
    struct cap *c = &inv->slot->cap;
    if (!(cap_flags(c) & CAP_FLAG_ORIGINAL))
        return inv_fail(inv, BST_E_ILLEGAL_OPERATION, BST_ARG_NONE, 0, 0,
                        "only the cap Retype made can map a paging structure (one place at a time)");
    if (mapping_cap_is_mapped(c))
        return inv_fail(inv, BST_E_ILLEGAL_OPERATION, BST_ARG_NONE, 0, 0,
                        "the paging structure is mapped already: unmap it first");
    struct vspace_target t;
    if (!vspace_lookup_root(inv, ARG_VSPACE, &t, &e))
        return e;
    unsigned level = structure_level(cap_type(c));
    uint64_t span = vspace_level_span(level);
    if (!vspace_check_vaddr(inv, ARG_VADDR, span, 0, last_region(span), &e) ||
        !vspace_check_empty(inv, ARG_VADDR, &t, level, &e))
        return e;
    if (!arch_vspace_set_table(t.root, inv->mr[ARG_VADDR], level, c->paddr))
        return inv_fail(inv, BST_E_ILLEGAL_OPERATION, ARG_VADDR, 0, 0, "the architecture refused the entry");
    mapping_cap_set(c, inv->mr[ARG_VADDR], t.identity);
    return BST_OK;
}

/* Unmapping a cap that is not mapped, or whose mapping went stale, succeeds and does nothing else. */
static enum bst_error page_table_unmap(struct invocation *inv)
{
    struct cap *c = &inv->slot->cap;
    structure_unmap(c);
    mapping_cap_clear(c);
    return BST_OK;
}

enum bst_error page_table_invoke(struct invocation *inv)
{
    if (cap_type(&inv->slot->cap) == BST_OBJ_PML4)
        return inv_fail(inv, BST_E_NOT_SUPPORTED, BST_ARG_NONE, 0, 0,
                        "an address-space root has no invocations");
    switch (inv->label) {
    case BST_PAGE_TABLE_MAP: return page_table_map(inv);
    case BST_PAGE_TABLE_UNMAP: return page_table_unmap(inv);
    default:
        return inv_fail(inv, BST_E_NOT_SUPPORTED, BST_ARG_NONE, BST_PAGE_TABLE_MAP, BST_PAGE_TABLE_UNMAP,
                        "unknown paging-structure invocation");
    }
}

/* The address space dies: its identity first, so every cap that names it is stale from here on. */
static void vspace_root_destroyed(const struct cap *c)
{
    asid_release(asid_of_root(c->paddr, c->w3));
    arch_vspace_clear_user(c->paddr);
    ioport_reload(); /* its grants are gone, and a new PML4 may come at the same address */
}

void page_table_cap_deleted(const struct cap *cap, bool final)
{
    if (cap_type(cap) != BST_OBJ_PML4)
        structure_unmap(cap);
    else if (final)
        vspace_root_destroyed(cap);
}
