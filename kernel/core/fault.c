/*
 * User faults become messages. A thread with a fault endpoint sends its
 * fault there as a Call (label and words in abi/bastion/ipc.h) and waits; the
 * handler's reply resumes it (re-running the faulting instruction, after the
 * handler fixed the cause, e.g. mapped the missing page) or leaves it
 * stopped. A thread without a fault endpoint (or whose endpoint cannot take
 * the message) is stopped and reported on the kernel log. Never a panic.
 *
 * The arch layer has sanitised the saved registers before we get here (a
 * non-canonical rip became 0; see arch_context_sanitise_entry): a resume
 * re-enters user mode only at a rip iretq can load. The fault record keeps
 * what the CPU reported, for the handler's message and the log.
 */
#include <bastion/ipc.h>
#include "kernel/core/ipc.h"
#include "kernel/core/kernel.h"
#include "kernel/core/sched.h"
#include "kernel/object/endpoint.h"
#include "kernel/object/linkstack.h"
#include "kernel/lib/log.h"

static void report_and_stop(struct tcb *tcb, const struct fault_info *fault, const char *why)
{
    char what[160];
    arch_fault_describe(fault, what, sizeof(what));
    log_warn("user fault: thread '%s' at rip %#llx: %s; thread stopped (%s)", tcb->name,
             (unsigned long long)fault->ip, what, why);
    tcb->state = THREAD_FAULTED;
    sched_dequeue(tcb); /* the scheduler runs the next thread, or idles */
}

void kernel_handle_user_fault(struct tcb *tcb, const struct fault_info *fault)
{
    const struct cap *ep = &tcb->fault_endpoint.cap;
    if (tcb->call_depth) {
        link_stack_unwind_fault(tcb, fault); /* a callee's fault is its caller's error, not a message */
        return;
    }
    if (cap_type(ep) != BST_OBJ_ENDPOINT) {
        report_and_stop(tcb, fault, "no fault handler");
        return;
    }
    if (!(cap_rights(ep) & BST_RIGHT_WRITE)) {
        report_and_stop(tcb, fault, "its fault endpoint cap cannot send");
        return;
    }
    log_debug("user fault: thread '%s' at rip %#llx: sent to its fault handler", tcb->name,
              (unsigned long long)fault->ip);
    tcb->fault = *fault;
    tcb->ipc_fault = true;
    struct send_mode mode = {.badge = ep->w2, .call = true, .blocking = true};
    endpoint_send(endpoint_of(ep), tcb, &mode);
}
