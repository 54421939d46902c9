/*
 * Host tests of kernel/core/sched.c: the O(1) ready queue, and sched_run,
 * sched_yield_current and sched_tick through arch stubs that longjmp back
 * into the test instead of leaving for user mode or idling.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/core/sched.h"

/* ---- the arch stubs */

enum { TO_USER = 1, IDLE = 2 };

static jmp_buf left_kernel;
static struct tcb *arch_current;
static unsigned set_current_calls;

void arch_set_current(struct tcb *t)
{
    arch_current = t;
    set_current_calls++;
}

/* As the real exit path: with no current thread it idles. */
void arch_return_to_user(void) { longjmp(left_kernel, arch_current ? TO_USER : IDLE); }
void arch_idle(void) { longjmp(left_kernel, IDLE); }
bool kernel_exit_when_idle; /* tests never ask the kernel to power off */
void ioport_follow(const struct tcb *t) { (void)t; } /* no I/O ports on the host */
void relay_follow(struct tcb *t) { (void)t; }        /* no relay windows either */
unsigned arch_relay_windows_filled;
void arch_vspace_switch(uint64_t root) { (void)root; }
void arch_vspace_load(uint64_t root) { (void)root; }
void relay_hand_over(struct tcb *t, uint64_t from, uint64_t to_identity) { (void)t, (void)from, (void)to_identity; }
bool arch_relay_window_move(uint64_t from, uint64_t to, uint64_t top) { (void)from, (void)to, (void)top; return false; }
void arch_shutdown(uint64_t status)
{
    fprintf(stderr, "arch_shutdown(%llu) called in a scheduler test\n", (unsigned long long)status);
    abort();
}

/* Runs sched_run() and reports how it left the kernel. */
static int run(void)
{
    switch (setjmp(left_kernel)) {
    case 0:
        sched_run();
    case TO_USER:
        return TO_USER;
    default:
        return IDLE;
    }
}

/* ---- threads */

#define THREADS 48

static struct tcb threads[THREADS];

static struct tcb *thread(unsigned i, uint8_t priority)
{
    struct tcb *t = &threads[i];
    memset(t, 0, sizeof(*t));
    t->priority = priority;
    t->state = THREAD_RUNNING;
    t->timeslice_left = SCHED_TIMESLICE_TICKS;
    t->cspace_now = &t->cspace_root; /* as tcb_init (object/tcb.c) */
    t->vspace_now = &t->vspace_root;
    snprintf(t->name, sizeof(t->name), "t%u", i);
    return t;
}

static int setup(void **state)
{
    (void)state;
    memset(threads, 0, sizeof(threads));
    arch_current = NULL;
    set_current_calls = 0;
    return 0;
}

/* Empties the ready queue and clears the current thread for the next test. */
static int teardown(void **state)
{
    (void)state;
    for (unsigned i = 0; i < THREADS; i++)
        sched_dequeue(&threads[i]);
    if (sched_pick() || run() != IDLE || sched_current())
        return -1;
    return 0;
}

/* The queue of the highest priority is exactly the given threads, in order. */
static void assert_top_queue(unsigned n, struct tcb *const *expect)
{
    struct tcb *t = sched_pick();
    for (unsigned i = 0; i < n; i++) {
        assert_ptr_equal(t, expect[i]);
        assert_ptr_equal(t->sched_prev, i ? expect[i - 1] : NULL);
        t = t->sched_next;
    }
    assert_null(t);
}

#define TOP_QUEUE(...)                                                  \
    do {                                                                \
        struct tcb *const e_[] = {__VA_ARGS__};                         \
        assert_top_queue(sizeof(e_) / sizeof(e_[0]), e_);               \
    } while (0)

/* ---- the ready queue */

static void test_empty_queue(void **state)
{
    (void)state;
    assert_null(sched_pick());
    assert_int_equal(run(), IDLE);
    assert_null(sched_current());
    assert_null(arch_current);
    assert_int_equal(set_current_calls, 1);
}

static void test_highest_priority_wins(void **state)
{
    (void)state;
    /* Both ends of every 64-bit word of the priority bitmap, in a shuffled order. */
    static const uint8_t order[] = {128, 0, 255, 64, 191, 63, 192, 127};
    static const uint8_t sorted[] = {255, 192, 191, 128, 127, 64, 63, 0};
    struct tcb *by_priority[256] = {0};
    for (unsigned i = 0; i < sizeof(order); i++) {
        by_priority[order[i]] = thread(i, order[i]);
        sched_enqueue(by_priority[order[i]]);
    }
    for (unsigned i = 0; i < sizeof(sorted); i++) {
        assert_ptr_equal(sched_pick(), by_priority[sorted[i]]);
        sched_dequeue(by_priority[sorted[i]]);
    }
    assert_null(sched_pick());
}

