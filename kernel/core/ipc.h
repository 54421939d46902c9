/*
 * Blocking and waking threads for IPC, and message transfer between two
 * threads. Endpoints (kernel/object/endpoint.c), notifications
 * (kernel/object/notification.c) and faults (kernel/core/fault.c) build on it.
 */
#ifndef BASTION_CORE_IPC_H
#define BASTION_CORE_IPC_H

#include <bastion/error.h>
#include "kernel/object/tcb.h"

enum ipc_wait {
    IPC_NONE = 0,
    IPC_SEND,          /* in an endpoint's queue with a message */
    IPC_RECV,          /* in an endpoint's queue, waiting for a message */
    IPC_REPLY,         /* made a Call (or faulted), waits for the reply */
    IPC_NOTIFICATION,  /* in a notification's queue (Wait) */
};

/* t leaves the ready queue and waits in q (q may be NULL for IPC_REPLY). */
void ipc_block(struct tcb *t, struct thread_queue *q, enum ipc_wait why);
/* t leaves whatever it waits in and becomes runnable. */
void ipc_unblock(struct tcb *t);

/*
 * Delivers sender's message to receiver: words (registers, then exchange),
 * capabilities when grant (else flagged as dropped), the badge. The sender's
 * message is read from its saved registers and exchange frame (or made from
 * its fault record); the receiver's result registers are set.
 */
void ipc_transfer(struct tcb *sender, struct tcb *receiver, uint64_t badge, bool grant);

/* Connects the one-shot reply capability: receiver may Reply to caller (an
 * unused reply capability the receiver held is abandoned first). */
void ipc_link_reply(struct tcb *caller, struct tcb *receiver);
/* Drops a thread's reply links both ways (the reply is being delivered). */
void ipc_cut_reply_links(struct tcb *t);
/* t will never reply (it is stopped or deleted, or its reply cap is overwritten):
 * the links go, and the caller it held wakes with BST_E_PARTNER_GONE (a faulted
 * caller stays stopped instead). */
void ipc_abandon_reply(struct tcb *t);

/* Ends t's system call with error: result registers, and the detail in its
 * exchange frame (syscall number taken from t's saved registers). */
void ipc_fail(struct tcb *t, enum bst_error error, uint64_t argument);

/* Sets a woken receiver's result: rax = error, rdi = badge, rsi = msginfo, words 0-3. */
void ipc_set_receive_result(struct tcb *t, uint64_t error, uint64_t badge, uint64_t msginfo,
                            const uint64_t words[4]);

#endif
