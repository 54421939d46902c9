/*
 * Kernel entry and exit. The kernel is event-driven with one kernel stack per
 * CPU: a user thread's registers are saved straight into its TCB's
 * user_context (syscall: we point rsp there; interrupts: TSS.RSP0 points
 * there), then we switch to the CPU's kernel stack and call C. Nothing on the
 * kernel stack survives an exit to user mode.
 */
#include "layout.h"

.macro SAVE_GPRS
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
.endm

.macro RESTORE_GPRS
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
.endm

    .text
    .global syscall_entry
syscall_entry:
    swapgs
    movq %rsp, %gs:PERCPU_USER_RSP
    movq %gs:PERCPU_CTX_TOP, %rsp
    pushq $SEL_UDATA
    pushq %gs:PERCPU_USER_RSP
    pushq %r11                       /* user rflags */
    pushq $SEL_UCODE
    pushq %rcx                       /* user rip */
    pushq $0                         /* error */
    pushq $VECTOR_SYSCALL
    SAVE_GPRS
    movq %gs:PERCPU_KSTACK_TOP, %rsp
    xorl %ebp, %ebp
    call syscall_handle              /* returns with the thread to run as the current one */
    jmp arch_exit_to_user

/*
 * Restore the current thread's context and leave the kernel. Threads that
 * entered through syscall leave through sysret (rip was checked canonical by
 * the C caller); everything else through iretq.
 */
    .global arch_exit_to_user
arch_exit_to_user:
    movq %gs:PERCPU_CTX, %rsp
    cmpq $VECTOR_SYSCALL, CTX_VECTOR(%rsp)
    jne 1f
    /* The sysret hazard: a non-canonical rip would fault in ring 0. Such a rip leaves by iretq. */
    movq CTX_VECTOR+16(%rsp), %rax
    shrq $47, %rax
    jnz 1f
    RESTORE_GPRS
    movq 32(%rsp), %r11              /* rflags (after vector, error, rip, cs) */
    movq 16(%rsp), %rcx              /* rip */
    movq 40(%rsp), %rsp              /* user rsp */
    swapgs
    sysretq
1:  RESTORE_GPRS
    addq $16, %rsp                   /* vector, error */
    swapgs
    iretq

/* Interrupt and exception stubs: push a uniform frame and the vector number. */
.macro STUB vector, has_error
    .align 16
isr_\vector:
    .if \has_error == 0
    pushq $0
    .endif
    pushq $\vector
    .if (\vector == 2) || (\vector == 8)
    jmp fatal_common
    .else
    jmp interrupt_common
    .endif
.endm

/*
 * NMI and double fault run on their own IST stacks, so their frame is never in
 * a TCB: report and halt, whatever mode they came from.
 */
    .align 16
fatal_common:
    testb $3, 24(%rsp)
    jz 1f
    swapgs
1:  SAVE_GPRS
    movq %rsp, %rdi
    call interrupt_fatal
    ud2

    .align 16
interrupt_common:
    testb $3, 24(%rsp)               /* CS of the interrupted code (after vector, error, rip) */
    jz from_kernel
    swapgs
    SAVE_GPRS
    movq %gs:PERCPU_KSTACK_TOP, %rsp
    xorl %ebp, %ebp
    call interrupt_from_user         /* returns with the thread to run as the current one */
    jmp arch_exit_to_user
from_kernel:
    SAVE_GPRS
    movq %rsp, %rdi
    /* Keep the interrupted frame pointer chain for the panic backtrace. */
    call interrupt_from_kernel
    RESTORE_GPRS
    addq $16, %rsp
    iretq

.altmacro
.macro STUB_FOR n
    .if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
    STUB \n, 1
    .else
    STUB \n, 0
    .endif
.endm

    .set i, 0
    .rept 256
    STUB_FOR %i
    .set i, i + 1
    .endr

/* Table of stub addresses, used by idt.c. */
.macro STUB_ADDR n
    .quad isr_\n
.endm
    .section .rodata
    .global isr_stub_table
    .align 8
isr_stub_table:
    .set i, 0
    .rept 256
    STUB_ADDR %i
    .set i, i + 1
    .endr

    .text
/* The idle loop runs on the CPU's kernel stack with interrupts on. */
    .global arch_idle
arch_idle:
    movq %gs:PERCPU_KSTACK_TOP, %rsp
    xorl %ebp, %ebp
1:  sti
    hlt
    cli
    jmp 1b
