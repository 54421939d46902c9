#include "user/lib/notify.h"

/*
 * rdi = the cap in, rax = error and rdi = bits out. The kernel sets the
 * receive result registers (rsi, rdx, r10, r8, r9) as for any receive, and
 * syscall itself takes rcx and r11. Touches no memory: usable by any thread.
 */
static inline uint64_t notification_call(uint64_t number, bst_cptr_t cap, uint64_t *bits)
{
    register uint64_t rax __asm__("rax") = number;
    register uint64_t rdi __asm__("rdi") = cap;
    __asm__ volatile("syscall"
                     : "+r"(rax), "+r"(rdi)
                     :
                     : "rcx", "r11", "rsi", "rdx", "r10", "r8", "r9", "memory");
    if (bits)
        *bits = rax == BST_OK ? rdi : 0;
    return rax;
}

uint64_t bst_signal(bst_cptr_t notification) { return notification_call(BST_SYS_SIGNAL, notification, 0); }

uint64_t bst_wait(bst_cptr_t notification, uint64_t *bits)
{
    return notification_call(BST_SYS_WAIT, notification, bits);
}

uint64_t bst_poll(bst_cptr_t notification, uint64_t *bits)
{
    return notification_call(BST_SYS_POLL, notification, bits);
}

uint64_t bst_tcb_bind_notification(bst_cptr_t tcb, bst_cptr_t notification)
{
    uint64_t w[1] = {notification};
    return bst_invoke(tcb, BST_TCB_BIND_NOTIFICATION, 1, w, 0);
}

uint64_t bst_tcb_unbind_notification(bst_cptr_t tcb)
{
    return bst_invoke(tcb, BST_TCB_UNBIND_NOTIFICATION, 0, 0, 0);
}
