#include "user/lib/relay.h"

uint64_t bst_tcb_set_relay(bst_cptr_t tcb, bst_cptr_t xentry_table, bst_cptr_t link_stack)
{
    uint64_t w[BST_TCB_SET_RELAY_ARGS] = {[BST_TCB_SET_RELAY_TABLE] = xentry_table,
                                          [BST_TCB_SET_RELAY_LINK_STACK] = link_stack};
    return bst_invoke(tcb, BST_TCB_SET_RELAY, BST_TCB_SET_RELAY_ARGS, w, 0);
}

uint64_t bst_relay_attach(bst_cptr_t segment, bst_cptr_t tcb)
{
    uint64_t w[1] = {tcb};
    return bst_invoke(segment, BST_RELAY_ATTACH, 1, w, 0);
}

uint64_t bst_relay_detach(bst_cptr_t segment) { return bst_invoke(segment, BST_RELAY_DETACH, 0, 0, 0); }

uint64_t bst_xentry_register(bst_cptr_t table, const struct bst_xentry_desc *d, bst_cptr_t root,
                             uint64_t dest_index, uint64_t dest_depth)
{
    uint64_t w[BST_XENTRY_REG_ARGS] = {
        [BST_XENTRY_REG_INDEX] = d->index,
        [BST_XENTRY_REG_CSPACE] = d->cspace,
        [BST_XENTRY_REG_VSPACE] = d->vspace,
        [BST_XENTRY_REG_ENTRY_POINT] = d->entry_point,
        [BST_XENTRY_REG_STACK_BASE] = d->stack_base,
        [BST_XENTRY_REG_STACK_SIZE] = d->stack_size,
        [BST_XENTRY_REG_MAX_NESTING] = d->max_nesting,
        [BST_XENTRY_REG_ROOT] = root,
        [BST_XENTRY_REG_DEST_INDEX] = dest_index,
        [BST_XENTRY_REG_DEST_DEPTH] = dest_depth,
    };
    return bst_invoke(table, BST_XENTRY_TABLE_REGISTER, BST_XENTRY_REG_ARGS, w, 0);
}

uint64_t bst_xentry_unregister(bst_cptr_t xentry) { return bst_invoke(xentry, BST_XENTRY_UNREGISTER, 0, 0, 0); }

uint64_t bst_xentry_grant_service(bst_cptr_t xentry, bst_cptr_t target)
{
    uint64_t w[1] = {target};
    return bst_invoke(xentry, BST_XENTRY_GRANT_SERVICE, 1, w, 0);
}

uint64_t bst_xentry_revoke_service(bst_cptr_t xentry, bst_cptr_t target)
{
    uint64_t w[1] = {target};
    return bst_invoke(xentry, BST_XENTRY_REVOKE_SERVICE, 1, w, 0);
}

/*
 * A real function, so the compiler assumes every caller-saved register
 * (vector registers too) may change; the kernel keeps rbx, rbp, rsp and
 * r12-r15 across the call.
 */
__asm__(".text\n.globl bst_xcall\n.type bst_xcall,@function\nbst_xcall:\n"
        "  push %rcx\n"                 /* results */
        "  mov (%rdx), %rax\n  mov 16(%rdx), %r8\n  mov 24(%rdx), %r9\n  mov 8(%rdx), %r10\n"
        "  mov %rax, %rdx\n"
        "  mov $12, %eax\n  syscall\n"
        "  pop %rcx\n"
        "  test %rax, %rax\n  jnz 1f\n"
        "  mov %rdx, 0(%rcx)\n  mov %r10, 8(%rcx)\n  mov %r8, 16(%rcx)\n  mov %r9, 24(%rcx)\n"
        "1: ret\n");
_Static_assert(BST_SYS_XCALL == 12, "bst_xcall's call number");

__asm__(".text\n.globl bst_xret\n.type bst_xret,@function\nbst_xret:\n"
        "  mov %rdi, %rax\n"
        "  mov 0(%rax), %rdi\n  mov 8(%rax), %rsi\n  mov 16(%rax), %rdx\n  mov 24(%rax), %r10\n"
        "  mov $13, %eax\n  syscall\n  ret\n");
