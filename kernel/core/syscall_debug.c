/*
 * The MachineControl system calls: print through the exchange frame, timer
 * ticks, CPU features, cap inspection (every build: each is bounded and needs
 * the cap, so a release kernel can print and be tested), and the invariant
 * checker and fastpath counter (debug builds only; a release kernel answers
 * BST_E_NOT_SUPPORTED after the authority check). Powering off is the
 * MachineControl invocation (object/machine.c).
 *
 * Authority: every call but the null call names a MachineControl cap in rdi
 * (abi/bastion/syscall.h). Queries need its Read right; print and the
 * invariant checker need Write, because they cost the whole machine time
 * with interrupts off. A caller without the cap gets the lookup or cap
 * error with detail.argument 0 and nothing happens.
 *
 * Bounded work (the kernel runs with interrupts off):
 *  - print: at most BST_EXCHANGE_DATA_SIZE bytes, each at most two UART
 *    writes, each waiting at most ARCH_SERIAL_SPIN_LIMIT polls of the line
 *    status (arch/x86_64/serial.c), so a call is bounded by a constant;
 *  - the invariant checker walks every slot and object it can reach, and
 *    some checks are quadratic in them: it is unbounded in the size of the
 *    system, so it exists only in debug builds and needs the Write right.
 *    Tests run it between cases; nothing else should hold that right.
 */
#include <bastion/syscall.h>
#include <bastion/invocation.h>
#include "kernel/core/syscall.h"
#include "kernel/core/cspace.h"
#include "kernel/core/exchange.h"
#include "kernel/core/fastpath.h"
#include "kernel/core/invariant.h"
#include "kernel/core/kernel.h"
#include "kernel/lib/log.h"

enum { ARG_MACHINE, ARG_VALUE };

/* True if cptr names a MachineControl cap with the right; fails the call otherwise. */
static bool authorised(struct tcb *caller, uint64_t number, uint64_t cptr, unsigned right)
{
    struct lookup_result r = cspace_lookup(tcb_cspace(caller), cptr, CSPACE_WORD_BITS, false);
    if (!r.slot) {
        syscall_fail_lookup(caller, number, ARG_MACHINE, r.bits_resolved);
        return false;
    }
    const struct cap *c = &r.slot->cap;
    if (cap_is_null(c))
        syscall_fail(caller, number, BST_E_INVALID_CAP, ARG_MACHINE, 0, 0);
    else if (cap_type(c) != BST_OBJ_MACHINE_CONTROL)
        syscall_fail(caller, number, BST_E_WRONG_TYPE, ARG_MACHINE, BST_OBJ_MACHINE_CONTROL,
                     BST_OBJ_MACHINE_CONTROL);
    else if (!(cap_rights(c) & right))
        syscall_fail(caller, number, BST_E_RIGHTS, ARG_MACHINE, right, right);
    else
        return true;
    return false;
}

static void debug_puts(struct tcb *caller, uint64_t count)
{
    char text[BST_EXCHANGE_DATA_SIZE];
    if (count > BST_EXCHANGE_DATA_SIZE) {
        log_debug("debug_puts: %s asked to print %llu bytes; the exchange data area holds %zu",
                  caller->name, (unsigned long long)count, BST_EXCHANGE_DATA_SIZE);
        syscall_fail(caller, BST_SYS_DEBUG_PUTS, BST_E_RANGE, ARG_VALUE, 0, BST_EXCHANGE_DATA_SIZE);
        return;
    }
    /* One copy into kernel memory; the thread cannot change what we print. */
    if (!exchange_copy_in(caller, offsetof(struct bst_exchange, data), text, count)) {
        /* The range is checked above: only a missing exchange frame fails the copy. */
        syscall_fail(caller, BST_SYS_DEBUG_PUTS, BST_E_NO_EXCHANGE, BST_ARG_NONE, 0, BST_MSG_REGISTER_WORDS);
        return;
    }
    for (uint64_t i = 0; i < count; i++) {
        if (text[i] == '\n')
            arch_serial_putc('\r');
        arch_serial_putc(text[i]);
    }
    syscall_ok(caller, count, 0);
}

/* Tests use this to see what a slot holds: bounded, and it reveals only the caller's own slots. */
static void debug_cap_info(struct tcb *caller, uint64_t cptr)
{
    struct lookup_result r = cspace_lookup(tcb_cspace(caller), cptr, CSPACE_WORD_BITS, false);
    if (!r.slot) {
        syscall_fail_lookup(caller, BST_SYS_DEBUG_CAP_INFO, ARG_VALUE, r.bits_resolved);
        return;
    }
    const struct cap *c = &r.slot->cap;
    syscall_ok(caller, cap_type(c) | (uint64_t)cap_rights(c) << 8 | (uint64_t)cap_flags(c) << 16, c->w2);
}

/* The right each call needs; 0 for a number that is no debug call. */
static unsigned right_needed(uint64_t number)
{
    switch (number) {
    case BST_SYS_DEBUG_PUTS:
    case BST_SYS_DEBUG_CHECK_INVARIANTS: return BST_RIGHT_WRITE;
    case BST_SYS_DEBUG_TICKS:
    case BST_SYS_DEBUG_CPUINFO:
    case BST_SYS_DEBUG_CAP_INFO:
    case BST_SYS_DEBUG_FASTPATH_HITS: return BST_RIGHT_READ;
    default: return 0;
    }
}

void syscall_debug(struct tcb *caller, uint64_t number, uint64_t machine, uint64_t arg)
{
    unsigned right = right_needed(number);
    if (!right) {
        syscall_fail(caller, number, BST_E_NOT_SUPPORTED, BST_ARG_NONE, BST_SYS_DEBUG_FIRST,
                     BST_SYS_DEBUG_LAST - 1);
        return;
    }
    if (!authorised(caller, number, machine, right))
        return;
    switch (number) {
    case BST_SYS_DEBUG_PUTS: debug_puts(caller, arg); return;
    case BST_SYS_DEBUG_TICKS: syscall_ok(caller, kernel_ticks(), 0); return;
    case BST_SYS_DEBUG_CPUINFO: syscall_ok(caller, arch_cpu_features(), arch_tsc_hz()); return;
    case BST_SYS_DEBUG_CAP_INFO: debug_cap_info(caller, arg); return;
#ifdef BASTION_DEBUG
    case BST_SYS_DEBUG_CHECK_INVARIANTS: syscall_ok(caller, invariants_check(), 0); return;
    case BST_SYS_DEBUG_FASTPATH_HITS: syscall_ok(caller, fastpath_hits, 0); return;
#endif
    default:
        /* Unbounded or counted only in debug builds: the release kernel has no such call. */
        syscall_fail(caller, number, BST_E_NOT_SUPPORTED, BST_ARG_NONE, 0, 0);
        return;
    }
}
