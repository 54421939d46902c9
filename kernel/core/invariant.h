/*
 * The debug-build invariant checker: walks the derivation tree, then every
 * slot of every CNode and TCB the tree names (so a capability that reached a
 * slot without entering the tree is seen too), and the scheduler's queues;
 * reports inconsistencies on the kernel log.
 */
#ifndef BASTION_CORE_INVARIANT_H
#define BASTION_CORE_INVARIANT_H

#include "kernel/object/cap.h"

/* Returns the number of violations found (0: consistent). */
unsigned invariants_check(void);

/* Parts, callable on their own (host tests use them with their own tree root). */
unsigned invariants_check_tree(const struct slot *root);
unsigned invariants_check_ready_queues(void);

#endif
