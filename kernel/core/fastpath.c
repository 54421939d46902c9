/*
 * The IPC fastpath: Call and ReplyRecv whose message fits in the four
 * message registers, carries no capability, and whose partner is already
 * waiting with a priority that lets the kernel switch straight to it. It
 * does exactly what the slow path (kernel/object/endpoint.c) does for that
 * case, in fewer steps; anything else returns false and takes the slow path.
 * The in-QEMU suite checks that both paths give the same results.
 */
#include <bastion/ipc.h>
#include "kernel/core/fastpath.h"
#include "kernel/core/cspace.h"
#include "kernel/core/ipc.h"
#include "kernel/core/sched.h"
#include "kernel/object/endpoint.h"
#include "kernel/object/notification.h"

uint64_t fastpath_hits;

static bool register_only(uint64_t msginfo)
{
    return bst_msginfo_length(msginfo) <= BST_MSG_REGISTER_WORDS && bst_msginfo_caps(msginfo) == 0;
}

/*
 * The endpoint cap at cptr if the CSpace is a single CNode resolving all 64
 * bits (the usual case) and the cap is an endpoint with the right; else NULL
 * and the slow path does the general lookup and reports any error.
 */
static const struct cap *endpoint_with(const struct tcb *t, uint64_t cptr, unsigned right)
{
    const struct cap *root = tcb_cspace(t);
    unsigned radix = cap_size_bits(root);
    if (cap_type(root) != BST_OBJ_CNODE || radix + cap_guard_bits(root) != CSPACE_WORD_BITS ||
        (cptr >> radix) != root->w2)
        return 0;
    const struct cap *c = &cnode_slots(root)[cptr & ((1ull << radix) - 1)].cap;
    if (cap_type(c) != BST_OBJ_ENDPOINT || !(cap_rights(c) & right))
        return 0;
    return c;
}

/*
 * Delivers a register-only message and switches straight to `to`: `from` was
 * the current (so highest-priority) thread and `to` is at least as high, so
 * `to` is now the one the scheduler would pick; no scheduler pass is needed.
 */
static void deliver_and_switch(struct tcb *from, struct tcb *to, uint64_t badge, uint64_t msginfo,
                               const uint64_t words[4])
{
    uint64_t info = bst_msginfo(bst_msginfo_label(msginfo), 0, bst_msginfo_length(msginfo));
    ipc_set_receive_result(to, BST_OK, badge, info, words);
    to->ipc_wait = IPC_NONE;
    to->state = THREAD_RUNNING;
    sched_switch_direct(from, to);
#ifdef BASTION_DEBUG
    fastpath_hits++; /* tests check that the fastpath is taken */
#endif
}

bool fastpath_call(struct tcb *caller, uint64_t cptr, uint64_t msginfo, const uint64_t words[4])
{
    if (!register_only(msginfo))
        return false;
    const struct cap *c = endpoint_with(caller, cptr, BST_RIGHT_WRITE);
    if (!c)
        return false;
    struct endpoint *ep = endpoint_of(c);
    struct tcb *server = ep->queue.head;
    if (!server || server->ipc_wait != IPC_RECV || server->priority < caller->priority ||
        server->reply_to)
        return false; /* an unused reply cap would wake its caller: the slow path does that */
    thread_queue_remove(server);
    caller->ipc_grant_reply = cap_rights(c) & BST_RIGHT_GRANT_REPLY;
    ipc_link_reply(caller, server);
    caller->ipc_wait = IPC_REPLY;
    caller->blocked_on = 0;
    caller->state = THREAD_BLOCKED; /* it leaves the ready queue in the switch */
    deliver_and_switch(caller, server, c->w2, msginfo, words);
    return true;
}

bool fastpath_reply_recv(struct tcb *server, uint64_t cptr, uint64_t msginfo, const uint64_t words[4])
{
    struct tcb *client = server->reply_to;
    if (!register_only(msginfo) || !client || client->ipc_fault || client->priority < server->priority)
        return false;
    const struct cap *c = endpoint_with(server, cptr, BST_RIGHT_READ);
    if (!c)
        return false;
    struct endpoint *ep = endpoint_of(c);
    if ((ep->queue.head && ep->queue.head->ipc_wait == IPC_SEND) ||
        (server->bound_notification && server->bound_notification->word))
        return false; /* something is waiting for the server: the slow path receives it */
    ipc_cut_reply_links(server);
    server->ipc_wait = IPC_RECV;
    thread_queue_append(&ep->queue, server); /* it leaves the ready queue in the switch */
    deliver_and_switch(server, client, 0, msginfo, words);
    return true;
}
