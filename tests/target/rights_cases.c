/*
 * Rights: for every invocation label, a cap lacking a right the table in
 * abi/bastion/rights.h lists is refused with BST_E_RIGHTS (detail.argument:
 * BST_ARG_NONE for the invoked cap, the word index for an argument; min =
 * max = the rights needed) and the object is unchanged, checked with a
 * follow-up query or invocation; with exactly the listed rights the
 * invocation works. Which rights to drop comes from the table itself, so the
 * cases follow it; tests/host/test_rights.c pins the table's values.
 *
 * Untyped caps cannot be copied (so no Untyped cap ever lacks a right in
 * user space today); the invoked-Untyped check is covered by the host test
 * tests/host/test_invoke.c.
 */
#include <bastion/rights.h>
#include "tests/target/cases.h"
#include "tests/target/captest.h"
#include "user/lib/device.h"
#include "user/lib/notify.h"
#include "user/lib/relay.h"
#include "user/lib/tcb.h"
#include "user/lib/vspace.h"

#define S(n) scratch_slot(n)
#define UT_BITS 16
#define CASE(name) CASE_WITH_SCRATCH(name)

/* Slots: the object under test, a copy lacking a right, argument objects, a destination, spares. */
#define OBJ S(1)
#define WEAK S(2)
#define ARG S(3)
#define WEAK_ARG S(4)
#define DEST S(5)
#define EXACT S(6)
#define EXACT_ARG S(7)
#define OTHER S(8)
#define VS S(9)
#define PDPT S(10)
#define PD S(11)
#define PT S(12)
#define EXACT_ARG2 S(13)
#define SPARE S(14)

#define ROOT_PRIORITY 128 /* the root task's priority and maximum controlled priority */
#define BASE 0x8000000000ull /* PML4 slot 1: nothing of the root task there */
#define COM1_IRQ 4
#define COM1_FIRST 0x3f8
#define COM1_LAST 0x3ff
#define YIELDS 10
#define STACK_BYTES 4096

/* Refused for want of rights: the code, the argument and the rights needed (never none). */
#define CHECK_REFUSED(call, arg, need)                                                     \
    do {                                                                                   \
        CHECK((need) != 0);                                                                \
        CHECK_FAILS(call, BST_E_RIGHTS, arg);                                              \
        CHECK(bst_exchange->error.min == (need) && bst_exchange->error.max == (need));     \
    } while (0)

static unsigned invoked_need(uint64_t label) { return bst_invocation_rights(label)->invoked; }
static unsigned arg_need(uint64_t label, unsigned word) { return bst_cap_arg_rights(label, word); }

static uint64_t make(uint64_t type, uint64_t size_bits, bst_cptr_t slot)
{
    return bst_untyped_retype(S(0), type, size_bits, ROOT, 0, 0, slot, 1);
}

static uint64_t copy_with(bst_cptr_t dst, bst_cptr_t src, uint64_t rights)
{
    return bst_cnode_copy(ROOT, dst, ROOT_DEPTH, ROOT, src, ROOT_DEPTH, rights);
}

/* A copy of src in dst with every right but those in need. */
static uint64_t lacking(bst_cptr_t dst, bst_cptr_t src, unsigned need)
{
    return copy_with(dst, src, BST_RIGHTS_ALL & ~need);
}

static uint64_t slot_type(bst_cptr_t slot) { return cap_info(slot).type; }

static void yield(void) { bst_syscall3(BST_SYS_YIELD, 0, 0, 0); }
static void yields(void)
{
    for (unsigned i = 0; i < YIELDS; i++)
        yield();
}

/* ---- a second thread: shares the root task's CSpace, address space and exchange frame (tcb_cases.c) */

static uint8_t thread_stack[STACK_BYTES] __attribute__((aligned(16)));
static volatile uint64_t thread_flag, thread_counter;

static void __attribute__((noreturn)) flag_then_suspend(void)
{
    thread_flag = 1;
    bst_tcb_suspend(OBJ);
    for (;;)
        yield();
}

static void __attribute__((noreturn)) count_and_yield(void)
{
    for (;;) {
        thread_counter++;
        yield();
    }
}

/* A configured thread in OBJ that runs entry at priority when resumed (the exchange copy in ARG). */
static uint64_t make_thread(void (*entry)(void), uint64_t priority, bool resume)
{
    thread_flag = thread_counter = 0;
    uint64_t e;
    uint64_t regs[] = {[BST_REG_RIP] = (uint64_t)entry,
                       [BST_REG_RSP] = (uint64_t)(thread_stack + STACK_BYTES - sizeof(uint64_t))};
    if ((e = make(BST_OBJ_TCB, 0, OBJ)) != BST_OK ||
        (e = copy_with(ARG, BST_CAP_ROOT_EXCHANGE, BST_RIGHT_READ | BST_RIGHT_WRITE)) != BST_OK ||
        (e = bst_tcb_configure(OBJ, ROOT, BST_CAP_ROOT_VSPACE, ARG, BST_ROOT_EXCHANGE_ADDR, 0)) != BST_OK ||
        (e = bst_tcb_set_priority(OBJ, BST_CAP_ROOT_TCB, priority)) != BST_OK)
        return e;
    return bst_tcb_write_registers(OBJ, resume, 2, regs);
}

/* ---- every label has a case below */

static const uint64_t labels_with_cases[] = {
    BST_UNTYPED_RETYPE, BST_CNODE_COPY, BST_CNODE_MINT, BST_CNODE_MOVE, BST_CNODE_MUTATE, BST_CNODE_DELETE,
    BST_CNODE_REVOKE, BST_TCB_CONFIGURE, BST_TCB_SET_PRIORITY, BST_TCB_SET_MCP, BST_TCB_READ_REGISTERS,
    BST_TCB_WRITE_REGISTERS, BST_TCB_RESUME, BST_TCB_SUSPEND, BST_PAGE_TABLE_MAP, BST_PAGE_TABLE_UNMAP,
    BST_FRAME_MAP, BST_FRAME_UNMAP, BST_FRAME_GET_ADDRESS, BST_IRQ_CONTROL_GET,
    BST_IRQ_HANDLER_SET_NOTIFICATION, BST_IRQ_HANDLER_ACK, BST_IRQ_HANDLER_CLEAR, BST_IOPORT_CONTROL_ISSUE,
    BST_TCB_BIND_NOTIFICATION, BST_TCB_UNBIND_NOTIFICATION, BST_IOPORT_BIND, BST_MACHINE_SHUTDOWN,
    BST_IOPORT_UNBIND, BST_ASID_CONTROL_MAKE_POOL, BST_ASID_POOL_ASSIGN, BST_TCB_SET_RELAY, BST_RELAY_ATTACH,
    BST_RELAY_DETACH, BST_XENTRY_TABLE_REGISTER, BST_XENTRY_UNREGISTER, BST_XENTRY_GRANT_SERVICE,
    BST_XENTRY_REVOKE_SERVICE,
};

static const char *every_label_has_a_rights_case(void)
{
    const unsigned n = sizeof(labels_with_cases) / sizeof(labels_with_cases[0]);
    CHECK(n == BST_INV_LABEL_COUNT - 1);
    for (uint64_t label = 1; label < BST_INV_LABEL_COUNT; label++) {
        bool found = false;
        for (unsigned i = 0; i < n; i++)
            found |= labels_with_cases[i] == label;
        CHECK(found);
        CHECK(bst_invocation_rights(label) != 0);
    }
    return 0;
}

/* ---- Untyped */

