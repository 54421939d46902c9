/*
 * Notifications from user level (docs/notifications.md): Signal, Wait, Poll
 * on a notification cap, and binding a notification to a thread so that its
 * endpoint Recv also wakes on signals.
 *
 * Signal, Wait and Poll are system calls of their own and travel in
 * registers only. Every call returns an enum bst_error; on failure the
 * detail is in the calling thread's exchange frame (bst_exchange->error for
 * the main thread; a notification-handler thread's own frame, see
 * user/lib/sigthread.h).
 */
#ifndef BASTION_USER_NOTIFY_H
#define BASTION_USER_NOTIFY_H

#include <bastion/ipc.h>
#include "user/lib/invoke.h"

/* ORs the cap's badge (1 for an unbadged cap) into the word, or wakes a waiter with it. Needs Write. */
uint64_t bst_signal(bst_cptr_t notification);
/* Blocks until bits are pending, returns them in *bits and clears them. Needs Read. */
uint64_t bst_wait(bst_cptr_t notification, uint64_t *bits);
/* Returns the pending bits in *bits and clears them; BST_E_WOULD_BLOCK if none. Needs Read. */
uint64_t bst_poll(bst_cptr_t notification, uint64_t *bits);

/*
 * Binds the notification (a cap with Read) to the thread: a Signal then also
 * wakes the thread's Recv on any endpoint, which returns BST_OK with the bits
 * as its badge and BST_MSGINFO_NOTIFICATION set in its message info. One
 * notification per thread and one thread per notification
 * (BST_E_ILLEGAL_OPERATION otherwise).
 */
uint64_t bst_tcb_bind_notification(bst_cptr_t tcb, bst_cptr_t notification);
uint64_t bst_tcb_unbind_notification(bst_cptr_t tcb);

#endif
