#include <bastion/ipc.h>
#include "kernel/core/ipc.h"
#include "kernel/core/cdt.h"
#include "kernel/core/cspace.h"
#include "kernel/core/exchange.h"
#include "kernel/core/sched.h"
#include "lib/string.h"

void ipc_block(struct tcb *t, struct thread_queue *q, enum ipc_wait why)
{
    sched_dequeue(t);
    t->ipc_wait = (uint8_t)why;
    if (q) {
        thread_queue_append(q, t);
    } else {
        t->blocked_on = 0;
        t->state = THREAD_BLOCKED;
    }
}

void ipc_unblock(struct tcb *t)
{
    if (t->blocked_on)
        thread_queue_remove(t);
    t->blocked_on = 0;
    t->ipc_wait = IPC_NONE;
    t->ipc_fault = false;
    t->state = THREAD_RUNNING;
    sched_enqueue(t);
}

void ipc_set_receive_result(struct tcb *t, uint64_t error, uint64_t badge, uint64_t msginfo,
                            const uint64_t words[4])
{
    arch_invocation_set_result(&t->context, error, msginfo, words);
    arch_set_badge(&t->context, badge);
}

void ipc_link_reply(struct tcb *caller, struct tcb *receiver)
{
    ipc_cut_reply_links(receiver); /* an unused reply cap is overwritten, as in seL4 */
    receiver->reply_to = caller;
    caller->replier = receiver;
}

void ipc_cut_reply_links(struct tcb *t)
{
    if (t->reply_to) {
        t->reply_to->replier = 0;
        t->reply_to = 0;
    }
    if (t->replier) {
        t->replier->reply_to = 0;
        t->replier = 0;
    }
}

/* The fault record as a message (abi/bastion/ipc.h). */
static uint64_t fault_message(const struct tcb *t, uint64_t words[BST_FAULT_WORDS])
{
    static const uint64_t labels[] = {BST_FAULT_PAGE, BST_FAULT_PROTECTION, BST_FAULT_INVALID_OPCODE,
                                      BST_FAULT_DIVIDE, BST_FAULT_OTHER};
    words[BST_FAULT_WORD_IP] = t->fault.ip;
    words[BST_FAULT_WORD_ADDRESS] = t->fault.address;
    words[BST_FAULT_WORD_ERROR] = t->fault.error_code;
    words[BST_FAULT_WORD_VECTOR] = t->fault.vector;
    words[BST_FAULT_WORD_SP] = arch_context_stack_pointer(&t->context);
    return bst_msginfo(labels[t->fault.kind], 0, BST_FAULT_WORDS);
}

/* Copies up to the message's caps into the receiver's receive slots; returns how many arrived. */
static unsigned transfer_caps(struct tcb *sender, struct tcb *receiver, unsigned count)
{
    struct bst_exchange *sx = arch_phys_to_virt(sender->exchange_paddr);
    struct bst_exchange *rx = arch_phys_to_virt(receiver->exchange_paddr);
    bst_cptr_t caps[BST_MSG_MAX_CAPS];
    memcpy(caps, sx->caps, sizeof(caps));
    uint64_t root = rx->receive_root, index = rx->receive_index, depth = rx->receive_depth;
    const struct cap *rroot = &receiver->cspace_root.cap;
    if (root) {
        struct lookup_result r = cspace_lookup(rroot, root, CSPACE_WORD_BITS, false);
        if (!r.slot || cap_type(&r.slot->cap) != BST_OBJ_CNODE)
            return 0;
        rroot = &r.slot->cap;
    }
    unsigned delivered = 0;
    for (; delivered < count; delivered++) {
        struct lookup_result src = cspace_lookup(&sender->cspace_root.cap, caps[delivered], CSPACE_WORD_BITS, false);
        struct lookup_result dst = cspace_lookup(rroot, index + delivered, (unsigned)depth, true);
        if (!src.slot || cap_is_null(&src.slot->cap) || cap_type(&src.slot->cap) == BST_OBJ_UNTYPED ||
            !dst.slot || dst.index == CNODE_RESERVED_INDEX || !cap_is_null(&dst.slot->cap))
            break; /* the first cap that cannot move ends the transfer */
        dst.slot->cap = src.slot->cap;
        cap_set_flags(&dst.slot->cap, cap_flags(&dst.slot->cap) & ~CAP_FLAG_ORIGINAL);
        if (cap_type(&dst.slot->cap) >= BST_OBJ_FRAME_4K && cap_type(&dst.slot->cap) <= BST_OBJ_PDPT)
            dst.slot->cap.w2 = dst.slot->cap.w3 = 0; /* a transferred copy starts unmapped */
        cdt_insert_child(src.slot, dst.slot);
    }
    return delivered;
}

void ipc_transfer(struct tcb *sender, struct tcb *receiver, uint64_t badge, bool grant)
{
    uint64_t words[BST_FAULT_WORDS > 4 ? BST_FAULT_WORDS : 4];
    uint64_t info;
    if (sender->ipc_fault) {
        info = fault_message(sender, words);
        exchange_copy_out(receiver, 4 * sizeof(uint64_t), words + 4, (BST_FAULT_WORDS - 4) * sizeof(uint64_t));
    } else {
        info = arch_message_registers(&sender->context, words);
        unsigned length = bst_msginfo_length(info);
        if (length > BST_MSG_MAX_WORDS)
            length = BST_MSG_MAX_WORDS;
        if (length > BST_MSG_REGISTER_WORDS) {
            /* Straight from one exchange frame to the other, through the physical map. */
            const uint8_t *from = arch_phys_to_virt(sender->exchange_paddr);
            exchange_copy_out(receiver, 4 * sizeof(uint64_t), from + 4 * sizeof(uint64_t),
                              (length - BST_MSG_REGISTER_WORDS) * sizeof(uint64_t));
        }
        unsigned caps = bst_msginfo_caps(info), delivered = 0;
        if (caps && grant && sender->exchange_paddr && receiver->exchange_paddr)
            delivered = transfer_caps(sender, receiver, caps);
        uint64_t dropped = caps && !grant ? BST_MSGINFO_CAPS_DROPPED : 0;
        info = bst_msginfo(bst_msginfo_label(info), delivered, length) | dropped;
    }
    ipc_set_receive_result(receiver, BST_OK, badge, info, words);
}
