/*
 * Endpoint objects. Retype hands them out zeroed, which is the idle state
 * with an empty queue, so they need no initialisation. IPC (Send, Recv,
 * Call, ReplyRecv) arrives in its own issue and uses the queue and state.
 */
#include "kernel/object/endpoint.h"
#include <bastion/error.h>
#include "kernel/object/objects.h"

struct endpoint *endpoint_of(const struct cap *cap) { return arch_phys_to_virt(cap->paddr); }

/*
 * The last cap is gone: every waiting thread (sender or receiver alike) wakes
 * with BST_E_INVALID_CAP, as if its cap had been invalid from the start.
 */
void endpoint_finalise(const struct cap *cap)
{
    struct endpoint *ep = endpoint_of(cap);
    thread_queue_cancel_all(&ep->queue, BST_E_INVALID_CAP);
    ep->state = ENDPOINT_IDLE;
}
