#include "tests/target/tthread.h"
#include <bastion/tcb.h>
#include "user/lib/tcb.h"
#include "user/lib/vspace.h"
#include "user/lib/ipc.h"
#include "tests/target/captest.h"

/* Exchange frames of test threads live in the page table that holds the root's own. */
#define TTHREAD_EXCHANGE_BASE 0x210000ull

static uint8_t stacks[TTHREAD_MAX][TTHREAD_STACK] __attribute__((aligned(16)));

uint64_t tthread_start(struct tthread *t, unsigned i, bst_cptr_t ut, bst_cptr_t tcb_slot,
                       bst_cptr_t frame_slot, void (*entry)(uint64_t), uint64_t arg, uint64_t priority,
                       bst_cptr_t fault_ep)
{
    uint64_t xaddr = TTHREAD_EXCHANGE_BASE + i * BST_PAGE_SIZE, e;
    t->tcb = tcb_slot;
    t->frame = frame_slot;
    t->exchange = (struct bst_exchange *)xaddr;
    if ((e = bst_untyped_retype(ut, BST_OBJ_TCB, 0, BST_CAP_ROOT_CNODE, 0, 0, tcb_slot, 1)) ||
        (e = bst_untyped_retype(ut, BST_OBJ_FRAME_4K, 0, BST_CAP_ROOT_CNODE, 0, 0, frame_slot, 1)) ||
        (e = bst_frame_map(frame_slot, BST_CAP_ROOT_VSPACE, xaddr, BST_RIGHT_READ | BST_RIGHT_WRITE,
                           BST_CACHE_WRITE_BACK)) ||
        (e = bst_tcb_configure(tcb_slot, BST_CAP_ROOT_CNODE, BST_CAP_ROOT_VSPACE, frame_slot, xaddr, fault_ep)) ||
        (e = bst_tcb_set_priority(tcb_slot, BST_CAP_ROOT_TCB, priority)))
        return e;
    /* As if called: the return-address slot keeps the ABI's stack alignment. */
    uint64_t regs[BST_REG_RDI + 1] = {
        [BST_REG_RIP] = (uint64_t)entry,
        [BST_REG_RSP] = (uint64_t)(stacks[i] + TTHREAD_STACK - sizeof(uint64_t)),
        [BST_REG_RFLAGS] = 0x202,
        [BST_REG_RDI] = arg,
    };
    return bst_tcb_write_registers(tcb_slot, true, BST_REG_RDI + 1, regs);
}

void tthread_stop(struct tthread *t)
{
    bst_tcb_suspend(t->tcb);
    bst_frame_unmap(t->frame);
}

struct tthread tthreads[TTHREAD_MAX];

bst_cptr_t tthread_tcb_slot(unsigned i) { return scratch_slot(40 + 2 * i); }
bst_cptr_t tthread_frame_slot(unsigned i) { return scratch_slot(41 + 2 * i); }

uint64_t tthread_start_scratch(unsigned i, void (*entry)(uint64_t), uint64_t arg, uint64_t priority,
                               bst_cptr_t fault_ep)
{
    return tthread_start(&tthreads[i], i, scratch_slot(0), tthread_tcb_slot(i), tthread_frame_slot(i), entry,
                         arg, priority, fault_ep);
}

void tthread_park(unsigned i)
{
    bst_tcb_suspend(tthread_tcb_slot(i));
    for (;;)
        bst_yield();
}

void tthread_stop_all(void)
{
    for (unsigned i = 0; i < TTHREAD_MAX; i++) {
        if (tthreads[i].tcb)
            tthread_stop(&tthreads[i]);
        tthreads[i].tcb = 0;
    }
}

void tthread_let_run_above(uint64_t below, uint64_t root_priority)
{
    bst_tcb_set_priority(BST_CAP_ROOT_TCB, BST_CAP_ROOT_TCB, below);
    bst_tcb_set_priority(BST_CAP_ROOT_TCB, BST_CAP_ROOT_TCB, root_priority);
}
