/* XCall and XRet (core/xcall.c): the system calls of cross-address-space calls. */
#ifndef BASTION_CORE_XCALL_H
#define BASTION_CORE_XCALL_H

#include "kernel/object/tcb.h"

/* rdi = entry number, rsi = mask, rdx, r10, r8, r9 = words. */
void xcall(struct tcb *t, uint64_t entry, uint64_t mask, const uint64_t words[4]);
/* rdi, rsi, rdx, r10 = result words. */
void xret(struct tcb *t, const uint64_t results[4]);

#endif
