/*
 * Hooks from capability deletion (core/delete.c) into the object files. Each
 * is called after the capability has left its slot and the derivation tree.
 * `final` says it was the last capability to its object: the object dies.
 */
#ifndef BASTION_OBJECT_OBJECTS_H
#define BASTION_OBJECT_OBJECTS_H

#include "kernel/object/cap.h"
#include "kernel/object/tcb.h"

/* A frame or paging-structure cap that was mapped is unmapped (every cap, final or not). */
void frame_cap_deleted(const struct cap *cap);
/* W^X per frame: some cap of this frame has a live executable mapping. */
bool frame_mapped_executable(const struct slot *frame);
void page_table_cap_deleted(const struct cap *cap, bool final);
/* The thread stops: suspended, off every queue. Its cap slots are emptied by core/delete.c. */
void tcb_finalise(struct tcb *tcb);
/* Waiting threads wake with an error. */
void endpoint_finalise(const struct cap *cap);
void notification_finalise(const struct cap *cap);
/* The IRQ is masked and its notification binding dropped. */
void irq_handler_finalise(const struct cap *cap);
/* The port range gets no owner. */
void ioport_finalise(const struct cap *cap);
/* Every ASID of the pool dies; the address spaces that held them lose their user half. */
void asid_pool_finalise(const struct cap *cap);

/* Object initialisation after Retype has zeroed the memory. */
void tcb_object_init(struct tcb *tcb);

#endif
