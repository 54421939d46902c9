/*
 * Endpoint IPC, faults as messages and the scheduler: message contents and
 * ordering, badges, capability transfer with and without Grant, the one-shot
 * reply capability, blocking in every order, deletion with queued threads,
 * priorities, round robin, and fault handlers.
 *
 * The root task runs at priority 128; helper threads run below it unless a
 * case says otherwise, so the order of events is deterministic: a helper runs
 * only while the root is blocked.
 */
#include "tests/target/cases.h"
#include "tests/target/captest.h"
#include "tests/target/tthread.h"
#include "user/lib/ipc.h"
#include "user/lib/tcb.h"
#include "user/lib/vspace.h"
#include <bastion/tcb.h>

#define S(n) scratch_slot(n)
#define EP S(1)
#define EP_COPY S(2)
#define EP_COPY2 S(3)
#define RECV_SLOT S(10)
#define LOW 100
#define HIGH 120
#define ROOT_PRIORITY 128
#define LABEL 0x77

static volatile uint64_t seen[8], seen_count, done_flag;





static bool setup(void)
{
    seen_count = done_flag = 0;
    for (unsigned i = 0; i < 8; i++)
        seen[i] = 0;
    return scratch_untyped(20) && bst_untyped_retype(S(0), BST_OBJ_ENDPOINT, 0, ROOT, 0, 0, EP, 1) == BST_OK;
}

static void cleanup(void)
{
    tthread_stop_all();
    scratch_reset();
}

#define CASE(name) CASE_WITH(name, setup(), cleanup)

/* ---- helper thread bodies */

static void receive_one(uint64_t i)
{
    struct bst_msg m;
    seen[0] = bst_recv(EP, &m);
    seen[1] = m.info;
    seen[2] = m.badge;
    for (unsigned w = 0; w < 4; w++)
        seen[3 + w] = m.words[w];
    seen_count = 1;
    tthread_park((unsigned)i);
}

static void receive_long(uint64_t i)
{
    struct bst_msg m;
    bst_recv(EP, &m);
    uint64_t sum = 0;
    for (unsigned w = 4; w < bst_msginfo_length(m.info); w++)
        sum += tthreads[i].exchange->msg[w] * w;
    seen[0] = bst_msginfo_length(m.info);
    seen[1] = sum;
    tthread_park((unsigned)i);
}

static void send_my_number(uint64_t i)
{
    uint64_t w[4] = {i, 0, 0, 0};
    bst_send(EP, bst_msginfo(LABEL, 0, 1), w);
    tthread_park((unsigned)i);
}

/* Serves Calls: replies with word 0 + 1, until told to stop (word 0 == ~0). */
static void serve_increment(uint64_t i)
{
    struct bst_msg m;
    uint64_t e = bst_recv(EP, &m);
    while (e == BST_OK && m.words[0] != ~0ull) {
        uint64_t w[4] = {m.words[0] + 1, 0, 0, 0};
        e = bst_replyrecv(EP, bst_msginfo(0, 0, 1), w, &m);
    }
    tthread_park((unsigned)i);
}

/* Replies once, then tries to reply again with the used-up reply cap. */
static void reply_twice(uint64_t i)
{
    struct bst_msg m;
    bst_recv(EP, &m);
    uint64_t w[4] = {42, 0, 0, 0};
    seen[0] = bst_reply(bst_msginfo(0, 0, 1), w);
    seen[1] = bst_reply(bst_msginfo(0, 0, 1), w);
    seen_count = 2;
    tthread_park((unsigned)i);
}

static void receive_cap(uint64_t i)
{
    struct bst_exchange *x = tthreads[i].exchange;
    x->receive_root = 0;
    x->receive_index = RECV_SLOT;
    x->receive_depth = 64;
    struct bst_msg m;
    seen[0] = bst_recv(EP, &m);
    seen[1] = m.info;
    seen_count = 1;
    tthread_park((unsigned)i);
}

static void blocked_sender(uint64_t i)
{
    uint64_t w[4] = {0, 0, 0, 0};
    seen[i] = bst_send(EP, bst_msginfo(1, 0, 0), w);
    seen_count++;
    tthread_park((unsigned)i);
}

