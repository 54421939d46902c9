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

/* Untyped_Retype of count objects into consecutive slots from offset, in calls of at most
 * BST_RETYPE_MAX_COUNT objects (the kernel's limit per call). */
uint64_t retype_many(bst_cptr_t untyped, uint64_t type, uint64_t size_bits, bst_cptr_t root, uint64_t index,
                     uint64_t depth, uint64_t offset, uint64_t count);

/* A device untyped from bootinfo, or 0. */
bst_cptr_t device_untyped(void);

struct cap_info {
    uint64_t error, type, rights, flags, badge;
};
struct cap_info cap_info(bst_cptr_t cptr);

/* What an authorised call of a debug-build-only facility (the invariant checker,
 * the fastpath counter) returns: the release kernel has neither. */
#ifdef BASTION_DEBUG
#define DEBUG_ONLY_RESULT BST_OK
#else
#define DEBUG_ONLY_RESULT BST_E_NOT_SUPPORTED
#endif

static inline uint64_t last_error_argument(void) { return bst_exchange->error.argument; }

/*
 * A case that runs its body with a fresh scratch untyped of UT_BITS (which the
 * including file defines) in scratch slot 0, then destroys everything it made.
 */
#define CASE_WITH_SCRATCH(name)                                                          \
    static const char *name##_body(void);                                                \
    static const char *name(void)                                                        \
    {                                                                                    \
        const char *why = scratch_untyped(UT_BITS) ? name##_body() : "no scratch untyped"; \
        scratch_reset();                                                                 \
        return why;                                                                      \
    }                                                                                    \
    static const char *name##_body(void)

/* The call failed with this code and named this argument in the detail. */
#define CHECK_FAILS(call, want, arg)                  \
    do {                                              \
        CHECK((call) == (want));                      \
        CHECK(bst_exchange->error.code == (want));    \
        CHECK(bst_exchange->error.argument == (arg)); \
    } while (0)

#endif
