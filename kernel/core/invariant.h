/*
 * The debug-build invariant checker: walks every capability (through the
 * derivation tree, which reaches every capability in every slot) and the
 * scheduler's queues, and reports inconsistencies on the kernel log.
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
