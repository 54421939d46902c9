/*
 * Link stacks (object/linkstack.c): a thread's XCalls in flight, one linkage
 * record each, in kernel memory made by Retype. Record 0 is the header (the
 * thread it is bound to), so a link stack of 2^size_bits records holds
 * 2^size_bits - 1 calls. Returning (XRet) and unwinding (a callee fault, a
 * callee destroyed, the thread's bindings deleted) happen here.
 */
#ifndef BASTION_OBJECT_LINKSTACK_H
#define BASTION_OBJECT_LINKSTACK_H

#include <bastion/relay.h>
#include "kernel/core/invoke.h"

struct __attribute__((aligned(1u << BST_LINK_RECORD_BITS))) link_record {
    struct arch_call_frame caller; /* where and how the caller resumes */
    uint64_t caller_view;          /* the caller's view of the segment */
    uint32_t entry;                /* the callee's entry number */
    uint32_t stack_slot;           /* the callee's stack for this call */
    struct arch_call_start callee; /* where the callee started (XCall's direct exit reads it) */
};
_Static_assert(sizeof(struct link_record) == (1u << BST_LINK_RECORD_BITS), "records index as an array of the stack");

/* Calls the thread's link stack holds at most (0 without one). */
uint32_t link_stack_capacity(const struct tcb *t);
/* The record of call number `depth` (1 = the outermost); the caller checked the capacity. */
struct link_record *link_stack_record(const struct tcb *t, uint32_t depth);
/*
 * Returns from the top call with error and results; callers whose address
 * space is gone are unwound too, each with BST_E_PARTNER_GONE. `detail` is
 * written to the exchange frame when error is not BST_OK.
 */
void link_stack_return(struct tcb *t, uint64_t error, const uint64_t results[4], const struct bst_error_detail *detail);
/* A fault inside an XCall: the call unwinds to its caller (core/fault.c). */
void link_stack_unwind_fault(struct tcb *t, const struct fault_info *fault);
/*
 * Every call of the thread ends (the thread or a binding dies): stacks
 * released, the outermost caller resumed with BST_E_PARTNER_GONE. table and
 * stack are the thread's bindings (one may have just left its slot).
 */
void link_stack_unwind_all(struct tcb *t, const struct cap *table, const struct cap *stack);

enum bst_error link_stack_set_relay(struct invocation *inv, struct tcb *t); /* TCB_SetRelay */
void link_stack_cap_deleted(const struct cap *cap, struct slot *slot);

#endif
