/*
 * CPU set-up: feature detection, control-register hardening (NX, SMEP, SMAP,
 * UMIP, WP), the GDT and TSS, per-CPU data through the GS base, and the
 * syscall/sysret MSRs.
 */
#include "cpu.h"
#include <bastion/syscall.h>
#include "kernel/arch/arch.h"
#include "kernel/lib/log.h"
#include "lib/string.h"

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "TSS layout (Intel SDM vol. 3, 8.7)");

/*
 * The I/O permission bitmap follows the TSS: one bit per port, 1 = denied.
 * It covers every port, so no user access can fall past it, and the CPU reads
 * one byte beyond the last: that byte must be all ones (SDM vol. 1, 19.5.2).
 */
#define IO_PORT_COUNT 65536u
#define IOMAP_BYTES (IO_PORT_COUNT / 8)
#define IOMAP_DENY 0xff
struct tss_with_iomap {
    struct tss tss;
    uint8_t iomap[IOMAP_BYTES + 1];
} __attribute__((packed));

/* IST slots used by the IDT (idt.c). */
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2

extern char df_stack_top[], nmi_stack_top[], boot_stack_top[];
extern void syscall_entry(void);

struct percpu cpu0;
static struct tss_with_iomap cpu0_tss __attribute__((aligned(64)));
static struct arch_port_range open_ranges[ARCH_IO_RANGES]; /* what the bitmap allows now */
static unsigned open_count;
static uint64_t gdt[7] RO_AFTER_BOOT; /* read-only once ltr has set the TSS busy bit (mmu.c) */
static uint64_t features_in_use;
static char vendor_model[49];

static uint64_t gdt_segment(uint64_t access, uint64_t flags)
{
    /* base 0, limit 0xfffff: only the access byte and flags matter in long mode. */
    return 0xffffull | (access << 40) | (0xfull << 48) | (flags << 52);
}

static void gdt_load(void)
{
    gdt[0] = 0;
    /*
     * The accessed bit (bit 0 of the access byte) is set already: the CPU
     * would set it when loading a selector, a write the read-only GDT refuses.
     */
    gdt[SEL_KCODE >> 3] = gdt_segment(0x9b, 0x2); /* present, ring 0, code, L=1 */
    gdt[SEL_KDATA >> 3] = gdt_segment(0x93, 0x0);
    gdt[SEL_UDATA >> 3] = gdt_segment(0xf3, 0x0);
    gdt[SEL_UCODE >> 3] = gdt_segment(0xfb, 0x2);

    uint64_t base = (uint64_t)&cpu0_tss;
    uint64_t limit = sizeof(cpu0_tss) - 1; /* covers the I/O bitmap and its closing byte */
    gdt[SEL_TSS >> 3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
                        (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    gdt[(SEL_TSS >> 3) + 1] = base >> 32;

    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) pointer = {sizeof(gdt) - 1, (uint64_t)gdt};
    __asm__ volatile("lgdt %0\n"
                     "mov %1, %%ds\n mov %1, %%es\n mov %1, %%ss\n"
                     "pushq %2\n lea 1f(%%rip), %%rax\n pushq %%rax\n lretq\n1:\n"
                     :
                     : "m"(pointer), "r"((uint64_t)SEL_KDATA), "i"(SEL_KCODE)
                     : "rax", "memory");
    __asm__ volatile("ltr %w0" ::"r"(SEL_TSS));
}

static void detect_features(void)
{
    uint32_t r[4];
    cpuid(0x80000000, 0, r);
    uint32_t max_ext = r[0];
    if (max_ext >= 0x80000004) {
        for (uint32_t i = 0; i < 3; i++)
            cpuid(0x80000002 + i, 0, (uint32_t *)(vendor_model + 16 * i));
        vendor_model[48] = 0;
    } else {
        strlcpy(vendor_model, "unknown x86_64 CPU", sizeof(vendor_model));
    }
    cpuid(0x80000001, 0, r);
    if (r[3] & (1u << 20)) features_in_use |= BST_CPU_NX;
    if (r[3] & (1u << 26)) features_in_use |= BST_CPU_1G_PAGES;
    cpuid(1, 0, r);
    if (r[2] & (1u << 17)) features_in_use |= BST_CPU_PCID;
    if (r[2] & (1u << 21)) features_in_use |= BST_CPU_X2APIC;
    if (r[2] & (1u << 24)) features_in_use |= BST_CPU_TSC_DEADLINE;
    cpuid(7, 0, r);
    if (r[1] & (1u << 7)) features_in_use |= BST_CPU_SMEP;
    if (r[1] & (1u << 20)) features_in_use |= BST_CPU_SMAP;
    if (r[2] & (1u << 2)) features_in_use |= BST_CPU_UMIP;
}

static void harden_control_registers(void)
{
    uint64_t cr4 = read_cr4();
    if (features_in_use & BST_CPU_SMEP) cr4 |= CR4_SMEP;
    if (features_in_use & BST_CPU_SMAP) cr4 |= CR4_SMAP; /* the kernel never touches user pages */
    if (features_in_use & BST_CPU_UMIP) cr4 |= CR4_UMIP;
    write_cr4(cr4);
    /* PCID is noted in the feature word but not enabled yet: TLB tags come with SMP work. */
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE | ((features_in_use & BST_CPU_NX) ? EFER_NXE : 0));
}

