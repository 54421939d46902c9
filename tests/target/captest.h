/*
 * Helpers for capability test cases: a scratch untyped carved from the boot
 * untyped list, scratch slots in the root CNode, and reading back what a slot
 * holds (debug builds). Every case gets fresh scratch state and cleans it up.
 */
#ifndef BASTION_TEST_CAPTEST_H
#define BASTION_TEST_CAPTEST_H

#include "user/lib/invoke.h"

#define ROOT BST_CAP_ROOT_CNODE
#define ROOT_DEPTH 64

/* The n-th scratch slot (n < 64) of the root CNode, above the boot caps. */
bst_cptr_t scratch_slot(unsigned n);

/*
 * Makes a fresh untyped of 2^bits bytes in scratch slot 0, carved from the
 * largest boot untyped (the carving untyped is found once and kept). Returns
 * its cptr, or 0 on failure. scratch_reset() revokes and deletes everything
 * made since, so the next case starts clean.
 */
bst_cptr_t scratch_untyped(unsigned bits);
void scratch_reset(void);

/* A device untyped from bootinfo, or 0. */
bst_cptr_t device_untyped(void);

struct cap_info {
    uint64_t error, type, rights, flags, badge;
};
struct cap_info cap_info(bst_cptr_t cptr);

static inline uint64_t last_error_argument(void) { return bst_exchange->error.argument; }

#endif
