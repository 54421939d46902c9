/*
 * Hostile use of IPC and exchange frames (issue 9, holes 1, 10 and 11):
 * a stale exchange frame must not let a sender write into memory that has
 * become a CNode; a thread without an exchange frame gets BST_E_NO_EXCHANGE;
 * a caller whose partner dies or drops the reply wakes with
 * BST_E_PARTNER_GONE; over-long replies are refused; every failing call,
 * including would-block and a deleted endpoint, writes its error detail; a
 * thread that configures its own address space runs in it at once.
 *
 * The root task runs at priority 128 and helpers at LOW, so a helper runs
 * only while the root blocks or lets it (tthread_let_run_above).
 */
#include "tests/target/cases.h"
#include "tests/target/captest.h"
#include "tests/target/tthread.h"
#include "user/lib/ipc.h"
#include "user/lib/tcb.h"
#include "user/lib/vspace.h"
#include <bastion/syscall.h>
#include <bastion/tcb.h>

#define S(n) scratch_slot(n)
#define EP S(1)
#define EP2 S(2)
#define LOW 100
#define ROOT_PRIORITY 128
#define LABEL 0x99
#define UT_BITS 20

static volatile uint64_t seen[16], seen_count;





static bool setup(void)
{
    seen_count = 0;
    for (unsigned i = 0; i < 16; i++)
        seen[i] = 0;
    return scratch_untyped(UT_BITS) && bst_untyped_retype(S(0), BST_OBJ_ENDPOINT, 0, ROOT, 0, 0, EP, 2) == BST_OK;
}

static void cleanup(void)
{
    tthread_stop_all();
    scratch_reset();
}

#define CASE(name) CASE_WITH(name, setup(), cleanup)

/* A raw Call with the IPC register set: the helpers' own exchange frames are
 * not bst_exchange (that is the root's), so no wrapper that writes it is used. */
static uint64_t raw_call(bst_cptr_t cap, uint64_t info, uint64_t w0, struct bst_msg *m)
{
    const uint64_t w[4] = {w0, 0, 0, 0};
    return bst_ipc_syscall(BST_SYS_CALL, cap, info, w, m);
}

/* ---- hole 1: the exchange frame dies with its capability */

/* Receives once, then tries the calls that need an exchange frame it no longer has. */
static void receive_then_try_without_frame(uint64_t i)
{
    struct bst_msg m;
    seen[0] = bst_recv(EP, &m);
    seen[1] = m.info;
    uint64_t w[4] = {1, 2, 3, 4};
    seen[2] = bst_nbsend(EP, bst_msginfo(LABEL, 0, 10), w);           /* words beyond the registers */
    seen[3] = bst_nbsend(EP, bst_msginfo(LABEL, 1, 1), w);            /* a capability */
    seen[4] = raw_call(S(0), bst_msginfo(BST_UNTYPED_RETYPE, 0, 7), BST_OBJ_ENDPOINT, &m);
    seen[5] = raw_call(BST_CAP_ROOT_TCB, bst_msginfo(BST_TCB_READ_REGISTERS, 0, 1), BST_TCB_REGISTER_COUNT, &m);
    seen[6] = raw_call(BST_CAP_ROOT_TCB, bst_msginfo(BST_TCB_READ_REGISTERS, 0, 1), 2, &m);
    seen[7] = bst_nbsend(EP, bst_msginfo(LABEL, 0, 4), w);            /* registers only: fine */
    seen_count = 1;
    tthread_park((unsigned)i);
}

/* Forged slot k of a 64-slot CNode, in message words: a Frame cap to physical page 0x100000. */
static void forge_slots(uint64_t words[BST_MSG_MAX_WORDS])
{
    for (unsigned w = 0; w < BST_MSG_MAX_WORDS; w++)
        words[w] = 0;
    for (unsigned slot = 1; slot < BST_MSG_MAX_WORDS / 8; slot++) {
        words[slot * 8 + 0] = BST_OBJ_FRAME_4K | ((uint64_t)BST_RIGHTS_ALL << 8); /* type, rights */
        words[slot * 8 + 1] = 0x100000;                                          /* the kernel image */
    }
}

