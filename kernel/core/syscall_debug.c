/*
 * Debug-build system calls: print through the exchange frame, timer ticks,
 * CPU features, the invariant checker, cap inspection, shutdown. Release
 * builds (DEBUG=0) have none of them.
 */
#ifdef BASTION_DEBUG
#include <bastion/syscall.h>
#include "kernel/core/syscall.h"
#include "kernel/core/cspace.h"
#include "kernel/core/exchange.h"
#include "kernel/core/fastpath.h"
#include "kernel/core/invariant.h"
#include "kernel/core/kernel.h"
#include "kernel/lib/log.h"

static void debug_puts(struct tcb *caller, uint64_t count)
{
    char text[BST_EXCHANGE_DATA_SIZE];
    if (count > BST_EXCHANGE_DATA_SIZE) {
        log_debug("debug_puts: %s asked to print %llu bytes; the exchange data area holds %zu",
                  caller->name, (unsigned long long)count, BST_EXCHANGE_DATA_SIZE);
        syscall_fail(caller, BST_SYS_DEBUG_PUTS, BST_E_RANGE, 0, 0, BST_EXCHANGE_DATA_SIZE);
        return;
    }
    /* One copy into kernel memory; the thread cannot change what we print. */
    if (!exchange_copy_in(caller, offsetof(struct bst_exchange, data), text, count)) {
        syscall_fail(caller, BST_SYS_DEBUG_PUTS, BST_E_ILLEGAL_OPERATION, BST_ARG_NONE, 0, 0);
        return;
    }
    for (uint64_t i = 0; i < count; i++) {
        if (text[i] == '\n')
            arch_serial_putc('\r');
        arch_serial_putc(text[i]);
    }
    syscall_ok(caller, count, 0);
}

/* Tests use this to see what a slot holds; there is no such call in release builds. */
static void debug_cap_info(struct tcb *caller, uint64_t cptr)
{
    struct lookup_result r = cspace_lookup(&caller->cspace_root.cap, cptr, CSPACE_WORD_BITS, false);
    if (!r.slot) {
        syscall_fail_lookup(caller, BST_SYS_DEBUG_CAP_INFO, 0, r.bits_resolved);
        return;
    }
    const struct cap *c = &r.slot->cap;
    syscall_ok(caller, cap_type(c) | (uint64_t)cap_rights(c) << 8 | (uint64_t)cap_flags(c) << 16, c->w2);
}

void syscall_debug(struct tcb *caller, uint64_t number, uint64_t arg0)
{
    switch (number) {
    case BST_SYS_DEBUG_NULL: syscall_ok(caller, 0, 0); return;
    case BST_SYS_DEBUG_PUTS: debug_puts(caller, arg0); return;
    case BST_SYS_DEBUG_TICKS: syscall_ok(caller, kernel_ticks(), 0); return;
    case BST_SYS_DEBUG_CPUINFO: syscall_ok(caller, arch_cpu_features(), arch_tsc_hz()); return;
    case BST_SYS_DEBUG_CHECK_INVARIANTS: syscall_ok(caller, invariants_check(), 0); return;
    case BST_SYS_DEBUG_CAP_INFO: debug_cap_info(caller, arg0); return;
    case BST_SYS_DEBUG_FASTPATH_HITS: syscall_ok(caller, fastpath_hits, 0); return;
    case BST_SYS_DEBUG_SHUTDOWN:
        log_info("shutdown requested by %s, status %llu", caller->name, (unsigned long long)arg0);
        arch_shutdown(arg0);
    default:
        syscall_fail(caller, number, BST_E_NOT_SUPPORTED, BST_ARG_NONE, BST_SYS_DEBUG_FIRST,
                     BST_SYS_DEBUG_LAST - 1);
    }
}
#endif
