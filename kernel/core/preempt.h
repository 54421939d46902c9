/*
 * Preemption points (seL4's model). The kernel runs with interrupts off on one
 * stack per CPU, so a long operation (Revoke, Delete of a container, Retype's
 * zeroing) does a bounded amount of work, then asks whether an interrupt is
 * waiting. If so it stops with its progress recorded in the objects
 * themselves, its caller's Call is rewound to be issued again, and the kernel
 * exit takes the interrupt. When the caller runs again the call restarts,
 * finds the work already done gone or marked, and carries on: each restart
 * makes progress, so the call finishes.
 */
#ifndef BASTION_CORE_PREEMPT_H
#define BASTION_CORE_PREEMPT_H

#include <bastion/error.h>
#include "kernel/arch/arch.h"

/* Work between checks: about 1,000-2,000 instructions of deletion, scanning or zeroing. */
#define PREEMPT_DELETIONS 8u      /* caps deleted (or children lifted) */
#define PREEMPT_SCANNED 64u       /* empty slots passed over */
#define PREEMPT_ZERO_BYTES 8192u  /* bytes zeroed by one memset (1,024 stores) */

/* Kernel-internal result of an invocation that stopped at a preemption point:
 * the caller's Call is rewound (core/invoke.c), never reported to user level. */
#define E_PREEMPTED ((enum bst_error)BST_E_COUNT)

/* A preemption point: true when the operation must stop now. */
static inline bool preempt_requested(void) { return arch_interrupt_pending(); }

#endif
