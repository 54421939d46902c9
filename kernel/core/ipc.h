/*
 * Blocking and waking threads for IPC, and message transfer between two
 * threads. Endpoints (kernel/object/endpoint.c), notifications
 * (kernel/object/notification.c) and faults (kernel/core/fault.c) build on it.
 */
#ifndef BASTION_CORE_IPC_H
#define BASTION_CORE_IPC_H

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

/* Connects the one-shot reply capability: receiver may Reply to caller. */
void ipc_link_reply(struct tcb *caller, struct tcb *receiver);
/* Drops a thread's reply links both ways (deletion, suspension, a new Call). */
void ipc_cut_reply_links(struct tcb *t);

/* Sets a woken receiver's result: rax = error, rdi = badge, rsi = msginfo, words 0-3. */
void ipc_set_receive_result(struct tcb *t, uint64_t error, uint64_t badge, uint64_t msginfo,
                            const uint64_t words[4]);

#endif
