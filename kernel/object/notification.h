/*
 * Notifications: a word of bits for asynchronous signals. Signal ORs a badge
 * in, Wait returns the word and clears it, Poll reads it. IRQs arrive as
 * notifications. Signal, Wait and Poll arrive with the IPC work; the word
 * and the wait queue are here now.
 */
#ifndef BASTION_OBJECT_NOTIFICATION_H
#define BASTION_OBJECT_NOTIFICATION_H

#include "kernel/object/tcb.h"

struct notification {
    struct thread_queue waiters;
    uint64_t word;          /* pending bits */
    struct tcb *bound_tcb;  /* a thread whose Recv also wakes on this (IPC issue) */
};
_Static_assert(sizeof(struct notification) <= (1u << BST_NOTIFICATION_SIZE_BITS),
               "notification fits its object size");

struct notification *notification_at(uint64_t paddr);

/* ORs bits into the word. Waking a waiter is the IPC issue's Signal; for now it only records them. */
void notification_add_bits(uint64_t paddr, uint64_t bits);

#endif