CASE(untyped_retype_destination_rights)
{
    const uint64_t L = BST_UNTYPED_RETYPE;
    /* No Untyped cap lacking a right can be made: copies are refused. */
    CHECK_FAILS(lacking(WEAK, S(0), invoked_need(L)), BST_E_ILLEGAL_OPERATION, 3);
    /* A read-only root CNode (word 2). */
    CHECK(lacking(WEAK_ARG, ROOT, arg_need(L, 2)) == BST_OK);
    CHECK_REFUSED(bst_untyped_retype(S(0), BST_OBJ_ENDPOINT, 0, WEAK_ARG, 0, 0, DEST, 1), 2, arg_need(L, 2));
    CHECK(slot_type(DEST) == BST_OBJ_NULL);
    /* A read-only destination CNode found at (index, depth) (word 3). */
    CHECK(make(BST_OBJ_CNODE, 4, ARG) == BST_OK);
    CHECK(lacking(WEAK, ARG, arg_need(L, 3)) == BST_OK);
    CHECK_REFUSED(bst_untyped_retype(S(0), BST_OBJ_ENDPOINT, 0, ROOT, WEAK, ROOT_DEPTH, 1, 1), 3, arg_need(L, 3));
    /* With exactly the rights: slot 1 of the CNode was left empty by the refusal. */
    CHECK(copy_with(EXACT, ARG, arg_need(L, 3)) == BST_OK);
    CHECK(copy_with(EXACT_ARG, ROOT, arg_need(L, 2)) == BST_OK);
    CHECK(bst_untyped_retype(S(0), BST_OBJ_ENDPOINT, 0, EXACT_ARG, EXACT, ROOT_DEPTH, 1, 1) == BST_OK);
    CHECK(bst_untyped_retype(S(0), BST_OBJ_ENDPOINT, 0, EXACT_ARG, 0, 0, DEST, 1) == BST_OK);
    CHECK(slot_type(DEST) == BST_OBJ_ENDPOINT);
    return 0;
}

/* ---- CNodes: the invoked CNode is the destination, word 2 the source's root */

static uint64_t cnode_transfer(uint64_t label, bst_cptr_t dest_root, bst_cptr_t src_root)
{
    switch (label) {
    case BST_CNODE_COPY:
        return bst_cnode_copy(dest_root, DEST, ROOT_DEPTH, src_root, OBJ, ROOT_DEPTH, BST_RIGHTS_ALL);
    case BST_CNODE_MINT:
        return bst_cnode_mint(dest_root, DEST, ROOT_DEPTH, src_root, OBJ, ROOT_DEPTH, BST_RIGHTS_ALL, 0x5, 0);
    case BST_CNODE_MOVE: return bst_cnode_move(dest_root, DEST, ROOT_DEPTH, src_root, OBJ, ROOT_DEPTH);
    default: return bst_cnode_mutate(dest_root, DEST, ROOT_DEPTH, src_root, OBJ, ROOT_DEPTH, 0x5, 0);
    }
}

static const char *transfer_case(uint64_t label)
{
    CHECK(make(BST_OBJ_ENDPOINT, 0, OBJ) == BST_OK);
    CHECK(lacking(WEAK, ROOT, invoked_need(label)) == BST_OK);
    CHECK(lacking(WEAK_ARG, ROOT, arg_need(label, 2)) == BST_OK);
    CHECK_REFUSED(cnode_transfer(label, WEAK, ROOT), BST_ARG_NONE, invoked_need(label));
    CHECK_REFUSED(cnode_transfer(label, ROOT, WEAK_ARG), 2, arg_need(label, 2));
    /* Nothing moved: the source is where it was, the destination empty. */
    CHECK(slot_type(OBJ) == BST_OBJ_ENDPOINT && cap_info(OBJ).badge == 0);
    CHECK(slot_type(DEST) == BST_OBJ_NULL);
    CHECK(copy_with(EXACT, ROOT, invoked_need(label)) == BST_OK);
    CHECK(copy_with(EXACT_ARG, ROOT, arg_need(label, 2)) == BST_OK);
    CHECK(cnode_transfer(label, EXACT, EXACT_ARG) == BST_OK);
    CHECK(slot_type(DEST) == BST_OBJ_ENDPOINT);
    return 0;
}

CASE(cnode_copy_rights) { return transfer_case(BST_CNODE_COPY); }
CASE(cnode_mint_rights) { return transfer_case(BST_CNODE_MINT); }
CASE(cnode_move_rights) { return transfer_case(BST_CNODE_MOVE); }
CASE(cnode_mutate_rights) { return transfer_case(BST_CNODE_MUTATE); }

CASE(cnode_delete_rights)
{
    const uint64_t L = BST_CNODE_DELETE;
    CHECK(make(BST_OBJ_ENDPOINT, 0, OBJ) == BST_OK);
    CHECK(lacking(WEAK, ROOT, invoked_need(L)) == BST_OK);
    CHECK_REFUSED(bst_cnode_delete(WEAK, OBJ, ROOT_DEPTH), BST_ARG_NONE, invoked_need(L));
    CHECK(slot_type(OBJ) == BST_OBJ_ENDPOINT);
    CHECK(copy_with(EXACT, ROOT, invoked_need(L)) == BST_OK);
    CHECK(bst_cnode_delete(EXACT, OBJ, ROOT_DEPTH) == BST_OK);
    CHECK(slot_type(OBJ) == BST_OBJ_NULL);
    return 0;
}

CASE(cnode_revoke_rights)
{
    const uint64_t L = BST_CNODE_REVOKE;
    CHECK(make(BST_OBJ_ENDPOINT, 0, OBJ) == BST_OK);
    CHECK(copy_with(OTHER, OBJ, BST_RIGHTS_ALL) == BST_OK);
    CHECK(lacking(WEAK, ROOT, invoked_need(L)) == BST_OK);
    CHECK_REFUSED(bst_cnode_revoke(WEAK, OBJ, ROOT_DEPTH), BST_ARG_NONE, invoked_need(L));
    CHECK(slot_type(OTHER) == BST_OBJ_ENDPOINT); /* the child is still there */
    CHECK(copy_with(EXACT, ROOT, invoked_need(L)) == BST_OK);
    CHECK(bst_cnode_revoke(EXACT, OBJ, ROOT_DEPTH) == BST_OK);
    CHECK(slot_type(OTHER) == BST_OBJ_NULL && slot_type(OBJ) == BST_OBJ_ENDPOINT);
    return 0;
}

/*
 * A slot reached through a CNode cap stored in another CNode: the cap that
 * holds the slot needs the right too. ARG is a CNode of 16 slots whose cap
 * (in OTHER) takes 8 bits (4 guard bits); its slot 1 holds a cap to a second
 * CNode of 16 slots (in OBJ), read-only or not. (OTHER, 0x12, 12) is slot 2
 * of the second CNode.
 */