/* ---- cases */

CASE(send_then_receive_words_and_label)
{
    CHECK(tthread_start_scratch(0, receive_one, 0, LOW, 0) == BST_OK);
    uint64_t w[4] = {11, 22, 33, 44};
    CHECK(bst_send(EP, bst_msginfo(LABEL, 0, 4), w) == BST_OK); /* blocks until the helper receives */
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY);
    CHECK(seen_count == 1 && seen[0] == BST_OK);
    CHECK(bst_msginfo_label(seen[1]) == LABEL && bst_msginfo_length(seen[1]) == 4);
    CHECK(seen[2] == 0); /* unbadged cap */
    CHECK(seen[3] == 11 && seen[4] == 22 && seen[5] == 33 && seen[6] == 44);
    return 0;
}

CASE(long_message_through_exchange_frames)
{
    CHECK(tthread_start_scratch(0, receive_long, 0, LOW, 0) == BST_OK);
    uint64_t expect = 0;
    for (unsigned w = 4; w < BST_MSG_MAX_WORDS; w++) {
        bst_exchange->msg[w] = w * 3;
        expect += w * 3 * w;
    }
    uint64_t regs[4] = {1, 2, 3, 4};
    CHECK(bst_send(EP, bst_msginfo(LABEL, 0, BST_MSG_MAX_WORDS), regs) == BST_OK);
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY);
    CHECK(seen[0] == BST_MSG_MAX_WORDS && seen[1] == expect);
    return 0;
}

CASE(oversize_message_refused)
{
    uint64_t w[4] = {0, 0, 0, 0};
    CHECK(bst_nbsend(EP, bst_msginfo(LABEL, 0, BST_MSG_MAX_WORDS + 1), w) == BST_E_RANGE);
    CHECK(bst_exchange->error.max == BST_MSG_MAX_WORDS);
    return 0;
}

CASE(senders_queue_in_fifo_order)
{
    for (unsigned i = 0; i < 3; i++)
        CHECK(tthread_start_scratch(i, send_my_number, i, LOW, 0) == BST_OK);
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY); /* all three block in Send, in start order */
    struct bst_msg m;
    for (unsigned i = 0; i < 3; i++) {
        CHECK(bst_recv(EP, &m) == BST_OK);
        CHECK(m.words[0] == i);
    }
    return 0;
}

CASE(badges_reach_the_receiver)
{
    CHECK(bst_cnode_mint(ROOT, EP_COPY, 64, ROOT, EP, 64, BST_RIGHTS_ALL, 0xbad9e, 0) == BST_OK);
    CHECK(tthread_start_scratch(0, receive_one, 0, LOW, 0) == BST_OK);
    uint64_t w[4] = {5, 0, 0, 0};
    CHECK(bst_send(EP_COPY, bst_msginfo(LABEL, 0, 1), w) == BST_OK);
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY);
    CHECK(seen[2] == 0xbad9e && seen[3] == 5);
    return 0;
}

CASE(call_and_replyrecv_round_trips)
{
    CHECK(tthread_start_scratch(0, serve_increment, 0, LOW, 0) == BST_OK);
    struct bst_msg r;
    for (uint64_t v = 0; v < 10; v++) {
        uint64_t w[4] = {v * 10, 0, 0, 0};
        CHECK(bst_call(EP, bst_msginfo(LABEL, 0, 1), w, &r) == BST_OK);
        CHECK(r.words[0] == v * 10 + 1 && bst_msginfo_length(r.info) == 1);
    }
    uint64_t stop[4] = {~0ull, 0, 0, 0};
    CHECK(bst_send(EP, bst_msginfo(LABEL, 0, 1), stop) == BST_OK);
    return 0;
}

