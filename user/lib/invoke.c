#include "user/lib/invoke.h"
#include "lib/string.h"

uint64_t bst_invoke(bst_cptr_t cap, uint64_t label, unsigned n, const uint64_t *words,
                    struct bst_reply *reply)
{
    uint64_t w[BST_MSG_REGISTER_WORDS] = {0, 0, 0, 0};
    for (unsigned i = 0; i < n && i < BST_MSG_REGISTER_WORDS; i++)
        w[i] = words[i];
    for (unsigned i = BST_MSG_REGISTER_WORDS; i < n && i < BST_MSG_MAX_WORDS; i++)
        bst_exchange->msg[i] = words[i];
    register uint64_t rax __asm__("rax") = BST_SYS_CALL;
    register uint64_t rdi __asm__("rdi") = cap;
    register uint64_t rsi __asm__("rsi") = bst_msginfo(label, 0, n);
    register uint64_t rdx __asm__("rdx") = w[0];
    register uint64_t r10 __asm__("r10") = w[1];
    register uint64_t r8 __asm__("r8") = w[2];
    register uint64_t r9 __asm__("r9") = w[3];
    __asm__ volatile("syscall"
                     : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                     :
                     : "rcx", "r11", "memory");
    if (reply) {
        reply->error = rax;
        reply->length = bst_msginfo_length(rsi);
        uint64_t regs[BST_MSG_REGISTER_WORDS] = {rdx, r10, r8, r9};
        for (unsigned i = 0; i < reply->length && i < BST_MSG_MAX_WORDS; i++)
            reply->words[i] = i < BST_MSG_REGISTER_WORDS ? regs[i] : bst_exchange->msg[i];
    }
    return rax;
}

uint64_t bst_untyped_retype(bst_cptr_t untyped, uint64_t type, uint64_t size_bits, bst_cptr_t root,
                            uint64_t node_index, uint64_t node_depth, uint64_t offset, uint64_t count)
{
    uint64_t w[] = {type, size_bits, root, node_index, node_depth, offset, count};
    return bst_invoke(untyped, BST_UNTYPED_RETYPE, 7, w, 0);
}

uint64_t bst_cnode_copy(bst_cptr_t dest_root, uint64_t dest_index, uint64_t dest_depth,
                        bst_cptr_t src_root, uint64_t src_index, uint64_t src_depth, uint64_t rights)
{
    uint64_t w[] = {dest_index, dest_depth, src_root, src_index, src_depth, rights};
    return bst_invoke(dest_root, BST_CNODE_COPY, 6, w, 0);
}

uint64_t bst_cnode_mint(bst_cptr_t dest_root, uint64_t dest_index, uint64_t dest_depth,
                        bst_cptr_t src_root, uint64_t src_index, uint64_t src_depth, uint64_t rights,
                        uint64_t badge_or_guard, uint64_t guard_bits)
{
    uint64_t w[] = {dest_index, dest_depth, src_root, src_index, src_depth, rights, badge_or_guard, guard_bits};
    return bst_invoke(dest_root, BST_CNODE_MINT, 8, w, 0);
}

uint64_t bst_cnode_move(bst_cptr_t dest_root, uint64_t dest_index, uint64_t dest_depth,
                        bst_cptr_t src_root, uint64_t src_index, uint64_t src_depth)
{
    uint64_t w[] = {dest_index, dest_depth, src_root, src_index, src_depth};
    return bst_invoke(dest_root, BST_CNODE_MOVE, 5, w, 0);
}

uint64_t bst_cnode_mutate(bst_cptr_t dest_root, uint64_t dest_index, uint64_t dest_depth,
                          bst_cptr_t src_root, uint64_t src_index, uint64_t src_depth,
                          uint64_t badge_or_guard, uint64_t guard_bits)
{
    uint64_t w[] = {dest_index, dest_depth, src_root, src_index, src_depth, badge_or_guard, guard_bits};
    return bst_invoke(dest_root, BST_CNODE_MUTATE, 7, w, 0);
}

uint64_t bst_cnode_delete(bst_cptr_t root, uint64_t index, uint64_t depth)
{
    uint64_t w[] = {index, depth};
    return bst_invoke(root, BST_CNODE_DELETE, 2, w, 0);
}

uint64_t bst_cnode_revoke(bst_cptr_t root, uint64_t index, uint64_t depth)
{
    uint64_t w[] = {index, depth};
    return bst_invoke(root, BST_CNODE_REVOKE, 2, w, 0);
}
