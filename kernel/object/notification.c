/*
 * Notification objects. Retype hands them out zeroed: no pending bits, no
 * waiters, no bound thread. IRQ handlers point at one by physical address
 * (kernel/object/irq.c), so the object's death also drops those bindings.
 */
#include "kernel/object/notification.h"
#include <bastion/error.h>
#include "kernel/object/irq.h"
#include "kernel/object/objects.h"

struct notification *notification_at(uint64_t paddr) { return arch_phys_to_virt(paddr); }

void notification_add_bits(uint64_t paddr, uint64_t bits) { notification_at(paddr)->word |= bits; }

/*
 * The last cap is gone: waiters wake with BST_E_INVALID_CAP, and no IRQ may
 * signal the memory any more (it can become another object after a revoke).
 */
void notification_finalise(const struct cap *cap)
{
    struct notification *n = notification_at(cap->paddr);
    thread_queue_cancel_all(&n->waiters, BST_E_INVALID_CAP);
    irq_unbind_notification(cap->paddr);
    n->word = 0;
    n->bound_tcb = 0;
}
