/*
 * Deliberate user faults, one per boot (selected by "test.fault=NAME" on the
 * kernel command line). Until fault handlers exist, each stops the root task;
 * the host runner checks the kernel's report and that the kernel carried on.
 */
#include "tests/target/faults.h"
#include "lib/string.h"

static void fault_wx_write(void)
{
    /* Writing our own code must fault: text is mapped read + execute only. */
    volatile uint8_t *code = (volatile uint8_t *)(uintptr_t)&fault_wx_write;
    *code = 0xc3;
}

static void fault_wx_exec(void)
{
    /* Executing our own data must fault: data is mapped no-execute. */
    static uint8_t data_page[16] = {0xc3}; /* ret */
    void (*fn)(void) = (void (*)(void))(uintptr_t)data_page;
    fn();
}

static void fault_null_read(void) { (void)*(volatile uint64_t *)0; }
static void fault_kernel_read(void) { (void)*(volatile uint64_t *)0xffffffff80100000ull; }
static void fault_bootinfo_write(void) { ((volatile struct bst_bootinfo *)bst_bootinfo)->magic = 0; }
static void fault_privileged(void) { __asm__ volatile("cli"); }
static void fault_port_io(void) { __asm__ volatile("outb %%al, $0x80" ::"a"(0)); }
static void fault_invalid_opcode(void) { __asm__ volatile("ud2"); }

static void fault_stack_overflow(void)
{
    /* Runs past the bottom of the stack into the unmapped guard page. */
    volatile uint8_t *p = (volatile uint8_t *)(BST_ROOT_STACK_TOP - BST_ROOT_STACK_PAGES * BST_PAGE_SIZE);
    p[-1] = 1;
}

static const struct {
    const char *name;
    void (*run)(void);
} faults[] = {
    {"wx-write", fault_wx_write},           {"wx-exec", fault_wx_exec},
    {"null-read", fault_null_read},         {"kernel-read", fault_kernel_read},
    {"bootinfo-write", fault_bootinfo_write}, {"privileged", fault_privileged},
    {"port-io", fault_port_io},             {"invalid-opcode", fault_invalid_opcode},
    {"stack-guard", fault_stack_overflow},
};

bool fault_run_requested(const char *cmdline)
{
    const char *at = strstr_bounded(cmdline, "test.fault=");
    if (!at)
        return false;
    at += strlen("test.fault=");
    for (unsigned i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
        size_t n = strlen(faults[i].name);
        if (strncmp(at, faults[i].name, n) == 0 && (at[n] == 0 || at[n] == ' ')) {
            bst_printf("fault test: %s\n", faults[i].name);
            faults[i].run();
            bst_printf("fault test: %s did not fault\n", faults[i].name);
            return true;
        }
    }
    bst_printf("fault test: unknown fault '%s'\n", at);
    return true;
}
