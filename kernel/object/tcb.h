/*
 * Thread control block (2 KiB, BST_TCB_SIZE_BITS). Its user_context is where
 * the entry code saves the thread's registers and its fpu area where its
 * FPU/SIMD registers are saved, so a blocked thread's whole state lives here
 * (the kernel keeps no per-thread kernel stack).
 *
 * A TCB holds its own copies of the capabilities it was configured with
 * (CSpace root, address space root, exchange frame, fault endpoint), as
 * children in the derivation tree: the objects stay alive while the thread
 * uses them, whatever happens to the caps they were configured from.
 */
#ifndef BASTION_OBJECT_TCB_H
#define BASTION_OBJECT_TCB_H

#include "kernel/arch/arch.h"
#include "kernel/object/cap.h"

enum thread_state {
    THREAD_INACTIVE = 0, /* never started, or suspended */
    THREAD_RUNNING,      /* runnable: on the ready queue or current */
    THREAD_BLOCKED,
    THREAD_FAULTED,      /* stopped by a fault nobody handles */
};

#define TCB_NAME_LEN 16
#define TCB_CAP_SLOTS 7       /* all of them: a dying thread's container */
#define TCB_CONFIGURE_SLOTS 4 /* the ones TCB_Configure sets */

/* Bookkeeping of an object that holds capabilities while it is destroyed (core/delete.c). */
struct container_state {
    struct container_state *destroy_next; /* next container on the destruction stack */
    struct slot *slots;                   /* the slots to empty */
    uint32_t resume;                      /* next slot to empty */
    uint32_t slot_count;                  /* 0 when not being destroyed */
};
_Static_assert(sizeof(struct container_state) <= 4 * sizeof(void *), "fits a slot's link words");

/* A FIFO of threads blocked on one object (an endpoint or a notification). */
struct thread_queue {
    struct tcb *head, *tail;
};

struct tcb {
    struct user_context context;
    struct slot cspace_root;       /* these four are the TCB's cap slots */
    struct slot vspace_root;
    struct slot exchange_frame;
    struct slot fault_endpoint;
    /* Relay bindings (core/xcall.c, object/relay.c): copies flagged CAP_FLAG_BOUND */
    struct slot xentry_table;      /* word 2 of this copy is the thread's call-capability bitmap */
    struct slot relay_segment;     /* the segment the thread owns */
    struct slot link_stack;        /* where its XCalls push their linkage records */
    uint64_t vspace_paddr;         /* page-table root it runs in: cached from vspace_root, or the callee's */
    uint64_t relay_view;           /* the part of its segment it sees now (a relay mask; 0: none) */
    struct slot *cspace_now;       /* where it acts: &cspace_root, or inside an XCall the callee */
    struct slot *vspace_now;       /* entry's slots in the entry table (one load on every switch) */
    uint32_t call_depth;           /* XCalls in flight: records on the link stack */
    uint64_t exchange_uaddr;
    enum thread_state state;
    uint8_t priority;
    uint8_t max_controlled_priority;
    uint32_t timeslice_left;
    struct tcb *sched_next, *sched_prev;
    struct thread_queue *blocked_on; /* the wait queue it is in, if BLOCKED */
    struct tcb *queue_next, *queue_prev;
    /* IPC (kernel/core/ipc.h) */
    uint8_t ipc_wait;              /* enum ipc_wait: what a BLOCKED thread waits for */
    bool ipc_grant;                /* a blocked sender's cap had Grant */
    bool ipc_call;                 /* a blocked sender used Call: it wants a reply */
    bool ipc_fault;                /* a blocked sender is sending a fault message */
    bool ipc_grant_reply;          /* caps may come back in the reply to its Call */
    uint64_t ipc_badge;            /* a blocked sender's badge */
    struct tcb *reply_to;          /* the caller this thread may Reply to (one-shot) */
    struct tcb *replier;           /* the thread holding our reply capability */
    struct notification *bound_notification;
    struct fault_info fault;       /* the fault being reported, while ipc_fault */
    struct container_state container;
    char name[TCB_NAME_LEN];
    struct arch_fpu_state fpu;     /* x87/SSE/AVX registers while another thread owns the FPU */
};
_Static_assert(sizeof(struct tcb) <= (1u << BST_TCB_SIZE_BITS), "TCB fits its object size");
/* TCBs are aligned to their size (Retype, root task), so the FPU area keeps its own alignment. */
_Static_assert((1u << BST_TCB_SIZE_BITS) % _Alignof(struct arch_fpu_state) == 0, "FPU area alignment");

/* Where the thread acts now: its own spaces, or the callee's while inside an XCall. */
static inline const struct slot *tcb_vspace_slot(const struct tcb *tcb) { return tcb->vspace_now; }
static inline const struct cap *tcb_cspace(const struct tcb *tcb) { return &tcb->cspace_now->cap; }

/*
 * The cached address-space root, re-read from the TCB's own slot. That slot
 * holds a child of the cap the thread was configured with, so a revoke
 * elsewhere can empty it and free the memory: a stale address must never
 * reach CR3. core/sched.c refreshes the thread it switches to, and deleting
 * the running thread's root switches it away at once (pagetable.c).
 */
static inline void tcb_refresh_cached(struct tcb *tcb)
{
    const struct cap *root = &tcb_vspace_slot(tcb)->cap;
    tcb->vspace_paddr = cap_is_null(root) ? 0 : root->paddr;
}

/*
 * The exchange frame is never cached: it is resolved through the TCB's own
 * cap on every access, so the binding dies with that cap (deleted, revoked,
 * or its untyped revoked) and the kernel never writes into memory that has
 * been retyped into something else since. 0: the thread has none, or it is
 * inside an XCall.
 */
static inline uint64_t tcb_exchange_paddr(const struct tcb *tcb)
{
    /* Inside an XCall the thread runs callee code, and its frame holds its caller's data: the
     * callee has none (docs/relay.md), or it could send the caller's words onward. */
    return cap_is_null(&tcb->exchange_frame.cap) || tcb->call_depth ? 0 : tcb->exchange_frame.cap.paddr;
}

/* The TCB a slot would belong to if it were one of its cap slots (compare before use). */
static inline struct tcb *tcb_of_bound_slot(const struct slot *s)
{
    return (struct tcb *)((uintptr_t)s & ~(((uintptr_t)1 << BST_TCB_SIZE_BITS) - 1));
}

void tcb_init(struct tcb *tcb, const char *name, uint8_t priority);
void tcb_set_name(struct tcb *tcb, const char *name);
struct slot *tcb_cap_slots(struct tcb *tcb); /* the TCB_CAP_SLOTS slots, in order */
struct tcb *tcb_of(const struct cap *cap);   /* the TCB a TCB cap names */

/* Stops a thread: off the ready queue and any wait queue, INACTIVE. */
void tcb_stop(struct tcb *tcb);

/* Wait queues (IPC blocks threads on them; deletion wakes them). */
void thread_queue_append(struct thread_queue *q, struct tcb *tcb); /* tcb becomes BLOCKED */
void thread_queue_remove(struct tcb *tcb);                       /* from its blocked_on queue */

#endif
