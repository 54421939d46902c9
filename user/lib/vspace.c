#include "user/lib/vspace.h"

uint64_t bst_frame_map(bst_cptr_t frame, bst_cptr_t vspace, uint64_t vaddr, uint64_t rights,
                       enum bst_cache_attr cache)
{
    uint64_t w[] = {vspace, vaddr, rights, cache};
    return bst_invoke(frame, BST_FRAME_MAP, 4, w, 0);
}

uint64_t bst_frame_unmap(bst_cptr_t frame) { return bst_invoke(frame, BST_FRAME_UNMAP, 0, 0, 0); }

uint64_t bst_frame_get_address(bst_cptr_t frame, uint64_t *paddr)
{
    struct bst_reply reply;
    uint64_t e = bst_invoke(frame, BST_FRAME_GET_ADDRESS, 0, 0, &reply);
    if (e == BST_OK && paddr)
        *paddr = reply.length >= 1 ? reply.words[0] : 0;
    return e;
}

uint64_t bst_page_table_map(bst_cptr_t table, bst_cptr_t vspace, uint64_t vaddr)
{
    uint64_t w[] = {vspace, vaddr};
    return bst_invoke(table, BST_PAGE_TABLE_MAP, 2, w, 0);
}

uint64_t bst_page_table_unmap(bst_cptr_t table) { return bst_invoke(table, BST_PAGE_TABLE_UNMAP, 0, 0, 0); }

/* The one result word of a successful call, if the caller wants it. */
static uint64_t with_result(bst_cptr_t cap, uint64_t label, unsigned n, const uint64_t *w, uint64_t *result)
{
    if (!result)
        return bst_invoke(cap, label, n, w, 0);
    struct bst_reply reply;
    uint64_t e = bst_invoke(cap, label, n, w, &reply);
    if (e == BST_OK)
        *result = reply.length >= 1 ? reply.words[0] : 0;
    return e;
}

uint64_t bst_asid_control_make_pool(bst_cptr_t control, bst_cptr_t untyped, bst_cptr_t root, uint64_t index,
                                    uint64_t depth, uint64_t *first_asid)
{
    uint64_t w[BST_ASID_MAKE_POOL_ARGS] = {untyped, root, index, depth};
    return with_result(control, BST_ASID_CONTROL_MAKE_POOL, BST_ASID_MAKE_POOL_ARGS, w, first_asid);
}

uint64_t bst_asid_pool_assign(bst_cptr_t pool, bst_cptr_t vspace, uint64_t *asid)
{
    uint64_t w[] = {vspace};
    return with_result(pool, BST_ASID_POOL_ASSIGN, 1, w, asid);
}
