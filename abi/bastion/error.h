/*
 * Bastion ABI: error codes and their structured detail.
 *
 * Every system call returns one of these in rax. On failure the kernel also
 * writes a struct bst_error_detail into the caller's exchange frame, saying
 * which argument was wrong and why, so user code can report more than a code.
 */
#ifndef BASTION_ABI_ERROR_H
#define BASTION_ABI_ERROR_H

#include <bastion/types.h>

enum bst_error {
    BST_OK = 0,
    BST_E_INVALID_CAP,       /* the capability address names no valid capability */
    BST_E_WRONG_TYPE,        /* the capability is of another object type */
    BST_E_RIGHTS,            /* the capability lacks a right the operation needs */
    BST_E_INVALID_ARG,       /* an argument is malformed */
    BST_E_RANGE,             /* an argument is outside [detail.min, detail.max] */
    BST_E_NO_MEMORY,         /* the untyped has not enough room left */
    BST_E_DELETE_FIRST,      /* the destination slot is not empty */
    BST_E_LOOKUP_FAILED,     /* cap lookup failed after detail.bits_resolved bits */
    BST_E_TRUNCATED,         /* the message did not fit */
    BST_E_NOT_SUPPORTED,     /* unknown system call or operation in this build */
    BST_E_REVOKE_FIRST,      /* the object still has derived capabilities */
    BST_E_ILLEGAL_OPERATION, /* the operation is not allowed in this state */
    BST_E_WOULD_BLOCK,       /* NBSend/NBRecv/Poll found no partner or nothing pending */
    BST_E_NO_EXCHANGE,       /* the call needs an exchange frame and the thread has none (no detail
                                can be written: there is nowhere to write it) */
    BST_E_PARTNER_GONE,      /* the thread that was to reply was deleted or stopped, or dropped
                                the reply capability, before it replied */
    BST_E_CALLEE_FAULT,      /* XCall: the callee faulted; the call unwound to the caller (detail.argument
                                = exception vector, detail.min = fault address, detail.max = its rip) */
    BST_E_COUNT,
};

/* Written to exchange->error on every failing call. No bitfields: plain words. */
struct bst_error_detail {
    uint64_t code;          /* enum bst_error, repeated for convenience */
    uint64_t argument;      /* index of the offending argument, or BST_ARG_NONE */
    uint64_t min;           /* allowed range for BST_E_RANGE */
    uint64_t max;
    uint64_t bits_resolved; /* for BST_E_LOOKUP_FAILED */
    uint64_t syscall;       /* the system call that failed */
};

#define BST_ARG_NONE UINT64_MAX

#endif
