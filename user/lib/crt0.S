/* User program entry: rdi = bootinfo (root task) or start argument, rsi = exchange frame. */
    .text
    .global _start
_start:
    xorl %ebp, %ebp
    andq $-16, %rsp
    call bst_runtime_start
    ud2