static void test_fifo_within_priority(void **state)
{
    (void)state;
    struct tcb *a = thread(0, 7), *b = thread(1, 7), *c = thread(2, 7), *low = thread(3, 6);
    sched_enqueue(low);
    sched_enqueue(a);
    sched_enqueue(b);
    sched_enqueue(c);
    TOP_QUEUE(a, b, c);
    sched_dequeue(a);
    sched_enqueue(a); /* back at the tail */
    TOP_QUEUE(b, c, a);
}

static void test_enqueue_twice_is_harmless(void **state)
{
    (void)state;
    struct tcb *a = thread(0, 5), *b = thread(1, 5), *alone = thread(2, 9);
    sched_enqueue(a);
    sched_enqueue(b);
    sched_enqueue(a);
    sched_enqueue(b);
    TOP_QUEUE(a, b);
    sched_enqueue(alone);
    sched_enqueue(alone); /* head and tail of its queue at once */
    TOP_QUEUE(alone);
    sched_dequeue(alone);
    TOP_QUEUE(a, b);
}

static void test_dequeue_middle_head_tail(void **state)
{
    (void)state;
    struct tcb *t[5];
    for (unsigned i = 0; i < 5; i++) {
        t[i] = thread(i, 3);
        sched_enqueue(t[i]);
    }
    sched_dequeue(t[2]);
    TOP_QUEUE(t[0], t[1], t[3], t[4]);
    sched_dequeue(t[0]);
    TOP_QUEUE(t[1], t[3], t[4]);
    sched_dequeue(t[4]);
    TOP_QUEUE(t[1], t[3]);
    sched_enqueue(t[4]);
    TOP_QUEUE(t[1], t[3], t[4]); /* the tail pointer followed the removal */
    assert_null(t[2]->sched_next);
    assert_null(t[2]->sched_prev);
}

static void test_dequeue_unqueued_is_harmless(void **state)
{
    (void)state;
    struct tcb *a = thread(0, 4), *b = thread(1, 4), *other = thread(2, 4);
    sched_enqueue(a);
    sched_enqueue(b);
    sched_dequeue(other);
    TOP_QUEUE(a, b);
    sched_dequeue(a);
    sched_dequeue(a);
    TOP_QUEUE(b);
}

static void test_last_dequeue_empties_priority(void **state)
{
    (void)state;
    struct tcb *high = thread(0, 200), *low = thread(1, 100);
    sched_enqueue(low);
    sched_enqueue(high);
    assert_ptr_equal(sched_pick(), high);
    sched_dequeue(high);
    assert_ptr_equal(sched_pick(), low);
    sched_dequeue(low);
    assert_null(sched_pick());
}

/* ---- sched_run, yield and tick */

static void test_run_enters_highest(void **state)
{
    (void)state;
    struct tcb *a = thread(0, 10), *b = thread(1, 20);
    sched_enqueue(a);
    sched_enqueue(b);
    assert_int_equal(run(), TO_USER);
    assert_ptr_equal(sched_current(), b);
    assert_ptr_equal(arch_current, b);
    assert_ptr_equal(sched_pick(), b); /* the current thread stays queued */
}

static void test_yield_round_robin(void **state)
{
    (void)state;
    struct tcb *a = thread(0, 10), *b = thread(1, 10), *c = thread(2, 10);
    sched_enqueue(a);
    sched_enqueue(b);
    sched_enqueue(c);
    struct tcb *const expect[] = {a, b, c, a, b};
    for (unsigned i = 0; i < 5; i++) {
        assert_int_equal(run(), TO_USER);
        assert_ptr_equal(sched_current(), expect[i]);
        sched_yield_current();
    }
    TOP_QUEUE(c, a, b);
}

static void test_yield_keeps_higher_priority(void **state)
{
    (void)state;
    struct tcb *high = thread(0, 20), *low = thread(1, 10);
    sched_enqueue(low);
    sched_enqueue(high);
    run();
    sched_yield_current();
    assert_ptr_equal(sched_pick(), high);
}

