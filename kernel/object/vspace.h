/*
 * What frame.c and pagetable.c share: the mapping words of their caps, the
 * address-space argument of a map invocation, and the walk to the entry a
 * mapping will fill. Levels are the arch interface's (kernel/arch/arch.h):
 * a 4 KiB frame fills a level-0 entry, a 2 MiB frame or a page table a
 * level-1 entry, a page directory level 2, a PDPT level 3 (the root's).
 */
#ifndef BASTION_OBJECT_VSPACE_H
#define BASTION_OBJECT_VSPACE_H

#include "kernel/core/asid.h"
#include "kernel/core/invoke.h"
#include "kernel/arch/arch.h"

/* A frame or paging-structure cap is mapped when word 3 names an address space (word 2 = vaddr). */
static inline bool mapping_cap_is_mapped(const struct cap *c) { return c->w3 != ASID_NONE; }
static inline void mapping_cap_set(struct cap *c, uint64_t vaddr, uint64_t identity)
{
    c->w2 = vaddr;
    c->w3 = identity;
}
static inline void mapping_cap_clear(struct cap *c) { mapping_cap_set(c, 0, ASID_NONE); }

/* The level of the entry each kind of object fills. */
enum vspace_level {
    LEVEL_FRAME_4K = 0,
    LEVEL_FRAME_2M = 1,
    LEVEL_PAGE_TABLE = 1,
    LEVEL_PAGE_DIRECTORY = 2,
    LEVEL_PDPT = 3,
};

/* Bytes one entry at level covers: 4 KiB at level 0, 2 MiB at 1, ... */
static inline uint64_t vspace_level_span(unsigned level)
{
    return (uint64_t)BST_PAGE_SIZE << (ARCH_VSPACE_INDEX_BITS * level);
}

struct vspace_target {
    uint64_t root;     /* the PML4's physical address */
    uint64_t identity; /* what the mapped cap records in word 3 */
};

/* Resolves message word `arg`, a PML4 cptr (BST_E_WRONG_TYPE for any other cap). */
bool vspace_lookup_root(struct invocation *inv, unsigned arg, struct vspace_target *t, enum bst_error *e);
/* vaddr (message word `arg`) must be a multiple of align in [min, max], else BST_E_RANGE with [min, max]. */
bool vspace_check_vaddr(struct invocation *inv, unsigned arg, uint64_t align, uint64_t min, uint64_t max,
                        enum bst_error *e);
/*
 * The entry at level for vaddr must exist and be empty: BST_E_LOOKUP_FAILED
 * with the vaddr bits resolved if a paging structure on the way is missing,
 * BST_E_DELETE_FIRST if it, or a large page on the way, is in use.
 */
bool vspace_check_empty(struct invocation *inv, unsigned arg, const struct vspace_target *t,
                        unsigned level, enum bst_error *e);

#endif
