/*
 * Bounded kernel work: long operations stop at preemption points when an
 * interrupt is waiting, and restart and finish afterwards (core/preempt.h).
 *
 * The root task (the "hog") runs long calls over and over: a Retype that
 * zeroes HOG_BITS of memory and a Revoke of EP_COUNT caps. A watcher thread
 * at the same priority gets the CPU only when the timer ends the hog's time
 * slice, and looks at the kernel state each time it runs: if the hog is
 * inside a call (its phase is odd) and that call's effect is not complete
 * (the Retype's objects do not exist yet, the Revoke's oldest cap is still
 * there), the timer interrupt was served in the middle of the call. Before
 * preemption points, a call ran to the end before the interrupt was taken,
 * so the watcher could never see that. No timing is asserted: only what the
 * watcher observed, and that every call succeeded with the right end state
 * (the harness runs the kernel's invariant checker after each case).
 */
#include "tests/target/cases.h"
#include "tests/target/captest.h"
#include "tests/target/tthread.h"
#include "user/lib/ipc.h"
#include "user/lib/tcb.h"
#include "user/lib/vspace.h"
#include "lib/string.h"

#define S(n) scratch_slot(n)
#define UT_BITS 24             /* all 16 MiB of the scratch memory */
#define HOG_BITS 23            /* the Retype zeroes 8 MiB: 4 frames of 2 MiB */
#define HOG_FRAMES (1u << (HOG_BITS - 21))
#define CNODE_RADIX 15         /* 32768 slots for the revoked caps */
#define EP_UT_BITS 20          /* 1 MiB: room for 32768 endpoints */
#define EP_COUNT 20000u
#define EP_BATCH 256u
#define COPIES 5000u
#define ROOT_PRIORITY 128      /* the harness's */
#define PEEK_ADDR 0x381000ull   /* in the page table of the root's stack (as process_cases) */
#define RW (BST_RIGHT_READ | BST_RIGHT_WRITE)
#define GIVE_UP_TICKS 600      /* a bound on the loop, not a timing assertion */

/* Scratch slots. */
#define HOG_UT S(1)
#define BIG_CNODE S(2)
#define EP_UT S(3)
#define W_TCB S(4)
#define W_FRAME S(5)
#define OLDEST_EP S(6) /* the first endpoint made from EP_UT: Revoke deletes it last */
#define FRAMES S(10)   /* HOG_FRAMES slots */

enum { OP_NONE, OP_RETYPE, OP_REVOKE };

static volatile unsigned hog_op; /* the call the hog is in, OP_NONE between calls */
static volatile unsigned watcher_runs, saw_retype_inside, saw_revoke_inside;

/* The Retype's objects appear all at once, when it has zeroed all of their memory. */
static bool retype_unfinished(void) { return cap_info(FRAMES).type == BST_OBJ_NULL; }

/* Revoke deletes the newest caps first: the oldest endpoint is the last to go. */
static bool revoke_unfinished(void) { return cap_info(OLDEST_EP).type == BST_OBJ_ENDPOINT; }

static void watch(uint64_t unused)
{
    (void)unused;
    for (;;) {
        watcher_runs++;
        unsigned op = hog_op;
        if (op == OP_RETYPE && retype_unfinished())
            saw_retype_inside++;
        if (op == OP_REVOKE && revoke_unfinished())
            saw_revoke_inside++;
        bst_yield(); /* back behind the hog until its time slice ends again */
    }
}

/* EP_COUNT endpoints from EP_UT: the oldest in a root slot, the rest in the big CNode. */
static uint64_t make_endpoints(void)
{
    uint64_t e = bst_untyped_retype(EP_UT, BST_OBJ_ENDPOINT, 0, ROOT, 0, 0, OLDEST_EP, 1);
    for (unsigned made = 1; e == BST_OK && made < EP_COUNT; made += EP_BATCH) {
        unsigned n = EP_COUNT - made < EP_BATCH ? EP_COUNT - made : EP_BATCH;
        e = bst_untyped_retype(EP_UT, BST_OBJ_ENDPOINT, 0, BIG_CNODE, 0, 0, made, n);
    }
    return e;
}

static bool set_up(struct tthread *watcher)
{
    return bst_untyped_retype(S(0), BST_OBJ_UNTYPED, HOG_BITS, ROOT, 0, 0, HOG_UT, 1) == BST_OK &&
           bst_untyped_retype(S(0), BST_OBJ_CNODE, CNODE_RADIX, ROOT, 0, 0, BIG_CNODE, 1) == BST_OK &&
           bst_untyped_retype(S(0), BST_OBJ_UNTYPED, EP_UT_BITS, ROOT, 0, 0, EP_UT, 1) == BST_OK &&
           tthread_start(watcher, 0, S(0), W_TCB, W_FRAME, watch, 0, ROOT_PRIORITY, 0) == BST_OK;
}

