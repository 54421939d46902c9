/* x86_64 virtual memory layout, shared by assembly and C. */
#ifndef BASTION_X86_64_LAYOUT_H
#define BASTION_X86_64_LAYOUT_H

#define KERNEL_VMA        0xffffffff80000000 /* kernel image base (-2 GiB) */
#define KERNEL_LOAD_PHYS  0x100000           /* image loaded at 1 MiB */
#define PHYSMAP_BASE      0xffff800000000000 /* all RAM mapped here */
#define USER_TOP          0x00007ffffffff000 /* last user page is never mapped (sysret hazard) */
#define RELAY_WINDOW_BASE 0x00007f8000000000 /* the last user PML4 slot: only the kernel fills it */
#define RELAY_WINDOW_SLOT 255

/* GDT selectors; the order is forced by syscall/sysret (STAR MSR). */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UDATA 0x1b /* 0x18 | RPL 3 */
#define SEL_UCODE 0x23 /* 0x20 | RPL 3 */
#define SEL_TSS   0x28

#define KSTACK_SIZE 16384

/* Offsets into struct percpu (cpu.h); entry.S reads them through %gs. */
#define PERCPU_SELF        0
#define PERCPU_USER_RSP    8
#define PERCPU_KSTACK_TOP  16
#define PERCPU_CTX_TOP     24
#define PERCPU_CTX         32

/* struct user_context layout (entry.S pushes it); sizes in bytes. */
#define CTX_GPR_COUNT 15
#define CTX_VECTOR    (CTX_GPR_COUNT * 8)
#define CTX_SIZE      ((CTX_GPR_COUNT + 7) * 8)
/* Offsets of single registers in struct user_context (cpu.h). */
#define CTX_R15 0
#define CTX_R14 8
#define CTX_R13 16
#define CTX_R12 24
#define CTX_R11 32
#define CTX_R10 40
#define CTX_R9  48
#define CTX_R8  56
#define CTX_RBP 64
#define CTX_RDI 72
#define CTX_RSI 80
#define CTX_RDX 88
#define CTX_RCX 96
#define CTX_RBX 104
#define CTX_RAX 112
#define CTX_RIP (CTX_VECTOR + 16)
#define CTX_CS (CTX_VECTOR + 24)
#define CTX_RFLAGS (CTX_VECTOR + 32)
#define CTX_RSP (CTX_VECTOR + 40)
#define CTX_SS (CTX_VECTOR + 48)
/*
 * rflags of a thread in user mode: the flags it can set itself (CF, PF, AF,
 * ZF, SF, DF, OF, AC, ID: popf at CPL 3 with IOPL 0) are kept across any
 * kernel entry; IF and the reserved bit 1 are always set; TF, IOPL, NT, RF,
 * VM, VIF and VIP never leave the kernel. The kernel itself runs with
 * RFLAGS_KERNEL: DF and AC clear (and IF, TF, NT) from the first instruction
 * of C code on.
 */
#define RFLAGS_THREAD_OWN 0x240cd5
#define RFLAGS_USER_ALWAYS 0x202
#define RFLAGS_KERNEL 0x2
#define VECTOR_SYSCALL 0x100
/* Call numbers entry.S routes to their own C entry (checked against the ABI in syscall.c). */
#define SYSCALL_NUMBER_CALL 1
#define SYSCALL_NUMBER_REPLYRECV 7 /* marks a context saved by the syscall entry */
#define SYSCALL_NUMBER_XCALL 12     /* XCall and XRet save the whole context on entry */
#define SYSCALL_NUMBER_XRET 13
/* What syscall_handle_xcall returns (xcall_outcome, core/xcall.h): 0 for the checked exit. */
#define XCALL_OUTCOME_CHECKED 0
/* struct arch_call_start (arch_types.h), which XCall's direct exit starts the callee from. */
#define START_RIP 0
#define START_RSP 8
#define START_VIEW 16
#define START_VIEW_SIZE 24
/* struct arch_call_frame (arch_types.h), which XRet's direct exit restores. */
#define FRAME_RIP 0
#define FRAME_RSP 8
#define FRAME_RFLAGS 16
#define FRAME_RBX 24
#define FRAME_RBP 32
#define FRAME_R12 40
#define FRAME_R13 48
#define FRAME_R14 56
#define FRAME_R15 64

#endif
