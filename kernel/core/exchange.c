#include "kernel/core/exchange.h"
#include "lib/string.h"

static uint8_t *frame(const struct tcb *tcb) { return arch_phys_to_virt(tcb->exchange_paddr); }

static bool in_frame(size_t offset, size_t len)
{
    return offset <= BST_EXCHANGE_SIZE && len <= BST_EXCHANGE_SIZE - offset;
}

bool exchange_copy_in(const struct tcb *tcb, size_t offset, void *dst, size_t len)
{
    if (!tcb->exchange_paddr || !in_frame(offset, len))
        return false;
    memcpy(dst, frame(tcb) + offset, len);
    return true;
}

bool exchange_copy_out(const struct tcb *tcb, size_t offset, const void *src, size_t len)
{
    if (!tcb->exchange_paddr || !in_frame(offset, len))
        return false;
    memcpy(frame(tcb) + offset, src, len);
    return true;
}

void exchange_write_error(const struct tcb *tcb, const struct bst_error_detail *detail)
{
    exchange_copy_out(tcb, offsetof(struct bst_exchange, error), detail, sizeof(*detail));
}
