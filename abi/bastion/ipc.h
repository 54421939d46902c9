/*
 * Bastion ABI: IPC, notifications and fault messages.
 *
 * Send, NBSend, Call (on an endpoint):
 *   rdi = endpoint cptr, rsi = message info, rdx, r10, r8, r9 = words 0..3,
 *   words 4.. in exchange->msg[4..], capabilities to send in exchange->caps[].
 * Recv, NBRecv:  rdi = endpoint (or notification) cptr.
 * Reply:         rsi = message info, rdx, r10, r8, r9 = words (to the last caller).
 * ReplyRecv:     rdi = endpoint cptr, and the Reply registers.
 * Results of a receive (Recv, NBRecv, Call's reply, ReplyRecv):
 *   rax = error, rdi = badge (or notification bits), rsi = message info,
 *   rdx, r10, r8, r9 = words 0..3, words 4.. in exchange->msg[4..].
 * Signal: rdi = notification cptr.   Wait, Poll: rdi = notification cptr;
 *   result rdi = the bits (cleared by both; Poll never blocks and returns
 *   BST_E_WOULD_BLOCK when none are pending).
 */
#ifndef BASTION_ABI_IPC_H
#define BASTION_ABI_IPC_H

#include <bastion/invocation.h>

/* Extra message-info bits on a received message. */
#define BST_MSGINFO_CAPS_DROPPED (1ull << 9)   /* caps were sent without Grant: none arrived */
#define BST_MSGINFO_NOTIFICATION (1ull << 10)  /* woken by the bound notification; rdi = bits */

/* Fault messages: the label says what happened; words as below. */
enum bst_fault_label {
    BST_FAULT_PAGE = 0xF001,
    BST_FAULT_PROTECTION,     /* general protection: privileged instruction, I/O port */
    BST_FAULT_INVALID_OPCODE,
    BST_FAULT_DIVIDE,
    BST_FAULT_OTHER,
};
enum bst_fault_word {
    BST_FAULT_WORD_IP,        /* the faulting instruction */
    BST_FAULT_WORD_ADDRESS,   /* page faults: the address */
    BST_FAULT_WORD_ERROR,     /* the CPU's error code */
    BST_FAULT_WORD_VECTOR,
    BST_FAULT_WORD_SP,
    BST_FAULT_WORDS,
};
/* The fault handler's reply: label 0 resumes the thread (re-running the
 * faulting instruction), BST_FAULT_REPLY_STOP leaves it stopped. */
#define BST_FAULT_REPLY_RESUME 0
#define BST_FAULT_REPLY_STOP 1

#endif