/* One round: a Retype zeroing 8 MiB, and a Revoke of EP_COUNT caps; false on any failure. */
static bool hog_round(void)
{
    if (make_endpoints() != BST_OK)
        return false;
    hog_op = OP_REVOKE;
    uint64_t e = bst_cnode_revoke(ROOT, EP_UT, ROOT_DEPTH);
    hog_op = OP_NONE;
    if (e != BST_OK || cap_info(OLDEST_EP).type != BST_OBJ_NULL)
        return false;
    hog_op = OP_RETYPE;
    e = bst_untyped_retype(HOG_UT, BST_OBJ_FRAME_2M, 0, ROOT, 0, 0, FRAMES, HOG_FRAMES);
    hog_op = OP_NONE;
    for (unsigned i = 0; e == BST_OK && i < HOG_FRAMES; i++)
        if (cap_info(FRAMES + i).type != BST_OBJ_FRAME_2M)
            return false;
    return e == BST_OK && bst_cnode_revoke(ROOT, HOG_UT, ROOT_DEPTH) == BST_OK;
}

CASE_WITH_SCRATCH(timer_served_inside_long_calls)
{
    struct tthread watcher;
    hog_op = OP_NONE;
    watcher_runs = saw_retype_inside = saw_revoke_inside = 0;
    CHECK(set_up(&watcher));
    uint64_t t0 = bst_debug_ticks();
    bool ok = true;
    while (ok && !(saw_retype_inside && saw_revoke_inside) && bst_debug_ticks() < t0 + GIVE_UP_TICKS)
        ok = hog_round();
    tthread_stop(&watcher);
    CHECK(ok);
    CHECK(watcher_runs > 0);
    CHECK(saw_retype_inside > 0); /* the timer was served in the middle of a Retype */
    CHECK(saw_revoke_inside > 0); /* and in the middle of a Revoke */
    return 0;
}

/* A restarted Retype checks its arguments again: a destination filled meanwhile fails it cleanly. */
CASE_WITH_SCRATCH(large_retype_and_revoke_finish)
{
    CHECK(bst_untyped_retype(S(0), BST_OBJ_UNTYPED, HOG_BITS, ROOT, 0, 0, HOG_UT, 1) == BST_OK);
    /* Bad arguments fail before any zeroing, and leave the untyped usable. */
    CHECK_FAILS(bst_untyped_retype(HOG_UT, BST_OBJ_FRAME_2M, 0, ROOT, 0, 0, FRAMES, HOG_FRAMES + 1),
                BST_E_RANGE, 6);
    CHECK(bst_untyped_retype(HOG_UT, BST_OBJ_FRAME_2M, 0, ROOT, 0, 0, FRAMES, HOG_FRAMES) == BST_OK);
    for (unsigned i = 0; i < HOG_FRAMES; i++)
        CHECK(cap_info(FRAMES + i).type == BST_OBJ_FRAME_2M);
    /* Full: the next one fails, and changes nothing. */
    CHECK_FAILS(bst_untyped_retype(HOG_UT, BST_OBJ_FRAME_4K, 0, ROOT, 0, 0, S(20), 1), BST_E_NO_MEMORY, 6);
    CHECK(bst_cnode_revoke(ROOT, HOG_UT, ROOT_DEPTH) == BST_OK);
    CHECK(cap_info(FRAMES).type == BST_OBJ_NULL);
    /* Memory handed out again is zero again, though zeroing progress is kept in the untyped. */
    CHECK(bst_untyped_retype(HOG_UT, BST_OBJ_FRAME_4K, 0, ROOT, 0, 0, S(20), 1) == BST_OK);
    CHECK(bst_frame_map(S(20), BST_CAP_ROOT_VSPACE, PEEK_ADDR, RW, BST_CACHE_WRITE_BACK) == BST_OK);
    memset((void *)PEEK_ADDR, 0xa5, BST_PAGE_SIZE);
    CHECK(bst_cnode_revoke(ROOT, HOG_UT, ROOT_DEPTH) == BST_OK); /* unmaps it too */
    CHECK(bst_untyped_retype(HOG_UT, BST_OBJ_FRAME_4K, 0, ROOT, 0, 0, S(20), 1) == BST_OK);
    CHECK(bst_frame_map(S(20), BST_CAP_ROOT_VSPACE, PEEK_ADDR, RW, BST_CACHE_WRITE_BACK) == BST_OK);
    const volatile uint64_t *page = (const volatile uint64_t *)PEEK_ADDR;
    for (unsigned i = 0; i < BST_PAGE_SIZE / sizeof(uint64_t); i++)
        CHECK(page[i] == 0);
    CHECK(bst_frame_unmap(S(20)) == BST_OK);
    return 0;
}