static void test_yield_ignores_blocked_current(void **state)
{
    (void)state;
    struct tcb *a = thread(0, 10), *b = thread(1, 10);
    sched_enqueue(a);
    sched_enqueue(b);
    run();
    a->state = THREAD_BLOCKED;
    sched_yield_current();
    TOP_QUEUE(a, b);
}

static void test_tick_rotates_after_timeslice(void **state)
{
    (void)state;
    struct tcb *a = thread(0, 10), *b = thread(1, 10);
    sched_enqueue(a);
    sched_enqueue(b);
    run();
    for (unsigned i = 1; i < SCHED_TIMESLICE_TICKS; i++) {
        sched_tick();
        assert_ptr_equal(sched_pick(), a);
    }
    assert_int_equal(a->timeslice_left, 1);
    sched_tick();
    TOP_QUEUE(b, a);
    assert_int_equal(a->timeslice_left, SCHED_TIMESLICE_TICKS); /* a fresh slice */
}

static void test_tick_when_idle(void **state)
{
    (void)state;
    assert_int_equal(run(), IDLE);
    sched_tick();
    assert_null(sched_pick());
}

/* ---- randomized: enqueue/dequeue against a model */

struct model {
    bool queued[THREADS];
    uint64_t seq[THREADS]; /* enqueue time: the order within a priority */
    uint64_t clock;
};

static struct tcb *model_neighbour(const struct model *m, unsigned i, bool after)
{
    struct tcb *best = NULL;
    uint64_t best_seq = 0;
    for (unsigned j = 0; j < THREADS; j++) {
        if (!m->queued[j] || threads[j].priority != threads[i].priority)
            continue;
        bool side = after ? m->seq[j] > m->seq[i] : m->seq[j] < m->seq[i];
        if (side && (!best || (after ? m->seq[j] < best_seq : m->seq[j] > best_seq))) {
            best = &threads[j];
            best_seq = m->seq[j];
        }
    }
    return best;
}

static struct tcb *model_pick(const struct model *m)
{
    struct tcb *best = NULL;
    unsigned best_i = 0;
    for (unsigned j = 0; j < THREADS; j++) {
        if (!m->queued[j])
            continue;
        if (!best || threads[j].priority > best->priority ||
            (threads[j].priority == best->priority && m->seq[j] < m->seq[best_i])) {
            best = &threads[j];
            best_i = j;
        }
    }
    return best;
}

static void check_model(const struct model *m)
{
    assert_ptr_equal(sched_pick(), model_pick(m));
    for (unsigned i = 0; i < THREADS; i++) {
        struct tcb *next = m->queued[i] ? model_neighbour(m, i, true) : NULL;
        struct tcb *prev = m->queued[i] ? model_neighbour(m, i, false) : NULL;
        assert_ptr_equal(threads[i].sched_next, next);
        assert_ptr_equal(threads[i].sched_prev, prev);
    }
}

static void test_random_against_model(void **state)
{
    (void)state;
    static const uint8_t priorities[] = {0, 1, 63, 64, 100, 127, 128, 200, 254, 255};
    struct model m = {{0}, {0}, 0};
    uint64_t x = 0x5c4ed5eedull;
    for (unsigned i = 0; i < THREADS; i++)
        thread(i, priorities[i % sizeof(priorities)]);
    for (int step = 0; step < 20000; step++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        unsigned i = (unsigned)(x % THREADS);
        if (x >> 63) {
            sched_enqueue(&threads[i]);
            if (!m.queued[i])
                m.seq[i] = ++m.clock;
            m.queued[i] = true;
        } else {
            sched_dequeue(&threads[i]);
            m.queued[i] = false;
            threads[i].priority = priorities[(x >> 32) % sizeof(priorities)];
        }
        check_model(&m);
    }
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_empty_queue),
        T(test_highest_priority_wins),
        T(test_fifo_within_priority),
        T(test_enqueue_twice_is_harmless),
        T(test_dequeue_middle_head_tail),
        T(test_dequeue_unqueued_is_harmless),
        T(test_last_dequeue_empties_priority),
        T(test_run_enters_highest),
        T(test_yield_round_robin),
        T(test_yield_keeps_higher_priority),
        T(test_yield_ignores_blocked_current),
        T(test_tick_rotates_after_timeslice),
        T(test_tick_when_idle),
        T(test_random_against_model),
    };
    return cmocka_run_group_tests_name("sched", tests, NULL, NULL);
}
