/* Boot foundation cases: bootinfo, timer, system call entry and exit, the exchange frame. */
#include "tests/target/cases.h"
#include "lib/string.h"

#define TICK_WAIT_SPINS 2000000000ull

static const char *bootinfo_well_formed(void)
{
    const struct bst_bootinfo *bi = bst_bootinfo;
    CHECK(bi == (const struct bst_bootinfo *)BST_ROOT_BOOTINFO_ADDR);
    CHECK(bi->magic == BST_BOOTINFO_MAGIC);
    CHECK(bi->total_ram_bytes >= 64ull << 20);
    CHECK(bi->free_ram_bytes > 0 && bi->free_ram_bytes < bi->total_ram_bytes);
    CHECK(bi->timer_hz > 0);
    CHECK(bi->tsc_hz > 0);
    CHECK(strnlen(bi->cmdline, BST_CMDLINE_LEN) < BST_CMDLINE_LEN);
    return 0;
}

static const char *cpu_hardening_on(void)
{
    struct bst_result r = bst_debug_call(BST_SYS_DEBUG_CPUINFO, BST_CAP_MACHINE_CONTROL, 0);
    CHECK(r.error == BST_OK);
    CHECK(r.value0 == bst_bootinfo->cpu_features);
    /* QEMU's -cpu max offers all of these; the kernel must have turned them on. */
    CHECK(r.value0 & BST_CPU_NX);
    CHECK(r.value0 & BST_CPU_SMEP);
    CHECK(r.value0 & BST_CPU_SMAP);
    CHECK(r.value0 & BST_CPU_UMIP);
    return 0;
}

static const char *timer_ticks(void)
{
    uint64_t start = bst_debug_ticks();
    uint64_t spins = 0;
    while (bst_debug_ticks() < start + 3 && spins < TICK_WAIT_SPINS)
        spins++;
    CHECK(bst_debug_ticks() >= start + 3);
    return 0;
}

static const char *timer_preempts_user_loop(void)
{
    /* A loop that makes no system call is still interrupted by the timer. */
    uint64_t start = bst_debug_ticks();
    for (volatile uint64_t i = 0; i < 20000000ull; i++)
        ;
    CHECK(bst_debug_ticks() > start);
    return 0;
}

static const char *null_syscall_round_trip(void)
{
    for (int i = 0; i < 1000; i++)
        CHECK(bst_debug_null() == BST_OK);
    return 0;
}

static const char *syscall_preserves_registers(void)
{
    /* rbx, rbp, r12-r15 (callee-saved) and rsp survive a system call unchanged. */
    uint64_t before[7] = {0x1111, 0x2222, 0x3333, 0x4444, 0x5555, 0x6666, 0}, after[7];
    __asm__ volatile("sub $128, %%rsp\n" /* step over the red zone, where the arrays may live */
                     "push %%rbp\n push %%rsi\n"
                     "mov 0(%%rdi), %%rbx\n mov 8(%%rdi), %%rbp\n mov 16(%%rdi), %%r12\n"
                     "mov 24(%%rdi), %%r13\n mov 32(%%rdi), %%r14\n mov 40(%%rdi), %%r15\n"
                     "mov %%rsp, 48(%%rdi)\n"
                     "mov %2, %%eax\n syscall\n"
                     "mov (%%rsp), %%rax\n" /* the 'after' pointer, saved on the stack */
                     "mov %%rbx, 0(%%rax)\n mov %%rbp, 8(%%rax)\n mov %%r12, 16(%%rax)\n"
                     "mov %%r13, 24(%%rax)\n mov %%r14, 32(%%rax)\n mov %%r15, 40(%%rax)\n"
                     "mov %%rsp, 48(%%rax)\n"
                     "pop %%rsi\n pop %%rbp\n add $128, %%rsp\n"
                     :
                     : "D"(before), "S"(after), "i"(BST_SYS_DEBUG_NULL)
                     : "rax", "rbx", "rcx", "rdx", "r8", "r9", "r10", "r11", "r12", "r13",
                       "r14", "r15", "memory");
    for (int i = 0; i < 6; i++)
        CHECK(after[i] == before[i]);
    CHECK(after[6] == before[6]);
    return 0;
}

