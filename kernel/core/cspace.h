/*
 * Capability address lookup through a guarded radix tree of CNodes (as seL4).
 * At each CNode the address's next guard_bits must equal the CNode cap's
 * guard, and the next radix bits index a slot. A lookup fails with the number
 * of bits it had resolved, so user level can tell where its CSpace is wrong.
 */
#ifndef BASTION_CORE_CSPACE_H
#define BASTION_CORE_CSPACE_H

#include <bastion/error.h>
#include "kernel/object/cap.h"

#define CSPACE_WORD_BITS 64

struct lookup_result {
    struct slot *slot;      /* NULL on failure */
    enum bst_error error;   /* BST_OK or BST_E_LOOKUP_FAILED */
    unsigned bits_resolved; /* on failure: bits consumed before it */
    uint64_t index;         /* the slot's index inside its CNode */
    const struct cap *node; /* the CNode cap through which the slot was reached */
};

/* Slot 0 of every CNode is reserved by the kernel (it holds the CNode's own
 * bookkeeping) and always reads as empty: no capability can be put there. */
#define CNODE_RESERVED_INDEX 0

/*
 * Resolves cptr's top `depth` bits from root. With exact, the walk must end
 * after exactly depth bits (slot-addressed operations); otherwise it stops at
 * the first slot that does not hold a CNode (capability lookups, depth 64).
 */
struct lookup_result cspace_lookup(const struct cap *root, uint64_t cptr, unsigned depth, bool exact);

/* The slots of a CNode capability. */
struct slot *cnode_slots(const struct cap *cnode);

#endif
