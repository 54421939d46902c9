#include <bastion/ipc.h>
#include "kernel/core/ipc.h"
#include "kernel/core/cdt.h"
#include "kernel/core/cspace.h"
#include "kernel/core/exchange.h"
#include "kernel/core/sched.h"
#include "kernel/lib/log.h"
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

void ipc_fail(struct tcb *t, enum bst_error error, uint64_t argument)
{
    static const uint64_t no_words[4];
    struct bst_error_detail d = {.code = error, .argument = argument,
                                 .syscall = arch_syscall_number(&t->context)};
    log_debug("ipc: %s: call %llu failed with error %u", t->name, (unsigned long long)d.syscall, error);
    ipc_set_receive_result(t, error, 0, 0, no_words);
    exchange_write_error(t, &d);
}

/*
 * Nobody will reply to t any more (a partner died or dropped the reply
 * capability). A caller wakes with BST_E_PARTNER_GONE rather than wait
 * forever; a thread whose fault nobody will handle stays stopped (FAULTED),
 * and TCB_Resume re-runs the faulting instruction.
 */
static void abandon_caller(struct tcb *t)
{
    bool faulted = t->ipc_fault;
    t->replier = 0;
    if (faulted) {
        t->ipc_fault = false;
        t->ipc_wait = IPC_NONE;
        t->state = THREAD_FAULTED;
        return;
    }
    ipc_fail(t, BST_E_PARTNER_GONE, BST_ARG_NONE);
    ipc_unblock(t);
}

void ipc_link_reply(struct tcb *caller, struct tcb *receiver)
{
    ipc_abandon_reply(receiver); /* an unused reply cap is overwritten, as in seL4 */
    receiver->reply_to = caller;
    caller->replier = receiver;
}

void ipc_abandon_reply(struct tcb *t)
{
    struct tcb *caller = t->reply_to;
    ipc_cut_reply_links(t);
    if (caller)
        abandon_caller(caller);
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
    const struct bst_exchange *sx = exchange_of(sender), *rx = exchange_of(receiver);
    if (!sx || !rx)
        return 0; /* the cptrs and the receive slots live in the exchange frames */
    bst_cptr_t caps[BST_MSG_MAX_CAPS];
    memcpy(caps, sx->caps, sizeof(caps));
    uint64_t root = rx->receive_root, index = rx->receive_index, depth = rx->receive_depth;
    const struct cap *rroot = tcb_cspace(receiver);
    if (root) {
        struct lookup_result r = cspace_lookup(rroot, root, CSPACE_WORD_BITS, false);
        if (!r.slot || cap_type(&r.slot->cap) != BST_OBJ_CNODE)
            return 0;
        rroot = &r.slot->cap;
    }
    unsigned delivered = 0;
    for (; delivered < count; delivered++) {
        struct lookup_result src = cspace_lookup(tcb_cspace(sender), caps[delivered], CSPACE_WORD_BITS, false);
        struct lookup_result dst = cspace_lookup(rroot, index + delivered, (unsigned)depth, true);
        if (!src.slot || cap_is_null(&src.slot->cap) || cap_type(&src.slot->cap) == BST_OBJ_UNTYPED ||
            !dst.slot || dst.index == CNODE_RESERVED_INDEX || !cap_is_null(&dst.slot->cap) ||
            !(cap_rights(dst.node) & BST_RIGHT_WRITE))
            break; /* the first cap that cannot move ends the transfer (a read-only CNode takes none) */
        dst.slot->cap = src.slot->cap;
        cap_set_flags(&dst.slot->cap, cap_flags(&dst.slot->cap) & ~CAP_FLAG_ORIGINAL);
        if (cap_type(&dst.slot->cap) >= BST_OBJ_FRAME_4K && cap_type(&dst.slot->cap) <= BST_OBJ_PDPT)
            dst.slot->cap.w2 = dst.slot->cap.w3 = 0; /* a transferred copy starts unmapped */
        cdt_insert_child(src.slot, dst.slot);
    }
    return delivered;
}

/*
 * How many words can travel: words past the registers go from exchange frame
 * to exchange frame, so a side without one (never configured, or its frame's
 * cap deleted while it waited) gets or gives only the register words, as
 * seL4 does with a missing IPC buffer. The message info says what arrived.
 */
static unsigned deliverable_words(const struct tcb *sender, const struct tcb *receiver, unsigned length)
{
    if (length > BST_MSG_MAX_WORDS)
        length = BST_MSG_MAX_WORDS; /* refused at the system call; a fault message is never longer */
    if (length > BST_MSG_REGISTER_WORDS && (!exchange_of(receiver) || (sender && !exchange_of(sender))))
        length = BST_MSG_REGISTER_WORDS;
    return length;
}

void ipc_transfer(struct tcb *sender, struct tcb *receiver, uint64_t badge, bool grant)
{
    uint64_t words[BST_FAULT_WORDS > 4 ? BST_FAULT_WORDS : 4];
    uint64_t info;
    const size_t beyond = BST_MSG_REGISTER_WORDS * sizeof(uint64_t);
    if (sender->ipc_fault) {
        info = fault_message(sender, words);
        unsigned length = deliverable_words(0, receiver, bst_msginfo_length(info));
        if (length > BST_MSG_REGISTER_WORDS)
            exchange_copy_out(receiver, beyond, words + 4, (length - BST_MSG_REGISTER_WORDS) * sizeof(uint64_t));
        info = bst_msginfo(bst_msginfo_label(info), 0, length);
    } else {
        info = arch_message_registers(&sender->context, words);
        unsigned length = deliverable_words(sender, receiver, bst_msginfo_length(info));
        if (length > BST_MSG_REGISTER_WORDS) {
            /* Straight from one exchange frame to the other, through the physical map. */
            const uint8_t *from = (const uint8_t *)exchange_of(sender);
            exchange_copy_out(receiver, beyond, from + beyond, (length - BST_MSG_REGISTER_WORDS) * sizeof(uint64_t));
        }
        unsigned caps = bst_msginfo_caps(info), delivered = 0;
        if (caps && grant)
            delivered = transfer_caps(sender, receiver, caps);
        uint64_t dropped = caps && !grant ? BST_MSGINFO_CAPS_DROPPED : 0;
        info = bst_msginfo(bst_msginfo_label(info), delivered, length) | dropped;
    }
    ipc_set_receive_result(receiver, BST_OK, badge, info, words);
}
