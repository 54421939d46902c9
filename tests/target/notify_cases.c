/*
 * Notifications: Signal, Wait and Poll (badges, clearing, every error path),
 * waking and priorities, binding to TCBs, deletion with waiters, and
 * notification-handler threads (user/lib/sigthread.h).
 *
 * Plain second threads share the root task's CSpace, address space and
 * exchange frame (a copy of its cap), run a function of this image on a
 * static stack and report through a struct waiter. Handler threads are made
 * by the library with their own exchange frame. Every case restores the root
 * task's priority and ends with scratch_reset(), which destroys whatever it
 * made; the harness then runs the kernel's invariant checker.
 *
 * The root task never Waits unless bits are pending or another thread will
 * signal: with nothing runnable the test kernel would exit as idle.
 */
#include "tests/target/cases.h"
#include "tests/target/captest.h"
#include "user/lib/ipc.h"
#include "user/lib/notify.h"
#include "user/lib/sigthread.h"
#include "user/lib/tcb.h"

#define S(n) scratch_slot(n)
#define UT_BITS 16 /* 64 KiB: TCBs, notifications, two exchange frames */
#define ROOT_PRIORITY 128 /* the root task's priority and maximum controlled priority */
#define ROOT_LOWERED 100
#define HIGH_PRIORITY 120 /* above the lowered root task */
#define LOW_PRIORITY 90   /* below the lowered root task */
#define LOWEST_PRIORITY 80
#define STACK_BYTES 4096
#define YIELDS 20
#define ROUNDS 10
#define BAD_CPTR (1ull << 40) /* does not match the root CNode's guard */
/* Free pages of the root task's address space under its boot page table (bootinfo and
 * exchange frame below, stack above): exchange frames of handler threads go there. */
#define SIG_EXCHANGE_ADDR 0x300000ull
#define SIG_EXCHANGE_ADDR2 0x301000ull

/* Slots each case uses. */
#define NTFN S(1)
#define OTHER S(2)
#define BADGE1 S(3)
#define BADGE4 S(4)
#define BADGE100 S(5)
#define TCB_A S(6)
#define TCB_B S(7)
#define EXCHANGE S(8)
#define ENDPOINT S(9)
#define SPARE S(10)
#define SIG_TCB S(11)
#define SIG_FRAME S(12)
#define READ_ONLY S(13)
#define WRITE_ONLY S(14)

/* Runs the body with a fresh scratch untyped in S(0); then the root's priority comes back
 * and everything the body made is destroyed, pass or fail. */
#define CASE(name)                                                              \
    static const char *name##_body(void);                                       \
    static const char *name(void)                                               \
    {                                                                           \
        const char *why = scratch_untyped(UT_BITS) ? name##_body() : "no scratch untyped"; \
        bst_tcb_set_priority(BST_CAP_ROOT_TCB, BST_CAP_ROOT_TCB, ROOT_PRIORITY); \
        scratch_reset();                                                        \
        return why;                                                             \
    }                                                                           \
    static const char *name##_body(void)

/* As CHECK_FAILS (captest.h), and the detail names this system call too. */
#define CHECK_FAILS_IN(call, want, arg, sys)          \
    do {                                              \
        CHECK_FAILS(call, want, arg);                 \
        CHECK(bst_exchange->error.syscall == (sys));  \
    } while (0)

static void yield(void) { bst_syscall3(BST_SYS_YIELD, 0, 0, 0); }
static void yields(void)
{
    for (unsigned i = 0; i < YIELDS; i++)
        yield();
}

static uint64_t make(uint64_t type, bst_cptr_t slot) { return bst_untyped_retype(S(0), type, 0, ROOT, 0, 0, slot, 1); }

static uint64_t mint(bst_cptr_t dest, bst_cptr_t src, uint64_t rights, uint64_t badge)
{
    return bst_cnode_mint(ROOT, dest, ROOT_DEPTH, ROOT, src, ROOT_DEPTH, rights, badge, 0);
}

static uint64_t delete(bst_cptr_t slot) { return bst_cnode_delete(ROOT, slot, ROOT_DEPTH); }

static uint64_t set_own_priority(uint64_t p) { return bst_tcb_set_priority(BST_CAP_ROOT_TCB, BST_CAP_ROOT_TCB, p); }

/* A notification in NTFN with Write-only badged copies 0x1, 0x4 and 0x100. */
static uint64_t make_badged(void)
{
    uint64_t e;
    if ((e = make(BST_OBJ_NOTIFICATION, NTFN)) != BST_OK || (e = mint(BADGE1, NTFN, BST_RIGHT_WRITE, 0x1)) != BST_OK ||
        (e = mint(BADGE4, NTFN, BST_RIGHT_WRITE, 0x4)) != BST_OK)
        return e;
    return mint(BADGE100, NTFN, BST_RIGHT_WRITE, 0x100);
}

/* ---- second threads */