CASE(reply_capability_works_once)
{
    CHECK(tthread_start_scratch(0, reply_twice, 0, LOW, 0) == BST_OK);
    struct bst_msg r;
    uint64_t w[4] = {0, 0, 0, 0};
    CHECK(bst_call(EP, bst_msginfo(LABEL, 0, 0), w, &r) == BST_OK);
    CHECK(r.words[0] == 42);
    /* The helper runs on only when the root waits: block on an endpoint nobody uses, briefly. */
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY);
    CHECK(seen[0] == BST_OK && seen[1] == BST_E_INVALID_CAP);
    CHECK(bst_reply(bst_msginfo(0, 0, 0), w) == BST_E_INVALID_CAP); /* the root holds none */
    return 0;
}

CASE(nonblocking_variants)
{
    struct bst_msg m;
    uint64_t w[4] = {0, 0, 0, 0};
    CHECK(bst_nbsend(EP, bst_msginfo(LABEL, 0, 0), w) == BST_E_WOULD_BLOCK);
    CHECK(bst_nbrecv(EP, &m) == BST_E_WOULD_BLOCK);
    CHECK(tthread_start_scratch(0, receive_one, 0, LOW, 0) == BST_OK);
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY); /* the helper now waits in Recv */
    w[0] = 9;
    CHECK(bst_nbsend(EP, bst_msginfo(LABEL, 0, 1), w) == BST_OK);
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY);
    CHECK(seen_count == 1 && seen[3] == 9);
    return 0;
}

CASE(rights_and_types_checked)
{
    struct bst_msg m;
    uint64_t w[4] = {0, 0, 0, 0};
    CHECK(bst_cnode_mint(ROOT, EP_COPY, 64, ROOT, EP, 64, BST_RIGHT_READ, 0, 0) == BST_OK);
    CHECK(bst_cnode_mint(ROOT, EP_COPY2, 64, ROOT, EP, 64, BST_RIGHT_WRITE, 0, 0) == BST_OK);
    CHECK(bst_nbsend(EP_COPY, bst_msginfo(1, 0, 0), w) == BST_E_RIGHTS);
    CHECK(bst_exchange->error.min == BST_RIGHT_WRITE);
    CHECK(bst_nbrecv(EP_COPY2, &m) == BST_E_RIGHTS);
    CHECK(bst_nbsend(BST_CAP_ROOT_TCB, bst_msginfo(1, 0, 0), w) == BST_E_WRONG_TYPE);
    CHECK(bst_nbrecv(S(30), &m) == BST_E_INVALID_CAP);
    CHECK(bst_nbrecv(1ull << 50, &m) == BST_E_LOOKUP_FAILED);
    CHECK(bst_ipc_syscall(BST_SYS_REPLYRECV, S(30), 0, w, &m) == BST_E_INVALID_CAP);
    return 0;
}

static const char *transfer_cap(bool grant)
{
    bst_cptr_t sender_cap = EP;
    if (!grant) {
        CHECK(bst_cnode_mint(ROOT, EP_COPY, 64, ROOT, EP, 64, BST_RIGHT_WRITE | BST_RIGHT_READ, 0, 0) == BST_OK);
        sender_cap = EP_COPY;
    }
    CHECK(bst_untyped_retype(S(0), BST_OBJ_NOTIFICATION, 0, ROOT, 0, 0, S(5), 1) == BST_OK);
    CHECK(tthread_start_scratch(0, receive_cap, 0, LOW, 0) == BST_OK);
    bst_exchange->caps[0] = S(5);
    uint64_t w[4] = {0, 0, 0, 0};
    CHECK(bst_send(sender_cap, bst_msginfo(LABEL, 1, 0), w) == BST_OK);
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY);
    CHECK(seen_count == 1 && seen[0] == BST_OK);
    if (grant) {
        CHECK(bst_msginfo_caps(seen[1]) == 1 && !(seen[1] & BST_MSGINFO_CAPS_DROPPED));
        CHECK(cap_info(RECV_SLOT).type == BST_OBJ_NOTIFICATION);
        CHECK(cap_info(S(5)).type == BST_OBJ_NOTIFICATION); /* the sender keeps its cap */
    } else {
        CHECK(bst_msginfo_caps(seen[1]) == 0 && (seen[1] & BST_MSGINFO_CAPS_DROPPED));
        CHECK(cap_info(RECV_SLOT).type == BST_OBJ_NULL);
    }
    return 0;
}

