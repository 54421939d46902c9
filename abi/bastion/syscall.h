/*
 * Bastion ABI: system call numbers and the register convention.
 *
 * Entry is the x86_64 `syscall` instruction. Scalars travel in registers only:
 *   rax  system call number           (return: error code, BST_OK on success)
 *   rdi, rsi, rdx, r10, r8, r9        arguments 0..5
 *   rdx  first result word            (return)
 * Anything larger than a few words travels through the calling thread's
 * exchange frame (exchange.h). The kernel never dereferences a user address.
 */
#ifndef BASTION_ABI_SYSCALL_H
#define BASTION_ABI_SYSCALL_H

enum bst_syscall {
    BST_SYS_CALL = 1,
    BST_SYS_SEND,
    BST_SYS_NBSEND,
    BST_SYS_RECV,
    BST_SYS_NBRECV,
    BST_SYS_REPLY,
    BST_SYS_REPLYRECV,
    BST_SYS_YIELD,
    BST_SYS_SIGNAL,
    BST_SYS_WAIT,
    BST_SYS_POLL,
    BST_SYS_XCALL,
    BST_SYS_XRET,

    /*
     * Debug calls: present only in debug builds (BASTION_DEBUG). Each but the
     * null call needs authority: rdi = a MachineControl capability (the root
     * task's BST_CAP_MACHINE_CONTROL or a copy), rsi = the call's argument.
     * Queries need its Read right, calls that act or cost need Write. Without
     * it the call fails (LOOKUP_FAILED, INVALID_CAP, WRONG_TYPE or RIGHTS,
     * detail.argument 0) and nothing happens. Powering off is not a debug
     * call: it is the invocation BST_MACHINE_SHUTDOWN, in every build.
     */
    BST_SYS_DEBUG_FIRST = 0x40,
    BST_SYS_DEBUG_NULL = BST_SYS_DEBUG_FIRST, /* no cap, does nothing: measures entry+exit */
    BST_SYS_DEBUG_PUTS,     /* Write; arg = byte count <= BST_EXCHANGE_DATA_SIZE; text is exchange->data[0..count) */
    BST_SYS_DEBUG_TICKS,    /* Read; result: timer ticks since boot */
    BST_SYS_DEBUG_RESERVED, /* was shutdown: now BST_MACHINE_SHUTDOWN; answers NOT_SUPPORTED */
    BST_SYS_DEBUG_CPUINFO,  /* Read; result: BST_CPU_* feature bits in use (rdx), tsc_hz (rsi) */
    BST_SYS_DEBUG_CHECK_INVARIANTS, /* Write; result: number of kernel invariant violations (rdx) */
    BST_SYS_DEBUG_CAP_INFO, /* Read; arg = cptr; result: type | rights << 8 | flags << 16 (rdx), badge/guard (rsi) */
    BST_SYS_DEBUG_FASTPATH_HITS, /* Read; result: how many Calls/ReplyRecvs took the IPC fastpath (rdx) */
    BST_SYS_DEBUG_LAST,
};

/* Feature bits reported by BST_SYS_DEBUG_CPUINFO. */
#define BST_CPU_NX    (1u << 0)
#define BST_CPU_SMEP  (1u << 1)
#define BST_CPU_SMAP  (1u << 2)
#define BST_CPU_UMIP  (1u << 3)
#define BST_CPU_PCID  (1u << 4)
#define BST_CPU_X2APIC (1u << 5)
#define BST_CPU_TSC_DEADLINE (1u << 6)
#define BST_CPU_1G_PAGES (1u << 7)

#endif