struct waiter {
    bst_cptr_t tcb, notification;
    bst_cptr_t signal_back;       /* signalled after each Wait that returned, if not 0 */
    volatile uint64_t started, count, bits, error;
};

static struct waiter waiters[2];
static uint8_t stacks[2][STACK_BYTES] __attribute__((aligned(16)));

/* Waits, records, signals back; a failed Wait suspends the thread. */
static void __attribute__((noreturn)) waiter_loop(struct waiter *w)
{
    w->started = 1;
    for (;;) {
        uint64_t bits;
        uint64_t e = bst_wait(w->notification, &bits);
        w->error = e;
        w->bits = bits;
        w->count++;
        if (e != BST_OK)
            bst_tcb_suspend(w->tcb);
        else if (w->signal_back)
            bst_signal(w->signal_back);
    }
}

/* Thread i in TCB_A or TCB_B runs entry(arg) at priority, sharing the root's exchange frame. */
static uint64_t start_thread(unsigned i, void (*entry)(void *), void *arg, uint64_t priority, bool resume)
{
    bst_cptr_t tcb = i ? TCB_B : TCB_A;
    uint64_t e;
    if (cap_info(EXCHANGE).type == BST_OBJ_NULL &&
        (e = bst_cnode_mint(ROOT, EXCHANGE, ROOT_DEPTH, ROOT, BST_CAP_ROOT_EXCHANGE, ROOT_DEPTH,
                            BST_RIGHT_READ | BST_RIGHT_WRITE, 0, 0)) != BST_OK)
        return e;
    if ((e = make(BST_OBJ_TCB, tcb)) != BST_OK ||
        (e = bst_tcb_configure(tcb, ROOT, BST_CAP_ROOT_VSPACE, EXCHANGE, BST_ROOT_EXCHANGE_ADDR, 0)) != BST_OK ||
        (e = bst_tcb_set_priority(tcb, BST_CAP_ROOT_TCB, priority)) != BST_OK)
        return e;
    struct bst_tcb_registers regs = {
        .rip = (uint64_t)entry,
        .rsp = (uint64_t)(stacks[i] + STACK_BYTES - sizeof(uint64_t)), /* as if called */
        .rdi = (uint64_t)arg,
    };
    return bst_tcb_write_registers(tcb, resume, BST_REG_RDI + 1, (const uint64_t *)&regs);
}

/* Thread i waits on notification in a loop (waiter_loop), signalling signal_back after each Wait. */
static uint64_t start_waiter(unsigned i, bst_cptr_t notification, bst_cptr_t signal_back, uint64_t priority)
{
    struct waiter *w = &waiters[i];
    *w = (struct waiter){.tcb = i ? TCB_B : TCB_A, .notification = notification, .signal_back = signal_back};
    return start_thread(i, (void (*)(void *))waiter_loop, w, priority, true);
}

/* A thread that receives on an endpoint in a loop and records each message. */
struct receiver {
    bst_cptr_t endpoint;
    volatile uint64_t started, count, error, info, badge, word0;
};
static struct receiver receiver;

static void __attribute__((noreturn)) receiver_loop(struct receiver *r)
{
    r->started = 1;
    for (;;) {
        struct bst_msg m;
        uint64_t e = bst_recv(r->endpoint, &m);
        r->error = e;
        r->info = m.info;
        r->badge = m.badge;
        r->word0 = m.words[0];
        r->count++;
    }
}

/* ---- Signal, Wait, Poll */

CASE(signal_then_wait_ors_badges)
{
    CHECK(make_badged() == BST_OK);
    CHECK(bst_signal(BADGE1) == BST_OK);
    CHECK(bst_signal(BADGE4) == BST_OK);
    CHECK(bst_signal(BADGE1) == BST_OK);
    uint64_t bits = 0;
    CHECK(bst_wait(NTFN, &bits) == BST_OK);
    CHECK(bits == 0x5);
    CHECK(bst_signal(BADGE100) == BST_OK);
    CHECK(bst_wait(NTFN, &bits) == BST_OK);
    CHECK(bits == 0x100);
    return 0;
}

CASE(unbadged_cap_signals_one)
{
    CHECK(make(BST_OBJ_NOTIFICATION, NTFN) == BST_OK);
    CHECK(mint(BADGE4, NTFN, BST_RIGHT_WRITE, 0x6) == BST_OK);
    uint64_t bits = 0;
    CHECK(bst_signal(NTFN) == BST_OK); /* the original cap has badge 0 */
    CHECK(bst_wait(NTFN, &bits) == BST_OK);
    CHECK(bits == 1);
    CHECK(bst_signal(BADGE4) == BST_OK);
    CHECK(bst_signal(NTFN) == BST_OK);
    CHECK(bst_poll(NTFN, &bits) == BST_OK);
    CHECK(bits == 0x7);
    return 0;
}

