/* User program entry: rdi = bootinfo (root task) or start argument, rsi = exchange frame,
 * rdx = start flags (0 for the root task): the start convention of user/lib/bastion.h. */
    .text
    .global _start
_start:
    xorl %ebp, %ebp
    andq $-16, %rsp
    call bst_runtime_start
    ud2
