/* User register contexts, the system call register convention, and leaving the kernel. */
#include "cpu.h"
#include "kernel/arch/arch.h"
#include "kernel/object/tcb.h"
#include "lib/fmt.h"
#include "lib/string.h"

extern void arch_exit_to_user(void) __attribute__((noreturn));

void arch_context_init_user(struct user_context *ctx, uint64_t entry, uint64_t stack,
                            uint64_t arg0, uint64_t arg1)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->rip = entry;
    ctx->rsp = stack;
    ctx->rdi = arg0;
    ctx->rsi = arg1;
    ctx->cs = SEL_UCODE;
    ctx->ss = SEL_UDATA;
    ctx->rflags = RFLAGS_IF | RFLAGS_RESERVED1;
    ctx->vector = 0; /* first entry leaves through iretq */
}

void arch_syscall_args(const struct user_context *ctx, struct syscall_args *out)
{
    out->number = ctx->rax;
    out->arg[0] = ctx->rdi;
    out->arg[1] = ctx->rsi;
    out->arg[2] = ctx->rdx;
    out->arg[3] = ctx->r10;
    out->arg[4] = ctx->r8;
    out->arg[5] = ctx->r9;
}

void arch_syscall_set_result(struct user_context *ctx, uint64_t error, uint64_t r0, uint64_t r1)
{
    ctx->rax = error;
    ctx->rdx = r0;
    ctx->rsi = r1;
}

void arch_invocation_set_result(struct user_context *ctx, uint64_t error, uint64_t msginfo,
                                const uint64_t words[4])
{
    ctx->rax = error;
    ctx->rsi = msginfo;
    ctx->rdx = words[0];
    ctx->r10 = words[1];
    ctx->r8 = words[2];
    ctx->r9 = words[3];
}

void arch_set_current(struct tcb *tcb)
{
    struct percpu *cpu = this_cpu();
    cpu->current = tcb;
    if (!tcb) {
        cpu->context = 0;
        return;
    }
    cpu->context = &tcb->context;
    cpu->context_top = (uint64_t)(&tcb->context + 1);
    cpu_set_kernel_stack_for_user(cpu->context_top);
    arch_vspace_activate(tcb->vspace_paddr);
}

static bool user_canonical(uint64_t va) { return va < USER_TOP; }

void arch_return_to_user(void)
{
    struct user_context *ctx = this_cpu()->context;
    /*
     * sysret to a non-canonical rip would fault in ring 0 with the user's
     * stack (the sysret hazard). The last user page is never mapped, so a
     * syscall cannot return there; anything else leaves through iretq.
     */
    if (ctx->vector == VECTOR_SYSCALL && !user_canonical(ctx->rip))
        ctx->vector = 0;
    /* Whatever the thread wrote, it returns to ring 3 with interrupts on. */
    ctx->cs = SEL_UCODE;
    ctx->ss = SEL_UDATA;
    ctx->rflags = (ctx->rflags & 0xcd5) | RFLAGS_IF | RFLAGS_RESERVED1;
    arch_exit_to_user();
}

void arch_fault_describe(const struct fault_info *f, char *buf, size_t size)
{
    if (f->kind == FAULT_PAGE) {
        const char *what = f->address >= USER_TOP ? "access to a kernel address from user mode"
                           : !f->present ? "access to an unmapped page"
                           : f->exec     ? "execute of a no-execute page (W^X: data is never executable)"
                           : f->write && f->on_code ? "write to a code page (W^X: code is never writable)"
                           : f->write    ? "write to a read-only page"
                                         : "read of a protected page";
        fmt_snprintf(buf, size, "page fault: %s at address %#llx", what,
                     (unsigned long long)f->address);
    } else if (f->kind == FAULT_PROTECTION) {
        fmt_snprintf(buf, size, "general protection fault (error %#llx): privileged instruction or I/O port without permission",
                     (unsigned long long)f->error_code);
    } else if (f->kind == FAULT_INVALID_OPCODE) {
        fmt_snprintf(buf, size, "invalid opcode");
    } else if (f->kind == FAULT_DIVIDE) {
        fmt_snprintf(buf, size, "divide error");
    } else {
        fmt_snprintf(buf, size, "exception %llu (error %#llx)", (unsigned long long)f->vector,
                     (unsigned long long)f->error_code);
    }
}