CASE(wait_clears_the_word)
{
    CHECK(make_badged() == BST_OK);
    uint64_t bits = 0;
    CHECK(bst_signal(BADGE4) == BST_OK);
    CHECK(bst_wait(NTFN, &bits) == BST_OK);
    CHECK(bits == 0x4);
    CHECK_FAILS_IN(bst_poll(NTFN, &bits), BST_E_WOULD_BLOCK, BST_ARG_NONE, BST_SYS_POLL);
    CHECK(bits == 0);
    /* Only new signals count after a Wait. */
    CHECK(bst_signal(BADGE1) == BST_OK);
    CHECK(bst_wait(NTFN, &bits) == BST_OK);
    CHECK(bits == 0x1);
    return 0;
}

CASE(poll_with_nothing_pending)
{
    CHECK(make(BST_OBJ_NOTIFICATION, NTFN) == BST_OK);
    uint64_t bits = 0xdead;
    CHECK_FAILS_IN(bst_poll(NTFN, &bits), BST_E_WOULD_BLOCK, BST_ARG_NONE, BST_SYS_POLL);
    CHECK(bits == 0);
    CHECK_FAILS_IN(bst_poll(NTFN, &bits), BST_E_WOULD_BLOCK, BST_ARG_NONE, BST_SYS_POLL);
    /* Polling changed nothing: a signal still arrives. */
    CHECK(bst_signal(NTFN) == BST_OK);
    CHECK(bst_wait(NTFN, &bits) == BST_OK && bits == 1);
    return 0;
}

CASE(poll_returns_and_clears)
{
    CHECK(make_badged() == BST_OK);
    uint64_t bits = 0;
    CHECK(bst_signal(BADGE1) == BST_OK);
    CHECK(bst_signal(BADGE100) == BST_OK);
    CHECK(bst_poll(NTFN, &bits) == BST_OK);
    CHECK(bits == 0x101);
    CHECK_FAILS_IN(bst_poll(NTFN, &bits), BST_E_WOULD_BLOCK, BST_ARG_NONE, BST_SYS_POLL);
    CHECK(bst_signal(BADGE4) == BST_OK);
    CHECK(bst_poll(NTFN, &bits) == BST_OK && bits == 0x4);
    return 0;
}

CASE(wrong_type)
{
    CHECK(make(BST_OBJ_ENDPOINT, ENDPOINT) == BST_OK);
    uint64_t bits;
    CHECK_FAILS_IN(bst_signal(ENDPOINT), BST_E_WRONG_TYPE, 0, BST_SYS_SIGNAL);
    CHECK(bst_exchange->error.min == BST_OBJ_NOTIFICATION && bst_exchange->error.max == BST_OBJ_NOTIFICATION);
    CHECK_FAILS_IN(bst_wait(BST_CAP_ROOT_TCB, &bits), BST_E_WRONG_TYPE, 0, BST_SYS_WAIT);
    CHECK_FAILS_IN(bst_poll(ROOT, &bits), BST_E_WRONG_TYPE, 0, BST_SYS_POLL);
    CHECK(bits == 0);
    return 0;
}

CASE(rights)
{
    CHECK(make(BST_OBJ_NOTIFICATION, NTFN) == BST_OK);
    CHECK(mint(READ_ONLY, NTFN, BST_RIGHT_READ, 0) == BST_OK);
    CHECK(mint(WRITE_ONLY, NTFN, BST_RIGHT_WRITE, 0x8) == BST_OK);
    uint64_t bits;
    CHECK_FAILS_IN(bst_signal(READ_ONLY), BST_E_RIGHTS, 0, BST_SYS_SIGNAL);
    CHECK(bst_exchange->error.min == BST_RIGHT_WRITE);
    CHECK_FAILS_IN(bst_wait(WRITE_ONLY, &bits), BST_E_RIGHTS, 0, BST_SYS_WAIT);
    CHECK(bst_exchange->error.min == BST_RIGHT_READ);
    CHECK_FAILS_IN(bst_poll(WRITE_ONLY, &bits), BST_E_RIGHTS, 0, BST_SYS_POLL);
    /* Refused calls changed nothing; the allowed ones work. */
    CHECK_FAILS_IN(bst_poll(READ_ONLY, &bits), BST_E_WOULD_BLOCK, BST_ARG_NONE, BST_SYS_POLL);
    CHECK(bst_signal(WRITE_ONLY) == BST_OK);
    CHECK(bst_wait(READ_ONLY, &bits) == BST_OK && bits == 0x8);
    return 0;
}