CASE(stale_exchange_frame_cannot_forge_caps)
{
    /* The thread's exchange frame comes from a 4 KiB untyped of its own, so it can be reused. */
    CHECK(bst_untyped_retype(S(0), BST_OBJ_UNTYPED, 12, ROOT, 0, 0, S(5), 1) == BST_OK);
    CHECK(bst_untyped_retype(S(5), BST_OBJ_FRAME_4K, 0, ROOT, 0, 0, S(6), 1) == BST_OK);
    CHECK(tthread_start_scratch(0, receive_then_try_without_frame, 0, LOW, 0) == BST_OK);
    CHECK(bst_tcb_configure(tthread_tcb_slot(0), ROOT, BST_CAP_ROOT_VSPACE, S(6), (uint64_t)tthreads[0].exchange, 0) ==
          BST_OK);
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY); /* it blocks in Recv */
    CHECK(seen_count == 0);
    /* The attack: free the frame under the blocked receiver, make the page a CNode, send 64 words. */
    CHECK(bst_cnode_revoke(ROOT, S(5), 64) == BST_OK);
    CHECK(cap_info(S(6)).type == BST_OBJ_NULL);
    CHECK(bst_untyped_retype(S(5), BST_OBJ_CNODE, 6, ROOT, 0, 0, S(7), 1) == BST_OK);
    uint64_t words[BST_MSG_MAX_WORDS];
    forge_slots(words);
    for (unsigned w = BST_MSG_REGISTER_WORDS; w < BST_MSG_MAX_WORDS; w++)
        bst_exchange->msg[w] = words[w];
    CHECK(bst_send(EP, bst_msginfo(LABEL, 0, BST_MSG_MAX_WORDS), words) == BST_OK);
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY);
    CHECK(seen_count == 1);
    /* The receiver got the register words only: it has no exchange frame. */
    CHECK(seen[0] == BST_OK && bst_msginfo_length(seen[1]) == BST_MSG_REGISTER_WORDS);
    /* Nothing landed in the CNode: every slot is empty, and nothing can be copied out of it. */
    for (unsigned slot = 1; slot < BST_MSG_MAX_WORDS / 8; slot++)
        CHECK(bst_cnode_copy(ROOT, S(8), 64, S(7), slot, 6, BST_RIGHTS_ALL) == BST_E_INVALID_CAP);
    CHECK(cap_info(S(8)).type == BST_OBJ_NULL);
    /* A thread without an exchange frame gets the documented error for what needs one. */
    CHECK(seen[2] == BST_E_NO_EXCHANGE && seen[3] == BST_E_NO_EXCHANGE);
    CHECK(seen[4] == BST_E_NO_EXCHANGE && seen[5] == BST_E_NO_EXCHANGE);
    CHECK(seen[6] == BST_OK && seen[7] == BST_E_WOULD_BLOCK);
    return 0;
}

/* Printing reads the text from the exchange frame: without one, the documented error. */
static void puts_without_frame(uint64_t i)
{
    seen[0] = bst_debug_call(BST_SYS_DEBUG_PUTS, BST_CAP_MACHINE_CONTROL, 1).error;
    seen_count = 1;
    tthread_park((unsigned)i);
}

CASE(debug_print_without_exchange_frame)
{
    CHECK(tthread_start_scratch(0, puts_without_frame, 0, LOW, 0) == BST_OK);
    CHECK(bst_cnode_revoke(ROOT, tthread_frame_slot(0), 64) == BST_OK); /* takes the TCB's copy */
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY);
    CHECK(seen_count == 1 && seen[0] == BST_E_NO_EXCHANGE);
    return 0;
}

/* ---- hole 10: a caller whose partner is gone wakes with an error */

static void call_and_record(uint64_t i)
{
    struct bst_msg m;
    seen[2 * i] = raw_call(EP, bst_msginfo(LABEL, 0, 1), i, &m);
    seen[2 * i + 1] = tthreads[i].exchange->error.code | tthreads[i].exchange->error.syscall << 32;
    seen_count++;
    tthread_park((unsigned)i);
}

/* Takes one Call and keeps its reply capability while it waits on another endpoint. */
static void receive_and_hold(uint64_t i)
{
    struct bst_msg m;
    bst_recv(EP, &m);
    seen[8] = m.words[0] + 1;
    bst_recv(EP2, &m);
    tthread_park((unsigned)i);
}