CASE(capability_transfer_with_grant) { return transfer_cap(true); }
CASE(capability_transfer_without_grant) { return transfer_cap(false); }

CASE(deleting_endpoint_wakes_queued_senders)
{
    for (unsigned i = 0; i < 3; i++) {
        seen[i] = 0xdead;
        CHECK(tthread_start_scratch(i, blocked_sender, i, LOW, 0) == BST_OK);
    }
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY); /* they block in Send */
    CHECK(seen_count == 0);
    CHECK(bst_cnode_delete(ROOT, EP, 64) == BST_OK);
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY);
    CHECK(seen_count == 3);
    for (unsigned i = 0; i < 3; i++)
        CHECK(seen[i] == BST_E_INVALID_CAP);
    return 0;
}

CASE(higher_priority_receiver_runs_at_once)
{
    /* A receiver above the root: it blocks in Recv at once, and a send switches straight to it. */
    CHECK(bst_tcb_set_priority(BST_CAP_ROOT_TCB, BST_CAP_ROOT_TCB, LOW) == BST_OK);
    CHECK(tthread_start_scratch(0, receive_one, 0, HIGH, 0) == BST_OK);
    CHECK(seen_count == 0); /* it is blocked in Recv */
    uint64_t w[4] = {7, 0, 0, 0};
    CHECK(bst_nbsend(EP, bst_msginfo(LABEL, 0, 1), w) == BST_OK);
    CHECK(seen_count == 1 && seen[3] == 7); /* it ran before the root got back */
    CHECK(bst_tcb_set_priority(BST_CAP_ROOT_TCB, BST_CAP_ROOT_TCB, ROOT_PRIORITY) == BST_OK);
    return 0;
}

/* Echoes every Call: the same label, the words reversed, plus the badge in the last word. */
static void serve_echo(uint64_t i)
{
    struct bst_msg m;
    uint64_t e = bst_recv(EP, &m);
    while (e == BST_OK) {
        uint64_t w[4] = {m.words[3], m.words[2], m.words[1], m.badge};
        uint64_t len = bst_msginfo_length(m.info) < 4 ? bst_msginfo_length(m.info) : 4;
        e = bst_replyrecv(EP, bst_msginfo(bst_msginfo_label(m.info), 0, len), w, &m);
    }
    tthread_park((unsigned)i);
}

/* The kernel counts fastpath hits only in debug builds; a release kernel's results must agree all the same. */
static uint64_t fastpath_hits(void) { return bst_debug_call(BST_SYS_DEBUG_FASTPATH_HITS, BST_CAP_MACHINE_CONTROL, 0).value0; }
/* The counter moved by exactly the hits expected (a release kernel has no counter: it must say so). */
static bool fastpath_took(uint64_t expected)
{
#ifdef BASTION_DEBUG
    return fastpath_hits() == expected;
#else
    (void)expected;
    return bst_debug_call(BST_SYS_DEBUG_FASTPATH_HITS, BST_CAP_MACHINE_CONTROL, 0).error == BST_E_NOT_SUPPORTED;
#endif
}
#define CHECK_FAST(hits) CHECK(fastpath_took(hits))

