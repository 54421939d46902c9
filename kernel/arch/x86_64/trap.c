/*
 * Interrupt and exception dispatch. From user mode: device interrupts go to
 * the interrupt layer, exceptions become user faults (never a kernel panic).
 * From kernel mode: an interrupt can only arrive while idle; an exception is a
 * kernel bug and ends in a panic report.
 */
#include "cpu.h"
#include "kernel/arch/arch.h"
#include "kernel/core/kernel.h"
#include "kernel/core/sched.h"
#include "kernel/lib/log.h"
#include "kernel/lib/ksyms.h"

#define VECTOR_DIVIDE 0
#define VECTOR_NMI 2
#define VECTOR_INVALID_OPCODE 6
#define VECTOR_DOUBLE_FAULT 8
#define VECTOR_GP 13
#define VECTOR_PAGE_FAULT 14
#define VECTOR_FIRST_IRQ 32
#define PF_PRESENT (1u << 0)
#define PF_WRITE (1u << 1)
#define PF_FETCH (1u << 4)
#define BACKTRACE_DEPTH 16

static const char *const exception_names[32] = {
    "divide error", "debug", "NMI", "breakpoint", "overflow", "bound range", "invalid opcode",
    "device not available", "double fault", "coprocessor overrun", "invalid TSS",
    "segment not present", "stack fault", "general protection", "page fault", "reserved",
    "x87 error", "alignment check", "machine check", "SIMD error", "virtualization",
    "control protection",
};

static const char *exception_name(uint64_t v)
{
    return v < 32 && exception_names[v] ? exception_names[v] : "reserved exception";
}

static struct fault_info decode_fault(const struct user_context *ctx)
{
    struct fault_info f = {.vector = ctx->vector, .error_code = ctx->error, .ip = ctx->rip};
    switch (ctx->vector) {
    case VECTOR_PAGE_FAULT:
        f.kind = FAULT_PAGE;
        f.address = read_cr2();
        f.present = ctx->error & PF_PRESENT;
        f.write = ctx->error & PF_WRITE;
        f.exec = ctx->error & PF_FETCH;
        f.on_code = mmu_page_is_executable(read_cr3() & ~0xfffull, f.address);
        break;
    case VECTOR_GP: f.kind = FAULT_PROTECTION; break;
    case VECTOR_INVALID_OPCODE: f.kind = FAULT_INVALID_OPCODE; break;
    case VECTOR_DIVIDE: f.kind = FAULT_DIVIDE; break;
    default: f.kind = FAULT_OTHER; break;
    }
    return f;
}

/*
 * entry.S has cleared DF and AC (the thread's own stay in its frame). The
 * frame the CPU saved is sanitised before anyone reads or resumes it: a fault
 * at a non-canonical rip must not be resumed at that rip. The fault record
 * keeps the rip the CPU reported, for the handler and the log.
 */
void interrupt_from_user(void)
{
    struct user_context *ctx = this_cpu()->context;
    if (ctx->vector >= VECTOR_FIRST_IRQ) {
        arch_context_sanitise_entry(ctx);
        apic_dispatch((unsigned)ctx->vector);
    } else {
        struct fault_info f = decode_fault(ctx);
        arch_context_sanitise_entry(ctx);
        kernel_handle_user_fault(this_cpu()->current, &f);
    }
    schedule(); /* entry.S then leaves to the current thread */
}

static void print_frame(const struct user_context *r)
{
    kprintf("  rip %016llx  cs %04llx  rflags %016llx\n", (unsigned long long)r->rip,
            (unsigned long long)r->cs, (unsigned long long)r->rflags);
    kprintf("  rsp %016llx  ss %04llx  cr2 %016llx  cr3 %016llx\n", (unsigned long long)r->rsp,
            (unsigned long long)r->ss, (unsigned long long)read_cr2(), (unsigned long long)read_cr3());
    kprintf("  rax %016llx  rbx %016llx  rcx %016llx  rdx %016llx\n", (unsigned long long)r->rax,
            (unsigned long long)r->rbx, (unsigned long long)r->rcx, (unsigned long long)r->rdx);
    kprintf("  rsi %016llx  rdi %016llx  rbp %016llx  r8  %016llx\n", (unsigned long long)r->rsi,
            (unsigned long long)r->rdi, (unsigned long long)r->rbp, (unsigned long long)r->r8);
    kprintf("  r9  %016llx  r10 %016llx  r11 %016llx  r12 %016llx\n", (unsigned long long)r->r9,
            (unsigned long long)r->r10, (unsigned long long)r->r11, (unsigned long long)r->r12);
    kprintf("  r13 %016llx  r14 %016llx  r15 %016llx\n", (unsigned long long)r->r13,
            (unsigned long long)r->r14, (unsigned long long)r->r15);
}

static bool kernel_address(uint64_t a) { return a >= KERNEL_VMA; }

static void print_symbol_line(uint64_t addr)
{
    uint64_t offset;
    const char *name = ksyms_lookup(addr, &offset);
    if (name)
        kprintf("    %016llx  %s+%#llx\n", (unsigned long long)addr, name, (unsigned long long)offset);
    else
        kprintf("    %016llx  ?\n", (unsigned long long)addr);
}

static void print_backtrace(uint64_t rip, uint64_t rbp)
{
    kprintf("  backtrace:\n");
    print_symbol_line(rip);
    for (int depth = 0; depth < BACKTRACE_DEPTH && rbp && kernel_address(rbp) && !(rbp & 7); depth++) {
        const uint64_t *frame = (const uint64_t *)rbp;
        uint64_t ret = frame[1];
        if (!kernel_address(ret))
            break;
        print_symbol_line(ret);
        rbp = frame[0];
    }
}

static void __attribute__((noreturn)) halt_after_panic(void)
{
    kprintf("*** system halted ***\n");
    if (kernel_exit_on_panic)
        arch_shutdown(KERNEL_EXIT_PANIC);
    arch_halt_forever();
}

static void panic_report(const char *title, const struct user_context *r)
{
    struct tcb *cur = this_cpu()->current;
    kprintf("\n*** KERNEL PANIC: %s ***\n", title);
    kprintf("  vector %llu (%s), error code %#llx\n", (unsigned long long)r->vector,
            exception_name(r->vector), (unsigned long long)r->error);
    kprintf("  current thread: %s\n", cur ? cur->name : "(idle)");
    print_frame(r);
    if (kernel_address(r->rip))
        print_backtrace(r->rip, r->rbp);
    halt_after_panic();
}

void interrupt_from_kernel(struct user_context *frame)
{
    if (frame->vector >= VECTOR_FIRST_IRQ) {
        /* Only the idle loop runs with interrupts on: handle, then reschedule. */
        apic_dispatch((unsigned)frame->vector);
        sched_run();
    }
    panic_report("exception in kernel mode", frame);
}

void interrupt_fatal(struct user_context *frame)
{
    panic_report(frame->vector == VECTOR_NMI ? "non-maskable interrupt" : "double fault", frame);
}

void kernel_panic_here(const char *reason)
{
    uint64_t rbp;
    __asm__ volatile("mov %%rbp, %0" : "=r"(rbp));
    kprintf("\n*** KERNEL PANIC: %s ***\n", reason);
    print_backtrace((uint64_t)__builtin_return_address(0), rbp);
    halt_after_panic();
}
