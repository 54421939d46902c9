/*
 * Interrupt controllers and time: the local APIC (x2APIC when the CPU has it),
 * the APIC timer (TSC-deadline mode when available, periodic otherwise), the
 * TSC frequency (CPUID 0x15/0x16, else measured against the PIT), the legacy
 * PIC (remapped out of the way and masked) and the IOAPIC (all inputs masked
 * until a user-mode driver asks for one).
 */
#include "cpu.h"
#include <bastion/device.h>
#include <bastion/syscall.h>
#include "kernel/arch/arch.h"
#include "kernel/core/kernel.h"
#include "kernel/lib/log.h"

#define TIMER_HZ 100
#define VECTOR_TIMER 0x20
#define VECTOR_IRQ_BASE 0x30 /* IOAPIC input n arrives at 0x30 + n */
#define VECTOR_PIC_BASE 0xe0 /* legacy PIC, masked; only spurious IRQs land here */
#define VECTOR_SPURIOUS 0xff

#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_X2APIC (1ull << 10)
#define APIC_BASE_ADDR_MASK 0xffffff000ull
#define APIC_REG_ID 0x20
#define APIC_REG_EOI 0xb0
#define APIC_REG_SVR 0xf0
#define APIC_REG_IRR 0x200 /* eight 32-bit words, one per 32 vectors, 0x10 apart */
#define APIC_REG_LVT_TIMER 0x320
#define APIC_REG_TIMER_INIT 0x380
#define APIC_REG_TIMER_CURRENT 0x390
#define APIC_REG_TIMER_DIVIDE 0x3e0
#define APIC_SVR_ENABLE (1u << 8)
#define APIC_TIMER_PERIODIC (1u << 17)
#define APIC_TIMER_TSC_DEADLINE (2u << 17)
#define APIC_LVT_MASKED (1u << 16)
#define APIC_DIVIDE_16 0x3
#define X2APIC_MSR_BASE 0x800

#define PIT_HZ 1193182
#define PIT_CALIBRATE_MS 10
#define PORT_PIT_CH2 0x42
#define PORT_PIT_CMD 0x43
#define PORT_SPEAKER 0x61

#define IOAPIC_DEFAULT_PHYS 0xfec00000ull
#define IOAPIC_REG_VERSION 1
#define IOAPIC_REG_REDIRECT 0x10
#define IOAPIC_WINDOW 4 /* data register, in 32-bit words after the select register */

_Static_assert(ARCH_IRQ_LINES == BST_IRQ_LINES, "the ABI's IRQ lines are the IOAPIC's");

static volatile uint32_t *xapic;
static bool x2apic;
static bool tsc_deadline;
static uint64_t tsc_hz, apic_timer_ticks_per_period;
static uint64_t next_deadline;

static void apic_write(uint32_t reg, uint32_t v)
{
    if (x2apic)
        wrmsr(X2APIC_MSR_BASE + (reg >> 4), v);
    else
        xapic[reg / 4] = v;
}

static uint32_t apic_read(uint32_t reg)
{
    return x2apic ? (uint32_t)rdmsr(X2APIC_MSR_BASE + (reg >> 4)) : xapic[reg / 4];
}

static void pic_remap_and_mask(void)
{
    /* ICW1..ICW4: move the PIC's vectors away from the exceptions, then mask all. */
    outb(0x20, 0x11); outb(0xa0, 0x11);
    outb(0x21, VECTOR_PIC_BASE); outb(0xa1, VECTOR_PIC_BASE + 8);
    outb(0x21, 4); outb(0xa1, 2);
    outb(0x21, 1); outb(0xa1, 1);
    outb(0x21, 0xff); outb(0xa1, 0xff);
}

