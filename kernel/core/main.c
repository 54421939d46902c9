/*
 * Kernel start-up: from the architecture's entry to the root task. All boot
 * allocation happens here; afterwards the kernel allocates nothing.
 */
#include <bastion/syscall.h>
#include "kernel/core/boot.h"
#include "kernel/core/kernel.h"
#include "kernel/core/roottask.h"
#include "kernel/core/sched.h"
#include "kernel/lib/log.h"
#include "kernel/object/irq.h"
#include "lib/string.h"

static struct boot_params params;
static struct bootmem boot_memory;
static uint64_t ticks;
bool kernel_exit_when_idle;
bool kernel_exit_on_panic;

static uint64_t boot_alloc_page(void) { return bootmem_alloc_page(&boot_memory); }

void bootmem_zero_phys(uint64_t paddr, uint64_t size) { memset(arch_phys_to_virt(paddr), 0, size); }

uint64_t kernel_ticks(void) { return ticks; }

void kernel_timer_tick(void)
{
    ticks++;
    sched_tick();
}

void kernel_device_irq(unsigned irq)
{
    /* Masked until the driver acks (IRQHandler_Ack): a level-triggered line would fire again at once. */
    arch_irq_mask(irq);
    /* A Signal on the bound notification: a driver waiting there becomes runnable, and the
     * scheduler pass on the way out of the interrupt runs it at once if it outranks the
     * interrupted thread. */
    if (!irq_signal(irq))
        log_debug("irq %u: no notification bound; the line stays masked", irq);
}

static void print_banner(void)
{
    kprintf("\nBastion microkernel " BASTION_VERSION " (x86_64"
#ifdef BASTION_DEBUG
            ", debug build"
#endif
            ")\n");
}

static void print_cpu_features(void)
{
    uint64_t f = arch_cpu_features();
    log_info("cpu: %s", arch_cpu_vendor_model());
    log_info("cpu: NX %s, SMEP %s, SMAP %s, UMIP %s, 1G pages %s, PCID %s (noted, not used yet), "
             "x2APIC %s, TSC-deadline %s",
             f & BST_CPU_NX ? "on" : "absent", f & BST_CPU_SMEP ? "on" : "absent",
             f & BST_CPU_SMAP ? "on" : "absent", f & BST_CPU_UMIP ? "on" : "absent",
             f & BST_CPU_1G_PAGES ? "yes" : "no", f & BST_CPU_PCID ? "yes" : "no",
             f & BST_CPU_X2APIC ? "yes" : "no", f & BST_CPU_TSC_DEADLINE ? "yes" : "no");
}

static uint64_t print_memory_map(void)
{
    uint64_t top = 0;
    log_info("memory: loader %s, %u RAM regions", params.loader, params.ram_count);
    for (unsigned i = 0; i < params.ram_count; i++) {
        uint64_t end = params.ram[i].base + params.ram[i].size;
        log_info("  ram  %#014llx-%#014llx %6llu KiB", (unsigned long long)params.ram[i].base,
                 (unsigned long long)end, (unsigned long long)(params.ram[i].size >> 10));
        if (end > top)
            top = end;
    }
    for (unsigned i = 0; i < params.module_count; i++)
        log_info("  module %u: '%s' at %#llx, %llu bytes", i, params.modules[i].name,
                 (unsigned long long)params.modules[i].paddr,
                 (unsigned long long)params.modules[i].size);
    log_info("memory: %llu KiB RAM, %llu KiB free after kernel and modules",
             (unsigned long long)(boot_memory.total_ram >> 10),
             (unsigned long long)(bootmem_free_bytes(&boot_memory) >> 10));
    return top;
}

static void apply_cmdline(void)
{
    if (strstr_bounded(params.cmdline, "loglevel=debug"))
        log_set_level(LOG_DEBUG);
    else if (strstr_bounded(params.cmdline, "loglevel=warn"))
        log_set_level(LOG_WARN);
    kernel_exit_when_idle = strstr_bounded(params.cmdline, "exit_when_idle") != 0;
    kernel_exit_on_panic = strstr_bounded(params.cmdline, "exit_on_panic") != 0;
}

extern char boot_stack_guard[];

static unsigned __attribute__((noinline)) recurse_forever(volatile unsigned depth)
{
    volatile char frame[512];
    frame[0] = (char)depth;
    if (depth > (1u << 20)) /* never reached: the 16 KiB stack overflows long before */
        return frame[0];
    return recurse_forever(depth + 1) + frame[0];
}

/* Deliberate kernel faults named on the command line (test.panic=...), so tests can check the panic
 * report in every build; whoever writes the command line owns the machine anyway. */
static void debug_trigger_panic(void)
{
    if (strstr_bounded(params.cmdline, "test.panic=page-fault")) {
        log_info("test: writing the kernel stack's guard page");
        boot_stack_guard[0] = 1;
    }
    if (strstr_bounded(params.cmdline, "test.panic=write-idt"))
        arch_debug_write_protected(ARCH_PROTECTED_IDT);
    if (strstr_bounded(params.cmdline, "test.panic=write-text-physmap"))
        arch_debug_write_protected(ARCH_PROTECTED_TEXT_PHYSMAP);
    if (strstr_bounded(params.cmdline, "test.panic=write-page-table"))
        arch_debug_write_protected(ARCH_PROTECTED_PAGE_TABLE);
    if (strstr_bounded(params.cmdline, "test.panic=stack-overflow")) {
        log_info("test: overflowing the kernel stack");
        recurse_forever(0);
    }
}

void kernel_main(uint32_t boot_magic, uint32_t boot_info_phys)
{
    arch_serial_init();
    print_banner();
    arch_cpu_init();
    if (!arch_parse_boot_info(&params, boot_magic, boot_info_phys)) {
        log_error("boot: unknown boot loader (magic %#x); boot with Multiboot 1 or 2",
                  boot_magic);
        arch_halt_forever();
    }
    apply_cmdline();
    print_cpu_features();
    bootmem_init(&boot_memory, &params);
    uint64_t top = print_memory_map();
    arch_mmu_init(top, boot_alloc_page);
    log_info("mmu: kernel text RX, rodata R, data RW+NX, physical map of %llu MiB",
             (unsigned long long)(top >> 20));
    if (arch_mmu_self_check() == 0)
        log_info("mmu: W^X self-check passed (text RX, rodata R+NX, data RW+NX, guard pages unmapped, "
                 "physical map NX and read-only over text/rodata, GDT/IDT/kernel page tables read-only, "
                 "SMEP/SMAP/UMIP/NX/WP on)");
    arch_timer_init();
    debug_trigger_panic();
    struct tcb *root_tcb;
    const char *why = roottask_create(&root_tcb, &boot_memory, &params);
    if (why) {
        log_error("root task: %s", why);
        arch_halt_forever();
    }
    sched_enqueue(root_tcb);
    log_info("boot: done; entering the root task");
    sched_run();
}
