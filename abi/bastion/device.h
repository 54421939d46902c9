/*
 * Bastion ABI: interrupt lines and I/O ports (docs/threads-and-devices.md).
 * An IRQHandler capability names one interrupt line; an IOPort capability a
 * range of ports, encoded as first | last << 16 in its third word.
 */
#ifndef BASTION_ABI_DEVICE_H
#define BASTION_ABI_DEVICE_H

#include <bastion/types.h>

/* IOAPIC inputs 0 .. BST_IRQ_LINES - 1. */
#define BST_IRQ_LINES 24u
/* Inputs the kernel keeps: 0 is the 8259's ExtINT output, 2 the PIT (ISA IRQ 0). */
#define BST_IRQ_EXTINT 0u
#define BST_IRQ_PIT 2u

#define BST_IOPORT_MAX 0xffffu
#define BST_IOPORT_LAST_SHIFT 16

/* Argument positions, as detail.argument reports them. */
enum bst_irq_control_get_arg { BST_IRQ_GET_IRQ, BST_IRQ_GET_ROOT, BST_IRQ_GET_INDEX, BST_IRQ_GET_DEPTH, BST_IRQ_GET_ARGS };
/*
 * IOPortControl_Issue refuses a range touching a port the kernel uses (its
 * PICs, PIT, power-off and debug-exit ports, the COM2 log line) with
 * BST_E_ILLEGAL_OPERATION, detail.min/max = the kernel's range. IOPort_Bind
 * refuses a second address space while the ports are bound to one with
 * BST_E_ILLEGAL_OPERATION, argument 0, detail.min/max = the range; so does
 * IOPort_Unbind from an address space that does not have them.
 */
enum bst_ioport_issue_arg {
    BST_IOPORT_ISSUE_FIRST,
    BST_IOPORT_ISSUE_LAST,
    BST_IOPORT_ISSUE_ROOT,
    BST_IOPORT_ISSUE_INDEX,
    BST_IOPORT_ISSUE_DEPTH,
    BST_IOPORT_ISSUE_ARGS,
};

#endif