static void syscall_msrs_init(void)
{
    /* sysret loads CS = STAR[63:48] + 16 and SS = STAR[63:48] + 8, hence the GDT order. */
    wrmsr(MSR_STAR, ((uint64_t)(SEL_KDATA | 3) << 48) | ((uint64_t)SEL_KCODE << 32));
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    /*
     * On entry: IF off (the kernel runs with interrupts off), DF and AC clear
     * (C's string instructions run upwards; SMAP stays on), TF, NT and IOPL
     * clear (no single-stepping the kernel, no nested-task iret). The user's
     * own flags stay in r11 for sysret.
     */
    enum { TF = 1u << 8, IF = 1u << 9, DF = 1u << 10, IOPL = 3u << 12, NT = 1u << 14, AC = 1u << 18 };
    wrmsr(MSR_FMASK, TF | IF | DF | IOPL | NT | AC);
}

static void percpu_init(void)
{
    cpu0.self = &cpu0;
    cpu0.kernel_stack_top = (uint64_t)boot_stack_top;
    cpu0.cpu_id = 0;
    wrmsr(MSR_GS_BASE, (uint64_t)&cpu0);
    wrmsr(MSR_KERNEL_GS_BASE, 0);
}

void arch_cpu_init(void)
{
    detect_features();
    if (!(features_in_use & BST_CPU_NX))
        log_warn("cpu: no NX bit: data pages stay executable on this CPU");
    cpu0_tss.tss.ist[IST_DOUBLE_FAULT - 1] = (uint64_t)df_stack_top;
    cpu0_tss.tss.ist[IST_NMI - 1] = (uint64_t)nmi_stack_top;
    cpu0_tss.tss.rsp[0] = (uint64_t)boot_stack_top;
    cpu0_tss.tss.iomap_base = offsetof(struct tss_with_iomap, iomap);
    memset(cpu0_tss.iomap, IOMAP_DENY, sizeof(cpu0_tss.iomap)); /* no grants yet: every user port access faults */
    gdt_load();
    percpu_init();
    idt_init();
    harden_control_registers();
    fpu_boot_init();
    syscall_msrs_init();
}

void cpu_set_kernel_stack_for_user(uint64_t context_top)
{
    /* An interrupt from user mode pushes its frame straight into the TCB. */
    cpu0_tss.tss.rsp[0] = context_top;
}

static void iomap_set_bit(unsigned port, bool allow)
{
    uint8_t bit = (uint8_t)(1u << (port % 8));
    cpu0_tss.iomap[port / 8] = allow ? cpu0_tss.iomap[port / 8] & ~bit : cpu0_tss.iomap[port / 8] | bit;
}

/* Bits one by one only at the ragged ends; whole bytes in between. */
static void iomap_fill(struct arch_port_range r, bool allow)
{
    unsigned p = r.first, last = r.last;
    for (; p <= last && p % 8; p++)
        iomap_set_bit(p, allow);
    if (p + 7 <= last) {
        unsigned bytes = (last + 1 - p) / 8;
        memset(&cpu0_tss.iomap[p / 8], allow ? 0 : IOMAP_DENY, bytes);
        p += bytes * 8;
    }
    for (; p <= last; p++)
        iomap_set_bit(p, allow);
}

void arch_io_ports_load(const struct arch_port_range *ranges, unsigned count)
{
    for (unsigned i = 0; i < open_count; i++)
        iomap_fill(open_ranges[i], false);
    open_count = count < ARCH_IO_RANGES ? count : ARCH_IO_RANGES;
    for (unsigned i = 0; i < open_count; i++) {
        open_ranges[i] = ranges[i];
        iomap_fill(ranges[i], true);
    }
}

/*
 * What the kernel writes itself, anywhere in arch/x86_64, in ascending order.
 * Whole device blocks, not just the registers used today: a driver that
 * reprogrammed the PIC, the PIT or the PM block would own the machine.
 */
static const struct arch_port_range kernel_ports[] = {
    {0x20, 0x21},   /* master 8259 PIC (apic.c masks it) */
    {0x40, 0x43},   /* PIT: channel 2 calibrates the APIC timer (apic.c) */
    {0x61, 0x61},   /* PIT channel 2 gate and speaker (apic.c) */
    {0xa0, 0xa1},   /* slave 8259 PIC */
    {0xf4, 0xf7},   /* QEMU isa-debug-exit (arch_shutdown) */
    {0x2f8, 0x2ff}, /* COM2: the kernel log (serial.c, boot.S) */
    {0x600, 0x63f}, /* ACPI PM block of QEMU's PIIX4: S5 power-off (arch_shutdown) */
};

bool arch_io_ports_reserved(uint16_t first, uint16_t last, struct arch_port_range *reserved)
{
    for (unsigned i = 0; i < sizeof(kernel_ports) / sizeof(kernel_ports[0]); i++) {
        if (kernel_ports[i].first <= last && first <= kernel_ports[i].last) {
            *reserved = kernel_ports[i];
            return true;
        }
    }
    return false;
}

uint64_t arch_cpu_features(void) { return features_in_use; }
bool cpu_has_feature(uint64_t bit) { return (features_in_use & bit) != 0; }
const char *arch_cpu_vendor_model(void) { return vendor_model; }

uint64_t arch_read_timestamp(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

void arch_halt_forever(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

#define ISA_DEBUG_EXIT_PORT 0xf4
#define ACPI_PM1A_CNT_QEMU 0x604
#define ACPI_SLP_EN_S5 0x2000

void arch_shutdown(uint64_t status)
{
    /* QEMU's isa-debug-exit turns this into the process exit status (status*2+1). */
    outl(ISA_DEBUG_EXIT_PORT, (uint32_t)status);
    /* Otherwise ACPI S5 through the QEMU/PIIX4 PM block, then give up and halt. */
    outw(ACPI_PM1A_CNT_QEMU, ACPI_SLP_EN_S5);
    log_info("shutdown: no power-off device answered; halting");
    arch_halt_forever();
}