CASE(empty_slot_and_bad_address)
{
    uint64_t bits;
    CHECK_FAILS_IN(bst_signal(SPARE), BST_E_INVALID_CAP, 0, BST_SYS_SIGNAL);
    CHECK_FAILS_IN(bst_wait(SPARE, &bits), BST_E_INVALID_CAP, 0, BST_SYS_WAIT);
    CHECK_FAILS_IN(bst_poll(SPARE, &bits), BST_E_INVALID_CAP, 0, BST_SYS_POLL);
    CHECK_FAILS_IN(bst_signal(BAD_CPTR), BST_E_LOOKUP_FAILED, 0, BST_SYS_SIGNAL);
    CHECK(bst_exchange->error.bits_resolved == 0); /* the root CNode's guard did not match */
    CHECK_FAILS_IN(bst_wait(BAD_CPTR, &bits), BST_E_LOOKUP_FAILED, 0, BST_SYS_WAIT);
    CHECK_FAILS_IN(bst_signal(BST_CAP_NULL), BST_E_INVALID_CAP, 0, BST_SYS_SIGNAL);
    return 0;
}

/* ---- waking threads */

CASE(higher_priority_waiter_runs_at_once)
{
    CHECK(make_badged() == BST_OK);
    CHECK(set_own_priority(ROOT_LOWERED) == BST_OK);
    /* Above us, it runs inside the resume and blocks in Wait. */
    CHECK(start_waiter(0, NTFN, 0, HIGH_PRIORITY) == BST_OK);
    CHECK(waiters[0].started == 1 && waiters[0].count == 0);
    /* Each Signal returns to us only after the waiter ran and waits again. */
    CHECK(bst_signal(BADGE4) == BST_OK);
    CHECK(waiters[0].count == 1 && waiters[0].bits == 0x4 && waiters[0].error == BST_OK);
    CHECK(bst_signal(BADGE100) == BST_OK);
    CHECK(waiters[0].count == 2 && waiters[0].bits == 0x100);
    return 0;
}

CASE(equal_priority_waiter_waits_its_turn)
{
    CHECK(make_badged() == BST_OK);
    CHECK(start_waiter(0, NTFN, 0, ROOT_PRIORITY) == BST_OK);
    for (unsigned i = 0; i < YIELDS && !waiters[0].started; i++)
        yield();
    CHECK(waiters[0].started == 1 && waiters[0].count == 0);
    /* The woken thread goes behind us in the ready queue, as in seL4: no switch yet. */
    CHECK(bst_signal(BADGE1) == BST_OK);
    CHECK(waiters[0].count == 0);
    yield();
    CHECK(waiters[0].count == 1 && waiters[0].bits == 0x1);
    return 0;
}

CASE(lower_priority_waiter_gets_bits_later)
{
    CHECK(make_badged() == BST_OK);
    CHECK(start_waiter(0, NTFN, 0, LOW_PRIORITY) == BST_OK);
    CHECK(bst_signal(BADGE1) == BST_OK);
    CHECK(bst_signal(BADGE4) == BST_OK);
    yields();
    CHECK(waiters[0].started == 0); /* never ran: we are above it */
    /* Stepping below it lets it run: its Wait finds both bits pending and returns at once. */
    CHECK(set_own_priority(LOWEST_PRIORITY) == BST_OK);
    CHECK(waiters[0].count == 1 && waiters[0].bits == 0x5);
    return 0;
}

CASE(round_trip_between_two_threads)
{
    CHECK(make_badged() == BST_OK);
    CHECK(make(BST_OBJ_NOTIFICATION, OTHER) == BST_OK);
    CHECK(mint(SPARE, OTHER, BST_RIGHT_WRITE, 0x20) == BST_OK);
    CHECK(start_waiter(0, NTFN, SPARE, ROOT_PRIORITY) == BST_OK);
    for (unsigned round = 1; round <= ROUNDS; round++) {
        uint64_t bits = 0;
        CHECK(bst_signal(round % 2 ? BADGE1 : BADGE4) == BST_OK);
        /* We block; the waiter runs, Waits successfully and signals back. */
        CHECK(bst_wait(OTHER, &bits) == BST_OK);
        CHECK(bits == 0x20);
        CHECK(waiters[0].count == round);
        CHECK(waiters[0].bits == (round % 2 ? 0x1u : 0x4u));
    }
    return 0;
}

CASE(waiters_wake_in_fifo_order)
{
    CHECK(make_badged() == BST_OK);
    CHECK(start_waiter(0, NTFN, 0, ROOT_PRIORITY) == BST_OK);
    CHECK(start_waiter(1, NTFN, 0, ROOT_PRIORITY) == BST_OK);
    for (unsigned i = 0; i < YIELDS && !(waiters[0].started && waiters[1].started); i++)
        yield();
    CHECK(waiters[0].started && waiters[1].started);
    /* One Signal wakes one waiter: the first in line. */
    CHECK(bst_signal(BADGE1) == BST_OK);
    yields();
    CHECK(waiters[0].count == 1 && waiters[0].bits == 0x1 && waiters[1].count == 0);
    /* The woken one queued again behind the other. */
    CHECK(bst_signal(BADGE4) == BST_OK);
    yields();
    CHECK(waiters[1].count == 1 && waiters[1].bits == 0x4 && waiters[0].count == 1);
    CHECK(bst_signal(BADGE100) == BST_OK);
    yields();
    CHECK(waiters[0].count == 2 && waiters[0].bits == 0x100 && waiters[1].count == 1);
    return 0;
}