CASE(cnode_slot_through_a_read_only_cnode)
{
    const uint64_t need = invoked_need(BST_CNODE_COPY), src_need = arg_need(BST_CNODE_MOVE, 2);
    const uint64_t inner = 0x12, depth = 12;
    CHECK(make(BST_OBJ_CNODE, 4, ARG) == BST_OK);
    CHECK(make(BST_OBJ_CNODE, 4, OBJ) == BST_OK);
    CHECK(bst_cnode_mint(ROOT, OTHER, ROOT_DEPTH, ROOT, ARG, ROOT_DEPTH, BST_RIGHTS_ALL, 0, 4) == BST_OK);
    CHECK(bst_cnode_mint(OTHER, 1, 8, ROOT, OBJ, ROOT_DEPTH, BST_RIGHTS_ALL & ~need, 0, 0) == BST_OK);
    CHECK(make(BST_OBJ_ENDPOINT, 0, DEST) == BST_OK);
    /* Writing into the read-only CNode through the writable one: refused at the index (word 0). */
    CHECK_REFUSED(bst_cnode_copy(OTHER, inner, depth, ROOT, DEST, ROOT_DEPTH, BST_RIGHTS_ALL), 0, need);
    CHECK(bst_cnode_delete(OTHER, inner, depth) == BST_E_RIGHTS); /* nothing there; refused before looking */
    CHECK(bst_exchange->error.argument == 0);
    /* With a writable cap to it instead, the same address works; then the Move out of it needs write too. */
    CHECK(bst_cnode_delete(OTHER, 1, 8) == BST_OK);
    CHECK(bst_cnode_mint(OTHER, 1, 8, ROOT, OBJ, ROOT_DEPTH, need, 0, 0) == BST_OK);
    CHECK(bst_cnode_copy(OTHER, inner, depth, ROOT, DEST, ROOT_DEPTH, BST_RIGHTS_ALL) == BST_OK);
    CHECK(bst_cnode_delete(OTHER, 1, 8) == BST_OK);
    CHECK(bst_cnode_mint(OTHER, 1, 8, ROOT, OBJ, ROOT_DEPTH, BST_RIGHTS_ALL & ~src_need, 0, 0) == BST_OK);
    CHECK_REFUSED(bst_cnode_move(ROOT, WEAK, ROOT_DEPTH, OTHER, inner, depth), 3, src_need);
    CHECK(slot_type(WEAK) == BST_OBJ_NULL);
    /* Copying out of it only reads it: fine with the read right. */
    CHECK(bst_cnode_copy(ROOT, WEAK, ROOT_DEPTH, OTHER, inner, depth, BST_RIGHTS_ALL) == BST_OK);
    CHECK(slot_type(WEAK) == BST_OBJ_ENDPOINT);
    return 0;
}

/* ---- TCBs */

CASE(tcb_configure_rights)
{
    const uint64_t L = BST_TCB_CONFIGURE;
    const uint64_t xa = BST_ROOT_EXCHANGE_ADDR;
    CHECK(make(BST_OBJ_TCB, 0, OBJ) == BST_OK);
    CHECK(copy_with(ARG, BST_CAP_ROOT_EXCHANGE, arg_need(L, 2)) == BST_OK);
    CHECK(make(BST_OBJ_ENDPOINT, 0, OTHER) == BST_OK);
    CHECK(lacking(WEAK, OBJ, invoked_need(L)) == BST_OK);
    CHECK_REFUSED(bst_tcb_configure(WEAK, ROOT, BST_CAP_ROOT_VSPACE, ARG, xa, 0), BST_ARG_NONE, invoked_need(L));
    CHECK(lacking(WEAK_ARG, ROOT, arg_need(L, 0)) == BST_OK);
    CHECK_REFUSED(bst_tcb_configure(OBJ, WEAK_ARG, BST_CAP_ROOT_VSPACE, ARG, xa, 0), 0, arg_need(L, 0));
    CHECK(bst_cnode_delete(ROOT, WEAK_ARG, ROOT_DEPTH) == BST_OK);
    CHECK(lacking(WEAK_ARG, BST_CAP_ROOT_VSPACE, arg_need(L, 1)) == BST_OK);
    CHECK_REFUSED(bst_tcb_configure(OBJ, ROOT, WEAK_ARG, ARG, xa, 0), 1, arg_need(L, 1));
    CHECK(bst_cnode_delete(ROOT, WEAK_ARG, ROOT_DEPTH) == BST_OK);
    CHECK(copy_with(WEAK_ARG, BST_CAP_ROOT_EXCHANGE, BST_RIGHT_WRITE) == BST_OK); /* lacks read: refused too */
    CHECK_REFUSED(bst_tcb_configure(OBJ, ROOT, BST_CAP_ROOT_VSPACE, WEAK_ARG, xa, 0), 2, arg_need(L, 2));
    CHECK(bst_cnode_delete(ROOT, WEAK_ARG, ROOT_DEPTH) == BST_OK);
    CHECK(lacking(WEAK_ARG, OTHER, arg_need(L, 4)) == BST_OK);
    CHECK_REFUSED(bst_tcb_configure(OBJ, ROOT, BST_CAP_ROOT_VSPACE, ARG, xa, WEAK_ARG), 4, arg_need(L, 4));
    /* Nothing was configured: the thread cannot be resumed. */
    CHECK_FAILS(bst_tcb_resume(OBJ), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE);
    /* Exactly the rights listed: configured (it stays at priority 0, below us, and never runs). */
    CHECK(copy_with(EXACT, OBJ, invoked_need(L)) == BST_OK);
    CHECK(copy_with(EXACT_ARG, ROOT, arg_need(L, 0)) == BST_OK);
    CHECK(copy_with(EXACT_ARG2, BST_CAP_ROOT_VSPACE, arg_need(L, 1)) == BST_OK);
    CHECK(copy_with(DEST, OTHER, arg_need(L, 4)) == BST_OK);
    CHECK(bst_tcb_configure(EXACT, EXACT_ARG, EXACT_ARG2, ARG, xa, DEST) == BST_OK);
    CHECK(bst_tcb_resume(OBJ) == BST_OK);
    return 0;
}

/* SetPriority: a thread at priority 0 never runs while we do; at ours it runs when we yield. */
CASE(tcb_set_priority_rights)
{
    const uint64_t L = BST_TCB_SET_PRIORITY;
    CHECK(make_thread(flag_then_suspend, 0, true) == BST_OK);
    CHECK(lacking(WEAK, OBJ, invoked_need(L)) == BST_OK);
    CHECK(lacking(WEAK_ARG, BST_CAP_ROOT_TCB, arg_need(L, 0)) == BST_OK);
    CHECK_REFUSED(bst_tcb_set_priority(WEAK, BST_CAP_ROOT_TCB, ROOT_PRIORITY), BST_ARG_NONE, invoked_need(L));
    CHECK_REFUSED(bst_tcb_set_priority(OBJ, WEAK_ARG, ROOT_PRIORITY), 0, arg_need(L, 0));
    yields();
    CHECK(thread_flag == 0);
    CHECK(copy_with(EXACT, OBJ, invoked_need(L)) == BST_OK);
    CHECK(copy_with(EXACT_ARG, BST_CAP_ROOT_TCB, arg_need(L, 0)) == BST_OK);
    CHECK(bst_tcb_set_priority(EXACT, EXACT_ARG, ROOT_PRIORITY) == BST_OK);
    yields();
    CHECK(thread_flag == 1);
    return 0;
}

/* SetMCP: a TCB's MCP shows when it is the authority of another SetPriority (OTHER, never run). */
CASE(tcb_set_mcp_rights)
{
    const uint64_t L = BST_TCB_SET_MCP, value = 50;
    CHECK(make(BST_OBJ_TCB, 0, OBJ) == BST_OK);
    CHECK(make(BST_OBJ_TCB, 0, OTHER) == BST_OK);
    CHECK(lacking(WEAK, OBJ, invoked_need(L)) == BST_OK);
    CHECK(lacking(WEAK_ARG, BST_CAP_ROOT_TCB, arg_need(L, 0)) == BST_OK);
    CHECK_REFUSED(bst_tcb_set_mcp(WEAK, BST_CAP_ROOT_TCB, value), BST_ARG_NONE, invoked_need(L));
    CHECK_REFUSED(bst_tcb_set_mcp(OBJ, WEAK_ARG, value), 0, arg_need(L, 0));
    CHECK_FAILS(bst_tcb_set_priority(OTHER, OBJ, value), BST_E_RANGE, BST_TCB_PRIORITY_VALUE);
    CHECK(copy_with(EXACT, OBJ, invoked_need(L)) == BST_OK);
    CHECK(copy_with(EXACT_ARG, BST_CAP_ROOT_TCB, arg_need(L, 0)) == BST_OK);
    CHECK(bst_tcb_set_mcp(EXACT, EXACT_ARG, value) == BST_OK);
    CHECK(bst_tcb_set_priority(OTHER, OBJ, value) == BST_OK);
    return 0;
}

