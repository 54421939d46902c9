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

    /* Debug calls: present only in debug builds (BASTION_DEBUG). */
    BST_SYS_DEBUG_FIRST = 0x40,
    BST_SYS_DEBUG_NULL = BST_SYS_DEBUG_FIRST, /* does nothing: measures entry+exit */
    BST_SYS_DEBUG_PUTS,     /* arg0 = byte count; text is exchange->data[0..count) */
    BST_SYS_DEBUG_TICKS,    /* result: timer ticks since boot */
    BST_SYS_DEBUG_SHUTDOWN, /* arg0 = exit status; powers the machine off */
    BST_SYS_DEBUG_CPUINFO,  /* result: BST_CPU_* feature bits in use (rdx), tsc_hz (rsi) */
    BST_SYS_DEBUG_CHECK_INVARIANTS, /* result: number of kernel invariant violations (rdx) */
    BST_SYS_DEBUG_CAP_INFO, /* arg0 = cptr; result: type | rights << 8 | flags << 16 (rdx), badge/guard (rsi) */
    BST_SYS_DEBUG_FASTPATH_HITS, /* result: how many Calls/ReplyRecvs took the IPC fastpath (rdx) */
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
