/*
 * Invocations: a Call on a kernel object's capability with a label. The
 * message is copied into kernel memory once (registers, then exchange words)
 * before anything checks it; results are written back only on success.
 * Each object file implements one handler per label.
 */
#ifndef BASTION_CORE_INVOKE_H
#define BASTION_CORE_INVOKE_H

#include <bastion/error.h>
#include <bastion/exchange.h>
#include <bastion/invocation.h>
#include "kernel/object/cap.h"
#include "kernel/object/tcb.h"

struct invocation {
    struct tcb *caller;
    struct slot *slot;   /* the invoked capability's slot */
    uint64_t cptr;       /* its address, for log lines */
    uint64_t label;
    unsigned length;     /* message words supplied */
    uint64_t mr[BST_MSG_MAX_WORDS];
    unsigned out_length; /* result words */
    uint64_t out[BST_MSG_MAX_WORDS];
    struct bst_error_detail detail;
};

/* Fails an invocation: records the detail (and, in debug builds, logs why). */
enum bst_error inv_fail(struct invocation *inv, enum bst_error code, uint64_t argument,
                        uint64_t min, uint64_t max, const char *why);
enum bst_error inv_fail_lookup(struct invocation *inv, uint64_t argument, unsigned bits_resolved,
                               const char *why);

/* Checks that at least n message words were supplied. Handlers call it before
 * reading any word: words past the caller's length are stale. */
bool inv_has_args(struct invocation *inv, unsigned n, enum bst_error *error);

/* Looks up a capability by address in the caller's CSpace (depth 64). */
struct slot *inv_lookup_cap(struct invocation *inv, uint64_t cptr, uint64_t argument,
                            enum bst_error *error);
/*
 * Rights (abi/bastion/rights.h is the one table): invoke_syscall checks the
 * invoked cap before the handler runs; inv_lookup_typed checks each
 * capability argument, inv_lookup_slot(_in) the CNode holding an addressed
 * slot. Handlers check no rights of their own, except what the table cannot
 * say (Frame_Map's rights argument against the frame cap's rights).
 */
/* Fails with BST_E_RIGHTS (detail: argument, the rights needed) if cap lacks what word `argument` needs. */
bool inv_check_cap_rights(struct invocation *inv, const struct cap *cap, uint64_t argument, enum bst_error *error);
/* Looks up a capability of one type; fails with BST_E_WRONG_TYPE otherwise, BST_E_RIGHTS without its rights. */
struct slot *inv_lookup_typed(struct invocation *inv, uint64_t cptr, enum bst_object_type type,
                              uint64_t argument, enum bst_error *error);
/* Looks up a slot by (root CNode cptr at word argument, index, depth), exactly. */
struct slot *inv_lookup_slot(struct invocation *inv, uint64_t root_cptr, uint64_t index,
                             uint64_t depth, uint64_t argument, enum bst_error *error);
/* The same, relative to a CNode cap already in hand. */
struct slot *inv_lookup_slot_in(struct invocation *inv, const struct cap *root, uint64_t index,
                                uint64_t depth, uint64_t argument, enum bst_error *error);

/* One handler per object type. */
enum bst_error untyped_invoke(struct invocation *inv);
enum bst_error cnode_invoke(struct invocation *inv);
enum bst_error tcb_invoke(struct invocation *inv);
enum bst_error frame_invoke(struct invocation *inv);
enum bst_error page_table_invoke(struct invocation *inv);
enum bst_error irq_control_invoke(struct invocation *inv);
enum bst_error irq_handler_invoke(struct invocation *inv);
enum bst_error ioport_control_invoke(struct invocation *inv);
enum bst_error ioport_invoke(struct invocation *inv);
enum bst_error machine_control_invoke(struct invocation *inv);
enum bst_error asid_control_invoke(struct invocation *inv);
enum bst_error asid_pool_invoke(struct invocation *inv);

/* The Call system call on a kernel object: rdi = cptr, rsi = msginfo, rdx/r10/r8/r9 = words 0-3. */
void invoke_syscall(struct tcb *caller, uint64_t cptr, uint64_t msginfo, const uint64_t reg_words[4]);

#endif