CASE(tcb_read_registers_rights)
{
    const uint64_t L = BST_TCB_READ_REGISTERS, rip = 0x401000;
    uint64_t regs[1] = {rip}, out[1] = {0};
    CHECK(make(BST_OBJ_TCB, 0, OBJ) == BST_OK);
    CHECK(bst_tcb_write_registers(OBJ, false, 1, regs) == BST_OK);
    CHECK(lacking(WEAK, OBJ, invoked_need(L)) == BST_OK);
    CHECK_REFUSED(bst_tcb_read_registers(WEAK, 1, out), BST_ARG_NONE, invoked_need(L));
    CHECK(out[0] == 0);
    CHECK(copy_with(EXACT, OBJ, invoked_need(L)) == BST_OK);
    CHECK(bst_tcb_read_registers(EXACT, 1, out) == BST_OK && out[0] == rip);
    return 0;
}

CASE(tcb_write_registers_rights)
{
    const uint64_t L = BST_TCB_WRITE_REGISTERS;
    uint64_t before[1] = {0x401000}, after[1] = {0x402000}, out[1];
    CHECK(make(BST_OBJ_TCB, 0, OBJ) == BST_OK);
    CHECK(bst_tcb_write_registers(OBJ, false, 1, before) == BST_OK);
    CHECK(lacking(WEAK, OBJ, invoked_need(L)) == BST_OK);
    CHECK_REFUSED(bst_tcb_write_registers(WEAK, false, 1, after), BST_ARG_NONE, invoked_need(L));
    CHECK(bst_tcb_read_registers(OBJ, 1, out) == BST_OK && out[0] == before[0]);
    CHECK(copy_with(EXACT, OBJ, invoked_need(L)) == BST_OK);
    CHECK(bst_tcb_write_registers(EXACT, false, 1, after) == BST_OK);
    CHECK(bst_tcb_read_registers(OBJ, 1, out) == BST_OK && out[0] == after[0]);
    return 0;
}

CASE(tcb_resume_rights)
{
    const uint64_t L = BST_TCB_RESUME;
    CHECK(make_thread(flag_then_suspend, ROOT_PRIORITY, false) == BST_OK);
    CHECK(lacking(WEAK, OBJ, invoked_need(L)) == BST_OK);
    CHECK_REFUSED(bst_tcb_resume(WEAK), BST_ARG_NONE, invoked_need(L));
    yields();
    CHECK(thread_flag == 0);
    CHECK(copy_with(EXACT, OBJ, invoked_need(L)) == BST_OK);
    CHECK(bst_tcb_resume(EXACT) == BST_OK);
    yields();
    CHECK(thread_flag == 1);
    return 0;
}

CASE(tcb_suspend_rights)
{
    const uint64_t L = BST_TCB_SUSPEND;
    CHECK(make_thread(count_and_yield, ROOT_PRIORITY, true) == BST_OK);
    CHECK(lacking(WEAK, OBJ, invoked_need(L)) == BST_OK);
    CHECK_REFUSED(bst_tcb_suspend(WEAK), BST_ARG_NONE, invoked_need(L));
    uint64_t seen = thread_counter;
    yields();
    CHECK(thread_counter > seen); /* still running */
    CHECK(copy_with(EXACT, OBJ, invoked_need(L)) == BST_OK);
    CHECK(bst_tcb_suspend(EXACT) == BST_OK);
    seen = thread_counter;
    yields();
    CHECK(thread_counter == seen);
    return 0;
}

/* Bound or not shows in what Unbind and a second Bind say. */
CASE(tcb_bind_notification_rights)
{
    const uint64_t L = BST_TCB_BIND_NOTIFICATION;
    CHECK(make(BST_OBJ_TCB, 0, OBJ) == BST_OK);
    CHECK(make(BST_OBJ_NOTIFICATION, 0, ARG) == BST_OK);
    CHECK(lacking(WEAK, OBJ, invoked_need(L)) == BST_OK);
    CHECK(lacking(WEAK_ARG, ARG, arg_need(L, 0)) == BST_OK);
    CHECK_REFUSED(bst_tcb_bind_notification(WEAK, ARG), BST_ARG_NONE, invoked_need(L));
    CHECK_REFUSED(bst_tcb_bind_notification(OBJ, WEAK_ARG), 0, arg_need(L, 0));
    CHECK_FAILS(bst_tcb_unbind_notification(OBJ), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE);
    CHECK(copy_with(EXACT, OBJ, invoked_need(L)) == BST_OK);
    CHECK(copy_with(EXACT_ARG, ARG, arg_need(L, 0)) == BST_OK);
    CHECK(bst_tcb_bind_notification(EXACT, EXACT_ARG) == BST_OK);
    CHECK(bst_tcb_unbind_notification(OBJ) == BST_OK);
    return 0;
}

CASE(tcb_unbind_notification_rights)
{
    const uint64_t L = BST_TCB_UNBIND_NOTIFICATION;
    CHECK(make(BST_OBJ_TCB, 0, OBJ) == BST_OK);
    CHECK(make(BST_OBJ_NOTIFICATION, 0, ARG) == BST_OK);
    CHECK(bst_tcb_bind_notification(OBJ, ARG) == BST_OK);
    CHECK(lacking(WEAK, OBJ, invoked_need(L)) == BST_OK);
    CHECK_REFUSED(bst_tcb_unbind_notification(WEAK), BST_ARG_NONE, invoked_need(L));
    CHECK_FAILS(bst_tcb_bind_notification(OBJ, ARG), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE); /* still bound */
    CHECK(copy_with(EXACT, OBJ, invoked_need(L)) == BST_OK);
    CHECK(bst_tcb_unbind_notification(EXACT) == BST_OK);
    CHECK(bst_tcb_bind_notification(OBJ, ARG) == BST_OK);
    return 0;
}

/* ---- address spaces: a fresh PML4 in VS, BASE translated by PDPT, PD and PT when asked */

static uint64_t make_vspace(bool tables)
{
    uint64_t e = make(BST_OBJ_PML4, 0, VS);
    if (e == BST_OK)
        e = bst_asid_pool_assign(BST_CAP_ROOT_ASID_POOL, VS, 0);
    if (e != BST_OK || !tables)
        return e;
    if ((e = make(BST_OBJ_PDPT, 0, PDPT)) != BST_OK || (e = make(BST_OBJ_PAGE_DIRECTORY, 0, PD)) != BST_OK ||
        (e = make(BST_OBJ_PAGE_TABLE, 0, PT)) != BST_OK || (e = bst_page_table_map(PDPT, VS, BASE)) != BST_OK ||
        (e = bst_page_table_map(PD, VS, BASE)) != BST_OK)
        return e;
    return bst_page_table_map(PT, VS, BASE);
}

/* A mapped cap's word 2 (cap_info's badge) is where it is mapped. */
static uint64_t mapped_at(bst_cptr_t slot) { return cap_info(slot).badge; }

CASE(page_table_map_rights)
{
    const uint64_t L = BST_PAGE_TABLE_MAP;
    CHECK(make_vspace(false) == BST_OK);
    CHECK(make(BST_OBJ_PDPT, 0, OBJ) == BST_OK);
    CHECK(lacking(WEAK, OBJ, invoked_need(L)) == BST_OK);
    CHECK(lacking(WEAK_ARG, VS, arg_need(L, 0)) == BST_OK);
    CHECK_REFUSED(bst_page_table_map(WEAK, VS, BASE), BST_ARG_NONE, invoked_need(L));
    /* A read-only address-space cap must not be mapped into. */
    CHECK_REFUSED(bst_page_table_map(OBJ, WEAK_ARG, BASE), 0, arg_need(L, 0));
    CHECK(mapped_at(OBJ) == 0);
    /* Only the cap Retype made maps a structure, and it has every right; the address space needs write. */
    CHECK(copy_with(EXACT_ARG, VS, arg_need(L, 0)) == BST_OK);
    CHECK(bst_page_table_map(OBJ, EXACT_ARG, BASE) == BST_OK);
    CHECK(mapped_at(OBJ) == BASE);
    return 0;
}