CASE(fastpath_and_slow_path_agree)
{
    CHECK(bst_cnode_mint(ROOT, EP_COPY, 64, ROOT, EP, 64, BST_RIGHTS_ALL, 0x5eed, 0) == BST_OK);
    /* The server at the root's priority: the fastpath may switch to it directly. */
    CHECK(tthread_start_scratch(0, serve_echo, 0, ROOT_PRIORITY, 0) == BST_OK);
    bst_yield(); /* it runs and waits in Recv */
    uint64_t w[4] = {1, 2, 3, 4};
    struct bst_msg fast, slow;
    uint64_t before = fastpath_hits();
    CHECK(bst_call(EP_COPY, bst_msginfo(LABEL, 0, 4), w, &fast) == BST_OK);
    CHECK_FAST(before + 2); /* the Call and the server's ReplyRecv */
    /* The same message with a fifth word (in the exchange frame) must take the slow path. */
    bst_exchange->msg[4] = 5;
    before = fastpath_hits();
    CHECK(bst_call(EP_COPY, bst_msginfo(LABEL, 0, 5), w, &slow) == BST_OK);
    CHECK_FAST(before + 1); /* only the register-only reply was fast */
    CHECK(fast.info == slow.info && fast.badge == slow.badge);
    for (unsigned i = 0; i < 4; i++)
        CHECK(fast.words[i] == slow.words[i]);
    CHECK(fast.words[0] == 4 && fast.words[3] == 0x5eed && bst_msginfo_label(fast.info) == LABEL);
    /* A lower-priority server never takes the fastpath: the caller keeps the CPU until it blocks. */
    CHECK(bst_tcb_set_priority(tthread_tcb_slot(0), BST_CAP_ROOT_TCB, LOW) == BST_OK);
    before = fastpath_hits();
    CHECK(bst_call(EP_COPY, bst_msginfo(LABEL, 0, 4), w, &slow) == BST_OK);
    CHECK_FAST(before + 1); /* the reply to a higher-priority client is fast */
    CHECK(slow.info == fast.info && slow.words[0] == 4 && slow.words[3] == 0x5eed);
    return 0;
}

CASE(suspended_receiver_restarts_its_recv)
{
    CHECK(tthread_start_scratch(0, receive_one, 0, LOW, 0) == BST_OK);
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY); /* it waits in Recv */
    CHECK(bst_tcb_suspend(tthread_tcb_slot(0)) == BST_OK);
    uint64_t w[4] = {3, 0, 0, 0};
    CHECK(bst_nbsend(EP, bst_msginfo(LABEL, 0, 1), w) == BST_E_WOULD_BLOCK); /* nobody waits now */
    CHECK(bst_tcb_resume(tthread_tcb_slot(0)) == BST_OK);
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY); /* it runs its Recv again */
    w[0] = 4;
    CHECK(bst_nbsend(EP, bst_msginfo(LABEL, 0, 1), w) == BST_OK);
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY);
    CHECK(seen_count == 1 && seen[0] == BST_OK && seen[3] == 4);
    return 0;
}

/* ---- scheduler */

static volatile uint64_t counters[2];

static void count_forever(uint64_t i)
{
    for (;;)
        counters[i]++;
}

CASE(round_robin_inside_a_priority)
{
    counters[0] = counters[1] = 0;
    CHECK(tthread_start_scratch(0, count_forever, 0, LOW, 0) == BST_OK);
    CHECK(tthread_start_scratch(1, count_forever, 1, LOW, 0) == BST_OK);
    /* The root sleeps below them for a few timer ticks: both must get the CPU. */
    uint64_t t0 = bst_debug_ticks();
    CHECK(bst_tcb_set_priority(BST_CAP_ROOT_TCB, BST_CAP_ROOT_TCB, LOW) == BST_OK);
    while (bst_debug_ticks() < t0 + 40)
        bst_yield();
    CHECK(bst_tcb_set_priority(BST_CAP_ROOT_TCB, BST_CAP_ROOT_TCB, ROOT_PRIORITY) == BST_OK);
    CHECK(counters[0] > 0 && counters[1] > 0);
    uint64_t lo = counters[0] < counters[1] ? counters[0] : counters[1];
    uint64_t hi = counters[0] < counters[1] ? counters[1] : counters[0];
    CHECK(hi < lo * 4); /* fair shares, within a generous factor */
    return 0;
}

CASE(higher_priority_preempts)
{
    counters[0] = 0;
    CHECK(tthread_start_scratch(0, count_forever, 0, LOW, 0) == BST_OK);
    uint64_t before = counters[0];
    for (volatile int spin = 0; spin < 2000000; spin++)
        ;
    CHECK(counters[0] == before); /* the root (higher) was never preempted by it */
    return 0;
}

/* ---- faults as messages */

#define FAULT_VADDR 0x300000ull /* in the page table of the root's bootinfo, unmapped */

static void touch_unmapped(uint64_t i)
{
    *(volatile uint64_t *)FAULT_VADDR = 0x5eed;
    done_flag = *(volatile uint64_t *)FAULT_VADDR;
    tthread_park((unsigned)i);
}

