/*
 * Interrupt lines as capabilities. IRQControl_Get makes the one IRQHandler
 * cap of a line; the handler binds the line to a notification, acks (unmasks)
 * and clears it. The kernel keeps a small table per line: whether a handler
 * cap exists and which notification an interrupt signals.
 */
#ifndef BASTION_OBJECT_IRQ_H
#define BASTION_OBJECT_IRQ_H

#include <bastion/types.h>

/* An interrupt arrived on irq (masked by now): Signals its notification with the
 * line's bits (waking a waiter); false if none is bound. */
bool irq_signal(unsigned irq);

/* The notification at paddr is dying: every line bound to it is unbound. */
void irq_unbind_notification(uint64_t paddr);

#endif
