/*
 * Frames: Map (vspace_root, vaddr, rights, cache attribute), Unmap and
 * GetAddress on 4 KiB and 2 MiB frame caps. A 2 MiB frame is a large page in
 * a page directory. One cap maps its frame in one place; a copy of the cap
 * (CNode_Copy starts it unmapped) maps the same frame elsewhere, which is how
 * memory is shared. How stale mapping records are handled: pagetable.c.
 * docs/vspace.md is the reference.
 *
 * W^X holds per frame, not per mapping: while any cap maps a frame writable,
 * no cap may map it executable, in any address space, and the other way
 * round. The kernel allocates nothing, so that state lives in the caps: a
 * mapped cap keeps its mapping's WRITE/EXEC bits in word 2 (cap.h), and Map
 * looks at every cap of the frame in the derivation tree (cdt.h).
 */
#include "kernel/core/cdt.h"
#include "kernel/object/vspace.h"
#include "kernel/object/objects.h"

enum { ARG_VSPACE, ARG_VADDR, ARG_RIGHTS, ARG_CACHE, MAP_ARGS };

#define MAP_RIGHTS (BST_RIGHT_READ | BST_RIGHT_WRITE | BST_RIGHT_EXECUTE)

static unsigned frame_level(const struct cap *c)
{
    return cap_type(c) == BST_OBJ_FRAME_2M ? LEVEL_FRAME_2M : LEVEL_FRAME_4K;
}
static bool frame_is_device(const struct cap *c) { return cap_flags(c) & CAP_FLAG_DEVICE; }
static uint64_t frame_mapped_vaddr(const struct cap *c) { return c->w2 & ~CAP_MAPPED_MASK; }

/* The CAP_MAPPED_* bits a mapping with these rights records. */
static uint64_t mapped_bits(uint64_t rights)
{
    return ((rights & BST_RIGHT_WRITE) ? CAP_MAPPED_WRITE : 0) | ((rights & BST_RIGHT_EXECUTE) ? CAP_MAPPED_EXEC : 0);
}

/*
 * A record counts only while its mapping is live: the entry it names still
 * maps this frame. A stale record (the address space died, or a paging
 * structure above went) maps nothing, so it cannot break W^X. Another cap's
 * mapping of the same frame at the very same place also makes it count,
 * which errs on the side of refusing.
 */
static bool mapping_is_live(const struct cap *c)
{
    if (!mapping_cap_is_mapped(c))
        return false;
    uint64_t root = asid_root(c->w3);
    if (!root)
        return false;
    struct arch_entry e = arch_vspace_lookup(root, frame_mapped_vaddr(c), frame_level(c));
    return e.kind == ARCH_ENTRY_LEAF && e.level == frame_level(c) && e.paddr == c->paddr;
}

struct conflict {
    uint64_t bits; /* the CAP_MAPPED_* bits a live mapping must not have */
};

/*
 * A cap conflicts when its live mapping has one of the unwanted rights. A
 * thread's exchange frame counts as mapped writable: the kernel writes
 * messages into it, so an executable alias would run what a sender chose.
 */
static bool conflicts(struct slot *s, void *ctx)
{
    const struct conflict *want = ctx;
    if (want->bits == CAP_MAPPED_WRITE && (cap_flags(&s->cap) & CAP_FLAG_KERNEL_WRITES))
        return true;
    return (s->cap.w2 & want->bits) && mapping_is_live(&s->cap);
}

bool frame_mapped_executable(const struct slot *frame)
{
    struct conflict want = {CAP_MAPPED_EXEC};
    /* The walk changes nothing: the cast only meets cdt_find_same_object's visitor type. */
    return cdt_find_same_object((struct slot *)frame, conflicts, &want) != 0;
}

/* Writable and executable exclude each other across every mapping of the frame. */
static enum bst_error check_aliases(struct invocation *inv, uint64_t rights)
{
    struct conflict want = {0};
    if (rights & BST_RIGHT_WRITE)
        want.bits = CAP_MAPPED_EXEC;
    else if (rights & BST_RIGHT_EXECUTE)
        want.bits = CAP_MAPPED_WRITE;
    if (!want.bits || !cdt_find_same_object(inv->slot, conflicts, &want))
        return BST_OK;
    /* min..max: the rights a mapping may have while the other mapping stays. */
    uint64_t allowed = BST_RIGHT_READ | (want.bits == CAP_MAPPED_EXEC ? BST_RIGHT_EXECUTE : BST_RIGHT_WRITE);
    return inv_fail(inv, BST_E_ILLEGAL_OPERATION, ARG_RIGHTS, BST_RIGHT_READ, allowed,
                    want.bits == CAP_MAPPED_EXEC
                        ? "W^X: another cap maps this frame executable: unmap it before mapping it writable"
                        : "W^X: another cap maps this frame writable (or it is a thread's exchange frame): "
                          "unmap it before mapping it executable");
}

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
    if ((e = check_rights(inv, c, rights)) != BST_OK || (e = check_cache(inv, c, attr)) != BST_OK ||
        (e = check_aliases(inv, rights)) != BST_OK)
        return e;
    unsigned level = frame_level(c);
    uint64_t size = vspace_level_span(level), vaddr = inv->mr[ARG_VADDR];
    /* The lowest base is `size`: a frame at 0 would cover page 0, which is never mapped. */
    if (!vspace_check_vaddr(inv, ARG_VADDR, size, size, last_frame_base(size), &e) ||
        !vspace_check_empty(inv, ARG_VADDR, &t, level, &e))
        return e;
    if (!arch_vspace_set_leaf(t.root, vaddr, level, c->paddr, map_attrs(rights, attr)))
        return inv_fail(inv, BST_E_ILLEGAL_OPERATION, ARG_VADDR, 0, 0, "the architecture refused the mapping");
    mapping_cap_set(c, vaddr | mapped_bits(rights), t.identity);
    return BST_OK;
}

/* Clears the leaf only if it still maps this frame: the record may be stale (pagetable.c). */
static void frame_unmap_record(const struct cap *c)
{
    if (!mapping_cap_is_mapped(c))
        return;
    uint64_t root = asid_root(c->w3);
    if (root)
        arch_vspace_clear(root, frame_mapped_vaddr(c), frame_level(c), c->paddr);
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
