/*
 * Kernel entry and exit. The kernel is event-driven with one kernel stack per
 * CPU: a user thread's registers are saved straight into its TCB's
 * user_context (syscall: we point rsp there; interrupts: TSS.RSP0 points
 * there), then we switch to the CPU's kernel stack and call C. Nothing on the
 * kernel stack survives an exit to user mode.
 *
 * Flags: C code assumes DF clear (string instructions run upwards: memset,
 * memcpy) and relies on AC clear for SMAP. A thread may enter with both set
 * (std; popf with AC). SYSCALL clears them through the FMASK MSR (cpu.c);
 * every interrupt and exception entry loads RFLAGS_KERNEL with popfq before
 * the first call into C. popfq, not cld/clac: clac faults on a CPU without
 * SMAP, and popfq at CPL 0 clears AC on every CPU without a feature test or
 * code patching. The thread's own flags stay in its saved frame.
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

/* The registers C keeps for its caller, into the context at ctx (the syscall entry leaves them out). */
.macro SAVE_CALLEE_SAVED ctx
    movq %rbx, CTX_RBX(\ctx)
    movq %rbp, CTX_RBP(\ctx)
    movq %r12, CTX_R12(\ctx)
    movq %r13, CTX_R13(\ctx)
    movq %r14, CTX_R14(\ctx)
    movq %r15, CTX_R15(\ctx)
.endm

/* A thread's flags as it may have them: its own bits only, interrupts always on. */
.macro USER_RFLAGS reg
    andq $RFLAGS_THREAD_OWN, \reg
    orq $RFLAGS_USER_ALWAYS, \reg
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
/*
 * syscall saves only what C may clobber (rax, rcx, rdx, rsi, rdi, r8-r11)
 * plus the frame. rbx, rbp and r12-r15 are preserved by the C code, so they
 * still hold the user's values when syscall_handle returns: if the same
 * thread continues they need no saving or restoring at all; if the kernel
 * switched threads, they are written into the old thread's context then.
 */
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
    pushq %rax
    subq $8, %rsp                    /* rbx: saved only on a switch */
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    subq $8, %rsp                    /* rbp */
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    subq $32, %rsp                   /* r12-r15 */
    movq %rsp, %r11                  /* this thread's context (r11 is saved already) */
    movq %gs:PERCPU_KSTACK_TOP, %rsp
    pushq %r11                       /* kept for the exit: was there a switch? */
    pushq %rax                       /* 7th argument: the call number */
    movq %r10, %rcx
    /* Call and ReplyRecv have their own entries (they try the IPC fastpath first). */
    cmpq $SYSCALL_NUMBER_CALL, %rax
    je 2f
    cmpq $SYSCALL_NUMBER_REPLYRECV, %rax
    je 3f
    subq $SYSCALL_NUMBER_XCALL, %rax /* the number is on the stack: rax is free */
    cmpq $SYSCALL_NUMBER_XRET - SYSCALL_NUMBER_XCALL, %rax
    jbe 5f
    call syscall_handle              /* returns with the thread to run as the current one */
    jmp 4f
2:  call syscall_handle_call
    jmp 4f
3:  call syscall_handle_reply_recv
4:  popq %rax                        /* the call number slot */
    popq %rdi                        /* the context we entered with */
    cmpq %gs:PERCPU_CTX, %rdi
    jne syscall_switched
    /* Same thread: restore what C may have clobbered and leave by sysret. */
    movq %rdi, %rsp
    /* A rip outside the user half (never expected here) takes the checked exit. */
    movq CTX_RIP(%rsp), %rax
    shrq $47, %rax
    jnz syscall_switched
    movq CTX_RAX(%rsp), %rax
    movq CTX_RDX(%rsp), %rdx
    movq CTX_RSI(%rsp), %rsi
    movq CTX_R8(%rsp), %r8
    movq CTX_R9(%rsp), %r9
    movq CTX_R10(%rsp), %r10
    movq CTX_RFLAGS(%rsp), %r11
    USER_RFLAGS %r11                 /* sysret would keep IOPL, NT and TF from r11 */
    movq CTX_RIP(%rsp), %rcx
    movq CTX_RDI(%rsp), %rdi
    movq CTX_RSP(%rsp), %rsp
    swapgs
    sysretq
/*
 * XCall and XRet move the thread between address spaces: the kernel saves the
 * caller's callee-saved registers in a link record and gives the callee none
 * of them, so the context is complete before C runs. What C returns picks
 * the exit (core/xcall.h): 0, the checked one; else a fast path's block,
 * the callee's start after XCall or the caller's frame after XRet (the call
 * number is still in the context: the fast paths do not write it).
 */
5:  SAVE_CALLEE_SAVED %r11
    call syscall_handle_xcall
    addq $16, %rsp                   /* the call number and context slots */
    testq %rax, %rax
    jz arch_exit_to_user
    movq %gs:PERCPU_CTX, %r11
    cmpq $SYSCALL_NUMBER_XCALL, CTX_RAX(%r11)
    jne xret_exit_to_caller
