/*
 * System call dispatch. Scalars arrive in registers; anything else is read
 * from the caller's exchange frame (core/exchange.c). Each call has one short
 * handler; a failing call returns a precise code and writes its detail into
 * the exchange frame, and has changed nothing.
 */
#include <bastion/syscall.h>
#include <bastion/error.h>
#include "kernel/core/exchange.h"
#include "kernel/core/invoke.h"
#include "kernel/core/invariant.h"
#include "kernel/core/cspace.h"
#include "kernel/core/kernel.h"
#include "kernel/core/sched.h"
#include "kernel/lib/log.h"

/* A handler that wrote the caller's result registers itself returns this. */
#define SYSCALL_RESULT_SET UINT64_MAX

struct syscall_result {
    uint64_t error;
    uint64_t value[2];
    struct bst_error_detail detail;
};

static struct syscall_result ok(uint64_t v0, uint64_t v1)
{
    return (struct syscall_result){.error = BST_OK, .value = {v0, v1}};
}

static struct syscall_result fail(enum bst_error code, uint64_t argument, uint64_t min, uint64_t max)
{
    return (struct syscall_result){
        .error = code,
        .detail = {.code = code, .argument = argument, .min = min, .max = max},
    };
}

#ifdef BASTION_DEBUG
static struct syscall_result debug_puts(struct tcb *caller, const struct syscall_args *a)
{
    char text[BST_EXCHANGE_DATA_SIZE + 1];
    uint64_t count = a->arg[0];
    if (count > BST_EXCHANGE_DATA_SIZE) {
        log_debug("debug_puts: %s asked to print %llu bytes; the exchange data area holds %zu",
                  caller->name, (unsigned long long)count, BST_EXCHANGE_DATA_SIZE);
        return fail(BST_E_RANGE, 0, 0, BST_EXCHANGE_DATA_SIZE);
    }
    /* One copy into kernel memory; the thread cannot change what we print. */
    if (!exchange_copy_in(caller, offsetof(struct bst_exchange, data), text, count))
        return fail(BST_E_ILLEGAL_OPERATION, BST_ARG_NONE, 0, 0);
    for (uint64_t i = 0; i < count; i++) {
        if (text[i] == '\n')
            arch_serial_putc('\r');
        arch_serial_putc(text[i]);
    }
    return ok(count, 0);
}

/* Tests use this to see what a slot holds; there is no such call in release builds. */
static struct syscall_result debug_cap_info(struct tcb *caller, uint64_t cptr)
{
    struct lookup_result r = cspace_lookup(&caller->cspace_root.cap, cptr, CSPACE_WORD_BITS, false);
    if (!r.slot) {
        struct syscall_result f = fail(BST_E_LOOKUP_FAILED, 0, 0, 0);
        f.detail.bits_resolved = r.bits_resolved;
        return f;
    }
    const struct cap *c = &r.slot->cap;
    return ok(cap_type(c) | (uint64_t)cap_rights(c) << 8 | (uint64_t)cap_flags(c) << 16, c->w2);
}

static struct syscall_result debug_call(struct tcb *caller, const struct syscall_args *a)
{
    switch (a->number) {
    case BST_SYS_DEBUG_NULL: return ok(0, 0);
    case BST_SYS_DEBUG_PUTS: return debug_puts(caller, a);
    case BST_SYS_DEBUG_TICKS: return ok(kernel_ticks(), 0);
    case BST_SYS_DEBUG_CPUINFO: return ok(arch_cpu_features(), arch_tsc_hz());
    case BST_SYS_DEBUG_CHECK_INVARIANTS: return ok(invariants_check(), 0);
    case BST_SYS_DEBUG_CAP_INFO: return debug_cap_info(caller, a->arg[0]);
    case BST_SYS_DEBUG_SHUTDOWN:
        log_info("shutdown requested by %s, status %llu", caller->name,
                 (unsigned long long)a->arg[0]);
        arch_shutdown(a->arg[0]);
    default: break;
    }
    return fail(BST_E_NOT_SUPPORTED, BST_ARG_NONE, BST_SYS_DEBUG_FIRST, BST_SYS_DEBUG_LAST - 1);
}
#endif

static struct syscall_result dispatch(struct tcb *caller, const struct syscall_args *a)
{
#ifdef BASTION_DEBUG
    if (a->number >= BST_SYS_DEBUG_FIRST && a->number < BST_SYS_DEBUG_LAST)
        return debug_call(caller, a);
#endif
    if (a->number == BST_SYS_CALL) {
        invoke_syscall(caller, a->arg[0], a->arg[1], &a->arg[2]);
        return (struct syscall_result){.error = SYSCALL_RESULT_SET};
    }
    if (a->number == BST_SYS_YIELD) {
        sched_yield_current();
        return ok(0, 0);
    }
    log_debug("syscall: %s made unknown or not yet implemented call %llu", caller->name,
              (unsigned long long)a->number);
    return fail(BST_E_NOT_SUPPORTED, BST_ARG_NONE, 0, 0);
}

void syscall_handle(void)
{
    struct tcb *caller = sched_current();
    struct syscall_args args;
    arch_syscall_args(&caller->context, &args);
    struct syscall_result r = dispatch(caller, &args);
    if (r.error == SYSCALL_RESULT_SET) {
        schedule(); /* the handler wrote its own results */
        return;
    }
    if (r.error != BST_OK) {
        r.detail.syscall = args.number;
        exchange_write_error(caller, &r.detail);
    }
    arch_syscall_set_result(&caller->context, r.error, r.value[0], r.value[1]);
    schedule(); /* entry.S then leaves to the current thread */
}
