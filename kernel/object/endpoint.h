/*
 * Endpoints: rendezvous points for synchronous IPC. An endpoint is one FIFO
 * queue of threads that all wait for the same thing: all senders (with a
 * message) or all receivers. Which one is read off the head thread's
 * ipc_wait, so the queue is the only state and cannot disagree with it.
 */
#ifndef BASTION_OBJECT_ENDPOINT_H
#define BASTION_OBJECT_ENDPOINT_H

#include "kernel/object/tcb.h"

struct endpoint {
    struct thread_queue queue;
    uint64_t reserved;
};
_Static_assert(sizeof(struct endpoint) <= (1u << BST_ENDPOINT_SIZE_BITS), "endpoint fits its object size");

struct endpoint *endpoint_of(const struct cap *cap);

/* How a message is sent: the cap's badge and rights, and whether the sender waits for a reply. */
struct send_mode {
    uint64_t badge;
    bool grant;       /* caps in the message may move */
    bool grant_reply; /* caps in the reply may move */
    bool call;        /* the sender waits for a reply (Call, faults) */
    bool blocking;    /* false: NBSend, fails with BST_E_WOULD_BLOCK if nobody waits */
};

/* Send or Call from sender; sets its result registers unless it blocks. */
void endpoint_send(struct endpoint *ep, struct tcb *sender, const struct send_mode *mode);
/* Recv (blocking) or NBRecv; sets the receiver's result registers unless it blocks. */
void endpoint_receive(struct endpoint *ep, struct tcb *receiver, bool blocking);
/* Reply through the caller's one-shot reply capability; false if it holds none. */
bool endpoint_reply(struct tcb *replier);

#endif
