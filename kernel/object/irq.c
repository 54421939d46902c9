/*
 * IRQControl and IRQHandler invocations (docs/threads-and-devices.md).
 *
 * IRQControl_Get(irq, root, index, depth) makes the handler cap of one
 * interrupt line, a child of the IRQControl cap; a line has at most one
 * handler object at a time (copies of its cap are fine and name the same
 * line). IRQHandler_SetNotification binds the line to a notification,
 * IRQHandler_Ack unmasks it, IRQHandler_Clear unbinds and masks it. A line
 * is masked from boot, and again as each interrupt arrives, until its driver
 * acks it: a driver sees one interrupt per ack, never a storm.
 */
#include "kernel/object/irq.h"
#include <bastion/device.h>
#include "kernel/core/cdt.h"
#include "kernel/core/invoke.h"
#include "kernel/object/notification.h"
#include "kernel/object/objects.h"

struct irq_line {
    bool issued;           /* an IRQHandler cap for the line exists */
    uint64_t notification; /* physical address of the bound notification, 0 if none */
    uint64_t bits;         /* what an interrupt ORs into its word */
};

static struct irq_line lines[ARCH_IRQ_LINES];

static unsigned handler_irq(const struct cap *cap) { return (unsigned)cap->w2; }

/* ---- IRQControl */

static enum bst_error check_irq(struct invocation *inv, uint64_t irq)
{
    if (irq >= ARCH_IRQ_LINES)
        return inv_fail(inv, BST_E_RANGE, BST_IRQ_GET_IRQ, 0, ARCH_IRQ_LINES - 1, "no such interrupt line");
    if (arch_irq_reserved((unsigned)irq))
        return inv_fail(inv, BST_E_INVALID_ARG, BST_IRQ_GET_IRQ, irq, irq,
                        "the kernel keeps this interrupt line (PIC cascade or PIT)");
    if (lines[irq].issued)
        return inv_fail(inv, BST_E_REVOKE_FIRST, BST_IRQ_GET_IRQ, irq, irq,
                        "the line has a handler cap already");
    return BST_OK;
}

static enum bst_error irq_control_get(struct invocation *inv)
{
    enum bst_error e;
    if (!inv_has_args(inv, BST_IRQ_GET_ARGS, &e))
        return e;
    uint64_t irq = inv->mr[BST_IRQ_GET_IRQ];
    if ((e = check_irq(inv, irq)) != BST_OK)
        return e;
    struct slot *dest = inv_lookup_slot(inv, inv->mr[BST_IRQ_GET_ROOT], inv->mr[BST_IRQ_GET_INDEX],
                                        inv->mr[BST_IRQ_GET_DEPTH], BST_IRQ_GET_ROOT, &e);
    if (!dest)
        return e;
    if (!cap_is_null(&dest->cap))
        return inv_fail(inv, BST_E_DELETE_FIRST, BST_IRQ_GET_INDEX, 0, 0, "destination slot is not empty");
    struct cap c = cap_make(BST_OBJ_IRQ_HANDLER, BST_RIGHTS_ALL, 0, 0);
    c.w2 = irq;
    cap_set_flags(&c, CAP_FLAG_ORIGINAL);
    dest->cap = c;
    cdt_insert_child(inv->slot, dest);
    lines[irq] = (struct irq_line){.issued = true};
    return BST_OK;
}

enum bst_error irq_control_invoke(struct invocation *inv)
{
    if (inv->label == BST_IRQ_CONTROL_GET)
        return irq_control_get(inv);
    return inv_fail(inv, BST_E_NOT_SUPPORTED, BST_ARG_NONE, BST_IRQ_CONTROL_GET, BST_IRQ_CONTROL_GET,
                    "unknown IRQControl invocation");
}

/* ---- IRQHandler */

static enum bst_error irq_set_notification(struct invocation *inv, unsigned irq)
{
    enum bst_error e;
    if (!inv_has_args(inv, 1, &e))
        return e;
    struct slot *n = inv_lookup_typed(inv, inv->mr[0], BST_OBJ_NOTIFICATION, 0, &e);
    if (!n) /* includes the write right: the interrupt signals it */
        return e;
    /* The cap's badge says which interrupt it was; an unbadged cap signals bit irq. */
    lines[irq].notification = n->cap.paddr;
    lines[irq].bits = n->cap.w2 ? n->cap.w2 : 1ull << irq;
    return BST_OK;
}

static void irq_clear(unsigned irq)
{
    lines[irq].notification = 0;
    lines[irq].bits = 0;
    arch_irq_mask(irq);
}

enum bst_error irq_handler_invoke(struct invocation *inv)
{
    unsigned irq = handler_irq(&inv->slot->cap);
    switch (inv->label) {
    case BST_IRQ_HANDLER_SET_NOTIFICATION: return irq_set_notification(inv, irq);
    case BST_IRQ_HANDLER_ACK: arch_irq_unmask(irq); return BST_OK;
    case BST_IRQ_HANDLER_CLEAR: irq_clear(irq); return BST_OK;
    default:
        return inv_fail(inv, BST_E_NOT_SUPPORTED, BST_ARG_NONE, BST_IRQ_HANDLER_SET_NOTIFICATION,
                        BST_IRQ_HANDLER_CLEAR, "unknown IRQHandler invocation");
    }
}

/* The last handler cap is gone: the line is masked, unbound and free for IRQControl_Get. */
void irq_handler_finalise(const struct cap *cap)
{
    unsigned irq = handler_irq(cap);
    irq_clear(irq);
    lines[irq].issued = false;
}

/* ---- from the interrupt path and from notification deletion */

bool irq_signal(unsigned irq)
{
    if (irq >= ARCH_IRQ_LINES || !lines[irq].notification)
        return false;
    notification_signal(notification_at(lines[irq].notification), lines[irq].bits);
    return true;
}

void irq_unbind_notification(uint64_t paddr)
{
    for (unsigned i = 0; i < ARCH_IRQ_LINES; i++) {
        if (lines[i].notification == paddr) {
            lines[i].notification = 0;
            lines[i].bits = 0;
        }
    }
}