static const char *unknown_syscall_fails_precisely(void)
{
    memset(&bst_exchange->error, 0, sizeof(bst_exchange->error));
    struct bst_result r = bst_syscall3(0x3f, 1, 2, 3);
    CHECK(r.error == BST_E_NOT_SUPPORTED);
    CHECK(bst_exchange->error.code == BST_E_NOT_SUPPORTED);
    CHECK(bst_exchange->error.syscall == 0x3f);
    r = bst_syscall3(~0ull, 0, 0, 0);
    CHECK(r.error == BST_E_NOT_SUPPORTED);
    return 0;
}

static const char *debug_print_through_exchange(void)
{
    /* The host runner also checks that this exact line reached the serial log. */
    static const char marker[] = "exchange print marker: 5a17-b00t\n";
    struct bst_result r = bst_debug_puts(marker, sizeof(marker) - 1);
    CHECK(r.error == BST_OK);
    CHECK(r.value0 == sizeof(marker) - 1);
    return 0;
}

static const char *debug_print_rejects_oversize(void)
{
    memset(&bst_exchange->error, 0, sizeof(bst_exchange->error));
    struct bst_result r = bst_debug_call(BST_SYS_DEBUG_PUTS, BST_CAP_MACHINE_CONTROL, BST_EXCHANGE_DATA_SIZE + 1);
    CHECK(r.error == BST_E_RANGE);
    CHECK(bst_exchange->error.code == BST_E_RANGE);
    CHECK(bst_exchange->error.argument == 1); /* rdi is the MachineControl cap, rsi the count */
    CHECK(bst_exchange->error.max == BST_EXCHANGE_DATA_SIZE);
    CHECK(bst_exchange->error.syscall == BST_SYS_DEBUG_PUTS);
    /* A kernel address where a length belongs is just a bad length, never a pointer. */
    r = bst_debug_call(BST_SYS_DEBUG_PUTS, BST_CAP_MACHINE_CONTROL, 0xffffffff80100000ull);
    CHECK(r.error == BST_E_RANGE);
    return 0;
}

static const char *debug_print_empty(void)
{
    struct bst_result r = bst_debug_call(BST_SYS_DEBUG_PUTS, BST_CAP_MACHINE_CONTROL, 0);
    CHECK(r.error == BST_OK && r.value0 == 0);
    return 0;
}

static const char *exchange_frame_mapped(void)
{
    CHECK(bst_exchange == (struct bst_exchange *)BST_ROOT_EXCHANGE_ADDR);
    bst_exchange->data[BST_EXCHANGE_DATA_SIZE - 1] = 0x5a;
    CHECK(bst_exchange->data[BST_EXCHANGE_DATA_SIZE - 1] == 0x5a);
    return 0;
}

static const char *yield_returns(void)
{
    CHECK(bst_syscall3(BST_SYS_YIELD, 0, 0, 0).error == BST_OK);
    return 0;
}

const struct test_case boot_cases[] = {
    {"boot: bootinfo is well formed", bootinfo_well_formed},
    {"boot: NX, SMEP, SMAP and UMIP are on", cpu_hardening_on},
    {"timer: ticks advance", timer_ticks},
    {"timer: interrupts a user loop", timer_preempts_user_loop},
    {"syscall: null call round trip", null_syscall_round_trip},
    {"syscall: callee-saved registers and rsp preserved", syscall_preserves_registers},
    {"syscall: unknown number fails with detail", unknown_syscall_fails_precisely},
    {"exchange: frame mapped at its fixed address", exchange_frame_mapped},
    {"debug print: text from the exchange frame", debug_print_through_exchange},
    {"debug print: oversize length refused with range detail", debug_print_rejects_oversize},
    {"debug print: empty text", debug_print_empty},
    {"yield: a lone thread continues", yield_returns},
};
const unsigned boot_case_count = sizeof(boot_cases) / sizeof(boot_cases[0]);
