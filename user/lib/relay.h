/*
 * Relay segments and cross-address-space calls from user level
 * (abi/bastion/relay.h is the ABI, docs/relay.md the guide).
 *
 * A server registers an entry whose entry point is a trampoline made with
 * BST_XENTRY_TRAMPOLINE: it calls a C handler with the call's words and the
 * view it was handed, then XRets with the handler's results.
 */
#ifndef BASTION_USER_RELAY_H
#define BASTION_USER_RELAY_H

#include <bastion/relay.h>
#include <bastion/syscall.h>
#include "user/lib/invoke.h"

uint64_t bst_tcb_set_relay(bst_cptr_t tcb, bst_cptr_t xentry_table, bst_cptr_t link_stack);
uint64_t bst_relay_attach(bst_cptr_t segment, bst_cptr_t tcb);
uint64_t bst_relay_detach(bst_cptr_t segment);

struct bst_xentry_desc {
    uint64_t index;        /* 0..BST_XENTRY_COUNT-1 */
    bst_cptr_t cspace;     /* the callee's CSpace root */
    bst_cptr_t vspace;     /* the callee's address space (a PML4 with an ASID) */
    uint64_t entry_point;  /* e.g. a BST_XENTRY_TRAMPOLINE, at its address in the callee */
    uint64_t stack_base;   /* call slot i runs on [base + i * size, base + (i + 1) * size) */
    uint64_t stack_size;
    uint64_t max_nesting;  /* calls in flight at once, 1..BST_XENTRY_MAX_NESTING */
};
/* Registers desc in table and puts the entry's XEntry cap at (root, index, depth). */
uint64_t bst_xentry_register(bst_cptr_t table, const struct bst_xentry_desc *desc, bst_cptr_t root,
                             uint64_t dest_index, uint64_t dest_depth);
uint64_t bst_xentry_unregister(bst_cptr_t xentry);
/* target: a TCB (the thread may XCall the entry) or an XEntry of the same table (its callees may). */
uint64_t bst_xentry_grant_service(bst_cptr_t xentry, bst_cptr_t target);
uint64_t bst_xentry_revoke_service(bst_cptr_t xentry, bst_cptr_t target);

/*
 * XCall: calls entry with mask and four words; on BST_OK, results[0..3] are
 * the callee's XRet words. Registers the C ABI lets a call change may change.
 */
uint64_t bst_xcall(uint64_t entry, uint64_t mask, const uint64_t args[4], uint64_t results[4]);
/* XRet with four result words: returns only on failure (an empty link stack). */
uint64_t bst_xret(const uint64_t results[4]);

/* What a trampoline hands its handler; the handler fills result[]. */
struct bst_xcall_frame {
    uint64_t word[4];
    uint64_t view;      /* address of the view handed over, 0 if none */
    uint64_t view_size; /* its bytes */
    uint64_t result[4];
};
_Static_assert(sizeof(struct bst_xcall_frame) == 80, "the trampoline's frame layout");

/*
 * Defines an entry point `name` that runs void handler(struct bst_xcall_frame *)
 * on the call's stack and XRets with frame.result. The stack top the kernel
 * gives is 16-byte aligned (stack_base and stack_size multiples of 16).
 */
#define BST_XENTRY_TRAMPOLINE(name, handler)                                                          \
    void name(void);                                                                                  \
    __asm__(".text\n.globl " #name "\n.type " #name ",@function\n" #name ":\n"                        \
            "  sub $80, %rsp\n"                                                                       \
            "  mov %rdi, 0(%rsp)\n  mov %rsi, 8(%rsp)\n  mov %rdx, 16(%rsp)\n  mov %r10, 24(%rsp)\n" \
            "  mov %r8, 32(%rsp)\n  mov %r9, 40(%rsp)\n"                                             \
            "  movq $0, 48(%rsp)\n  movq $0, 56(%rsp)\n  movq $0, 64(%rsp)\n  movq $0, 72(%rsp)\n"   \
            "  mov %rsp, %rdi\n  call " #handler "\n"                                                 \
            "  mov 48(%rsp), %rdi\n  mov 56(%rsp), %rsi\n  mov 64(%rsp), %rdx\n  mov 72(%rsp), %r10\n" \
            "  mov $" BST_XRET_NUMBER_STR ", %eax\n  syscall\n  ud2\n")

#define BST_XRET_NUMBER_STR "13"
_Static_assert(BST_SYS_XRET == 13, "BST_XRET_NUMBER_STR matches the ABI");

#endif
