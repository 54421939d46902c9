/*
 * Bastion ABI: thread control blocks. The register order of
 * TCB_ReadRegisters / TCB_WriteRegisters, the argument positions of the TCB
 * invocations, and the top of the user address range (docs/threads-and-devices.md).
 */
#ifndef BASTION_ABI_TCB_H
#define BASTION_ABI_TCB_H

#include <bastion/types.h>

/*
 * User addresses lie below this (x86_64, 4-level paging): the last page of the
 * lower half is never mapped, so a thread can never sit at the sysret hazard.
 */
#define BST_USER_ADDR_TOP 0x00007ffffffff000ull

/* Priorities: 0 (lowest) .. BST_MAX_PRIORITY (highest). */
#define BST_MAX_PRIORITY 255u

/* Registers in message-word order. Reads and writes take a prefix of this list. */
enum bst_tcb_register {
    BST_REG_RIP,
    BST_REG_RSP,
    BST_REG_RFLAGS,
    BST_REG_RAX,
    BST_REG_RBX,
    BST_REG_RCX,
    BST_REG_RDX,
    BST_REG_RSI,
    BST_REG_RDI,
    BST_REG_RBP,
    BST_REG_R8,
    BST_REG_R9,
    BST_REG_R10,
    BST_REG_R11,
    BST_REG_R12,
    BST_REG_R13,
    BST_REG_R14,
    BST_REG_R15,
    BST_TCB_REGISTER_COUNT,
};
_Static_assert(BST_TCB_REGISTER_COUNT == 18, "register list is part of the ABI");

/* The same list as a struct, for user code: field i is message word i. */
struct bst_tcb_registers {
    uint64_t rip, rsp, rflags, rax, rbx, rcx, rdx, rsi, rdi, rbp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};
_Static_assert(sizeof(struct bst_tcb_registers) == BST_TCB_REGISTER_COUNT * sizeof(uint64_t),
               "one word per register");
_Static_assert(offsetof(struct bst_tcb_registers, rflags) == BST_REG_RFLAGS * sizeof(uint64_t),
               "struct order matches the enum");
_Static_assert(offsetof(struct bst_tcb_registers, r15) == BST_REG_R15 * sizeof(uint64_t),
               "struct order matches the enum");

/* User-settable rflags bits (CF, PF, AF, ZF, SF, DF, OF); IF is always set, IOPL always 0. */
#define BST_RFLAGS_USER_MASK 0xcd5ull
#define BST_RFLAGS_IF (1ull << 9)

/* Argument positions, as detail.argument reports them. */
enum bst_tcb_configure_arg {
    BST_TCB_CONFIGURE_CSPACE,
    BST_TCB_CONFIGURE_VSPACE,
    BST_TCB_CONFIGURE_EXCHANGE,
    BST_TCB_CONFIGURE_EXCHANGE_ADDR,
    BST_TCB_CONFIGURE_FAULT_EP,
    BST_TCB_CONFIGURE_ARGS,
};
enum bst_tcb_priority_arg { BST_TCB_PRIORITY_AUTHORITY, BST_TCB_PRIORITY_VALUE, BST_TCB_PRIORITY_ARGS };
enum bst_tcb_write_arg { BST_TCB_WRITE_RESUME, BST_TCB_WRITE_COUNT, BST_TCB_WRITE_FIRST_REG };

#endif