CASE(page_table_unmap_rights)
{
    const uint64_t L = BST_PAGE_TABLE_UNMAP;
    CHECK(make_vspace(false) == BST_OK);
    CHECK(make(BST_OBJ_PDPT, 0, OBJ) == BST_OK);
    CHECK(make(BST_OBJ_PDPT, 0, OTHER) == BST_OK);
    CHECK(bst_page_table_map(OBJ, VS, BASE) == BST_OK);
    CHECK(lacking(WEAK, OBJ, invoked_need(L)) == BST_OK);
    CHECK_REFUSED(bst_page_table_unmap(WEAK), BST_ARG_NONE, invoked_need(L));
    CHECK(mapped_at(OBJ) == BASE);
    CHECK_FAILS(bst_page_table_map(OTHER, VS, BASE), BST_E_DELETE_FIRST, 1); /* the slot is still taken */
    CHECK(bst_page_table_unmap(OBJ) == BST_OK);
    CHECK(mapped_at(OBJ) == 0);
    CHECK(bst_page_table_map(OTHER, VS, BASE) == BST_OK);
    return 0;
}

CASE(frame_map_rights)
{
    const uint64_t L = BST_FRAME_MAP, R = BST_RIGHT_READ;
    CHECK(make_vspace(true) == BST_OK);
    CHECK(make(BST_OBJ_FRAME_4K, 0, OBJ) == BST_OK);
    CHECK(lacking(WEAK, OBJ, invoked_need(L)) == BST_OK);
    CHECK(lacking(WEAK_ARG, VS, arg_need(L, 0)) == BST_OK);
    CHECK_REFUSED(bst_frame_map(WEAK, VS, BASE, R, BST_CACHE_WRITE_BACK), BST_ARG_NONE, invoked_need(L));
    CHECK_REFUSED(bst_frame_map(OBJ, WEAK_ARG, BASE, R, BST_CACHE_WRITE_BACK), 0, arg_need(L, 0));
    CHECK(mapped_at(OBJ) == 0 && mapped_at(WEAK) == 0);
    CHECK(copy_with(EXACT, OBJ, invoked_need(L)) == BST_OK);
    CHECK(copy_with(EXACT_ARG, VS, arg_need(L, 0)) == BST_OK);
    CHECK(bst_frame_map(EXACT, EXACT_ARG, BASE, R, BST_CACHE_WRITE_BACK) == BST_OK); /* BASE was free */
    CHECK(mapped_at(EXACT) == BASE);
    return 0;
}

/* Withdrawing one's own mapping needs no right at all. */
CASE(frame_unmap_needs_no_right)
{
    const uint64_t L = BST_FRAME_UNMAP;
    CHECK(invoked_need(L) == 0);
    CHECK(make_vspace(true) == BST_OK);
    CHECK(make(BST_OBJ_FRAME_4K, 0, OBJ) == BST_OK);
    CHECK(copy_with(EXACT, OBJ, BST_RIGHT_READ) == BST_OK);
    CHECK(bst_frame_map(EXACT, VS, BASE, BST_RIGHT_READ, BST_CACHE_WRITE_BACK) == BST_OK);
    CHECK(copy_with(WEAK, OBJ, 0) == BST_OK);
    CHECK(bst_frame_unmap(WEAK) == BST_OK); /* a copy with no rights: unmapped, nothing to do */
    CHECK(bst_frame_unmap(EXACT) == BST_OK);
    CHECK(mapped_at(EXACT) == 0);
    CHECK(bst_frame_map(OBJ, VS, BASE, BST_RIGHT_READ, BST_CACHE_WRITE_BACK) == BST_OK); /* BASE is free again */
    return 0;
}

CASE(frame_get_address_rights)
{
    const uint64_t L = BST_FRAME_GET_ADDRESS;
    uint64_t full = 0, got = 0;
    CHECK(make(BST_OBJ_FRAME_4K, 0, OBJ) == BST_OK);
    CHECK(bst_frame_get_address(OBJ, &full) == BST_OK && full != 0);
    CHECK(lacking(WEAK, OBJ, invoked_need(L)) == BST_OK);
    CHECK_REFUSED(bst_frame_get_address(WEAK, &got), BST_ARG_NONE, invoked_need(L));
    CHECK(copy_with(EXACT, OBJ, invoked_need(L)) == BST_OK);
    CHECK(bst_frame_get_address(EXACT, &got) == BST_OK && got == full);
    return 0;
}

/* ---- interrupts */

static uint64_t get_irq(bst_cptr_t control, bst_cptr_t root, bst_cptr_t slot)
{
    return bst_irq_control_get(control, COM1_IRQ, root, slot, ROOT_DEPTH);
}

CASE(irq_control_get_rights)
{
    const uint64_t L = BST_IRQ_CONTROL_GET;
    CHECK(lacking(WEAK, BST_CAP_IRQ_CONTROL, invoked_need(L)) == BST_OK);
    CHECK(lacking(WEAK_ARG, ROOT, arg_need(L, BST_IRQ_GET_ROOT)) == BST_OK);
    CHECK_REFUSED(get_irq(WEAK, ROOT, DEST), BST_ARG_NONE, invoked_need(L));
    CHECK_REFUSED(get_irq(BST_CAP_IRQ_CONTROL, WEAK_ARG, DEST), BST_IRQ_GET_ROOT, arg_need(L, BST_IRQ_GET_ROOT));
    CHECK(slot_type(DEST) == BST_OBJ_NULL);
    CHECK(copy_with(EXACT, BST_CAP_IRQ_CONTROL, invoked_need(L)) == BST_OK);
    CHECK(copy_with(EXACT_ARG, ROOT, arg_need(L, BST_IRQ_GET_ROOT)) == BST_OK);
    CHECK(get_irq(EXACT, EXACT_ARG, DEST) == BST_OK); /* the line was still free */
    CHECK(slot_type(DEST) == BST_OBJ_IRQ_HANDLER);
    return 0;
}

/*
 * The handler invocations change state no query shows (the line's binding
 * and mask); that a refusal changes nothing comes from where the check is:
 * before the handler runs. The kernel's invariants are checked after the case.
 */
CASE(irq_handler_rights)
{
    const uint64_t SET = BST_IRQ_HANDLER_SET_NOTIFICATION;
    CHECK(get_irq(BST_CAP_IRQ_CONTROL, ROOT, OBJ) == BST_OK);
    CHECK(make(BST_OBJ_NOTIFICATION, 0, ARG) == BST_OK);
    CHECK(lacking(WEAK, OBJ, invoked_need(SET)) == BST_OK);
    CHECK(lacking(WEAK_ARG, ARG, arg_need(SET, 0)) == BST_OK);
    CHECK_REFUSED(bst_irq_handler_set_notification(WEAK, ARG), BST_ARG_NONE, invoked_need(SET));
    CHECK_REFUSED(bst_irq_handler_set_notification(OBJ, WEAK_ARG), 0, arg_need(SET, 0));
    bst_cnode_delete(ROOT, WEAK, ROOT_DEPTH);
    CHECK(lacking(WEAK, OBJ, invoked_need(BST_IRQ_HANDLER_ACK)) == BST_OK);
    CHECK_REFUSED(bst_irq_handler_ack(WEAK), BST_ARG_NONE, invoked_need(BST_IRQ_HANDLER_ACK));
    bst_cnode_delete(ROOT, WEAK, ROOT_DEPTH);
    CHECK(lacking(WEAK, OBJ, invoked_need(BST_IRQ_HANDLER_CLEAR)) == BST_OK);
    CHECK_REFUSED(bst_irq_handler_clear(WEAK), BST_ARG_NONE, invoked_need(BST_IRQ_HANDLER_CLEAR));
    CHECK(copy_with(EXACT, OBJ, invoked_need(SET)) == BST_OK);
    CHECK(copy_with(EXACT_ARG, ARG, arg_need(SET, 0)) == BST_OK);
    CHECK(bst_irq_handler_set_notification(EXACT, EXACT_ARG) == BST_OK);
    CHECK(invoked_need(BST_IRQ_HANDLER_ACK) == invoked_need(SET) &&
          invoked_need(BST_IRQ_HANDLER_CLEAR) == invoked_need(SET));
    CHECK(bst_irq_handler_ack(EXACT) == BST_OK);
    CHECK(bst_irq_handler_clear(EXACT) == BST_OK);
    return 0;
}