/*
 * Delete of the only cap to a CNode full of last caps: the endpoints die as
 * the CNode is emptied, which may stop for the timer and be finished by the
 * next invocation. Either way, by the time a Retype looks at their untyped,
 * it has no children left: the whole of it is free again.
 */
CASE_WITH_SCRATCH(delete_of_a_full_cnode_finishes)
{
    CHECK(bst_untyped_retype(S(0), BST_OBJ_CNODE, CNODE_RADIX, ROOT, 0, 0, BIG_CNODE, 1) == BST_OK);
    CHECK(bst_untyped_retype(S(0), BST_OBJ_UNTYPED, EP_UT_BITS, ROOT, 0, 0, EP_UT, 1) == BST_OK);
    for (int round = 0; round < 3; round++) {
        CHECK(make_endpoints() == BST_OK);
        CHECK(bst_cnode_delete(ROOT, BIG_CNODE, ROOT_DEPTH) == BST_OK);
        CHECK(cap_info(BIG_CNODE).type == BST_OBJ_NULL);
        CHECK(bst_cnode_delete(ROOT, OLDEST_EP, ROOT_DEPTH) == BST_OK);
        /* All EP_UT_BITS in one object: only if every endpoint is gone. */
        CHECK(bst_untyped_retype(EP_UT, BST_OBJ_UNTYPED, EP_UT_BITS, ROOT, 0, 0, S(20), 1) == BST_OK);
        CHECK(bst_cnode_delete(ROOT, S(20), ROOT_DEPTH) == BST_OK);
        /* A new CNode for the next round, from memory never used by the dead one. */
        CHECK(bst_untyped_retype(S(0), BST_OBJ_CNODE, CNODE_RADIX, ROOT, 0, 0, BIG_CNODE, 1) == BST_OK);
    }
    return 0;
}

/* Delete of a cap with many copies moves them up one at a time: they all survive it. */
CASE_WITH_SCRATCH(delete_of_a_cap_with_many_copies)
{
    CHECK(bst_untyped_retype(S(0), BST_OBJ_CNODE, CNODE_RADIX, ROOT, 0, 0, BIG_CNODE, 1) == BST_OK);
    CHECK(bst_untyped_retype(S(0), BST_OBJ_ENDPOINT, 0, ROOT, 0, 0, OLDEST_EP, 1) == BST_OK);
    CHECK(bst_cnode_copy(ROOT, S(7), ROOT_DEPTH, ROOT, OLDEST_EP, ROOT_DEPTH, BST_RIGHTS_ALL) == BST_OK);
    for (unsigned i = 1; i <= COPIES; i++)
        CHECK(bst_cnode_copy(BIG_CNODE, i, CNODE_RADIX, ROOT, S(7), ROOT_DEPTH, BST_RIGHTS_ALL) == BST_OK);
    CHECK(bst_cnode_delete(ROOT, S(7), ROOT_DEPTH) == BST_OK);
    CHECK(cap_info(S(7)).type == BST_OBJ_NULL);
    CHECK(cap_info(OLDEST_EP).type == BST_OBJ_ENDPOINT);
    /* The copies are still there (a copy of one works), now under the original... */
    CHECK(bst_cnode_copy(ROOT, S(8), ROOT_DEPTH, BIG_CNODE, COPIES, CNODE_RADIX, BST_RIGHTS_ALL) == BST_OK);
    /* ...so revoking the original removes them all, and the endpoint lives on. */
    CHECK(bst_cnode_revoke(ROOT, OLDEST_EP, ROOT_DEPTH) == BST_OK);
    CHECK(cap_info(S(8)).type == BST_OBJ_NULL);
    CHECK_FAILS(bst_cnode_delete(BIG_CNODE, 1, CNODE_RADIX), BST_E_INVALID_CAP, 0);
    CHECK(cap_info(OLDEST_EP).type == BST_OBJ_ENDPOINT);
    return 0;
}

const struct test_case preempt_cases[] = {
    {"preempt: a large retype and revoke finish, bad arguments change nothing", large_retype_and_revoke_finish},
    {"preempt: the timer is served inside a long retype and revoke", timer_served_inside_long_calls},
    {"preempt: delete of a CNode full of last caps finishes before memory is reused", delete_of_a_full_cnode_finishes},
    {"preempt: delete of a cap with many copies keeps the copies", delete_of_a_cap_with_many_copies},
};
const unsigned preempt_case_count = sizeof(preempt_cases) / sizeof(preempt_cases[0]);
