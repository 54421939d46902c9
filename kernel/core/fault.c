/*
 * User faults. Until fault endpoints exist (IPC), a faulting thread is stopped
 * and the fault is reported on the kernel log in one clear line; the kernel
 * itself carries on. A user fault is never a kernel panic.
 */
#include "kernel/core/kernel.h"
#include "kernel/core/sched.h"
#include "kernel/lib/log.h"

void kernel_handle_user_fault(struct tcb *tcb, const struct fault_info *fault)
{
    char what[160];
    arch_fault_describe(fault, what, sizeof(what));
    log_warn("user fault: thread '%s' at rip %#llx: %s; thread stopped (no fault handler)",
             tcb->name, (unsigned long long)fault->ip, what);
    tcb->state = THREAD_FAULTED;
    sched_dequeue(tcb);
    if (!sched_pick()) {
        log_info("no runnable threads left; the kernel idles");
        if (kernel_exit_when_idle)
            arch_shutdown(KERNEL_EXIT_IDLE);
    }
}
