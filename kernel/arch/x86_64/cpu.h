/* x86_64 CPU internals shared inside arch/x86_64 only. */
#ifndef BASTION_X86_64_CPU_H
#define BASTION_X86_64_CPU_H

#include <bastion/types.h>
#include "layout.h"

#define MSR_EFER           0xC0000080
#define MSR_STAR           0xC0000081
#define MSR_LSTAR          0xC0000082
#define MSR_FMASK          0xC0000084
#define MSR_GS_BASE        0xC0000101
#define MSR_KERNEL_GS_BASE 0xC0000102
#define MSR_APIC_BASE      0x1B
#define MSR_TSC_DEADLINE   0x6E0

#define EFER_SCE (1ull << 0)
#define EFER_NXE (1ull << 11)

#define CR0_WP (1ull << 16)
#define CR4_PGE (1ull << 7)
#define CR4_UMIP (1ull << 11)
#define CR4_FSGSBASE (1ull << 16)
#define CR4_PCIDE (1ull << 17)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)

#define RFLAGS_IF (1ull << 9)
#define RFLAGS_RESERVED1 (1ull << 1)

/* Saved user registers; entry.S builds it, layout fixed by layout.h. */
struct user_context {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss; /* the hardware interrupt frame */
};
_Static_assert(sizeof(struct user_context) == CTX_SIZE, "context layout matches entry.S");
_Static_assert(__builtin_offsetof(struct user_context, vector) == CTX_VECTOR, "vector offset");

/* Per-CPU data, reached through the GS base while in the kernel. */
struct percpu {
    struct percpu *self;
    uint64_t user_rsp_scratch;
    uint64_t kernel_stack_top;
    uint64_t context_top;          /* end of the current thread's user_context */
    struct user_context *context;  /* the current thread's user_context */
    struct tcb *current;
    uint32_t cpu_id;
    uint64_t ticks;
    struct tcb *fpu_owner;         /* whose FPU/SIMD state the registers hold, 0: nobody's (fpu.c) */
};
_Static_assert(__builtin_offsetof(struct percpu, user_rsp_scratch) == PERCPU_USER_RSP, "percpu");
_Static_assert(__builtin_offsetof(struct percpu, kernel_stack_top) == PERCPU_KSTACK_TOP, "percpu");
_Static_assert(__builtin_offsetof(struct percpu, context_top) == PERCPU_CTX_TOP, "percpu");
_Static_assert(__builtin_offsetof(struct percpu, context) == PERCPU_CTX, "percpu");

extern struct percpu cpu0;

static inline struct percpu *this_cpu(void)
{
    struct percpu *p;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(p));
    return p;
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t value)
{
    __asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint64_t read_cr0(void) { uint64_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline void write_cr0(uint64_t v) { __asm__ volatile("mov %0, %%cr0" ::"r"(v) : "memory"); }
static inline uint64_t read_cr2(void) { uint64_t v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr3(void) { uint64_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline void write_cr3(uint64_t v) { __asm__ volatile("mov %0, %%cr3" ::"r"(v) : "memory"); }
static inline uint64_t read_cr4(void) { uint64_t v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void write_cr4(uint64_t v) { __asm__ volatile("mov %0, %%cr4" ::"r"(v) : "memory"); }

/* Set up by cpu.c, used by other arch files. */
void cpu_set_kernel_stack_for_user(uint64_t context_top);
bool cpu_has_feature(uint64_t bst_cpu_bit);
void idt_init(void);

/*
 * Tables set up once at boot and never written again (GDT, IDT): mmu.c maps
 * this section read-only, at its linked address and in the physical map, as
 * soon as the kernel's page tables are built (linker.ld keeps it page-aligned).
 */
#define RO_AFTER_BOOT __attribute__((section(".bss.ro_after_boot")))
void apic_dispatch(unsigned vector);
bool mmu_page_is_executable(uint64_t root, uint64_t vaddr);
/* Sanitises a context the CPU saved on an interrupt or exception (thread.c). */
void arch_context_sanitise_entry(struct user_context *ctx);
/* fpu.c: enables user FP/SIMD at boot; loads a thread's FPU state when it becomes current. */
void fpu_boot_init(void);
void fpu_switch_to(struct tcb *next);


#endif
