#include "user/lib/device.h"

uint64_t bst_irq_control_get(bst_cptr_t irq_control, uint64_t irq, bst_cptr_t root, uint64_t index,
                             uint64_t depth)
{
    uint64_t w[BST_IRQ_GET_ARGS] = {[BST_IRQ_GET_IRQ] = irq, [BST_IRQ_GET_ROOT] = root,
                                    [BST_IRQ_GET_INDEX] = index, [BST_IRQ_GET_DEPTH] = depth};
    return bst_invoke(irq_control, BST_IRQ_CONTROL_GET, BST_IRQ_GET_ARGS, w, 0);
}

uint64_t bst_irq_handler_set_notification(bst_cptr_t handler, bst_cptr_t notification)
{
    uint64_t w[1] = {notification};
    return bst_invoke(handler, BST_IRQ_HANDLER_SET_NOTIFICATION, 1, w, 0);
}

uint64_t bst_irq_handler_ack(bst_cptr_t handler) { return bst_invoke(handler, BST_IRQ_HANDLER_ACK, 0, 0, 0); }

uint64_t bst_irq_handler_clear(bst_cptr_t handler) { return bst_invoke(handler, BST_IRQ_HANDLER_CLEAR, 0, 0, 0); }

uint64_t bst_ioport_control_issue(bst_cptr_t ioport_control, uint64_t first, uint64_t last, bst_cptr_t root,
                                  uint64_t index, uint64_t depth)
{
    uint64_t w[BST_IOPORT_ISSUE_ARGS] = {[BST_IOPORT_ISSUE_FIRST] = first, [BST_IOPORT_ISSUE_LAST] = last,
                                         [BST_IOPORT_ISSUE_ROOT] = root, [BST_IOPORT_ISSUE_INDEX] = index,
                                         [BST_IOPORT_ISSUE_DEPTH] = depth};
    return bst_invoke(ioport_control, BST_IOPORT_CONTROL_ISSUE, BST_IOPORT_ISSUE_ARGS, w, 0);
}

uint64_t bst_ioport_bind(bst_cptr_t ioport, bst_cptr_t vspace)
{
    uint64_t w[] = {vspace};
    return bst_invoke(ioport, BST_IOPORT_BIND, 1, w, 0);
}

uint64_t bst_ioport_unbind(bst_cptr_t ioport, bst_cptr_t vspace)
{
    uint64_t w[] = {vspace};
    return bst_invoke(ioport, BST_IOPORT_UNBIND, 1, w, 0);
}