static void ioapic_mask_all(void)
{
    volatile uint32_t *io = arch_phys_to_virt(IOAPIC_DEFAULT_PHYS);
    io[0] = IOAPIC_REG_VERSION;
    unsigned entries = ((io[IOAPIC_WINDOW] >> 16) & 0xff) + 1;
    for (unsigned i = 0; i < entries; i++) {
        io[0] = IOAPIC_REG_REDIRECT + 2 * i;
        io[IOAPIC_WINDOW] = APIC_LVT_MASKED | (VECTOR_IRQ_BASE + i);
        io[0] = IOAPIC_REG_REDIRECT + 2 * i + 1;
        io[IOAPIC_WINDOW] = 0; /* destination: CPU 0 */
    }
    log_info("ioapic: %u inputs at %#llx, all masked", entries,
             (unsigned long long)IOAPIC_DEFAULT_PHYS);
}

/* Low word of input irq's redirection entry: edge, active high, fixed delivery to vector 0x30 + irq. */
static void ioapic_set_masked(unsigned irq, bool masked)
{
    volatile uint32_t *io = arch_phys_to_virt(IOAPIC_DEFAULT_PHYS);
    io[0] = IOAPIC_REG_REDIRECT + 2 * irq;
    io[IOAPIC_WINDOW] = (masked ? APIC_LVT_MASKED : 0) | (VECTOR_IRQ_BASE + irq);
}

void arch_irq_mask(unsigned irq)
{
    if (irq < ARCH_IRQ_LINES)
        ioapic_set_masked(irq, true);
}

void arch_irq_unmask(unsigned irq)
{
    if (irq < ARCH_IRQ_LINES && !arch_irq_reserved(irq))
        ioapic_set_masked(irq, false);
}

/*
 * Input 0 carries the 8259's ExtINT output (the PIC is masked for good) and
 * input 2 the PIT (ISA IRQ 0, redirected): timer hardware is the kernel's.
 */
bool arch_irq_reserved(unsigned irq) { return irq == BST_IRQ_EXTINT || irq == BST_IRQ_PIT; }

static void lapic_enable(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);
    x2apic = cpu_has_feature(BST_CPU_X2APIC);
    base |= APIC_BASE_ENABLE | (x2apic ? APIC_BASE_X2APIC : 0);
    wrmsr(MSR_APIC_BASE, base);
    xapic = arch_phys_to_virt(base & APIC_BASE_ADDR_MASK);
    apic_write(APIC_REG_SVR, APIC_SVR_ENABLE | VECTOR_SPURIOUS);
}

/* Waits PIT_CALIBRATE_MS on PIT channel 2; returns the TSC and APIC timer deltas. */
static void pit_measure(uint64_t *tsc_delta, uint32_t *apic_delta)
{
    uint16_t count = PIT_HZ * PIT_CALIBRATE_MS / 1000;
    outb(PORT_SPEAKER, (inb(PORT_SPEAKER) & ~0x02) | 0x01); /* gate on, speaker off */
    outb(PORT_PIT_CMD, 0xb0);                             /* channel 2, lo/hi, mode 0 */
    outb(PORT_PIT_CH2, count & 0xff);
    outb(PORT_PIT_CH2, count >> 8);
    apic_write(APIC_REG_TIMER_DIVIDE, APIC_DIVIDE_16);
    apic_write(APIC_REG_LVT_TIMER, APIC_LVT_MASKED | VECTOR_TIMER);
    apic_write(APIC_REG_TIMER_INIT, 0xffffffffu);
    uint64_t t0 = arch_read_timestamp();
    while (!(inb(PORT_SPEAKER) & 0x20))
        ;
    *tsc_delta = arch_read_timestamp() - t0;
    *apic_delta = 0xffffffffu - apic_read(APIC_REG_TIMER_CURRENT);
    apic_write(APIC_REG_TIMER_INIT, 0);
}

static uint64_t tsc_hz_from_cpuid(void)
{
    uint32_t r[4];
    cpuid(0, 0, r);
    if (r[0] < 0x15)
        return 0;
    cpuid(0x15, 0, r);
    if (r[0] && r[1] && r[2])
        return (uint64_t)r[2] * r[1] / r[0];
    if (r[0] < 0x16)
        return 0;
    cpuid(0x16, 0, r);
    return (uint64_t)(r[0] & 0xffff) * 1000000;
}

