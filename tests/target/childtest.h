/*
 * Cases that spawn the test child (tests/child/) share a frame with it: the
 * child writes its report there (struct child_report), the suite reads it at
 * CHILD_SHARED_ROOT_ADDR, next to the spawn scratch page in the root's stack
 * page table.
 */
#ifndef BASTION_TEST_CHILDTEST_H
#define BASTION_TEST_CHILDTEST_H

#include "tests/child/child.h"
#include "user/lib/invoke.h"

#define CHILD_SHARED_ROOT_ADDR 0x381000ull

static inline volatile struct child_report *report(void)
{
    return (volatile struct child_report *)CHILD_SHARED_ROOT_ADDR;
}

/* Retypes a frame from untyped ut into slot, maps it at CHILD_SHARED_ROOT_ADDR and zeroes the report. */
bool child_share_frame(bst_cptr_t ut, bst_cptr_t slot);

#endif
