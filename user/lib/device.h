/*
 * Interrupts and I/O ports from user level (docs/threads-and-devices.md).
 * Every call returns an enum bst_error; on failure the detail (argument,
 * allowed or conflicting range) is in bst_exchange->error.
 */
#ifndef BASTION_USER_DEVICE_H
#define BASTION_USER_DEVICE_H

#include <bastion/device.h>
#include "user/lib/invoke.h"

/* Makes the handler cap of line irq in slot (root, index, depth). */
uint64_t bst_irq_control_get(bst_cptr_t irq_control, uint64_t irq, bst_cptr_t root, uint64_t index,
                             uint64_t depth);
/* Interrupts on the line OR the notification cap's badge (bit irq if unbadged) into its word. */
uint64_t bst_irq_handler_set_notification(bst_cptr_t handler, bst_cptr_t notification);
/* Unmasks the line: one more interrupt may come (each one masks it again). */
uint64_t bst_irq_handler_ack(bst_cptr_t handler);
/* Drops the notification binding and masks the line. */
uint64_t bst_irq_handler_clear(bst_cptr_t handler);

/* Makes an IOPort cap for ports first..last in slot (root, index, depth). */
uint64_t bst_ioport_control_issue(bst_cptr_t ioport_control, uint64_t first, uint64_t last, bst_cptr_t root,
                                  uint64_t index, uint64_t depth);

/* Lets every thread of the address space `vspace` (a PML4 cap) use the IOPort cap's ports. */
uint64_t bst_ioport_bind(bst_cptr_t ioport, bst_cptr_t vspace);
/* Takes the ports away from that address space again (ILLEGAL_OPERATION if it did not have them). */
uint64_t bst_ioport_unbind(bst_cptr_t ioport, bst_cptr_t vspace);

#endif
