#include "kernel/core/cspace.h"
#include "kernel/arch/arch.h"

struct slot *cnode_slots(const struct cap *cnode) { return arch_phys_to_virt(cnode->paddr); }

/* The `count` bits of cptr just below its top `bits_left` bits (count may be 0). */
static inline uint64_t bits_at(uint64_t cptr, unsigned bits_left, unsigned count)
{
    uint64_t shifted = cptr >> (bits_left - count);
    return count >= 64 ? shifted : shifted & ((1ull << count) - 1);
}

static struct lookup_result failed(unsigned depth, unsigned bits_left)
{
    return (struct lookup_result){0, BST_E_LOOKUP_FAILED, depth - bits_left, 0, 0};
}

struct lookup_result cspace_lookup(const struct cap *root, uint64_t cptr, unsigned depth, bool exact)
{
    if (depth == 0 || depth > CSPACE_WORD_BITS)
        return failed(depth, depth);
    const struct cap *node = root;
    unsigned bits_left = depth;
    for (;;) {
        if (cap_type(node) != BST_OBJ_CNODE)
            return failed(depth, bits_left);
        unsigned radix = cap_size_bits(node), guard_bits = cap_guard_bits(node);
        unsigned level = radix + guard_bits;
        if (level > bits_left)
            return failed(depth, bits_left);
        /* Guard and index in one extract: the guard is the top of this level's bits. */
        uint64_t bits = bits_at(cptr, bits_left, level);
        if ((bits >> radix) != node->w2) /* radix >= 1, so the shift is defined */
            return failed(depth, bits_left);
        uint64_t index = bits & ((1ull << radix) - 1);
        struct slot *slot = &cnode_slots(node)[index];
        bits_left -= level;
        if (bits_left == 0)
            return (struct lookup_result){slot, BST_OK, depth, index, node};
        if (cap_type(&slot->cap) != BST_OBJ_CNODE) {
            if (exact)
                return failed(depth, bits_left);
            return (struct lookup_result){slot, BST_OK, depth - bits_left, index, node};
        }
        node = &slot->cap;
    }
}
