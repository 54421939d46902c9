/*
 * Thread control block. Its user_context is where the entry code saves the
 * thread's registers, so a blocked thread's whole state lives here (the
 * kernel keeps no per-thread kernel stack).
 */
#ifndef BASTION_OBJECT_TCB_H
#define BASTION_OBJECT_TCB_H

#include "kernel/arch/arch.h"

enum thread_state {
    THREAD_INACTIVE = 0, /* never started, or suspended */
    THREAD_RUNNING,      /* runnable: on the ready queue or current */
    THREAD_BLOCKED,
    THREAD_FAULTED,      /* stopped by a fault nobody handles */
};

#define TCB_NAME_LEN 16

struct tcb {
    struct user_context context;
    uint64_t vspace_root;      /* physical address of the PML4 */
    uint64_t exchange_paddr;   /* the thread's exchange frame, through the physical map */
    uint64_t exchange_uaddr;
    enum thread_state state;
    uint8_t priority;
    uint32_t timeslice_left;
    struct tcb *sched_next, *sched_prev;
    char name[TCB_NAME_LEN];
};

void tcb_init(struct tcb *tcb, const char *name, uint8_t priority);
void tcb_set_name(struct tcb *tcb, const char *name);

#endif
