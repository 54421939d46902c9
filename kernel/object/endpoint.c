/*
 * Endpoint IPC: Send, NBSend, Call, Recv, NBRecv, Reply (ReplyRecv is Reply
 * then Recv). Retype hands endpoints out zeroed: an empty queue.
 *
 * A message is copied once, when both sides are there: from the sender's
 * saved registers and exchange frame into the receiver's (kernel/core/ipc.c).
 * A woken partner goes to the front of its priority's queue, so the kernel
 * switches straight to it when its priority allows (schedule() picks it).
 */
#include "kernel/object/endpoint.h"
#include <bastion/error.h>
#include <bastion/ipc.h>
#include <bastion/syscall.h>
#include "kernel/core/ipc.h"
#include "kernel/core/sched.h"
#include "kernel/core/syscall.h"
#include "kernel/object/notification.h"
#include "kernel/object/objects.h"

struct endpoint *endpoint_of(const struct cap *cap) { return arch_phys_to_virt(cap->paddr); }

static bool head_waits_for(const struct endpoint *ep, enum ipc_wait what)
{
    return ep->queue.head && ep->queue.head->ipc_wait == what;
}

static void set_error(struct tcb *t, uint64_t error)
{
    static const uint64_t none[4];
    ipc_set_receive_result(t, error, 0, 0, none);
}

/* The receiver got a message from a caller: the caller now waits for the reply. */
static void await_reply(struct tcb *caller, struct tcb *receiver)
{
    ipc_link_reply(caller, receiver);
    if (caller->state == THREAD_BLOCKED)
        thread_queue_remove(caller); /* it was queued as a sender */
    ipc_block(caller, 0, IPC_REPLY);
}

void endpoint_send(struct endpoint *ep, struct tcb *sender, const struct send_mode *mode)
{
    if (head_waits_for(ep, IPC_RECV)) {
        struct tcb *receiver = ep->queue.head;
        sender->ipc_grant_reply = mode->grant_reply;
        ipc_transfer(sender, receiver, mode->badge, mode->grant);
        ipc_unblock(receiver);
        sched_prefer(receiver);
        if (mode->call)
            await_reply(sender, receiver);
        else
            set_error(sender, BST_OK);
        return;
    }
    if (!mode->blocking) { /* a failure like any other: the detail is written too */
        syscall_fail(sender, BST_SYS_NBSEND, BST_E_WOULD_BLOCK, BST_ARG_NONE, 0, 0);
        return;
    }
    sender->ipc_badge = mode->badge;
    sender->ipc_grant = mode->grant;
    sender->ipc_grant_reply = mode->grant_reply;
    sender->ipc_call = mode->call;
    ipc_block(sender, &ep->queue, IPC_SEND);
}

void endpoint_receive(struct endpoint *ep, struct tcb *receiver, bool blocking)
{
    uint64_t bits;
    if (notification_take_for_recv(receiver, &bits)) {
        static const uint64_t none[4];
        ipc_set_receive_result(receiver, BST_OK, bits, BST_MSGINFO_NOTIFICATION, none);
        return;
    }
    if (head_waits_for(ep, IPC_SEND)) {
        struct tcb *sender = ep->queue.head;
        ipc_transfer(sender, receiver, sender->ipc_badge, sender->ipc_grant);
        if (sender->ipc_call || sender->ipc_fault) {
            await_reply(sender, receiver);
        } else {
            set_error(sender, BST_OK);
            ipc_unblock(sender);
        }
        return;
    }
    if (!blocking) {
        syscall_fail(receiver, BST_SYS_NBRECV, BST_E_WOULD_BLOCK, BST_ARG_NONE, 0, 0);
        return;
    }
    ipc_block(receiver, &ep->queue, IPC_RECV);
}

/* A fault handler's reply: resume (re-running the faulting instruction) or leave stopped. */
static void reply_to_fault(struct tcb *replier, struct tcb *faulted)
{
    uint64_t words[4];
    uint64_t info = arch_message_registers(&replier->context, words);
    faulted->ipc_fault = false;
    if (bst_msginfo_label(info) == BST_FAULT_REPLY_RESUME) {
        ipc_unblock(faulted);
        sched_prefer(faulted);
    } else {
        faulted->ipc_wait = IPC_NONE;
        faulted->state = THREAD_FAULTED; /* stopped; TCB_Resume starts it again */
    }
}

bool endpoint_reply(struct tcb *replier)
{
    struct tcb *caller = replier->reply_to;
    if (!caller)
        return false;
    ipc_cut_reply_links(replier); /* the reply capability is one-shot */
    if (caller->ipc_fault) {
        reply_to_fault(replier, caller);
    } else {
        ipc_transfer(replier, caller, 0, caller->ipc_grant_reply);
        ipc_unblock(caller);
        sched_prefer(caller);
    }
    return true;
}

/*
 * The last cap is gone: every waiting thread (sender or receiver alike) wakes
 * with BST_E_INVALID_CAP, as if its cap had been invalid from the start.
 */
void endpoint_finalise(const struct cap *cap)
{
    struct endpoint *ep = endpoint_of(cap);
    while (ep->queue.head) {
        struct tcb *t = ep->queue.head;
        bool faulted = t->ipc_fault;
        ipc_unblock(t);
        if (faulted) {
            t->state = THREAD_FAULTED; /* nobody will handle its fault: it stays stopped */
            sched_dequeue(t);
        } else {
            set_error(t, BST_E_INVALID_CAP);
        }
    }
}
