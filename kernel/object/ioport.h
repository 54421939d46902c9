/*
 * I/O port enforcement (object/ioport.c): the CPU's I/O bitmap holds the
 * grants of the running thread's address space (core/asid.h keeps them).
 */
#ifndef BASTION_OBJECT_IOPORT_H
#define BASTION_OBJECT_IOPORT_H

#include "kernel/object/tcb.h"

/* Called on every switch to a thread: reloads the bitmap only if its address space differs. */
void ioport_follow(const struct tcb *tcb);
/* Grants changed under the loaded bitmap (an identity died): reload it, and again on the next switch. */
void ioport_reload(void);

#endif
