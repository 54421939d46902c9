#include "kernel/core/exchange.h"
#include "lib/string.h"

static bool in_frame(size_t offset, size_t len)
{
    return offset <= BST_EXCHANGE_SIZE && len <= BST_EXCHANGE_SIZE - offset;
}

struct bst_exchange *exchange_of(const struct tcb *tcb)
{
    uint64_t paddr = tcb_exchange_paddr(tcb);
    return paddr ? arch_phys_to_virt(paddr) : 0;
}

bool exchange_copy_in(const struct tcb *tcb, size_t offset, void *dst, size_t len)
{
    uint8_t *frame = (uint8_t *)exchange_of(tcb);
    if (!frame || !in_frame(offset, len))
        return false;
    memcpy(dst, frame + offset, len);
    return true;
}

bool exchange_copy_out(const struct tcb *tcb, size_t offset, const void *src, size_t len)
{
    uint8_t *frame = (uint8_t *)exchange_of(tcb);
    if (!frame || !in_frame(offset, len))
        return false;
    memcpy(frame + offset, src, len);
    return true;
}

void exchange_write_error(const struct tcb *tcb, const struct bst_error_detail *detail)
{
    exchange_copy_out(tcb, offsetof(struct bst_exchange, error), detail, sizeof(*detail));
}
