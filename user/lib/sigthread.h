/*
 * Notification-handler threads: "signals as threads".
 *
 * A signal handler here is not code that the kernel pushes onto some other
 * thread's stack. It is a thread of its own, with its own priority, that
 * loops: Wait on a notification, then call handler(bits, arg). So a handler
 * never interrupts another thread's code; it competes for the CPU like any
 * thread, and the scheduler decides. A handler thread of higher priority than
 * the thread that signals (or than the one an IRQ interrupts) runs at once;
 * one of lower priority runs when nothing above it is runnable.
 *
 * bst_sigthread_start makes the thread from caps and memory the caller
 * supplies: a TCB and a 4 KiB exchange frame retyped from the caller's
 * untyped into two empty slots of the caller's CSpace root, the frame mapped
 * at an address the caller chooses, a stack the caller owns. The thread
 * shares the caller's CSpace and address space.
 *
 * Exchange frames. Every thread has its own exchange frame, and the kernel
 * reads a thread's long messages from, and writes its error details into,
 * that thread's frame. The runtime's bst_exchange is the main thread's frame.
 * A handler thread therefore:
 *   - waits with bst_wait, which travels in registers only, and so needs no
 *     frame (a failure's detail lands in its own frame, st->exchange);
 *   - passes nothing else through bst_exchange: in a handler, read error
 *     details from bst_sigthread_exchange(st), and call only wrappers whose
 *     message and results fit in registers (at most 4 words each way): Signal,
 *     Poll, IRQHandler_Ack, TCB_Resume/Suspend, SetPriority, Frame_Unmap,
 *     CNode_Delete/Revoke, ... Wrappers that put words 4.. or text in
 *     bst_exchange (Untyped_Retype, CNode_Copy/Mint/Move/Mutate,
 *     TCB_Configure, TCB_WriteRegisters, bst_printf) would fill the main
 *     thread's frame while the kernel reads the handler's: call those from
 *     ordinary threads, and have the handler hand the work over (signal a
 *     notification they wait on, set a flag).
 * This is deliberate: it keeps the runtime's bst_exchange a plain global
 * and makes handlers correct without thread-local storage; see
 * docs/notifications.md for the way to lift the restriction.
 */
#ifndef BASTION_USER_SIGTHREAD_H
#define BASTION_USER_SIGTHREAD_H

#include "user/lib/notify.h"

/* Runs on the handler thread once per Wait that returned: bits are the notification's word. */
typedef void (*bst_sighandler_t)(uint64_t bits, void *arg);

struct bst_sigthread_config {
    bst_cptr_t untyped;        /* the TCB and the exchange frame are retyped from it */
    /*
     * The caller's CSpace root CNode: the thread's CSpace too, and where its
     * two caps go. A slot number must be its own capability address (as in
     * the root task's CNode, BST_CAP_ROOT_CNODE, whose guard makes it so).
     */
    bst_cptr_t cspace_root;
    bst_cptr_t vspace_root;    /* the caller's address space (PML4 cap): the thread's too */
    uint64_t tcb_slot;         /* two empty slots of cspace_root */
    uint64_t frame_slot;
    /* Page aligned, unmapped, and covered by a page table already: the thread's exchange frame. */
    uint64_t exchange_addr;
    void *stack;               /* the thread's stack: caller-owned memory, never touched by anyone else */
    size_t stack_size;
    bst_cptr_t authority;      /* a TCB cap whose maximum controlled priority allows priority */
    uint64_t priority;
    bst_cptr_t fault_endpoint; /* where the thread's faults go, or 0 for none */
    bst_cptr_t notification;   /* the notification it waits on: needs the Read right */
    bst_sighandler_t handler;
    void *arg;
};

/* The caller's handle on a running handler thread. Keep it alive while the thread lives. */
struct bst_sigthread {
    bst_cptr_t tcb, frame, notification, cspace_root;
    struct bst_exchange *exchange;  /* the thread's own exchange frame, as mapped */
    bst_sighandler_t handler;
    void *arg;
    volatile uint64_t handled;      /* handler calls so far */
    /*
     * BST_OK while the loop runs. When a Wait fails (the notification was
     * deleted, say: BST_E_INVALID_CAP) the error lands here and the thread
     * suspends itself; bst_sigthread_stop then disposes of it.
     */
    volatile uint64_t stop_error;
};

/*
 * Makes, configures and starts the handler thread. Returns BST_OK, or the
 * first failing call's error (its detail in the caller's exchange frame); on
 * failure whatever was made is deleted again (the untyped's memory is
 * reclaimed only by revoking it, as always).
 */
uint64_t bst_sigthread_start(struct bst_sigthread *st, const struct bst_sigthread_config *config);

/*
 * Suspends the thread and deletes its TCB and exchange frame caps (the frame
 * is unmapped with its cap). The notification is left alone. Call it from
 * another thread, never from the handler.
 */
uint64_t bst_sigthread_stop(struct bst_sigthread *st);

/* The handler thread's own exchange frame: where its error details are. */
static inline struct bst_exchange *bst_sigthread_exchange(const struct bst_sigthread *st) { return st->exchange; }

#endif
