#include "kernel/core/invoke.h"
#include <bastion/rights.h>
#include <bastion/syscall.h>
#include "kernel/core/cspace.h"
#include "kernel/core/delete.h"
#include "kernel/core/exchange.h"
#include "kernel/object/relay.h"
#include "kernel/object/xentry.h"
#include "kernel/lib/log.h"
#include "lib/string.h"

enum bst_error inv_fail(struct invocation *inv, enum bst_error code, uint64_t argument,
                        uint64_t min, uint64_t max, const char *why)
{
    inv->detail = (struct bst_error_detail){.code = code, .argument = argument, .min = min, .max = max};
    log_debug("invoke: %s: cap %#llx label %llu: %s (argument %lld)", inv->caller->name,
              (unsigned long long)inv->cptr, (unsigned long long)inv->label, why,
              (long long)argument);
    (void)why;
    return code;
}

enum bst_error inv_fail_lookup(struct invocation *inv, uint64_t argument, unsigned bits_resolved,
                               const char *why)
{
    enum bst_error e = inv_fail(inv, BST_E_LOOKUP_FAILED, argument, 0, 0, why);
    inv->detail.bits_resolved = bits_resolved;
    return e;
}

bool inv_has_args(struct invocation *inv, unsigned n, enum bst_error *error)
{
    if (inv->length >= n)
        return true;
    *error = inv_fail(inv, BST_E_TRUNCATED, BST_ARG_NONE, n, BST_MSG_MAX_WORDS,
                      "too few message words for this invocation");
    return false;
}

static const struct cap *cspace_root_of(const struct tcb *tcb) { return tcb_cspace(tcb); }

struct slot *inv_lookup_cap(struct invocation *inv, uint64_t cptr, uint64_t argument, enum bst_error *error)
{
    struct lookup_result r = cspace_lookup(cspace_root_of(inv->caller), cptr, CSPACE_WORD_BITS, false);
    if (!r.slot) {
        *error = inv_fail_lookup(inv, argument, r.bits_resolved, "capability lookup failed");
        return 0;
    }
    if (cap_is_null(&r.slot->cap)) {
        *error = inv_fail(inv, BST_E_INVALID_CAP, argument, 0, 0, "empty slot");
        return 0;
    }
    return r.slot;
}

struct slot *inv_lookup_typed(struct invocation *inv, uint64_t cptr, enum bst_object_type type,
                              uint64_t argument, enum bst_error *error)
{
    struct slot *s = inv_lookup_cap(inv, cptr, argument, error);
    if (s && cap_type(&s->cap) != type) {
        *error = inv_fail(inv, BST_E_WRONG_TYPE, argument, type, type, "capability of the wrong type");
        return 0;
    }
    /* Every capability argument is named by a cptr and comes through here: its right is checked once. */
    if (s && !inv_check_cap_rights(inv, &s->cap, argument, error))
        return 0;
    return s;
}

/* The rights cap lacks of need; 0 if it has them all. */
static unsigned missing(const struct cap *cap, unsigned need) { return need & ~cap_rights(cap); }

static enum bst_error fail_rights(struct invocation *inv, uint64_t argument, unsigned need, const char *why)
{
    return inv_fail(inv, BST_E_RIGHTS, argument, need, need, why);
}

bool inv_check_cap_rights(struct invocation *inv, const struct cap *cap, uint64_t argument, enum bst_error *error)
{
    unsigned need = bst_cap_arg_rights(inv->label, argument);
    if (!missing(cap, need))
        return true;
    *error = fail_rights(inv, argument, need, "a capability argument lacks a right (abi/bastion/rights.h)");
    return false;
}

/*
 * A slot address: the CNode that holds the slot needs `need` as well as the
 * root, so a read-only CNode cap stored in a writable CNode is no way to
 * write into its CNode. CNodes only walked through need nothing, as in every
 * cptr lookup.
 */
