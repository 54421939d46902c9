/* The test child: reports through the frame its parent shares (child.h). */
#include "tests/child/child.h"
#include "user/lib/bastion.h"
#include "lib/string.h"

#define CAP_PROBE_SLOTS 16

static volatile uint64_t data_word = CHILD_DATA_WORD; /* volatile: really in memory, not folded */
static const char rodata_text[] = CHILD_RODATA_TEXT;
static volatile uint64_t bss_words[64];

/* Volatile: the parent reads these, and the markers must not move across the deliberate fault. */
static volatile struct child_report *report(void) { return (volatile struct child_report *)CHILD_SHARED_ADDR; }

static uint8_t port_read(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static bool data_reads_back(void)
{
    for (unsigned i = 0; i < sizeof(bss_words) / sizeof(bss_words[0]); i++) {
        if (bss_words[i])
            return false;
    }
    return data_word == CHILD_DATA_WORD && strcmp(rodata_text, CHILD_RODATA_TEXT) == 0;
}

static uint64_t probe_caps(void)
{
    uint64_t present = 0;
    for (unsigned slot = 1; slot < CAP_PROBE_SLOTS; slot++) {
        struct bst_result r = bst_debug_call(BST_SYS_DEBUG_CAP_INFO, BST_CAP_MACHINE_CONTROL, slot);
        if (r.error == BST_OK && (r.value0 & 0xff) != 0)
            present |= 1ull << slot;
    }
    return present;
}

static void fill_report(volatile struct child_report *r)
{
    volatile uint64_t local = 0;
    r->start_arg = bst_start_arg;
    r->bootinfo = (uint64_t)bst_bootinfo;
    r->exchange = (uint64_t)bst_exchange;
    r->stack = (uint64_t)&local;
    r->data_ok = data_reads_back();
    r->cap_types = probe_caps();
}

/* Each machine-wide action through the conventional slot; shutdown last (it ends the run if allowed). */
static void try_machine(volatile struct child_report *r)
{
    static const char text[] = CHILD_MACHINE_TEXT;
    struct bst_result res[CHILD_M_COUNT - 1] = {
        bst_debug_puts(text, sizeof(text) - 1),
        bst_debug_call(BST_SYS_DEBUG_CHECK_INVARIANTS, BST_CAP_MACHINE_CONTROL, 0),
        bst_debug_call(BST_SYS_DEBUG_TICKS, BST_CAP_MACHINE_CONTROL, 0),
    };
    for (unsigned i = 0; i < CHILD_M_SHUTDOWN; i++) {
        r->machine[i] = res[i].error;
        r->machine_arg[i] = res[i].error ? bst_exchange->error.argument : 0;
    }
    r->before = 1;
    if (!((bst_start_arg >> CHILD_MODE_BITS) & CHILD_TRY_SHUTDOWN)) {
        r->after = 1;
        return;
    }
    r->machine[CHILD_M_SHUTDOWN] = bst_machine_shutdown(BST_CAP_MACHINE_CONTROL, 0x77);
    r->machine_arg[CHILD_M_SHUTDOWN] = bst_exchange->error.argument;
    r->after = 1;
}

int main(void)
{
    volatile struct child_report *r = report();
    fill_report(r);
    r->magic = CHILD_MAGIC;
    switch (bst_start_arg & ((1u << CHILD_MODE_BITS) - 1)) {
    case CHILD_PORT_READ:
        r->before = 1;
        r->port_value = port_read((uint16_t)(bst_start_arg >> CHILD_MODE_BITS));
        r->after = 1;
        break;
    case CHILD_WRITE_TEXT:
        r->before = 1;
        *(volatile uint8_t *)(uintptr_t)&main = 0xc3; /* text is read + execute only */
        r->after = 1;
        break;
    case CHILD_FPU:
        child_fpu(bst_start_arg >> CHILD_MODE_BITS);
        break;
    case CHILD_MACHINE:
        try_machine(r);
        break;
    default:
        break;
    }
    return 0;
}
