/*
 * The benchmark partner process: the bench root task spawns it from its boot
 * module with a role in the start argument and two endpoints (and nothing
 * else) in its CSpace, so every IPC row crosses address spaces.
 */
#include "bench/server/roles.h"
#include "user/lib/ipc.h"

static void __attribute__((noreturn)) echo(void)
{
    struct bst_msg m;
    bst_recv(BENCH_EP_A, &m);
    for (;;)
        bst_replyrecv(BENCH_EP_A, bst_msginfo(0, 0, 1), m.words, &m);
}

/* Answers each message with the time it could first read it. */
static void __attribute__((noreturn)) stamp(void)
{
    struct bst_msg m;
    bst_recv(BENCH_EP_A, &m);
    for (;;) {
        uint64_t w[4] = {bst_rdtsc(), 0, 0, 0};
        bst_replyrecv(BENCH_EP_A, bst_msginfo(0, 0, 1), w, &m);
    }
}

static void __attribute__((noreturn)) yield_forever(void)
{
    for (;;)
        bst_yield();
}

/* Reports the time of its first instructions, then ends. */
static void first_instruction(uint64_t when)
{
    uint64_t w[4] = {when, 0, 0, 0};
    bst_send(BENCH_EP_A, bst_msginfo(0, 0, 1), w);
}

int main(void)
{
    uint64_t now = bst_rdtsc();
    switch (bst_start_arg) {
    case BENCH_ROLE_ECHO: echo();
    case BENCH_ROLE_STAMP: stamp();
    case BENCH_ROLE_YIELD: yield_forever();
    case BENCH_ROLE_CREATE: first_instruction(now); break;
    default: break;
    }
    return 0;
}