/* ---- I/O ports */

static uint64_t issue(bst_cptr_t control, bst_cptr_t root, bst_cptr_t slot)
{
    return bst_ioport_control_issue(control, COM1_FIRST, COM1_LAST, root, slot, ROOT_DEPTH);
}

CASE(ioport_control_issue_rights)
{
    const uint64_t L = BST_IOPORT_CONTROL_ISSUE;
    CHECK(lacking(WEAK, BST_CAP_IOPORT_CONTROL, invoked_need(L)) == BST_OK);
    CHECK(lacking(WEAK_ARG, ROOT, arg_need(L, BST_IOPORT_ISSUE_ROOT)) == BST_OK);
    CHECK_REFUSED(issue(WEAK, ROOT, DEST), BST_ARG_NONE, invoked_need(L));
    CHECK_REFUSED(issue(BST_CAP_IOPORT_CONTROL, WEAK_ARG, DEST), BST_IOPORT_ISSUE_ROOT,
                  arg_need(L, BST_IOPORT_ISSUE_ROOT));
    CHECK(slot_type(DEST) == BST_OBJ_NULL);
    CHECK(copy_with(EXACT, BST_CAP_IOPORT_CONTROL, invoked_need(L)) == BST_OK);
    CHECK(copy_with(EXACT_ARG, ROOT, arg_need(L, BST_IOPORT_ISSUE_ROOT)) == BST_OK);
    CHECK(issue(EXACT, EXACT_ARG, DEST) == BST_OK); /* the ports were still free */
    CHECK(slot_type(DEST) == BST_OBJ_IOPORT);
    return 0;
}

/* Bound into a fresh address space with no threads: nothing of ours changes either way. */
CASE(ioport_bind_rights)
{
    const uint64_t L = BST_IOPORT_BIND;
    CHECK(make_vspace(false) == BST_OK);
    CHECK(issue(BST_CAP_IOPORT_CONTROL, ROOT, OBJ) == BST_OK);
    CHECK(lacking(WEAK, OBJ, invoked_need(L)) == BST_OK);
    CHECK(lacking(WEAK_ARG, VS, arg_need(L, 0)) == BST_OK);
    CHECK_REFUSED(bst_ioport_bind(WEAK, VS), BST_ARG_NONE, invoked_need(L));
    CHECK_REFUSED(bst_ioport_bind(OBJ, WEAK_ARG), 0, arg_need(L, 0));
    CHECK(copy_with(EXACT, OBJ, invoked_need(L)) == BST_OK);
    CHECK(copy_with(EXACT_ARG, VS, arg_need(L, 0)) == BST_OK);
    CHECK(bst_ioport_bind(EXACT, EXACT_ARG) == BST_OK);
    return 0;
}

CASE(ioport_unbind_rights)
{
    const uint64_t L = BST_IOPORT_UNBIND;
    CHECK(make_vspace(false) == BST_OK);
    CHECK(issue(BST_CAP_IOPORT_CONTROL, ROOT, OBJ) == BST_OK);
    CHECK(bst_ioport_bind(OBJ, VS) == BST_OK);
    CHECK(lacking(WEAK, OBJ, invoked_need(L)) == BST_OK);
    CHECK(lacking(WEAK_ARG, VS, arg_need(L, 0)) == BST_OK);
    CHECK_REFUSED(bst_ioport_unbind(WEAK, VS), BST_ARG_NONE, invoked_need(L));
    CHECK_REFUSED(bst_ioport_unbind(OBJ, WEAK_ARG), 0, arg_need(L, 0));
    /* Still bound: a second address space is still refused the ports. */
    CHECK(copy_with(EXACT, OBJ, invoked_need(L)) == BST_OK);
    CHECK(copy_with(EXACT_ARG, VS, arg_need(L, 0)) == BST_OK);
    CHECK(bst_ioport_unbind(EXACT, EXACT_ARG) == BST_OK);
    CHECK(bst_ioport_unbind(OBJ, VS) == BST_E_ILLEGAL_OPERATION); /* nothing bound any more */
    return 0;
}

/* A pool from a 4 KiB untyped (word 0, which no copy can weaken: untyped caps are not copied) into root (word 1). */
CASE(asid_control_make_pool_rights)
{
    const uint64_t L = BST_ASID_CONTROL_MAKE_POOL;
    CHECK(make(BST_OBJ_UNTYPED, BST_ASID_POOL_SIZE_BITS, OBJ) == BST_OK);
    CHECK(lacking(WEAK, BST_CAP_ASID_CONTROL, invoked_need(L)) == BST_OK);
    CHECK(lacking(WEAK_ARG, ROOT, arg_need(L, 1)) == BST_OK);
    CHECK_REFUSED(bst_asid_control_make_pool(WEAK, OBJ, ROOT, DEST, ROOT_DEPTH, 0), BST_ARG_NONE, invoked_need(L));
    CHECK_REFUSED(bst_asid_control_make_pool(BST_CAP_ASID_CONTROL, OBJ, WEAK_ARG, DEST, ROOT_DEPTH, 0), 1,
                  arg_need(L, 1));
    CHECK(slot_type(DEST) == BST_OBJ_NULL);
    CHECK(copy_with(EXACT, BST_CAP_ASID_CONTROL, invoked_need(L)) == BST_OK);
    CHECK(copy_with(EXACT_ARG, ROOT, arg_need(L, 1)) == BST_OK);
    CHECK(bst_asid_control_make_pool(EXACT, OBJ, EXACT_ARG, DEST, ROOT_DEPTH, 0) == BST_OK);
    CHECK(slot_type(DEST) == BST_OBJ_ASID_POOL);
    return 0;
}

CASE(asid_pool_assign_rights)
{
    const uint64_t L = BST_ASID_POOL_ASSIGN;
    CHECK(make(BST_OBJ_PML4, 0, VS) == BST_OK);
    CHECK(lacking(WEAK, BST_CAP_ROOT_ASID_POOL, invoked_need(L)) == BST_OK);
    CHECK(lacking(WEAK_ARG, VS, arg_need(L, 0)) == BST_OK);
    CHECK_REFUSED(bst_asid_pool_assign(WEAK, VS, 0), BST_ARG_NONE, invoked_need(L));
    CHECK_REFUSED(bst_asid_pool_assign(BST_CAP_ROOT_ASID_POOL, WEAK_ARG, 0), 0, arg_need(L, 0));
    /* Still without an ASID: nothing can be mapped into it yet. */
    CHECK(make(BST_OBJ_PDPT, 0, PDPT) == BST_OK);
    CHECK(bst_page_table_map(PDPT, VS, BASE) == BST_E_ILLEGAL_OPERATION);
    CHECK(copy_with(EXACT, BST_CAP_ROOT_ASID_POOL, invoked_need(L)) == BST_OK);
    CHECK(copy_with(EXACT_ARG, VS, arg_need(L, 0)) == BST_OK);
    CHECK(bst_asid_pool_assign(EXACT, EXACT_ARG, 0) == BST_OK);
    CHECK(bst_page_table_map(PDPT, VS, BASE) == BST_OK);
    return 0;
}

/* ---- relay segments and entries (abi/bastion/relay.h) */