CASE(fault_handler_maps_page_and_resumes)
{
    CHECK(bst_cnode_mint(ROOT, EP_COPY, 64, ROOT, EP, 64, BST_RIGHTS_ALL, 0xfa17, 0) == BST_OK);
    CHECK(tthread_start_scratch(0, touch_unmapped, 0, LOW, EP_COPY) == BST_OK);
    struct bst_msg m;
    CHECK(bst_recv(EP, &m) == BST_OK);
    CHECK(bst_msginfo_label(m.info) == BST_FAULT_PAGE && m.badge == 0xfa17);
    CHECK(m.words[BST_FAULT_WORD_ADDRESS] == FAULT_VADDR);
    CHECK(m.words[BST_FAULT_WORD_IP] >= 0x1000000);
    CHECK(bst_untyped_retype(S(0), BST_OBJ_FRAME_4K, 0, ROOT, 0, 0, S(6), 1) == BST_OK);
    CHECK(bst_frame_map(S(6), BST_CAP_ROOT_VSPACE, FAULT_VADDR, BST_RIGHT_READ | BST_RIGHT_WRITE,
                        BST_CACHE_WRITE_BACK) == BST_OK);
    uint64_t w[4] = {0, 0, 0, 0};
    CHECK(bst_reply(bst_msginfo(BST_FAULT_REPLY_RESUME, 0, 0), w) == BST_OK);
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY);
    CHECK(done_flag == 0x5eed);
    bst_frame_unmap(S(6));
    return 0;
}

static void do_port_io(uint64_t i)
{
    __asm__ volatile("outb %%al, $0x80" ::"a"(0));
    done_flag = 1;
    tthread_park((unsigned)i);
}

CASE(port_access_without_ioport_cap_is_a_fault_message)
{
    CHECK(tthread_start_scratch(0, do_port_io, 0, LOW, EP) == BST_OK);
    struct bst_msg m;
    CHECK(bst_recv(EP, &m) == BST_OK);
    CHECK(bst_msginfo_label(m.info) == BST_FAULT_PROTECTION);
    uint64_t w[4] = {0, 0, 0, 0};
    CHECK(bst_reply(bst_msginfo(BST_FAULT_REPLY_STOP, 0, 0), w) == BST_OK);
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY);
    CHECK(done_flag == 0); /* stopped: it never got past the port access */
    return 0;
}

const struct test_case ipc_cases[] = {
    {"ipc: send/recv carries label, words and badge", send_then_receive_words_and_label},
    {"ipc: 64-word message through the exchange frames", long_message_through_exchange_frames},
    {"ipc: more than 64 words refused", oversize_message_refused},
    {"ipc: queued senders are received in FIFO order", senders_queue_in_fifo_order},
    {"ipc: badges of minted caps reach the receiver", badges_reach_the_receiver},
    {"ipc: Call and ReplyRecv round trips", call_and_replyrecv_round_trips},
    {"ipc: the reply capability works once only", reply_capability_works_once},
    {"ipc: NBSend and NBRecv", nonblocking_variants},
    {"ipc: rights, types and lookups checked", rights_and_types_checked},
    {"ipc: capability transfer with Grant", capability_transfer_with_grant},
    {"ipc: capability transfer without Grant", capability_transfer_without_grant},
    {"ipc: deleting an endpoint wakes queued senders", deleting_endpoint_wakes_queued_senders},
    {"ipc: a higher-priority receiver runs at once", higher_priority_receiver_runs_at_once},
    {"ipc: fastpath and slow path agree", fastpath_and_slow_path_agree},
    {"ipc: a suspended receiver re-runs its Recv when resumed", suspended_receiver_restarts_its_recv},
    {"sched: round robin inside a priority", round_robin_inside_a_priority},
    {"sched: a lower priority never preempts", higher_priority_preempts},
    {"fault: handler maps the page and resumes", fault_handler_maps_page_and_resumes},
    {"fault: port access without an IOPort cap is a fault message", port_access_without_ioport_cap_is_a_fault_message},
};
const unsigned ipc_case_count = sizeof(ipc_cases) / sizeof(ipc_cases[0]);
