/* XCall and XRet (core/xcall.c): the system calls of cross-address-space calls. */
#ifndef BASTION_CORE_XCALL_H
#define BASTION_CORE_XCALL_H

#include "kernel/object/tcb.h"

/*
 * What an XCall or XRet did, for the exit (the architecture's entry code).
 * XCALL_CHECKED (0): the context is complete and goes through the checked
 * exit (an error, a switch, an unwinding, any call of the general path).
 * Anything else is a fast path's, which leaves the context as it was at
 * entry (the thread's next entry rewrites it, as after any system call) and
 * whose values are sane by construction. After XCall, the address of the
 * callee's start (struct arch_call_start in the new link record: a
 * registered entry point, its stack, the view): the exit starts it with the
 * words still in the context's XCall registers and every other register
 * zero. After XRet, the address of the caller's frame (struct
 * arch_call_frame in the popped record): the exit resumes the caller with
 * BST_OK and the result words still in the context's XRet registers.
 */
#define XCALL_CHECKED 0u
typedef uintptr_t xcall_outcome;
/* rdi = entry number, rsi = mask; the words (rdx, r10, r8, r9) are read from the thread's context. */
xcall_outcome xcall(struct tcb *t, uint64_t entry, uint64_t mask);
/* The result words (rdi, rsi, rdx, r10) are read from the thread's context. */
xcall_outcome xret(struct tcb *t);

#endif
