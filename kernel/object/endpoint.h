/*
 * Endpoints: rendezvous points for synchronous IPC. An endpoint is a queue of
 * threads that all wait for the same thing, all senders or all receivers.
 * Send, Recv and Call arrive with the IPC work; deletion is here now.
 */
#ifndef BASTION_OBJECT_ENDPOINT_H
#define BASTION_OBJECT_ENDPOINT_H

#include "kernel/object/tcb.h"

enum endpoint_state {
    ENDPOINT_IDLE = 0, /* nobody waits */
    ENDPOINT_SENDING,  /* the queue holds senders */
    ENDPOINT_RECEIVING /* the queue holds receivers */
};

struct endpoint {
    struct thread_queue queue;
    uint64_t state; /* enum endpoint_state */
};
_Static_assert(sizeof(struct endpoint) <= (1u << BST_ENDPOINT_SIZE_BITS), "endpoint fits its object size");

struct endpoint *endpoint_of(const struct cap *cap);

#endif
