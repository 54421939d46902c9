/*
 * Address spaces from user level: map and unmap frames and paging structures
 * (docs/vspace.md). Every call returns an enum bst_error; on failure the
 * detail (argument, allowed range, bits resolved) is in bst_exchange->error.
 */
#ifndef BASTION_USER_VSPACE_H
#define BASTION_USER_VSPACE_H

#include "user/lib/invoke.h"

/* Maps frame at vaddr of the address space vspace (a PML4 cap); rights are BST_RIGHT_* bits. */
uint64_t bst_frame_map(bst_cptr_t frame, bst_cptr_t vspace, uint64_t vaddr, uint64_t rights,
                       enum bst_cache_attr cache);
uint64_t bst_frame_unmap(bst_cptr_t frame);
/* The frame's physical address, for drivers programming DMA. */
uint64_t bst_frame_get_address(bst_cptr_t frame, uint64_t *paddr);

/* Maps a PDPT, page directory or page table so that it translates the region at vaddr. */
uint64_t bst_page_table_map(bst_cptr_t table, bst_cptr_t vspace, uint64_t vaddr);
uint64_t bst_page_table_unmap(bst_cptr_t table);

/*
 * ASIDs: a PML4 needs one before anything maps into it or a thread runs in
 * it. MakePool turns a whole 4 KiB untyped into a pool of 512 ASIDs (its cap
 * at root/index/depth; *first_asid, if given, is the pool's first ASID);
 * Assign gives vspace an ASID from the pool (*asid, if given).
 */
uint64_t bst_asid_control_make_pool(bst_cptr_t control, bst_cptr_t untyped, bst_cptr_t root, uint64_t index,
                                    uint64_t depth, uint64_t *first_asid);
uint64_t bst_asid_pool_assign(bst_cptr_t pool, bst_cptr_t vspace, uint64_t *asid);

#endif