#define BARE_ENTRY 0x1000ull /* nothing is mapped in VS: a call there faults at once */

/* An entry of table in the bare address space VS: one stack, acting in the root CNode. */
static uint64_t register_bare(bst_cptr_t table, bst_cptr_t cspace, bst_cptr_t vspace, bst_cptr_t root,
                              bst_cptr_t dest)
{
    struct bst_xentry_desc d = {0, cspace, vspace, BARE_ENTRY, 0x2000, 0x1000, 1};
    return bst_xentry_register(table, &d, root, dest, ROOT_DEPTH);
}

/* A table (ARG) and link stack (OTHER) bound to the root task; entry 0 of it in VS, its cap in OBJ. */
static uint64_t relay_setup(void)
{
    uint64_t e;
    if ((e = make(BST_OBJ_XENTRY_TABLE, 0, ARG)) || (e = make(BST_OBJ_LINK_STACK, 1, OTHER)) ||
        (e = bst_tcb_set_relay(BST_CAP_ROOT_TCB, ARG, OTHER)) || (e = make_vspace(false)))
        return e;
    return register_bare(ARG, ROOT, VS, ROOT, OBJ);
}

/* Whether the root task may call entry 0: the call gets in (and faults in VS) or is refused. */
static uint64_t call_entry_0(void)
{
    uint64_t args[4] = {0, 0, 0, 0}, res[4];
    return bst_xcall(0, BST_RELAY_MASK_NONE, args, res);
}

/* Whether a link stack is bound shows when another thread is bound to it. */
CASE(tcb_set_relay_rights)
{
    const uint64_t L = BST_TCB_SET_RELAY;
    CHECK(make(BST_OBJ_TCB, 0, OBJ) == BST_OK && make(BST_OBJ_XENTRY_TABLE, 0, ARG) == BST_OK);
    CHECK(make(BST_OBJ_LINK_STACK, 1, OTHER) == BST_OK && make(BST_OBJ_LINK_STACK, 1, SPARE) == BST_OK);
    CHECK(lacking(WEAK, OBJ, invoked_need(L)) == BST_OK);
    CHECK(lacking(WEAK_ARG, ARG, arg_need(L, 0)) == BST_OK);
    CHECK(lacking(DEST, OTHER, arg_need(L, 1)) == BST_OK);
    CHECK_REFUSED(bst_tcb_set_relay(WEAK, ARG, OTHER), BST_ARG_NONE, invoked_need(L));
    CHECK_REFUSED(bst_tcb_set_relay(OBJ, WEAK_ARG, OTHER), 0, arg_need(L, 0));
    CHECK_REFUSED(bst_tcb_set_relay(OBJ, ARG, DEST), 1, arg_need(L, 1));
    CHECK(bst_tcb_set_relay(BST_CAP_ROOT_TCB, ARG, OTHER) == BST_OK); /* OTHER was not bound to OBJ */
    CHECK(copy_with(EXACT, OBJ, invoked_need(L)) == BST_OK);
    CHECK(copy_with(EXACT_ARG, ARG, arg_need(L, 0)) == BST_OK);
    CHECK(copy_with(EXACT_ARG2, SPARE, arg_need(L, 1)) == BST_OK);
    CHECK(bst_tcb_set_relay(EXACT, EXACT_ARG, EXACT_ARG2) == BST_OK);
    CHECK_FAILS(bst_tcb_set_relay(BST_CAP_ROOT_TCB, ARG, SPARE), BST_E_ILLEGAL_OPERATION, 1); /* now OBJ's */
    return 0;
}

/* Owned or not shows in Detach (no owner: refused) and a second Attach (owned: refused). */
CASE(relay_attach_rights)
{
    const uint64_t L = BST_RELAY_ATTACH;
    CHECK(make(BST_OBJ_RELAY_SEGMENT, BST_RELAY_MIN_BITS, OBJ) == BST_OK);
    CHECK(lacking(WEAK, OBJ, invoked_need(L)) == BST_OK);
    CHECK(lacking(WEAK_ARG, BST_CAP_ROOT_TCB, arg_need(L, 0)) == BST_OK);
    CHECK_REFUSED(bst_relay_attach(WEAK, BST_CAP_ROOT_TCB), BST_ARG_NONE, invoked_need(L));
    CHECK_REFUSED(bst_relay_attach(OBJ, WEAK_ARG), 0, arg_need(L, 0));
    CHECK_FAILS(bst_relay_detach(OBJ), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE);
    CHECK(copy_with(EXACT, OBJ, invoked_need(L)) == BST_OK);
    CHECK(copy_with(EXACT_ARG, BST_CAP_ROOT_TCB, arg_need(L, 0)) == BST_OK);
    CHECK(bst_relay_attach(EXACT, EXACT_ARG) == BST_OK);
    CHECK_FAILS(bst_relay_attach(OBJ, BST_CAP_ROOT_TCB), BST_E_DELETE_FIRST, BST_ARG_NONE);
    CHECK(bst_relay_detach(OBJ) == BST_OK);
    return 0;
}

CASE(relay_detach_rights)
{
    const uint64_t L = BST_RELAY_DETACH;
    CHECK(make(BST_OBJ_RELAY_SEGMENT, BST_RELAY_MIN_BITS, OBJ) == BST_OK);
    CHECK(bst_relay_attach(OBJ, BST_CAP_ROOT_TCB) == BST_OK);
    CHECK(lacking(WEAK, OBJ, invoked_need(L)) == BST_OK);
    CHECK_REFUSED(bst_relay_detach(WEAK), BST_ARG_NONE, invoked_need(L));
    CHECK_FAILS(bst_relay_attach(OBJ, BST_CAP_ROOT_TCB), BST_E_DELETE_FIRST, BST_ARG_NONE); /* still owned */
    CHECK(copy_with(EXACT, OBJ, invoked_need(L)) == BST_OK);
    CHECK(bst_relay_detach(EXACT) == BST_OK);
    CHECK(bst_relay_attach(OBJ, BST_CAP_ROOT_TCB) == BST_OK);
    return 0;
}

/* Words 1 (cspace_root), 2 (vspace_root) and 7 (the destination's root) each need write. */
CASE(xentry_table_register_rights)
{
    const uint64_t L = BST_XENTRY_TABLE_REGISTER;
    CHECK(make_vspace(false) == BST_OK && make(BST_OBJ_XENTRY_TABLE, 0, OBJ) == BST_OK);
    CHECK(lacking(WEAK, OBJ, invoked_need(L)) == BST_OK);
    CHECK(arg_need(L, 1) == arg_need(L, 7));
    CHECK(lacking(WEAK_ARG, ROOT, arg_need(L, 1)) == BST_OK);
    CHECK(lacking(OTHER, VS, arg_need(L, 2)) == BST_OK);
    CHECK_REFUSED(register_bare(WEAK, ROOT, VS, ROOT, DEST), BST_ARG_NONE, invoked_need(L));
    CHECK_REFUSED(register_bare(OBJ, WEAK_ARG, VS, ROOT, DEST), 1, arg_need(L, 1));
    CHECK_REFUSED(register_bare(OBJ, ROOT, OTHER, ROOT, DEST), 2, arg_need(L, 2));
    CHECK_REFUSED(register_bare(OBJ, ROOT, VS, WEAK_ARG, DEST), 7, arg_need(L, 7));
    CHECK(slot_type(DEST) == BST_OBJ_NULL);
    CHECK(copy_with(EXACT, OBJ, invoked_need(L)) == BST_OK);
    CHECK(copy_with(EXACT_ARG, ROOT, arg_need(L, 1)) == BST_OK);
    CHECK(copy_with(EXACT_ARG2, VS, arg_need(L, 2)) == BST_OK);
    CHECK(register_bare(EXACT, EXACT_ARG, EXACT_ARG2, EXACT_ARG, DEST) == BST_OK); /* index 0 was free */
    CHECK(slot_type(DEST) == BST_OBJ_XENTRY);
    return 0;
}