static struct slot *lookup_slot_needing(struct invocation *inv, const struct cap *root, uint64_t index,
                                        uint64_t depth, uint64_t argument, unsigned need, enum bst_error *error)
{
    if (depth == 0 || depth > CSPACE_WORD_BITS) {
        *error = inv_fail(inv, BST_E_RANGE, argument + 1, 1, CSPACE_WORD_BITS, "depth out of range");
        return 0;
    }
    struct lookup_result r = cspace_lookup(root, index, (unsigned)depth, true);
    if (!r.slot) {
        *error = inv_fail_lookup(inv, argument, r.bits_resolved, "slot lookup failed");
        return 0;
    }
    if (r.index == CNODE_RESERVED_INDEX) {
        *error = inv_fail(inv, BST_E_RANGE, argument, 1, BST_ARG_NONE, "slot 0 of a CNode is reserved");
        return 0;
    }
    if (r.node != root && missing(r.node, need)) {
        *error = fail_rights(inv, argument, need, "the CNode cap that holds the slot lacks a right");
        return 0;
    }
    return r.slot;
}

/* Only slots addressed from the invoked CNode need a right here (the invoked cap's, checked already). */
struct slot *inv_lookup_slot_in(struct invocation *inv, const struct cap *root, uint64_t index,
                                uint64_t depth, uint64_t argument, enum bst_error *error)
{
    const struct bst_invocation_rights *r = bst_invocation_rights(inv->label);
    unsigned need = root == &inv->slot->cap && r ? r->invoked : 0;
    return lookup_slot_needing(inv, root, index, depth, argument, need, error);
}

/* The root (word `argument`) needs the right the table lists for it, and so does the CNode holding the slot. */
struct slot *inv_lookup_slot(struct invocation *inv, uint64_t root_cptr, uint64_t index,
                             uint64_t depth, uint64_t argument, enum bst_error *error)
{
    struct slot *root = inv_lookup_typed(inv, root_cptr, BST_OBJ_CNODE, argument, error);
    if (!root)
        return 0;
    return lookup_slot_needing(inv, &root->cap, index, depth, argument + 1,
                               bst_cap_arg_rights(inv->label, argument), error);
}

/*
 * The one check of the invoked cap, before its object's handler runs. A
 * label that does not apply to the cap's type is left to the handler, which
 * refuses it with BST_E_NOT_SUPPORTED.
 */
static enum bst_error check_invoked_rights(struct invocation *inv)
{
    const struct bst_invocation_rights *r = bst_invocation_rights(inv->label);
    const struct cap *c = &inv->slot->cap;
    if (!r || !(r->objects & BST_OBJ_BIT(cap_type(c))) || !missing(c, r->invoked))
        return BST_OK;
    return fail_rights(inv, BST_ARG_NONE, r->invoked,
                       "the invoked cap lacks a right this invocation needs (abi/bastion/rights.h)");
}

static enum bst_error dispatch(struct invocation *inv)
{
    switch (cap_type(&inv->slot->cap)) {
    case BST_OBJ_UNTYPED: return untyped_invoke(inv);
    case BST_OBJ_CNODE: return cnode_invoke(inv);
    case BST_OBJ_TCB: return tcb_invoke(inv);
    case BST_OBJ_FRAME_4K:
    case BST_OBJ_FRAME_2M: return frame_invoke(inv);
    case BST_OBJ_PAGE_TABLE:
    case BST_OBJ_PAGE_DIRECTORY:
    case BST_OBJ_PDPT:
    case BST_OBJ_PML4: return page_table_invoke(inv);
    case BST_OBJ_IRQ_CONTROL: return irq_control_invoke(inv);
    case BST_OBJ_IRQ_HANDLER: return irq_handler_invoke(inv);
    case BST_OBJ_IOPORT_CONTROL: return ioport_control_invoke(inv);
    case BST_OBJ_IOPORT: return ioport_invoke(inv);
    case BST_OBJ_MACHINE_CONTROL: return machine_control_invoke(inv);
    case BST_OBJ_ASID_CONTROL: return asid_control_invoke(inv);
    case BST_OBJ_ASID_POOL: return asid_pool_invoke(inv);
    case BST_OBJ_RELAY_SEGMENT: return relay_segment_invoke(inv);
    case BST_OBJ_XENTRY_TABLE: return xentry_table_invoke(inv);
    case BST_OBJ_XENTRY: return xentry_invoke(inv);
    default:
        return inv_fail(inv, BST_E_NOT_SUPPORTED, BST_ARG_NONE, 0, 0,
                        "this object type has no invocations");
    }
}