CASE(delete_notification_wakes_waiter_with_error)
{
    CHECK(make_badged() == BST_OK);
    CHECK(start_waiter(0, NTFN, 0, ROOT_PRIORITY) == BST_OK);
    for (unsigned i = 0; i < YIELDS && !waiters[0].started; i++)
        yield();
    CHECK(waiters[0].started == 1);
    /* Deleting copies wakes nobody. */
    CHECK(delete(BADGE1) == BST_OK && delete(BADGE4) == BST_OK);
    yields();
    CHECK(waiters[0].count == 0);
    /* The last cap: the object dies and its waiter wakes with an error. */
    bst_exchange->error.code = BST_OK;
    CHECK(delete(BADGE100) == BST_OK && delete(NTFN) == BST_OK);
    yields();
    CHECK(waiters[0].count == 1 && waiters[0].error == BST_E_INVALID_CAP && waiters[0].bits == 0);
    /* Its detail went to its exchange frame: here the one it shares with us. */
    CHECK(bst_exchange->error.code == BST_E_INVALID_CAP && bst_exchange->error.syscall == BST_SYS_WAIT);
    /* It suspended itself (waiter_loop): it stays put. */
    yields();
    CHECK(waiters[0].count == 1);
    return 0;
}

/* ---- binding */

CASE(bind_and_its_errors)
{
    CHECK(make(BST_OBJ_NOTIFICATION, NTFN) == BST_OK);
    CHECK(make(BST_OBJ_NOTIFICATION, OTHER) == BST_OK);
    CHECK(make(BST_OBJ_ENDPOINT, ENDPOINT) == BST_OK);
    CHECK(make(BST_OBJ_TCB, TCB_A) == BST_OK);
    CHECK(make(BST_OBJ_TCB, TCB_B) == BST_OK);
    CHECK(mint(WRITE_ONLY, NTFN, BST_RIGHT_WRITE, 0) == BST_OK);
    CHECK(mint(READ_ONLY, NTFN, BST_RIGHT_READ, 0) == BST_OK);
    CHECK_FAILS_IN(bst_tcb_bind_notification(TCB_A, ENDPOINT), BST_E_WRONG_TYPE, 0, BST_SYS_CALL);
    CHECK_FAILS_IN(bst_tcb_bind_notification(TCB_A, SPARE), BST_E_INVALID_CAP, 0, BST_SYS_CALL);
    CHECK_FAILS_IN(bst_tcb_bind_notification(TCB_A, WRITE_ONLY), BST_E_RIGHTS, 0, BST_SYS_CALL);
    CHECK(bst_exchange->error.min == BST_RIGHT_READ);
    CHECK(bst_invoke(TCB_A, BST_TCB_BIND_NOTIFICATION, 0, 0, 0) == BST_E_TRUNCATED);
    CHECK_FAILS_IN(bst_tcb_unbind_notification(TCB_A), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE, BST_SYS_CALL);
    CHECK(bst_tcb_bind_notification(TCB_A, READ_ONLY) == BST_OK); /* Read is enough */
    /* One notification per thread, one thread per notification (whichever cap names it). */
    CHECK_FAILS_IN(bst_tcb_bind_notification(TCB_A, OTHER), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE, BST_SYS_CALL);
    CHECK_FAILS_IN(bst_tcb_bind_notification(TCB_B, NTFN), BST_E_ILLEGAL_OPERATION, 0, BST_SYS_CALL);
    CHECK_FAILS_IN(bst_tcb_bind_notification(TCB_A, NTFN), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE, BST_SYS_CALL);
    CHECK(bst_tcb_unbind_notification(TCB_A) == BST_OK);
    CHECK_FAILS_IN(bst_tcb_unbind_notification(TCB_A), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE, BST_SYS_CALL);
    CHECK(bst_tcb_bind_notification(TCB_B, NTFN) == BST_OK);
    CHECK(bst_tcb_bind_notification(TCB_A, OTHER) == BST_OK);
    CHECK(bst_invoke(TCB_A, BST_INV_LABEL_COUNT, 0, 0, 0) == BST_E_NOT_SUPPORTED);
    CHECK(bst_exchange->error.max == BST_TCB_SET_RELAY); /* the last TCB label */
    return 0;
}

