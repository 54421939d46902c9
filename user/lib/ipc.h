/*
 * IPC from user level (abi/bastion/ipc.h): Send, NBSend, Call, Recv, NBRecv,
 * Reply, ReplyRecv, Yield. The first four message words travel in registers;
 * words 4.. go through bst_exchange->msg, capabilities through
 * bst_exchange->caps (send) and the receive slot fields (receive).
 */
#ifndef BASTION_USER_IPC_H
#define BASTION_USER_IPC_H

#include <bastion/ipc.h>
#include "user/lib/bastion.h"

/* A message as it arrives: info (label, caps, length, flags), the badge, words 0..3. */
struct bst_msg {
    uint64_t info;
    uint64_t badge;
    uint64_t words[BST_MSG_REGISTER_WORDS];
};

/* One system call with the IPC register set; every wrapper below is this. */
static inline uint64_t bst_ipc_syscall(uint64_t number, uint64_t cptr, uint64_t info,
                                       const uint64_t in[BST_MSG_REGISTER_WORDS], struct bst_msg *out)
{
    register uint64_t rax __asm__("rax") = number;
    register uint64_t rdi __asm__("rdi") = cptr;
    register uint64_t rsi __asm__("rsi") = info;
    register uint64_t rdx __asm__("rdx") = in ? in[0] : 0;
    register uint64_t r10 __asm__("r10") = in ? in[1] : 0;
    register uint64_t r8 __asm__("r8") = in ? in[2] : 0;
    register uint64_t r9 __asm__("r9") = in ? in[3] : 0;
    __asm__ volatile("syscall"
                     : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                     :
                     : "rcx", "r11", "memory");
    if (out) {
        out->info = rsi;
        out->badge = rdi;
        out->words[0] = rdx;
        out->words[1] = r10;
        out->words[2] = r8;
        out->words[3] = r9;
    }
    return rax;
}

static inline uint64_t bst_send(bst_cptr_t ep, uint64_t info, const uint64_t w[4])
{
    return bst_ipc_syscall(BST_SYS_SEND, ep, info, w, 0);
}
static inline uint64_t bst_nbsend(bst_cptr_t ep, uint64_t info, const uint64_t w[4])
{
    return bst_ipc_syscall(BST_SYS_NBSEND, ep, info, w, 0);
}
static inline uint64_t bst_call(bst_cptr_t ep, uint64_t info, const uint64_t w[4], struct bst_msg *reply)
{
    return bst_ipc_syscall(BST_SYS_CALL, ep, info, w, reply);
}
static inline uint64_t bst_recv(bst_cptr_t ep, struct bst_msg *m)
{
    return bst_ipc_syscall(BST_SYS_RECV, ep, 0, 0, m);
}
static inline uint64_t bst_nbrecv(bst_cptr_t ep, struct bst_msg *m)
{
    return bst_ipc_syscall(BST_SYS_NBRECV, ep, 0, 0, m);
}
static inline uint64_t bst_reply(uint64_t info, const uint64_t w[4])
{
    return bst_ipc_syscall(BST_SYS_REPLY, 0, info, w, 0);
}
static inline uint64_t bst_replyrecv(bst_cptr_t ep, uint64_t info, const uint64_t w[4], struct bst_msg *m)
{
    return bst_ipc_syscall(BST_SYS_REPLYRECV, ep, info, w, m);
}
static inline void bst_yield(void) { bst_ipc_syscall(BST_SYS_YIELD, 0, 0, 0, 0); }

/* Where capabilities in the next received message go (root 0: the CSpace root). */
static inline void bst_set_receive_slot(bst_cptr_t root, uint64_t index, uint64_t depth)
{
    bst_exchange->receive_root = root;
    bst_exchange->receive_index = index;
    bst_exchange->receive_depth = depth;
}

#endif