/* Copies the message in once: register words, then the rest from the exchange frame. */
static bool copy_message_in(struct invocation *inv, const uint64_t reg_words[4])
{
    unsigned n = inv->length;
    unsigned in_regs = n < BST_MSG_REGISTER_WORDS ? n : BST_MSG_REGISTER_WORDS;
    memcpy(inv->mr, reg_words, in_regs * sizeof(uint64_t));
    if (n > BST_MSG_REGISTER_WORDS)
        return exchange_copy_in(inv->caller, BST_MSG_REGISTER_WORDS * sizeof(uint64_t),
                                inv->mr + BST_MSG_REGISTER_WORDS,
                                (n - BST_MSG_REGISTER_WORDS) * sizeof(uint64_t));
    return true;
}

static void copy_results_out(struct invocation *inv, uint64_t reg_out[4])
{
    unsigned n = inv->out_length;
    for (unsigned i = 0; i < BST_MSG_REGISTER_WORDS; i++)
        reg_out[i] = i < n ? inv->out[i] : 0;
    if (n > BST_MSG_REGISTER_WORDS)
        exchange_copy_out(inv->caller, BST_MSG_REGISTER_WORDS * sizeof(uint64_t),
                          inv->out + BST_MSG_REGISTER_WORDS,
                          (n - BST_MSG_REGISTER_WORDS) * sizeof(uint64_t));
}

static struct invocation current_invocation; /* one CPU, kernel not reentrant */

/*
 * Copies the request in once. Words past length keep whatever an earlier call
 * left there: every handler checks inv_has_args() for the words it reads, so
 * it never looks past what this caller sent.
 */
static enum bst_error read_request(struct invocation *inv, uint64_t msginfo, const uint64_t reg_words[4])
{
    inv->label = bst_msginfo_label(msginfo);
    inv->length = bst_msginfo_length(msginfo);
    if (inv->length > BST_MSG_MAX_WORDS)
        return inv_fail(inv, BST_E_RANGE, BST_ARG_NONE, 0, BST_MSG_MAX_WORDS, "message too long");
    if (!copy_message_in(inv, reg_words))
        return inv_fail(inv, BST_E_NO_EXCHANGE, BST_ARG_NONE, 0, BST_MSG_REGISTER_WORDS,
                        "words beyond the registers, but no exchange frame");
    return BST_OK;
}

void invoke_syscall(struct tcb *caller, uint64_t cptr, uint64_t msginfo, const uint64_t reg_words[4])
{
    /* Only the header is reset: results are read only up to out_length. */
    struct invocation *inv = &current_invocation;
    inv->slot = 0;
    inv->out_length = 0;
    inv->detail = (struct bst_error_detail){0};
    inv->caller = caller;
    inv->cptr = cptr;
    /* Destruction a preempted call left behind comes first, before any lookup
     * (it may empty slots), and a preemption point here restarts this call too. */
    enum bst_error e = delete_finish_pending() ? read_request(inv, msginfo, reg_words) : E_PREEMPTED;
    if (e == BST_OK && (inv->slot = inv_lookup_cap(inv, cptr, BST_ARG_NONE, &e)) &&
        (e = check_invoked_rights(inv)) == BST_OK)
        e = dispatch(inv);
    if (e == E_PREEMPTED) {
        arch_context_restart_syscall(&caller->context); /* progress is in the objects */
        return;
    }
    uint64_t out[4] = {0, 0, 0, 0};
    if (e == BST_OK)
        copy_results_out(inv, out);
    arch_invocation_set_result(&caller->context, e, bst_msginfo(0, 0, e == BST_OK ? inv->out_length : 0), out);
    if (e != BST_OK) {
        inv->detail.syscall = BST_SYS_CALL;
        exchange_write_error(caller, &inv->detail);
    }
}
