#include "tests/target/captest.h"

#define SCRATCH_SLOTS 64
#define CARVE_BITS 24 /* 16 MiB of scratch memory for all cases */

static bst_cptr_t carve; /* a 16 MiB untyped split from the largest boot untyped */

bst_cptr_t scratch_slot(unsigned n)
{
    /* Leave room for the carving untyped just above the boot caps. */
    return bst_bootinfo->empty_first_slot + 1 + n;
}


static bool ensure_carve(void)
{
    if (carve)
        return true;
    bst_cptr_t slot = bst_bootinfo->empty_first_slot;
    if (bst_untyped_retype(bst_largest_boot_untyped(), BST_OBJ_UNTYPED, CARVE_BITS, ROOT, 0, 0, slot, 1) != BST_OK)
        return false;
    carve = slot;
    return true;
}

bst_cptr_t scratch_untyped(unsigned bits)
{
    if (!ensure_carve())
        return 0;
    scratch_reset();
    bst_cptr_t slot = scratch_slot(0);
    return bst_untyped_retype(carve, BST_OBJ_UNTYPED, bits, ROOT, 0, 0, slot, 1) == BST_OK ? slot : 0;
}

void scratch_reset(void)
{
    if (carve)
        bst_cnode_revoke(ROOT, carve, ROOT_DEPTH);
    for (unsigned n = 0; n < SCRATCH_SLOTS; n++)
        bst_cnode_delete(ROOT, scratch_slot(n), ROOT_DEPTH); /* copies of boot caps, if any */
}

bst_cptr_t device_untyped(void)
{
    for (unsigned i = 0; i < bst_bootinfo->untyped_count; i++) {
        if (bst_bootinfo->untyped[i].is_device)
            return bst_bootinfo->untyped[i].slot;
    }
    return 0;
}

struct cap_info cap_info(bst_cptr_t cptr)
{
    struct bst_result r = bst_debug_call(BST_SYS_DEBUG_CAP_INFO, BST_CAP_MACHINE_CONTROL, cptr);
    return (struct cap_info){r.error, r.value0 & 0xff, (r.value0 >> 8) & 0xff, (r.value0 >> 16) & 0xff,
                             r.value1};
}

uint64_t retype_many(bst_cptr_t untyped, uint64_t type, uint64_t size_bits, bst_cptr_t root, uint64_t index,
                     uint64_t depth, uint64_t offset, uint64_t count)
{
    uint64_t e = BST_OK;
    for (uint64_t made = 0; e == BST_OK && made < count; made += BST_RETYPE_MAX_COUNT) {
        uint64_t n = count - made < BST_RETYPE_MAX_COUNT ? count - made : BST_RETYPE_MAX_COUNT;
        e = bst_untyped_retype(untyped, type, size_bits, root, index, depth, offset + made, n);
    }
    return e;
}
