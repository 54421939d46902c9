/*
 * Frames: Map (vspace_root, vaddr, rights, cache attribute), Unmap and
 * GetAddress on 4 KiB and 2 MiB frame caps. A 2 MiB frame is a large page in
 * a page directory. One cap maps its frame in one place; a copy of the cap
 * (CNode_Copy starts it unmapped) maps the same frame elsewhere, which is how
 * memory is shared. How stale mapping records are handled: pagetable.c.
 * docs/vspace.md is the reference.
 */
#include "kernel/object/vspace.h"
#include "kernel/object/objects.h"

enum { ARG_VSPACE, ARG_VADDR, ARG_RIGHTS, ARG_CACHE, MAP_ARGS };

#define MAP_RIGHTS (BST_RIGHT_READ | BST_RIGHT_WRITE | BST_RIGHT_EXECUTE)

static unsigned frame_level(const struct cap *c)
{
    return cap_type(c) == BST_OBJ_FRAME_2M ? LEVEL_FRAME_2M : LEVEL_FRAME_4K;
}
static bool frame_is_device(const struct cap *c) { return cap_flags(c) & CAP_FLAG_DEVICE; }

/* W^X first: a request for both is malformed whatever the cap allows. */
static enum bst_error check_rights(struct invocation *inv, const struct cap *c, uint64_t rights)
{
    if (rights & ~(uint64_t)MAP_RIGHTS)
        return inv_fail(inv, BST_E_INVALID_ARG, ARG_RIGHTS, 0, MAP_RIGHTS,
                        "only READ, WRITE and EXECUTE apply to a mapping");
    if (!(rights & BST_RIGHT_READ))
        return inv_fail(inv, BST_E_INVALID_ARG, ARG_RIGHTS, BST_RIGHT_READ, MAP_RIGHTS,
                        "a mapping is always readable on this hardware: ask for READ");
    if ((rights & BST_RIGHT_WRITE) && (rights & BST_RIGHT_EXECUTE))
        return inv_fail(inv, BST_E_INVALID_ARG, ARG_RIGHTS, 0, MAP_RIGHTS,
                        "W^X: a mapping is never writable and executable");
    if (rights & ~(uint64_t)cap_rights(c))
        return inv_fail(inv, BST_E_RIGHTS, ARG_RIGHTS, 0, cap_rights(c) & MAP_RIGHTS,
                        "the frame cap lacks a requested right");
    return BST_OK;
}

/*
 * Device memory is never cached write-back: the cache would reorder and
 * merge accesses the device must see. Uncached suits registers; write-through
 * suits frame buffers (reads may come from the cache, writes all go out).
 */
static enum bst_error check_cache(struct invocation *inv, const struct cap *c, uint64_t attr)
{
    if (attr > BST_CACHE_WRITE_THROUGH)
        return inv_fail(inv, BST_E_RANGE, ARG_CACHE, BST_CACHE_WRITE_BACK, BST_CACHE_WRITE_THROUGH,
                        "unknown cache attribute");
    if (frame_is_device(c) && attr == BST_CACHE_WRITE_BACK)
        return inv_fail(inv, BST_E_INVALID_ARG, ARG_CACHE, BST_CACHE_UNCACHED, BST_CACHE_WRITE_THROUGH,
                        "device memory is mapped uncached or write-through only");
    return BST_OK;
}

static unsigned map_attrs(uint64_t rights, uint64_t attr)
{
    unsigned a = ARCH_MAP_READ | ARCH_MAP_USER;
    a |= (rights & BST_RIGHT_WRITE) ? ARCH_MAP_WRITE : 0;
    a |= (rights & BST_RIGHT_EXECUTE) ? ARCH_MAP_EXEC : 0;
    a |= attr == BST_CACHE_UNCACHED ? ARCH_MAP_UNCACHED : 0;
    a |= attr == BST_CACHE_WRITE_THROUGH ? ARCH_MAP_WRITE_THROUGH : 0;
    return a;
}

/* Highest base of a frame of `size` bytes that keeps clear of the never-mapped last user page. */
static uint64_t last_frame_base(uint64_t size) { return (arch_vspace_user_end() - size) & ~(size - 1); }

static enum bst_error frame_map(struct invocation *inv)
{
    enum bst_error e;
    if (!inv_has_args(inv, MAP_ARGS, &e))
        return e;
    struct cap *c = &inv->slot->cap;
    if (mapping_cap_is_mapped(c))
        return inv_fail(inv, BST_E_ILLEGAL_OPERATION, BST_ARG_NONE, 0, 0,
                        "this frame cap is mapped already: unmap it, or map a copy of it");
    struct vspace_target t;
    if (!vspace_lookup_root(inv, ARG_VSPACE, &t, &e))
        return e;
    uint64_t rights = inv->mr[ARG_RIGHTS], attr = inv->mr[ARG_CACHE];
    if ((e = check_rights(inv, c, rights)) != BST_OK || (e = check_cache(inv, c, attr)) != BST_OK)
        return e;
    unsigned level = frame_level(c);
    uint64_t size = vspace_level_span(level), vaddr = inv->mr[ARG_VADDR];
    /* The lowest base is `size`: a frame at 0 would cover page 0, which is never mapped. */
    if (!vspace_check_vaddr(inv, ARG_VADDR, size, size, last_frame_base(size), &e) ||
        !vspace_check_empty(inv, ARG_VADDR, &t, level, &e))
        return e;
    if (!arch_vspace_set_leaf(t.root, vaddr, level, c->paddr, map_attrs(rights, attr)))
        return inv_fail(inv, BST_E_ILLEGAL_OPERATION, ARG_VADDR, 0, 0, "the architecture refused the mapping");
    mapping_cap_set(c, vaddr, t.identity);
    return BST_OK;
}

/* Clears the leaf only if it still maps this frame: the record may be stale (pagetable.c). */
static void frame_unmap_record(const struct cap *c)
{
    if (!mapping_cap_is_mapped(c))
        return;
    uint64_t root = asid_root(c->w3);
    if (root)
        arch_vspace_clear(root, c->w2, frame_level(c), c->paddr);
}

/* Unmapping a cap that is not mapped, or whose mapping went stale, succeeds and does nothing else. */
static enum bst_error frame_unmap(struct invocation *inv)
{
    frame_unmap_record(&inv->slot->cap);
    mapping_cap_clear(&inv->slot->cap);
    return BST_OK;
}

static enum bst_error frame_get_address(struct invocation *inv)
{
    inv->out[0] = inv->slot->cap.paddr;
    inv->out_length = 1;
    return BST_OK;
}

enum bst_error frame_invoke(struct invocation *inv)
{
    switch (inv->label) {
    case BST_FRAME_MAP: return frame_map(inv);
    case BST_FRAME_UNMAP: return frame_unmap(inv);
    case BST_FRAME_GET_ADDRESS: return frame_get_address(inv);
    default:
        return inv_fail(inv, BST_E_NOT_SUPPORTED, BST_ARG_NONE, BST_FRAME_MAP, BST_FRAME_GET_ADDRESS,
                        "unknown frame invocation");
    }
}

void frame_cap_deleted(const struct cap *cap) { frame_unmap_record(cap); }
