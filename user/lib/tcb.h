/*
 * Threads from user level: configure a TCB, set its priorities, read and
 * write its registers, resume and suspend it (docs/threads-and-devices.md).
 * Every call returns an enum bst_error; on failure the detail (argument,
 * allowed range) is in bst_exchange->error.
 */
#ifndef BASTION_USER_TCB_H
#define BASTION_USER_TCB_H

#include <bastion/tcb.h>
#include "user/lib/invoke.h"

/*
 * Names the thread's CSpace root (a CNode cap), address space (a PML4 cap),
 * exchange frame (a 4 KiB frame cap with read and write rights) and the user
 * address where that frame is mapped in that address space (mapping it there
 * is the caller's business), and its fault endpoint (0 for none).
 */
uint64_t bst_tcb_configure(bst_cptr_t tcb, bst_cptr_t cspace_root, bst_cptr_t vspace_root,
                           bst_cptr_t exchange_frame, uint64_t exchange_addr, bst_cptr_t fault_endpoint);
/* Both are limited by the maximum controlled priority of the authority TCB. */
uint64_t bst_tcb_set_priority(bst_cptr_t tcb, bst_cptr_t authority, uint64_t priority);
uint64_t bst_tcb_set_mcp(bst_cptr_t tcb, bst_cptr_t authority, uint64_t mcp);
/* The first count registers in enum bst_tcb_register order, into words[0..count). */
uint64_t bst_tcb_read_registers(bst_cptr_t tcb, unsigned count, uint64_t *words);
uint64_t bst_tcb_write_registers(bst_cptr_t tcb, bool resume, unsigned count, const uint64_t *words);
/* All registers at once, through struct bst_tcb_registers. */
uint64_t bst_tcb_read_all(bst_cptr_t tcb, struct bst_tcb_registers *regs);
uint64_t bst_tcb_write_all(bst_cptr_t tcb, bool resume, const struct bst_tcb_registers *regs);
uint64_t bst_tcb_resume(bst_cptr_t tcb);
uint64_t bst_tcb_suspend(bst_cptr_t tcb);

#endif