CASE(binding_goes_when_either_dies)
{
    CHECK(make(BST_OBJ_NOTIFICATION, NTFN) == BST_OK);
    CHECK(make(BST_OBJ_NOTIFICATION, OTHER) == BST_OK);
    CHECK(make(BST_OBJ_TCB, TCB_A) == BST_OK);
    CHECK(make(BST_OBJ_TCB, TCB_B) == BST_OK);
    CHECK(bst_tcb_bind_notification(TCB_A, NTFN) == BST_OK);
    /* The thread dies: the notification is free for another. */
    CHECK(delete(TCB_A) == BST_OK);
    CHECK(bst_tcb_bind_notification(TCB_B, NTFN) == BST_OK);
    /* The notification dies: the thread is free for another, and signals still work. */
    CHECK(delete(NTFN) == BST_OK);
    CHECK_FAILS_IN(bst_tcb_unbind_notification(TCB_B), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE, BST_SYS_CALL);
    CHECK(bst_tcb_bind_notification(TCB_B, OTHER) == BST_OK);
    uint64_t bits;
    CHECK(bst_signal(OTHER) == BST_OK); /* the bound thread is not in Recv: the bits wait */
    CHECK(bst_poll(OTHER, &bits) == BST_OK && bits == 1);
    /* A new thread starts with no binding. */
    CHECK(delete(TCB_B) == BST_OK);
    CHECK(make(BST_OBJ_TCB, TCB_A) == BST_OK);
    CHECK_FAILS_IN(bst_tcb_unbind_notification(TCB_A), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE, BST_SYS_CALL);
    CHECK(bst_tcb_bind_notification(TCB_A, OTHER) == BST_OK);
    return 0;
}

CASE(bound_thread_still_waits_on_its_notification)
{
    CHECK(make_badged() == BST_OK);
    CHECK(bst_tcb_bind_notification(BST_CAP_ROOT_TCB, NTFN) == BST_OK);
    uint64_t bits;
    /* We run, so are not in Recv: signals gather in the word. */
    CHECK(bst_signal(BADGE1) == BST_OK);
    CHECK(bst_signal(BADGE100) == BST_OK);
    CHECK(bst_wait(NTFN, &bits) == BST_OK && bits == 0x101);
    CHECK(bst_signal(BADGE4) == BST_OK);
    CHECK(bst_poll(NTFN, &bits) == BST_OK && bits == 0x4);
    CHECK(bst_tcb_unbind_notification(BST_CAP_ROOT_TCB) == BST_OK);
    return 0;
}

CASE(bound_recv_returns_pending_bits)
{
    CHECK(make_badged() == BST_OK);
    CHECK(make(BST_OBJ_ENDPOINT, ENDPOINT) == BST_OK);
    CHECK(bst_tcb_bind_notification(BST_CAP_ROOT_TCB, NTFN) == BST_OK);
    struct bst_msg m;
    CHECK(bst_nbrecv(ENDPOINT, &m) == BST_E_WOULD_BLOCK); /* no sender, nothing pending */
    CHECK(bst_signal(BADGE4) == BST_OK);
    CHECK(bst_signal(BADGE1) == BST_OK);
    /* Pending bits make a Recv return at once, flagged, with the bits as its badge. */
    CHECK(bst_recv(ENDPOINT, &m) == BST_OK);
    CHECK((m.info & BST_MSGINFO_NOTIFICATION) && m.badge == 0x5);
    CHECK(bst_msginfo_length(m.info) == 0 && bst_msginfo_label(m.info & ~BST_MSGINFO_NOTIFICATION) == 0);
    uint64_t bits;
    CHECK(bst_poll(NTFN, &bits) == BST_E_WOULD_BLOCK); /* taken */
    CHECK(bst_signal(BADGE100) == BST_OK);
    CHECK(bst_nbrecv(ENDPOINT, &m) == BST_OK && (m.info & BST_MSGINFO_NOTIFICATION) && m.badge == 0x100);
    CHECK(bst_tcb_unbind_notification(BST_CAP_ROOT_TCB) == BST_OK);
    CHECK(bst_signal(BADGE1) == BST_OK);
    CHECK(bst_nbrecv(ENDPOINT, &m) == BST_E_WOULD_BLOCK); /* unbound: the bits stay in the word */
    CHECK(bst_poll(NTFN, &bits) == BST_OK && bits == 0x1);
    return 0;
}

CASE(signal_wakes_bound_thread_in_recv)
{
    CHECK(make_badged() == BST_OK);
    CHECK(make(BST_OBJ_ENDPOINT, ENDPOINT) == BST_OK);
    CHECK(mint(SPARE, ENDPOINT, BST_RIGHT_WRITE, 0x77) == BST_OK);
    CHECK(set_own_priority(ROOT_LOWERED) == BST_OK);
    receiver = (struct receiver){.endpoint = ENDPOINT};
    CHECK(start_thread(0, (void (*)(void *))receiver_loop, &receiver, HIGH_PRIORITY, false) == BST_OK);
    CHECK(bst_tcb_bind_notification(TCB_A, NTFN) == BST_OK);
    CHECK(bst_tcb_resume(TCB_A) == BST_OK); /* above us: it runs now and blocks in Recv */
    CHECK(receiver.started == 1 && receiver.count == 0);
    /* A Signal wakes its Recv at once, and says so. */
    CHECK(bst_signal(BADGE100) == BST_OK);
    CHECK(receiver.count == 1 && receiver.error == BST_OK);
    CHECK((receiver.info & BST_MSGINFO_NOTIFICATION) && receiver.badge == 0x100);
    /* A message still arrives as a message. */
    uint64_t w[4] = {0xabc, 0, 0, 0};
    CHECK(bst_send(SPARE, bst_msginfo(7, 0, 1), w) == BST_OK);
    CHECK(receiver.count == 2 && !(receiver.info & BST_MSGINFO_NOTIFICATION));
    CHECK(bst_msginfo_label(receiver.info) == 7 && receiver.badge == 0x77 && receiver.word0 == 0xabc);
    /* Unbound, a signal no longer reaches it. */
    CHECK(bst_tcb_unbind_notification(TCB_A) == BST_OK);
    CHECK(bst_signal(BADGE4) == BST_OK);
    CHECK(receiver.count == 2);
    uint64_t bits;
    CHECK(bst_poll(NTFN, &bits) == BST_OK && bits == 0x4);
    return 0;
}