static void timer_start(uint32_t apic_delta)
{
    if (tsc_deadline) {
        apic_write(APIC_REG_LVT_TIMER, APIC_TIMER_TSC_DEADLINE | VECTOR_TIMER);
        next_deadline = arch_read_timestamp() + tsc_hz / TIMER_HZ;
        wrmsr(MSR_TSC_DEADLINE, next_deadline);
        return;
    }
    apic_timer_ticks_per_period = (uint64_t)apic_delta * 1000 / PIT_CALIBRATE_MS / TIMER_HZ;
    if (apic_timer_ticks_per_period == 0)
        apic_timer_ticks_per_period = 1;
    apic_write(APIC_REG_TIMER_DIVIDE, APIC_DIVIDE_16);
    apic_write(APIC_REG_LVT_TIMER, APIC_TIMER_PERIODIC | VECTOR_TIMER);
    apic_write(APIC_REG_TIMER_INIT, (uint32_t)apic_timer_ticks_per_period);
}

void arch_timer_init(void)
{
    pic_remap_and_mask();
    lapic_enable();
    ioapic_mask_all();
    uint64_t tsc_delta;
    uint32_t apic_delta;
    pit_measure(&tsc_delta, &apic_delta);
    tsc_hz = tsc_hz_from_cpuid();
    const char *source = "CPUID 0x15/0x16";
    if (!tsc_hz) {
        tsc_hz = tsc_delta * 1000 / PIT_CALIBRATE_MS;
        source = "PIT calibration";
    }
    tsc_deadline = cpu_has_feature(BST_CPU_TSC_DEADLINE);
    timer_start(apic_delta);
    log_info("timer: %s APIC, TSC %llu kHz (%s), %s mode at %d Hz", x2apic ? "x2" : "x",
             (unsigned long long)(tsc_hz / 1000), source,
             tsc_deadline ? "TSC-deadline" : "periodic", TIMER_HZ);
}

uint64_t arch_tsc_hz(void) { return tsc_hz; }

/*
 * The kernel runs with interrupts off, so an interrupt that arrives meanwhile
 * waits in the local APIC's request register. The timer (0x20) and the device
 * lines (0x30..0x47) live in IRR words 1 and 2; the masked PIC's and the
 * spurious vectors never preempt. One or two register reads, no side effect.
 */
bool arch_interrupt_pending(void)
{
    _Static_assert(VECTOR_TIMER / 32 == 1 && (VECTOR_IRQ_BASE + ARCH_IRQ_LINES - 1) / 32 == 2,
                   "the vectors that preempt are in IRR words 1 and 2");
    return (apic_read(APIC_REG_IRR + 0x10 * 1) | apic_read(APIC_REG_IRR + 0x10 * 2)) != 0;
}
uint64_t arch_timer_hz(void) { return TIMER_HZ; }

void apic_dispatch(unsigned vector)
{
    if (vector == VECTOR_SPURIOUS || (vector >= VECTOR_PIC_BASE && vector < VECTOR_PIC_BASE + 16))
        return; /* spurious: no EOI */
    apic_write(APIC_REG_EOI, 0);
    if (vector == VECTOR_TIMER) {
        if (tsc_deadline) {
            next_deadline += tsc_hz / TIMER_HZ;
            uint64_t now = arch_read_timestamp();
            if (next_deadline <= now)
                next_deadline = now + tsc_hz / TIMER_HZ;
            wrmsr(MSR_TSC_DEADLINE, next_deadline);
        }
        kernel_timer_tick();
        return;
    }
    if (vector >= VECTOR_IRQ_BASE && vector < VECTOR_IRQ_BASE + ARCH_IRQ_LINES)
        kernel_device_irq(vector - VECTOR_IRQ_BASE);
}
