/* System call dispatch and the helpers every handler uses to answer its caller. */
#ifndef BASTION_CORE_SYSCALL_H
#define BASTION_CORE_SYSCALL_H

#include <bastion/error.h>
#include "kernel/object/tcb.h"

/* Entry from entry.S with the caller's argument registers and call number. */
void syscall_handle(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
                    uint64_t number);

/* rax = BST_OK, rdx = r0, rsi = r1. */
void syscall_ok(struct tcb *caller, uint64_t r0, uint64_t r1);
/* rax = code; the detail goes to the caller's exchange frame. */
void syscall_fail(struct tcb *caller, uint64_t number, enum bst_error code, uint64_t argument,
                  uint64_t min, uint64_t max);
void syscall_fail_lookup(struct tcb *caller, uint64_t number, uint64_t argument, unsigned bits_resolved);

/* The same for Call and ReplyRecv, trying the IPC fastpath first. */
void syscall_handle_call(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
                         uint64_t number);
void syscall_handle_reply_recv(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                               uint64_t a5, uint64_t number);

/* XCall and XRet, after entry.S saved the caller's whole context: an xcall_outcome (core/xcall.h). */
uintptr_t syscall_handle_xcall(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
                               uint64_t number);

/* The MachineControl calls (kernel/core/syscall_debug.c). */
void syscall_debug(struct tcb *caller, uint64_t number, uint64_t machine, uint64_t arg);

#endif
