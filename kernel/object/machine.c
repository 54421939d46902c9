/*
 * MachineControl: the authority over the machine as a whole
 * (docs/security.md). The root task gets the one original cap at
 * boot (BST_CAP_MACHINE_CONTROL); it may copy or mint it, with fewer rights,
 * to whom it trusts. No global name grants what it grants: a thread without
 * a copy can neither power the machine off nor use the debug calls that act
 * (core/syscall_debug.c checks the cap for those).
 *
 * Rights: Write powers off and allows the debug calls that act or cost
 * (print, the invariant checker); Read allows the debug queries.
 *
 * MachineControl_Shutdown(status) powers the machine off, in every build: a
 * test run ends with the root task's status (QEMU's isa-debug-exit), make
 * run with ACPI S5. It does not return; the work before it is bounded (one
 * log line, a few port writes).
 */
#include "kernel/core/invoke.h"
#include "kernel/lib/log.h"

enum { SHUTDOWN_ARG_STATUS, SHUTDOWN_ARGS };

static enum bst_error machine_shutdown(struct invocation *inv)
{
    enum bst_error e;
    if (!inv_has_args(inv, SHUTDOWN_ARGS, &e))
        return e;
    uint64_t status = inv->mr[SHUTDOWN_ARG_STATUS];
    log_info("shutdown requested by %s, status %llu", inv->caller->name, (unsigned long long)status);
    arch_shutdown(status);
}

enum bst_error machine_control_invoke(struct invocation *inv)
{
    if (inv->label == BST_MACHINE_SHUTDOWN)
        return machine_shutdown(inv);
    return inv_fail(inv, BST_E_NOT_SUPPORTED, BST_ARG_NONE, BST_MACHINE_SHUTDOWN, BST_MACHINE_SHUTDOWN,
                    "unknown MachineControl invocation");
}
