#include "user/lib/tcb.h"

uint64_t bst_tcb_configure(bst_cptr_t tcb, bst_cptr_t cspace_root, bst_cptr_t vspace_root,
                           bst_cptr_t exchange_frame, uint64_t exchange_addr, bst_cptr_t fault_endpoint)
{
    uint64_t w[BST_TCB_CONFIGURE_ARGS] = {
        [BST_TCB_CONFIGURE_CSPACE] = cspace_root,
        [BST_TCB_CONFIGURE_VSPACE] = vspace_root,
        [BST_TCB_CONFIGURE_EXCHANGE] = exchange_frame,
        [BST_TCB_CONFIGURE_EXCHANGE_ADDR] = exchange_addr,
        [BST_TCB_CONFIGURE_FAULT_EP] = fault_endpoint,
    };
    return bst_invoke(tcb, BST_TCB_CONFIGURE, BST_TCB_CONFIGURE_ARGS, w, 0);
}

static uint64_t priority_call(bst_cptr_t tcb, uint64_t label, bst_cptr_t authority, uint64_t value)
{
    uint64_t w[BST_TCB_PRIORITY_ARGS] = {[BST_TCB_PRIORITY_AUTHORITY] = authority,
                                         [BST_TCB_PRIORITY_VALUE] = value};
    return bst_invoke(tcb, label, BST_TCB_PRIORITY_ARGS, w, 0);
}

uint64_t bst_tcb_set_priority(bst_cptr_t tcb, bst_cptr_t authority, uint64_t priority)
{
    return priority_call(tcb, BST_TCB_SET_PRIORITY, authority, priority);
}

uint64_t bst_tcb_set_mcp(bst_cptr_t tcb, bst_cptr_t authority, uint64_t mcp)
{
    return priority_call(tcb, BST_TCB_SET_MCP, authority, mcp);
}

uint64_t bst_tcb_read_registers(bst_cptr_t tcb, unsigned count, uint64_t *words)
{
    uint64_t w[1] = {count};
    struct bst_reply reply;
    uint64_t e = bst_invoke(tcb, BST_TCB_READ_REGISTERS, 1, w, &reply);
    for (unsigned i = 0; e == BST_OK && i < reply.length && i < count; i++)
        words[i] = reply.words[i];
    return e;
}

uint64_t bst_tcb_write_registers(bst_cptr_t tcb, bool resume, unsigned count, const uint64_t *words)
{
    uint64_t w[BST_TCB_WRITE_FIRST_REG + BST_TCB_REGISTER_COUNT] = {
        [BST_TCB_WRITE_RESUME] = resume, [BST_TCB_WRITE_COUNT] = count};
    /* A count above the register count goes to the kernel as it is and fails there with detail. */
    unsigned n = count < BST_TCB_REGISTER_COUNT ? count : BST_TCB_REGISTER_COUNT;
    for (unsigned i = 0; i < n; i++)
        w[BST_TCB_WRITE_FIRST_REG + i] = words[i];
    return bst_invoke(tcb, BST_TCB_WRITE_REGISTERS, BST_TCB_WRITE_FIRST_REG + n, w, 0);
}

uint64_t bst_tcb_read_all(bst_cptr_t tcb, struct bst_tcb_registers *regs)
{
    return bst_tcb_read_registers(tcb, BST_TCB_REGISTER_COUNT, (uint64_t *)regs);
}

uint64_t bst_tcb_write_all(bst_cptr_t tcb, bool resume, const struct bst_tcb_registers *regs)
{
    return bst_tcb_write_registers(tcb, resume, BST_TCB_REGISTER_COUNT, (const uint64_t *)regs);
}

uint64_t bst_tcb_resume(bst_cptr_t tcb) { return bst_invoke(tcb, BST_TCB_RESUME, 0, 0, 0); }

uint64_t bst_tcb_suspend(bst_cptr_t tcb) { return bst_invoke(tcb, BST_TCB_SUSPEND, 0, 0, 0); }