static const uint64_t partner_gone_in_call = BST_E_PARTNER_GONE | (uint64_t)BST_SYS_CALL << 32;

CASE(caller_wakes_when_server_is_suspended)
{
    CHECK(tthread_start_scratch(0, receive_and_hold, 0, LOW, 0) == BST_OK);
    CHECK(tthread_start_scratch(1, call_and_record, 1, LOW, 0) == BST_OK);
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY);
    CHECK(seen[8] == 2 && seen_count == 0); /* the server holds the reply; the caller waits */
    CHECK(bst_tcb_suspend(tthread_tcb_slot(0)) == BST_OK);
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY);
    CHECK(seen_count == 1);
    CHECK(seen[2] == BST_E_PARTNER_GONE && seen[3] == partner_gone_in_call);
    return 0;
}

CASE(caller_wakes_when_server_is_deleted)
{
    CHECK(tthread_start_scratch(0, receive_and_hold, 0, LOW, 0) == BST_OK);
    CHECK(tthread_start_scratch(1, call_and_record, 1, LOW, 0) == BST_OK);
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY);
    CHECK(seen[8] == 2 && seen_count == 0);
    CHECK(bst_cnode_delete(ROOT, tthread_tcb_slot(0), 64) == BST_OK);
    tthreads[0].tcb = 0; /* gone: cleanup must not suspend it */
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY);
    CHECK(seen_count == 1 && seen[2] == BST_E_PARTNER_GONE && seen[3] == partner_gone_in_call);
    return 0;
}

/* Receives a Call, then receives again without replying (overwriting the reply), then replies. */
static void receive_twice_reply_once(uint64_t i)
{
    struct bst_msg m;
    bst_recv(EP, &m);
    bst_recv(EP, &m);
    uint64_t w[4] = {m.words[0] + 100, 0, 0, 0};
    bst_reply(bst_msginfo(0, 0, 1), w);
    tthread_park((unsigned)i);
}

CASE(overwritten_reply_wakes_the_first_caller)
{
    CHECK(tthread_start_scratch(0, receive_twice_reply_once, 0, LOW, 0) == BST_OK);
    CHECK(tthread_start_scratch(1, call_and_record, 1, LOW, 0) == BST_OK);
    CHECK(tthread_start_scratch(2, call_and_record, 2, LOW, 0) == BST_OK);
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY);
    CHECK(seen_count == 2);
    CHECK(seen[2] == BST_E_PARTNER_GONE && seen[3] == partner_gone_in_call); /* the abandoned caller */
    CHECK(seen[4] == BST_OK);                                               /* the one replied to */
    return 0;
}

#define FAULT_VADDR 0x300000ull /* unmapped in the root's address space */

static void touch_unmapped(uint64_t i)
{
    *(volatile uint64_t *)FAULT_VADDR = 1;
    seen[12] = 1;
    tthread_park((unsigned)i);
}

CASE(faulted_thread_stops_when_its_handler_dies)
{
    CHECK(tthread_start_scratch(0, receive_and_hold, 0, LOW, 0) == BST_OK); /* the fault handler */
    CHECK(tthread_start_scratch(1, touch_unmapped, 1, LOW, EP) == BST_OK);
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY);
    CHECK(seen[8] != 0); /* the handler got the fault message and holds the reply */
    CHECK(bst_cnode_delete(ROOT, tthread_tcb_slot(0), 64) == BST_OK);
    tthreads[0].tcb = 0;
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY);
    struct bst_msg m;
    CHECK(bst_nbrecv(EP, &m) == BST_E_WOULD_BLOCK); /* stopped, not re-sending */
    CHECK(seen[12] == 0);
    /* Stopped as FAULTED: Resume re-runs the faulting instruction, and the fault comes again. */
    CHECK(bst_tcb_resume(tthread_tcb_slot(1)) == BST_OK);
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY);
    CHECK(bst_nbrecv(EP, &m) == BST_OK);
    CHECK(bst_msginfo_label(m.info) == BST_FAULT_PAGE && m.words[BST_FAULT_WORD_ADDRESS] == FAULT_VADDR);
    uint64_t w[4] = {0, 0, 0, 0};
    CHECK(bst_reply(bst_msginfo(BST_FAULT_REPLY_STOP, 0, 0), w) == BST_OK);
    return 0;
}

