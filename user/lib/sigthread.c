#include "user/lib/sigthread.h"
#include <bastion/tcb.h>
#include "user/lib/tcb.h"
#include "user/lib/vspace.h"

#define CPTR_DEPTH 64
#define STACK_ALIGN 16u

/*
 * The handler thread. Only register-only system calls here (Wait, Suspend):
 * nothing goes through bst_exchange, which is the main thread's frame.
 */
static void __attribute__((noreturn)) sigthread_main(struct bst_sigthread *st)
{
    for (;;) {
        uint64_t bits;
        uint64_t e = bst_wait(st->notification, &bits);
        if (e != BST_OK) {
            st->stop_error = e;
            bst_tcb_suspend(st->tcb);
            /* Resumed without a working notification, or our TCB cap is gone: stop with a fault. */
            __builtin_trap();
        }
        st->handler(bits, st->arg);
        st->handled++;
    }
}

static uint64_t make(const struct bst_sigthread_config *c, uint64_t type, uint64_t slot)
{
    /* Depth 0: the destination CNode is cspace_root itself, and slot is the offset in it. */
    return bst_untyped_retype(c->untyped, type, 0, c->cspace_root, 0, 0, slot, 1);
}

/* As if called: the return-address slot keeps the ABI's 16-byte stack alignment at entry. */
static uint64_t initial_stack_pointer(const struct bst_sigthread_config *c)
{
    uint64_t top = ((uint64_t)c->stack + c->stack_size) & ~(uint64_t)(STACK_ALIGN - 1);
    return top - sizeof(uint64_t);
}

static uint64_t configure_and_run(struct bst_sigthread *st, const struct bst_sigthread_config *c)
{
    uint64_t e;
    if ((e = bst_frame_map(st->frame, c->vspace_root, c->exchange_addr, BST_RIGHT_READ | BST_RIGHT_WRITE,
                           BST_CACHE_WRITE_BACK)) != BST_OK ||
        (e = bst_tcb_configure(st->tcb, c->cspace_root, c->vspace_root, st->frame, c->exchange_addr,
                               c->fault_endpoint)) != BST_OK ||
        (e = bst_tcb_set_priority(st->tcb, c->authority, c->priority)) != BST_OK)
        return e;
    struct bst_tcb_registers regs = {
        .rip = (uint64_t)sigthread_main,
        .rsp = initial_stack_pointer(c),
        .rdi = (uint64_t)st,
    };
    /* Resumed last: a thread above our priority starts running inside this call. */
    return bst_tcb_write_registers(st->tcb, true, BST_REG_RDI + 1, (const uint64_t *)&regs);
}

uint64_t bst_sigthread_start(struct bst_sigthread *st, const struct bst_sigthread_config *c)
{
    *st = (struct bst_sigthread){
        .tcb = c->tcb_slot,
        .frame = c->frame_slot,
        .notification = c->notification,
        .cspace_root = c->cspace_root,
        .exchange = (struct bst_exchange *)c->exchange_addr,
        .handler = c->handler,
        .arg = c->arg,
        .stop_error = BST_OK,
    };
    if (!c->handler || !c->stack || c->stack_size < STACK_ALIGN * 2)
        return BST_E_INVALID_ARG;
    uint64_t e = make(c, BST_OBJ_TCB, c->tcb_slot);
    if (e != BST_OK)
        return e;
    if ((e = make(c, BST_OBJ_FRAME_4K, c->frame_slot)) == BST_OK) {
        if ((e = configure_and_run(st, c)) == BST_OK)
            return BST_OK;
        bst_cnode_delete(c->cspace_root, c->frame_slot, CPTR_DEPTH); /* unmaps it too */
    }
    /* Only what we made goes; the failing call's detail stays (successful deletes write none). */
    bst_cnode_delete(c->cspace_root, c->tcb_slot, CPTR_DEPTH);
    return e;
}

uint64_t bst_sigthread_stop(struct bst_sigthread *st)
{
    uint64_t e = bst_tcb_suspend(st->tcb);
    /* Deleting the last TCB cap destroys the thread; the frame's cap takes its mapping with it. */
    uint64_t d1 = bst_cnode_delete(st->cspace_root, st->tcb, CPTR_DEPTH);
    uint64_t d2 = bst_cnode_delete(st->cspace_root, st->frame, CPTR_DEPTH);
    return e != BST_OK ? e : d1 != BST_OK ? d1 : d2;
}