/* ---- notification-handler threads */

struct handler_log {
    struct bst_sigthread *st;
    volatile uint64_t calls, bits, exchange_code;
};
static struct handler_log hlog;
static struct bst_sigthread sig;
static uint8_t sig_stack[STACK_BYTES] __attribute__((aligned(16)));

static void record_handler(uint64_t bits, void *arg)
{
    struct handler_log *log = arg;
    log->bits = bits;
    log->calls++;
    /* Its own exchange frame is mapped and readable from the handler thread. */
    log->exchange_code = bst_sigthread_exchange(log->st)->error.code;
}

static struct bst_sigthread_config sig_config(uint64_t priority)
{
    hlog = (struct handler_log){.st = &sig};
    return (struct bst_sigthread_config){
        .untyped = S(0),
        .cspace_root = ROOT,
        .vspace_root = BST_CAP_ROOT_VSPACE,
        .tcb_slot = SIG_TCB,
        .frame_slot = SIG_FRAME,
        .exchange_addr = SIG_EXCHANGE_ADDR,
        .stack = sig_stack,
        .stack_size = sizeof(sig_stack),
        .authority = BST_CAP_ROOT_TCB,
        .priority = priority,
        .notification = NTFN,
        .handler = record_handler,
        .arg = &hlog,
    };
}

CASE(sigthread_runs_handler_on_signal)
{
    CHECK(make_badged() == BST_OK);
    CHECK(set_own_priority(ROOT_LOWERED) == BST_OK);
    struct bst_sigthread_config c = sig_config(HIGH_PRIORITY);
    CHECK(bst_sigthread_start(&sig, &c) == BST_OK);
    CHECK(hlog.calls == 0);
    /* Above us: the handler has run by the time Signal returns. */
    CHECK(bst_signal(BADGE4) == BST_OK);
    CHECK(hlog.calls == 1 && hlog.bits == 0x4 && hlog.exchange_code == BST_OK);
    CHECK(bst_signal(BADGE1) == BST_OK);
    CHECK(hlog.calls == 2 && hlog.bits == 0x1 && sig.handled == 2);
    CHECK(sig.stop_error == BST_OK);
    CHECK(bst_sigthread_stop(&sig) == BST_OK);
    CHECK(cap_info(SIG_TCB).type == BST_OBJ_NULL && cap_info(SIG_FRAME).type == BST_OBJ_NULL);
    /* Stopped: signals only gather now. */
    CHECK(bst_signal(BADGE100) == BST_OK);
    uint64_t bits;
    CHECK(bst_poll(NTFN, &bits) == BST_OK && bits == 0x100 && hlog.calls == 2);
    return 0;
}

CASE(sigthread_never_interrupts_a_higher_thread)
{
    CHECK(make_badged() == BST_OK);
    struct bst_sigthread_config c = sig_config(LOW_PRIORITY);
    CHECK(bst_sigthread_start(&sig, &c) == BST_OK);
    CHECK(bst_signal(BADGE1) == BST_OK);
    yields();
    CHECK(bst_signal(BADGE4) == BST_OK);
    yields();
    CHECK(hlog.calls == 0); /* we are above it: our code runs on */
    /* We step aside: it runs once, with everything that gathered. */
    CHECK(set_own_priority(LOWEST_PRIORITY) == BST_OK);
    CHECK(hlog.calls == 1 && hlog.bits == 0x5);
    CHECK(bst_sigthread_stop(&sig) == BST_OK);
    return 0;
}