/* ---- hole 11: smaller defects */

static void call_for_reply(uint64_t i)
{
    struct bst_msg m;
    seen[0] = raw_call(EP, bst_msginfo(LABEL, 0, 1), 7, &m);
    seen[1] = m.words[0];
    seen_count = 1;
    tthread_park((unsigned)i);
}

CASE(replies_over_64_words_are_refused)
{
    CHECK(tthread_start_scratch(0, call_for_reply, 0, LOW, 0) == BST_OK);
    struct bst_msg m;
    CHECK(bst_recv(EP, &m) == BST_OK && m.words[0] == 7);
    uint64_t w[4] = {42, 0, 0, 0};
    CHECK_FAILS(bst_reply(bst_msginfo(0, 0, BST_MSG_MAX_WORDS + 1), w), BST_E_RANGE, 1);
    CHECK(bst_exchange->error.syscall == BST_SYS_REPLY && bst_exchange->error.max == BST_MSG_MAX_WORDS);
    CHECK_FAILS(bst_replyrecv(EP, bst_msginfo(0, 0, 127), w, &m), BST_E_RANGE, 1);
    CHECK(bst_exchange->error.syscall == BST_SYS_REPLYRECV);
    CHECK(seen_count == 0); /* neither failed call replied */
    CHECK(bst_reply(bst_msginfo(0, 0, 1), w) == BST_OK); /* the reply capability is still there */
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY);
    CHECK(seen_count == 1 && seen[0] == BST_OK && seen[1] == 42);
    return 0;
}

/* A stale detail from an earlier call must not survive a later failure. */
static void stale_detail(void)
{
    bst_exchange->error.code = 0x5757;
    bst_exchange->error.syscall = 0x5757;
}

CASE(would_block_writes_its_detail)
{
    struct bst_msg m;
    uint64_t w[4] = {0, 0, 0, 0};
    stale_detail();
    CHECK_FAILS(bst_nbrecv(EP, &m), BST_E_WOULD_BLOCK, BST_ARG_NONE);
    CHECK(bst_exchange->error.syscall == BST_SYS_NBRECV);
    stale_detail();
    CHECK_FAILS(bst_nbsend(EP, bst_msginfo(LABEL, 0, 1), w), BST_E_WOULD_BLOCK, BST_ARG_NONE);
    CHECK(bst_exchange->error.syscall == BST_SYS_NBSEND);
    return 0;
}

static void receive_on_ep2(uint64_t i)
{
    struct bst_msg m;
    seen[0] = bst_recv(EP2, &m);
    seen[1] = tthreads[i].exchange->error.code;
    seen[2] = tthreads[i].exchange->error.syscall;
    seen_count = 1;
    tthread_park((unsigned)i);
}

CASE(deleted_endpoint_writes_the_detail_of_woken_threads)
{
    CHECK(tthread_start_scratch(0, receive_on_ep2, 0, LOW, 0) == BST_OK);
    tthreads[0].exchange->error.code = 0x5757;
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY);
    CHECK(bst_cnode_delete(ROOT, EP2, 64) == BST_OK);
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY);
    CHECK(seen_count == 1 && seen[0] == BST_E_INVALID_CAP);
    CHECK(seen[1] == BST_E_INVALID_CAP && seen[2] == BST_SYS_RECV);
    return 0;
}

/* Configures its own TCB with an empty address space: the next instruction fetch must fault. */
static void configure_own_vspace(uint64_t i)
{
    struct bst_msg m;
    const uint64_t w[4] = {ROOT, S(9), tthread_frame_slot((unsigned)i), (uint64_t)tthreads[i].exchange};
    tthreads[i].exchange->msg[BST_TCB_CONFIGURE_FAULT_EP] = EP;
    seen[0] = bst_ipc_syscall(BST_SYS_CALL, tthread_tcb_slot((unsigned)i), bst_msginfo(BST_TCB_CONFIGURE, 0, 5), w, &m);
    seen[1] = 1; /* reached only if the old address space is still loaded */
    tthread_park((unsigned)i);
}