/* Registered or not shows in a second Register of the index. */
CASE(xentry_unregister_rights)
{
    const uint64_t L = BST_XENTRY_UNREGISTER;
    CHECK(make_vspace(false) == BST_OK && make(BST_OBJ_XENTRY_TABLE, 0, ARG) == BST_OK);
    CHECK(register_bare(ARG, ROOT, VS, ROOT, OBJ) == BST_OK);
    CHECK(lacking(WEAK, OBJ, invoked_need(L)) == BST_OK);
    CHECK_REFUSED(bst_xentry_unregister(WEAK), BST_ARG_NONE, invoked_need(L));
    CHECK_FAILS(register_bare(ARG, ROOT, VS, ROOT, DEST), BST_E_DELETE_FIRST, 0);
    CHECK(copy_with(EXACT, OBJ, invoked_need(L)) == BST_OK);
    CHECK(bst_xentry_unregister(EXACT) == BST_OK);
    CHECK(register_bare(ARG, ROOT, VS, ROOT, DEST) == BST_OK);
    return 0;
}

/* The call bit shows in an XCall: refused (RIGHTS) or in the callee (which faults at once). */
CASE(xentry_grant_service_rights)
{
    const uint64_t L = BST_XENTRY_GRANT_SERVICE;
    CHECK(relay_setup() == BST_OK);
    CHECK(lacking(WEAK, OBJ, invoked_need(L)) == BST_OK);
    CHECK(lacking(WEAK_ARG, BST_CAP_ROOT_TCB, arg_need(L, 0)) == BST_OK);
    CHECK_REFUSED(bst_xentry_grant_service(WEAK, BST_CAP_ROOT_TCB), BST_ARG_NONE, invoked_need(L));
    CHECK_REFUSED(bst_xentry_grant_service(OBJ, WEAK_ARG), 0, arg_need(L, 0));
    CHECK_FAILS(call_entry_0(), BST_E_RIGHTS, 0);
    CHECK(copy_with(EXACT, OBJ, invoked_need(L)) == BST_OK);
    CHECK(copy_with(EXACT_ARG, BST_CAP_ROOT_TCB, arg_need(L, 0)) == BST_OK);
    CHECK(bst_xentry_grant_service(EXACT, EXACT_ARG) == BST_OK);
    CHECK_FAILS(call_entry_0(), BST_E_CALLEE_FAULT, 14);
    return 0;
}

CASE(xentry_revoke_service_rights)
{
    const uint64_t L = BST_XENTRY_REVOKE_SERVICE;
    CHECK(relay_setup() == BST_OK);
    CHECK(bst_xentry_grant_service(OBJ, BST_CAP_ROOT_TCB) == BST_OK);
    CHECK(lacking(WEAK, OBJ, invoked_need(L)) == BST_OK);
    CHECK(lacking(WEAK_ARG, BST_CAP_ROOT_TCB, arg_need(L, 0)) == BST_OK);
    CHECK_REFUSED(bst_xentry_revoke_service(WEAK, BST_CAP_ROOT_TCB), BST_ARG_NONE, invoked_need(L));
    CHECK_REFUSED(bst_xentry_revoke_service(OBJ, WEAK_ARG), 0, arg_need(L, 0));
    CHECK_FAILS(call_entry_0(), BST_E_CALLEE_FAULT, 14);
    CHECK(copy_with(EXACT, OBJ, invoked_need(L)) == BST_OK);
    CHECK(copy_with(EXACT_ARG, BST_CAP_ROOT_TCB, arg_need(L, 0)) == BST_OK);
    CHECK(bst_xentry_revoke_service(EXACT, EXACT_ARG) == BST_OK);
    CHECK_FAILS(call_entry_0(), BST_E_RIGHTS, 0);
    return 0;
}

/* Only the refusal can be tried here: with the right, the machine powers off (the suite's end does that). */
CASE(machine_shutdown_rights)
{
    const uint64_t L = BST_MACHINE_SHUTDOWN;
    CHECK(lacking(WEAK, BST_CAP_MACHINE_CONTROL, invoked_need(L)) == BST_OK);
    CHECK_REFUSED(bst_machine_shutdown(WEAK, 0x55), BST_ARG_NONE, invoked_need(L));
    return 0;
}

/* A PML4 cap has no invocations whatever its rights; a label of another object is not a rights matter. */
CASE(labels_of_other_objects_are_not_supported)
{
    CHECK(make(BST_OBJ_PML4, 0, VS) == BST_OK);
    CHECK(copy_with(WEAK, VS, 0) == BST_OK);
    CHECK_FAILS(bst_invoke(WEAK, BST_PAGE_TABLE_MAP, 0, 0, 0), BST_E_NOT_SUPPORTED, BST_ARG_NONE);
    CHECK(make(BST_OBJ_TCB, 0, OBJ) == BST_OK);
    CHECK(copy_with(WEAK_ARG, OBJ, 0) == BST_OK);
    CHECK_FAILS(bst_invoke(WEAK_ARG, BST_FRAME_GET_ADDRESS, 0, 0, 0), BST_E_NOT_SUPPORTED, BST_ARG_NONE);
    return 0;
}

#define RIGHTS_CASE(name) {"rights: " #name, name}
const struct test_case rights_cases[] = {
    RIGHTS_CASE(every_label_has_a_rights_case),
    RIGHTS_CASE(untyped_retype_destination_rights),
    RIGHTS_CASE(cnode_copy_rights),
    RIGHTS_CASE(cnode_mint_rights),
    RIGHTS_CASE(cnode_move_rights),
    RIGHTS_CASE(cnode_mutate_rights),
    RIGHTS_CASE(cnode_delete_rights),
    RIGHTS_CASE(cnode_revoke_rights),
    RIGHTS_CASE(cnode_slot_through_a_read_only_cnode),
    RIGHTS_CASE(tcb_configure_rights),
    RIGHTS_CASE(tcb_set_priority_rights),
    RIGHTS_CASE(tcb_set_mcp_rights),
    RIGHTS_CASE(tcb_read_registers_rights),
    RIGHTS_CASE(tcb_write_registers_rights),
    RIGHTS_CASE(tcb_resume_rights),
    RIGHTS_CASE(tcb_suspend_rights),
    RIGHTS_CASE(tcb_bind_notification_rights),
    RIGHTS_CASE(tcb_unbind_notification_rights),
    RIGHTS_CASE(page_table_map_rights),
    RIGHTS_CASE(page_table_unmap_rights),
    RIGHTS_CASE(frame_map_rights),
    RIGHTS_CASE(frame_unmap_needs_no_right),
    RIGHTS_CASE(frame_get_address_rights),
    RIGHTS_CASE(irq_control_get_rights),
    RIGHTS_CASE(irq_handler_rights),
    RIGHTS_CASE(ioport_control_issue_rights),
    RIGHTS_CASE(ioport_bind_rights),
    RIGHTS_CASE(ioport_unbind_rights),
    RIGHTS_CASE(machine_shutdown_rights),
    RIGHTS_CASE(asid_control_make_pool_rights),
    RIGHTS_CASE(asid_pool_assign_rights),
    RIGHTS_CASE(tcb_set_relay_rights),
    RIGHTS_CASE(relay_attach_rights),
    RIGHTS_CASE(relay_detach_rights),
    RIGHTS_CASE(xentry_table_register_rights),
    RIGHTS_CASE(xentry_unregister_rights),
    RIGHTS_CASE(xentry_grant_service_rights),
    RIGHTS_CASE(xentry_revoke_service_rights),
    RIGHTS_CASE(labels_of_other_objects_are_not_supported),
};
const unsigned rights_case_count = sizeof(rights_cases) / sizeof(rights_cases[0]);