/*
 * The callee starts at its entry point (a user address, checked when it was
 * registered) on its stack, with the caller's words 0-3 (the context's rdx,
 * r10, r8, r9) in rdi, rsi, rdx, r10, its view in r8 and r9, and every
 * other register zero, rcx and r11 too (iretq, not sysret), flags 0x202.
 */
xcall_exit_to_callee:
    movq CTX_RDX(%r11), %rdi
    movq CTX_R10(%r11), %rsi
    movq CTX_R8(%r11), %rdx
    movq CTX_R9(%r11), %r10
    movq START_VIEW(%rax), %r8
    movq START_VIEW_SIZE(%rax), %r9
    pushq $SEL_UDATA
    pushq START_RSP(%rax)
    pushq $RFLAGS_USER_ALWAYS
    pushq $SEL_UCODE
    pushq START_RIP(%rax)
    xorl %eax, %eax
    xorl %ebx, %ebx
    xorl %ecx, %ecx
    xorl %ebp, %ebp
    xorl %r11d, %r11d
    xorl %r12d, %r12d
    xorl %r13d, %r13d
    xorl %r14d, %r14d
    xorl %r15d, %r15d
    swapgs
    iretq
/*
 * The caller resumes where its XCall left it: its callee-saved registers,
 * stack and flags from the frame (rip in the user half, xret_fast checked),
 * error BST_OK in rax, XRet's result words (the context's rdi, rsi, rdx,
 * r10) in rdx, r10, r8, r9, and rdi, rsi zero, as the ABI says; rcx and r11
 * are sysret's. The context keeps the callee's entry values: nothing reads
 * it before the thread's next entry rewrites it.
 */
xret_exit_to_caller:                 /* r11: the context */
    movq CTX_RDX(%r11), %r8
    movq CTX_R10(%r11), %r9
    movq CTX_RDI(%r11), %rdx
    movq CTX_RSI(%r11), %r10
    movq FRAME_RBX(%rax), %rbx
    movq FRAME_RBP(%rax), %rbp
    movq FRAME_R12(%rax), %r12
    movq FRAME_R13(%rax), %r13
    movq FRAME_R14(%rax), %r14
    movq FRAME_R15(%rax), %r15
    movq FRAME_RFLAGS(%rax), %r11
    USER_RFLAGS %r11                 /* sysret would keep IOPL, NT and TF from r11 */
    movq FRAME_RIP(%rax), %rcx
    movq FRAME_RSP(%rax), %rsp
    xorl %eax, %eax                  /* BST_OK */
    xorl %edi, %edi
    xorl %esi, %esi
    swapgs
    sysretq
syscall_switched:
    /* The old thread's callee-saved registers are still live: complete its context. */
    SAVE_CALLEE_SAVED %rdi
    jmp arch_exit_to_user

/*
 * Restore the current thread's whole context and leave the kernel (or idle
 * when there is no current thread). Threads that entered through syscall
 * leave through sysret; everything else through iretq.
 *
 * Every writer of a context sanitises it (thread.c); this is the last line of
 * defence, because iretq/sysret with a bad frame fault in ring 0 after
 * swapgs, with the user's GS: the selectors are forced to the user ones, the
 * flags to the thread's own plus IF, and a non-canonical rip becomes 0 (what
 * the sanitiser makes of it), which merely faults in user mode.
 */
    .global arch_exit_to_user
arch_exit_to_user:
    movq %gs:PERCPU_CTX, %rsp
    testq %rsp, %rsp
    jz arch_idle
    movq $SEL_UCODE, CTX_CS(%rsp)
    movq $SEL_UDATA, CTX_SS(%rsp)
    movq CTX_RFLAGS(%rsp), %rax
    USER_RFLAGS %rax
    movq %rax, CTX_RFLAGS(%rsp)
    movq CTX_RIP(%rsp), %rax
    movq %rax, %rcx
    shlq $16, %rcx
    sarq $16, %rcx                   /* rcx = rax sign-extended from bit 47 */
    cmpq %rax, %rcx
    je 2f
    movq $0, CTX_RIP(%rsp)
2:  cmpq $VECTOR_SYSCALL, CTX_VECTOR(%rsp)
    jne 1f
    /* The sysret hazard: a non-canonical rip would fault in ring 0. Such a rip leaves by iretq. */
    movq CTX_RIP(%rsp), %rax
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
    pushq $RFLAGS_KERNEL             /* DF and AC clear, whatever mode we came from */
    popfq
    call interrupt_fatal
    ud2

    .align 16
interrupt_common:
    testb $3, 24(%rsp)               /* CS of the interrupted code (after vector, error, rip) */
    jz from_kernel
    swapgs
    SAVE_GPRS
    movq %gs:PERCPU_KSTACK_TOP, %rsp
    pushq $RFLAGS_KERNEL             /* the thread's DF and AC stay in its frame, not in C */
    popfq
    xorl %ebp, %ebp
    call interrupt_from_user         /* returns with the thread to run as the current one */
    jmp arch_exit_to_user
from_kernel:
    SAVE_GPRS
    movq %rsp, %rdi
    pushq $RFLAGS_KERNEL             /* iretq restores the interrupted code's own flags */
    popfq
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