CASE(configuring_own_vspace_takes_effect_at_once)
{
    CHECK(bst_untyped_retype(S(0), BST_OBJ_PML4, 0, ROOT, 0, 0, S(9), 1) == BST_OK);
    CHECK(bst_asid_pool_assign(BST_CAP_ROOT_ASID_POOL, S(9), 0) == BST_OK);
    CHECK(tthread_start_scratch(0, configure_own_vspace, 0, LOW, EP) == BST_OK);
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY);
    CHECK(seen[1] == 0);
    struct bst_msg m;
    CHECK(bst_nbrecv(EP, &m) == BST_OK);
    CHECK(bst_msginfo_label(m.info) == BST_FAULT_PAGE);
    CHECK(m.words[BST_FAULT_WORD_ADDRESS] == m.words[BST_FAULT_WORD_IP]); /* an instruction fetch */
    uint64_t w[4] = {0, 0, 0, 0};
    CHECK(bst_reply(bst_msginfo(BST_FAULT_REPLY_STOP, 0, 0), w) == BST_OK);
    return 0;
}

/* ---- rights: a read-only CNode cap takes no capabilities, from IPC either */

static void send_a_cap(uint64_t i)
{
    tthreads[i].exchange->caps[0] = EP;
    const uint64_t w[4] = {0, 0, 0, 0};
    bst_send(EP, bst_msginfo(LABEL, 1, 0), w);
    tthread_park((unsigned)i);
}

CASE(read_only_receive_cnode_takes_no_caps)
{
    CHECK(bst_untyped_retype(S(0), BST_OBJ_CNODE, 4, ROOT, 0, 0, S(5), 1) == BST_OK);
    CHECK(bst_cnode_copy(ROOT, S(6), 64, ROOT, S(5), 64, BST_RIGHT_READ) == BST_OK);
    CHECK(tthread_start_scratch(0, send_a_cap, 0, LOW, 0) == BST_OK);
    CHECK(tthread_start_scratch(1, send_a_cap, 1, LOW, 0) == BST_OK);
    struct bst_msg m;
    bst_set_receive_slot(S(6), 1, 4);
    uint64_t e = bst_recv(EP, &m);
    bst_set_receive_slot(S(5), 1, 4);
    uint64_t e2 = bst_recv(EP, &m);
    bst_set_receive_slot(0, 0, 0);
    CHECK(e == BST_OK && e2 == BST_OK);
    CHECK(bst_msginfo_caps(m.info) == 1); /* through the writable cap the second one arrived */
    CHECK(bst_cnode_copy(ROOT, S(7), 64, S(5), 1, 4, BST_RIGHTS_ALL) == BST_OK);
    CHECK(bst_cnode_copy(ROOT, S(8), 64, S(5), 2, 4, BST_RIGHTS_ALL) == BST_E_INVALID_CAP); /* only one */
    return 0;
}

const struct test_case hostile_ipc_cases[] = {
    {"hostile: a stale exchange frame cannot forge capabilities", stale_exchange_frame_cannot_forge_caps},
    {"hostile: printing without an exchange frame is refused as documented", debug_print_without_exchange_frame},
    {"hostile: a caller wakes when its server is suspended", caller_wakes_when_server_is_suspended},
    {"hostile: a caller wakes when its server is deleted", caller_wakes_when_server_is_deleted},
    {"hostile: an overwritten reply wakes the first caller", overwritten_reply_wakes_the_first_caller},
    {"hostile: a faulted thread stops when its handler dies", faulted_thread_stops_when_its_handler_dies},
    {"hostile: replies over 64 words are refused", replies_over_64_words_are_refused},
    {"hostile: would-block writes its error detail", would_block_writes_its_detail},
    {"hostile: a deleted endpoint writes the woken threads' detail", deleted_endpoint_writes_the_detail_of_woken_threads},
    {"hostile: configuring one's own address space takes effect at once", configuring_own_vspace_takes_effect_at_once},
    {"hostile: a read-only receive CNode takes no capabilities", read_only_receive_cnode_takes_no_caps},
};
const unsigned hostile_ipc_case_count = sizeof(hostile_ipc_cases) / sizeof(hostile_ipc_cases[0]);
