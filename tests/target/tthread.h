/*
 * Test threads in the root task's address space and CSpace, each with its
 * own exchange frame (mapped at its own address) and stack, so IPC between
 * them uses separate exchange frames as between processes.
 */
#ifndef BASTION_TEST_TTHREAD_H
#define BASTION_TEST_TTHREAD_H

#include "user/lib/invoke.h"

#define TTHREAD_STACK 8192
#define TTHREAD_MAX 4

struct tthread {
    bst_cptr_t tcb, frame;
    struct bst_exchange *exchange; /* the thread's own frame, at its user address */
};

/*
 * Starts thread i (0..TTHREAD_MAX-1): entry(arg) at priority, with fault_ep as
 * its fault endpoint (0: none). Objects come from untyped ut into the two
 * given slots. Returns an enum bst_error.
 */
uint64_t tthread_start(struct tthread *t, unsigned i, bst_cptr_t ut, bst_cptr_t tcb_slot,
                       bst_cptr_t frame_slot, void (*entry)(uint64_t), uint64_t arg, uint64_t priority,
                       bst_cptr_t fault_ep);
/* Unmaps its exchange frame (the caps go with scratch_reset). */
void tthread_stop(struct tthread *t);

/*
 * The usual set-up of a case: thread i's TCB in scratch slot 40 + 2i, its
 * exchange frame in 41 + 2i, both from the scratch untyped in scratch slot 0.
 */
extern struct tthread tthreads[TTHREAD_MAX];
bst_cptr_t tthread_tcb_slot(unsigned i);
bst_cptr_t tthread_frame_slot(unsigned i);
uint64_t tthread_start_scratch(unsigned i, void (*entry)(uint64_t), uint64_t arg, uint64_t priority,
                               bst_cptr_t fault_ep);
/* Thread i suspends itself (for good, unless resumed). */
void tthread_park(unsigned i) __attribute__((noreturn));
/* Stops every thread started with tthread_start_scratch (before scratch_reset). */
void tthread_stop_all(void);
/* The root task drops to below for a moment, so threads above that priority run until they block. */
void tthread_let_run_above(uint64_t below, uint64_t root_priority);

#endif
