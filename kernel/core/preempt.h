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

/*
 * Work between checks, about 1,000-2,000 instructions: 8 caps deleted (or
 * copies moved up), 64 empty slots passed over, or 8 KiB zeroed (1,024
 * stores). Deleting and scanning share one budget, in units.
 */
#define PREEMPT_BUDGET 64u        /* units between checks */
#define PREEMPT_DELETE_UNITS 8u   /* one cap deleted or one copy moved up */
#define PREEMPT_SCAN_UNITS 1u     /* one empty slot passed over */
#define PREEMPT_ZERO_BYTES 8192u  /* bytes zeroed between checks */

/* Kernel-internal result of an invocation that stopped at a preemption point:
 * the caller's Call is rewound (core/invoke.c), never reported to user level. */
#define E_PREEMPTED ((enum bst_error)BST_E_COUNT)

/* A preemption point: true when the operation must stop now. */
static inline bool preempt_requested(void) { return arch_interrupt_pending(); }

#endif
