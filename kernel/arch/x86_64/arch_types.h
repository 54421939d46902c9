/* The architecture's types that arch-neutral kernel objects embed (by value). */
#ifndef BASTION_X86_64_ARCH_TYPES_H
#define BASTION_X86_64_ARCH_TYPES_H

#include "kernel/arch/x86_64/cpu.h"

#include "kernel/arch/x86_64/layout.h"

/*
 * A thread's FPU/SIMD registers (x87, MMX, SSE, AVX where present), saved by
 * XSAVE in its standard format or by FXSAVE (kernel/arch/x86_64/fpu.c).
 * 832 bytes = legacy region (512) + XSAVE header (64) + AVX upper halves
 * (256); XSAVE needs 64-byte alignment, FXSAVE 16.
 */
#define ARCH_FPU_AREA_SIZE 832
struct arch_fpu_state {
    _Alignas(64) uint8_t bytes[ARCH_FPU_AREA_SIZE];
};

/* What an XCall keeps of its caller to resume it (core/xcall.c): 9 words of a link record. */
struct arch_call_frame {
    uint64_t rip, rsp, rflags, rbx, rbp, r12, r13, r14, r15;
};
/* Where XCall's direct exit (entry.S) starts the callee: 4 words of a link record. */
struct arch_call_start {
    uint64_t rip, rsp, view, view_size;
};

/*
 * Register accessors for the system call convention (abi/bastion/syscall.h,
 * ipc.h, invocation.h). Inline: they sit on the IPC fastpath.
 */
static inline void arch_syscall_set_result(struct user_context *ctx, uint64_t error, uint64_t r0, uint64_t r1)
{
    ctx->rax = error;
    ctx->rdx = r0;
    ctx->rsi = r1;
}

/* rax = error, rsi = message info, rdx, r10, r8, r9 = words 0-3. */
static inline void arch_invocation_set_result(struct user_context *ctx, uint64_t error, uint64_t msginfo,
                                              const uint64_t words[4])
{
    ctx->rax = error;
    ctx->rsi = msginfo;
    ctx->rdx = words[0];
    ctx->r10 = words[1];
    ctx->r8 = words[2];
    ctx->r9 = words[3];
}

/* The badge register of a receive. */
static inline void arch_set_badge(struct user_context *ctx, uint64_t badge) { ctx->rdi = badge; }

/* A sender's message info and words 0-3. */
static inline uint64_t arch_message_registers(const struct user_context *ctx, uint64_t words[4])
{
    words[0] = ctx->rdx;
    words[1] = ctx->r10;
    words[2] = ctx->r8;
    words[3] = ctx->r9;
    return ctx->rsi;
}

/* Makes a thread blocked in a system call re-run it when it next runs. */
#define SYSCALL_INSTRUCTION_BYTES 2
static inline void arch_context_restart_syscall(struct user_context *ctx)
{
    if (ctx->vector == VECTOR_SYSCALL)
        ctx->rip -= SYSCALL_INSTRUCTION_BYTES;
}

static inline uint64_t arch_context_stack_pointer(const struct user_context *ctx) { return ctx->rsp; }

#ifndef BASTION_HOST_TEST /* host tests map "physical memory" into an arena of their own */
static inline void *arch_phys_to_virt(uint64_t paddr) { return (void *)(PHYSMAP_BASE + paddr); }
#endif

/*
 * XCall and XRet (core/xcall.c; registers as abi/bastion/relay.h says).
 * Save keeps the caller's return point and callee-saved registers; enter
 * starts the callee with only its arguments (XCall's words 0-3, from the
 * caller's rdx, r10, r8, r9); results reads XRet's four result words; return
 * resumes the caller from the frame with an error and four result words.
 */
static inline void arch_call_save(const struct user_context *ctx, struct arch_call_frame *f)
{
    /* One move at a time: a compound literal makes the compiler load all nine before storing any. */
    f->rip = ctx->rip;
    f->rsp = ctx->rsp;
    f->rflags = ctx->rflags;
    f->rbx = ctx->rbx;
    f->rbp = ctx->rbp;
    f->r12 = ctx->r12;
    f->r13 = ctx->r13;
    f->r14 = ctx->r14;
    f->r15 = ctx->r15;
}

/*
 * Nothing of the caller's survives but what it passed: every other register
 * is zero. The entry point was checked at registration (a user address) and
 * the exit enforces selectors and flags: no sanitising needed here. The
 * callee leaves the kernel through iretq (vector 0), so rcx and r11 are 0
 * too, not the rip and flags sysret would leave there. Field by field, not
 * memset: this is the fast path's, and each field is written once.
 */
static inline void arch_call_enter(struct user_context *ctx, uint64_t entry, uint64_t stack, uint64_t view,
                                   uint64_t view_size)
{
    uint64_t w0 = ctx->rdx, w1 = ctx->r10, w2 = ctx->r8, w3 = ctx->r9;
    ctx->rdi = w0;
    ctx->rsi = w1;
    ctx->rdx = w2;
    ctx->r10 = w3;
    ctx->r8 = view;
    ctx->r9 = view_size;
    ctx->rax = ctx->rbx = ctx->rcx = ctx->rbp = ctx->r11 = 0;
    ctx->r12 = ctx->r13 = ctx->r14 = ctx->r15 = 0;
    ctx->rip = entry;
    ctx->rsp = stack;
    ctx->rflags = RFLAGS_USER_ALWAYS;
    ctx->vector = 0;
}

/* The same start for XCall's direct exit, which leaves the context as it is (see core/xcall.h). */
static inline void arch_call_start(struct arch_call_start *start, uint64_t entry, uint64_t stack, uint64_t view,
                                   uint64_t view_size)
{
    start->rip = entry;
    start->rsp = stack;
    start->view = view;
    start->view_size = view_size;
}

static inline void arch_call_results(const struct user_context *ctx, uint64_t results[4])
{
    results[0] = ctx->rdi;
    results[1] = ctx->rsi;
    results[2] = ctx->rdx;
    results[3] = ctx->r10;
}

/* A frame XRet's direct exit (entry.S) may resume: sysret needs a rip in the user half. */
static inline bool arch_call_frame_direct(const struct arch_call_frame *f) { return f->rip < USER_TOP; }

/*
 * Every register is the caller's again or a result: rdi and rsi (XRet's
 * result words 0 and 1, which also come back in rdx and r10) are cleared,
 * rcx and r11 are the exit's. The frame was a sane context of the caller's.
 */
static inline void arch_call_return(struct user_context *ctx, const struct arch_call_frame *f, uint64_t error,
                                    const uint64_t results[4])
{
    uint64_t r0 = results[0], r1 = results[1], r2 = results[2], r3 = results[3];
    ctx->rdi = ctx->rsi = ctx->rcx = ctx->r11 = 0;
    ctx->rip = f->rip;
    ctx->rsp = f->rsp;
    ctx->rflags = f->rflags;
    ctx->rbx = f->rbx;
    ctx->rbp = f->rbp;
    ctx->r12 = f->r12;
    ctx->r13 = f->r13;
    ctx->r14 = f->r14;
    ctx->r15 = f->r15;
    ctx->rax = error;
    ctx->rdx = r0;
    ctx->r10 = r1;
    ctx->r8 = r2;
    ctx->r9 = r3;
}

#endif
