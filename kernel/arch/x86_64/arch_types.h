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

#endif
