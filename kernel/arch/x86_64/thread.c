/* User register contexts, the system call register convention, and leaving the kernel. */
#include "cpu.h"
#include <bastion/syscall.h>
#include <bastion/tcb.h>
#include "kernel/arch/arch.h"
#include "kernel/core/xcall.h"
#include "kernel/object/tcb.h"
#include "lib/fmt.h"
#include "lib/string.h"

/* entry.S routes these call numbers to their own C entries. */
_Static_assert(SYSCALL_NUMBER_CALL == BST_SYS_CALL, "entry.S routes Call by number");
_Static_assert(SYSCALL_NUMBER_REPLYRECV == BST_SYS_REPLYRECV, "entry.S routes ReplyRecv by number");
_Static_assert(SYSCALL_NUMBER_XCALL == BST_SYS_XCALL && SYSCALL_NUMBER_XRET == BST_SYS_XRET &&
                   SYSCALL_NUMBER_XRET == SYSCALL_NUMBER_XCALL + 1,
               "entry.S saves the whole context for XCall and XRet (one range check)");

extern void arch_exit_to_user(void) __attribute__((noreturn));

_Static_assert(BST_USER_ADDR_TOP == USER_TOP, "the ABI's user range is the kernel's");
_Static_assert(BST_RFLAGS_IF == RFLAGS_IF, "interrupt flag");

/* Where each ABI register (abi/bastion/tcb.h) lives in the saved context. */
static const uint16_t register_offset[BST_TCB_REGISTER_COUNT] = {
    [BST_REG_RIP] = offsetof(struct user_context, rip),
    [BST_REG_RSP] = offsetof(struct user_context, rsp),
    [BST_REG_RFLAGS] = offsetof(struct user_context, rflags),
    [BST_REG_RAX] = offsetof(struct user_context, rax),
    [BST_REG_RBX] = offsetof(struct user_context, rbx),
    [BST_REG_RCX] = offsetof(struct user_context, rcx),
    [BST_REG_RDX] = offsetof(struct user_context, rdx),
    [BST_REG_RSI] = offsetof(struct user_context, rsi),
    [BST_REG_RDI] = offsetof(struct user_context, rdi),
    [BST_REG_RBP] = offsetof(struct user_context, rbp),
    [BST_REG_R8] = offsetof(struct user_context, r8),
    [BST_REG_R9] = offsetof(struct user_context, r9),
    [BST_REG_R10] = offsetof(struct user_context, r10),
    [BST_REG_R11] = offsetof(struct user_context, r11),
    [BST_REG_R12] = offsetof(struct user_context, r12),
    [BST_REG_R13] = offsetof(struct user_context, r13),
    [BST_REG_R14] = offsetof(struct user_context, r14),
    [BST_REG_R15] = offsetof(struct user_context, r15),
};

_Static_assert(CTX_CS == offsetof(struct user_context, cs), "entry.S forces cs here");
_Static_assert(CTX_SS == offsetof(struct user_context, ss), "entry.S forces ss here");
_Static_assert((BST_RFLAGS_USER_MASK & ~RFLAGS_THREAD_OWN) == 0, "what a thread may write it may keep");
_Static_assert(RFLAGS_USER_ALWAYS == (RFLAGS_IF | RFLAGS_RESERVED1), "user mode: interrupts on");

static bool canonical(uint64_t a) { return (uint64_t)((int64_t)(a << 16) >> 16) == a; }

/*
 * The one sanitiser of saved user state: every writer of a context ends here
 * (TCB_WriteRegisters, context initialisation, and every interrupt or
 * exception from user mode), so the exit through iretq/sysret, which faults
 * in ring 0 on a bad frame, always has one it can load:
 * - rip canonical: a non-canonical one (a fault reports the rip of a jump to
 *   a non-canonical address) becomes 0, as in seL4 ("no way to guess what
 *   the user wanted"): resuming it faults at address 0, in user mode;
 * - rflags: only flags_kept of the thread's flags, IF and bit 1 always;
 * - cs and ss: the user selectors.
 * rsp needs nothing: iretq and sysret never fault on it in ring 0 (the first
 * user push does, in user mode), and TCB_WriteRegisters refuses one outside
 * the user range before anything is written.
 */
