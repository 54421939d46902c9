/*
 * Invocations from user level: a Call on a kernel object's capability with a
 * label and message words (abi/bastion/invocation.h). The first four words go
 * in registers, the rest through the exchange frame. Results come back the
 * same way; on failure the detail is in bst_exchange->error.
 */
#ifndef BASTION_USER_INVOKE_H
#define BASTION_USER_INVOKE_H

#include <bastion/invocation.h>
#include <bastion/object.h>
#include "user/lib/bastion.h"

struct bst_reply {
    uint64_t error;                      /* enum bst_error */
    unsigned length;                     /* result words */
    uint64_t words[BST_MSG_MAX_WORDS];   /* result words (4 from registers, rest from the exchange) */
};

/* Invokes cap with label and words[0..n); fills reply if given. Returns the error code. */
uint64_t bst_invoke(bst_cptr_t cap, uint64_t label, unsigned n, const uint64_t *words,
                    struct bst_reply *reply);

/* Untyped and CNode operations. Slots are addressed as (root CNode cptr, index, depth). */
uint64_t bst_untyped_retype(bst_cptr_t untyped, uint64_t type, uint64_t size_bits, bst_cptr_t root,
                            uint64_t node_index, uint64_t node_depth, uint64_t offset, uint64_t count);
uint64_t bst_cnode_copy(bst_cptr_t dest_root, uint64_t dest_index, uint64_t dest_depth,
                        bst_cptr_t src_root, uint64_t src_index, uint64_t src_depth, uint64_t rights);
uint64_t bst_cnode_mint(bst_cptr_t dest_root, uint64_t dest_index, uint64_t dest_depth,
                        bst_cptr_t src_root, uint64_t src_index, uint64_t src_depth, uint64_t rights,
                        uint64_t badge_or_guard, uint64_t guard_bits);
uint64_t bst_cnode_move(bst_cptr_t dest_root, uint64_t dest_index, uint64_t dest_depth,
                        bst_cptr_t src_root, uint64_t src_index, uint64_t src_depth);
uint64_t bst_cnode_mutate(bst_cptr_t dest_root, uint64_t dest_index, uint64_t dest_depth,
                          bst_cptr_t src_root, uint64_t src_index, uint64_t src_depth,
                          uint64_t badge_or_guard, uint64_t guard_bits);
uint64_t bst_cnode_delete(bst_cptr_t root, uint64_t index, uint64_t depth);
uint64_t bst_cnode_revoke(bst_cptr_t root, uint64_t index, uint64_t depth);

#endif