CASE(sigthread_stops_when_notification_dies)
{
    CHECK(make_badged() == BST_OK);
    CHECK(set_own_priority(ROOT_LOWERED) == BST_OK);
    struct bst_sigthread_config c = sig_config(HIGH_PRIORITY);
    CHECK(bst_sigthread_start(&sig, &c) == BST_OK);
    CHECK(bst_signal(BADGE1) == BST_OK);
    CHECK(hlog.calls == 1);
    bst_exchange->error.code = BST_OK;
    CHECK(delete(BADGE1) == BST_OK && delete(BADGE4) == BST_OK && delete(BADGE100) == BST_OK);
    CHECK(delete(NTFN) == BST_OK); /* the handler thread wakes with an error and suspends itself */
    CHECK(sig.stop_error == BST_E_INVALID_CAP && hlog.calls == 1);
    /* The detail went to the handler thread's own frame, not to ours. */
    CHECK(sig.exchange->error.code == BST_E_INVALID_CAP && sig.exchange->error.syscall == BST_SYS_WAIT);
    CHECK(bst_exchange->error.code == BST_OK);
    CHECK(bst_sigthread_stop(&sig) == BST_OK);
    return 0;
}

CASE(sigthread_start_failures_leave_nothing)
{
    CHECK(make(BST_OBJ_NOTIFICATION, NTFN) == BST_OK);
    struct bst_sigthread_config c = sig_config(HIGH_PRIORITY);
    /* An occupied slot: nothing is made, and the cap there stays. */
    c.frame_slot = NTFN;
    CHECK(bst_sigthread_start(&sig, &c) == BST_E_DELETE_FIRST);
    CHECK(cap_info(NTFN).type == BST_OBJ_NOTIFICATION && cap_info(SIG_TCB).type == BST_OBJ_NULL);
    /* A bad exchange address fails the mapping: the TCB and frame go again. */
    c = sig_config(HIGH_PRIORITY);
    c.exchange_addr = SIG_EXCHANGE_ADDR2 + 8;
    CHECK(bst_sigthread_start(&sig, &c) == BST_E_RANGE);
    CHECK(bst_exchange->error.syscall == BST_SYS_CALL && bst_exchange->error.argument == 1); /* Frame_Map's vaddr */
    CHECK(cap_info(SIG_TCB).type == BST_OBJ_NULL && cap_info(SIG_FRAME).type == BST_OBJ_NULL);
    /* A priority above the authority's: refused after configuring, undone as well. */
    c = sig_config(ROOT_PRIORITY + 1);
    CHECK(bst_sigthread_start(&sig, &c) == BST_E_RANGE);
    CHECK(cap_info(SIG_TCB).type == BST_OBJ_NULL && cap_info(SIG_FRAME).type == BST_OBJ_NULL);
    c = sig_config(HIGH_PRIORITY);
    c.handler = 0;
    CHECK(bst_sigthread_start(&sig, &c) == BST_E_INVALID_ARG);
    /* And the exchange address is free again for a good start. */
    c = sig_config(HIGH_PRIORITY);
    CHECK(bst_sigthread_start(&sig, &c) == BST_OK);
    CHECK(bst_sigthread_stop(&sig) == BST_OK);
    return 0;
}

const struct test_case notify_cases[] = {
    {"notify: signal then wait returns the OR of badges", signal_then_wait_ors_badges},
    {"notify: an unbadged cap signals bit 0", unbadged_cap_signals_one},
    {"notify: wait clears the word", wait_clears_the_word},
    {"notify: poll with nothing pending would block", poll_with_nothing_pending},
    {"notify: poll returns the bits and clears them", poll_returns_and_clears},
    {"notify: signal, wait, poll on caps of the wrong type", wrong_type},
    {"notify: signal needs Write, wait and poll need Read", rights},
    {"notify: empty slot and unresolvable address", empty_slot_and_bad_address},
    {"notify: a higher-priority waiter runs at once", higher_priority_waiter_runs_at_once},
    {"notify: an equal-priority waiter waits its turn", equal_priority_waiter_waits_its_turn},
    {"notify: a lower-priority waiter gets the bits later", lower_priority_waiter_gets_bits_later},
    {"notify: signal/wait round trip between two threads", round_trip_between_two_threads},
    {"notify: waiters wake one per signal, in FIFO order", waiters_wake_in_fifo_order},
    {"notify: deleting a notification wakes its waiter with an error", delete_notification_wakes_waiter_with_error},
    {"notify: bind to a TCB, and the bind errors", bind_and_its_errors},
    {"notify: binding goes when the thread or notification dies", binding_goes_when_either_dies},
    {"notify: a bound thread still waits on its notification", bound_thread_still_waits_on_its_notification},
    {"notify: a bound thread's Recv returns pending bits at once", bound_recv_returns_pending_bits},
    {"notify: a signal wakes the bound thread's Recv, flagged", signal_wakes_bound_thread_in_recv},
    {"notify: handler thread runs its handler on signal", sigthread_runs_handler_on_signal},
    {"notify: handler thread never interrupts a higher thread", sigthread_never_interrupts_a_higher_thread},
    {"notify: handler thread stops when its notification dies", sigthread_stops_when_notification_dies},
    {"notify: handler thread start failures leave nothing", sigthread_start_failures_leave_nothing},
};
const unsigned notify_case_count = sizeof(notify_cases) / sizeof(notify_cases[0]);