static void context_sanitise(struct user_context *ctx, uint64_t flags_kept)
{
    if (!canonical(ctx->rip))
        ctx->rip = 0;
    ctx->rflags = (ctx->rflags & flags_kept) | RFLAGS_USER_ALWAYS;
    ctx->cs = SEL_UCODE;
    ctx->ss = SEL_UDATA;
}

static uint64_t *context_word(struct user_context *ctx, unsigned reg)
{
    return (uint64_t *)((uint8_t *)ctx + register_offset[reg]);
}

void arch_context_read(const struct user_context *ctx, uint64_t *words, unsigned count)
{
    for (unsigned i = 0; i < count && i < BST_TCB_REGISTER_COUNT; i++)
        words[i] = *(const uint64_t *)((const uint8_t *)ctx + register_offset[i]);
}

/* Only the arithmetic flags and DF are a writer's to set: never IOPL, TF, NT, VM, AC... */
void arch_context_write(struct user_context *ctx, const uint64_t *words, unsigned count)
{
    for (unsigned i = 0; i < count && i < BST_TCB_REGISTER_COUNT; i++)
        *context_word(ctx, i) = words[i];
    context_sanitise(ctx, BST_RFLAGS_USER_MASK);
    /* sysret would overwrite rcx and r11 with rip and rflags: leave through iretq instead. */
    ctx->vector = 0;
}

/* What the CPU saved on an interrupt or exception: the thread's own flags stay (DF, AC...). */
void arch_context_sanitise_entry(struct user_context *ctx) { context_sanitise(ctx, RFLAGS_THREAD_OWN); }

bool arch_user_address_ok(uint64_t vaddr) { return vaddr < USER_TOP; }

void arch_context_init_user(struct user_context *ctx, uint64_t entry, uint64_t stack,
                            uint64_t arg0, uint64_t arg1)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->rip = entry;
    ctx->rsp = stack;
    ctx->rdi = arg0;
    ctx->rsi = arg1;
    context_sanitise(ctx, 0); /* selectors and rflags = IF */
    ctx->vector = 0; /* first entry leaves through iretq */
}

/* entry.S picks the exit of an XCall or XRet by these. */
_Static_assert(XCALL_OUTCOME_CHECKED == XCALL_CHECKED, "the checked exit");
_Static_assert(offsetof(struct arch_call_start, rip) == START_RIP && offsetof(struct arch_call_start, rsp) == START_RSP &&
                   offsetof(struct arch_call_start, view) == START_VIEW &&
                   offsetof(struct arch_call_start, view_size) == START_VIEW_SIZE,
               "XCall's direct exit reads the start by these offsets");
_Static_assert(offsetof(struct arch_call_frame, rip) == FRAME_RIP && offsetof(struct arch_call_frame, rsp) == FRAME_RSP &&
                   offsetof(struct arch_call_frame, rflags) == FRAME_RFLAGS &&
                   offsetof(struct arch_call_frame, rbx) == FRAME_RBX && offsetof(struct arch_call_frame, rbp) == FRAME_RBP &&
                   offsetof(struct arch_call_frame, r12) == FRAME_R12 && offsetof(struct arch_call_frame, r13) == FRAME_R13 &&
                   offsetof(struct arch_call_frame, r14) == FRAME_R14 && offsetof(struct arch_call_frame, r15) == FRAME_R15,
               "XRet's direct exit reads the frame by these offsets");

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
    /*
     * A thread whose address space was deleted under it runs in the kernel's
     * own (no user mappings): its first instruction fetch faults, and the
     * fault is reported like any other, as seL4 does.
     */
    arch_vspace_switch(tcb->vspace_paddr);
    fpu_switch_to(tcb); /* every switch, the IPC fastpath's too, comes through here */
}

void arch_vspace_switch(uint64_t root) { arch_vspace_activate(root ? root : arch_kernel_vspace_root()); }

/*
 * Leaves the kernel to the current thread. Its context is always sane here
 * (context_sanitise ran on every write), and arch_exit_to_user enforces it
 * once more: user selectors, the thread's own flags, a canonical rip, and
 * sysret only for a rip in the user half.
 */
void arch_return_to_user(void) { arch_exit_to_user(); }

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
