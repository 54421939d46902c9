/*
 * The partner process of the copy_ipc_* rows, a module of its own
 * (bench-copy) so that bench-server, and with it the rows that spawn or talk
 * to it, stays as it was. The bench root task spawns it with two endpoints
 * (roles.h: BENCH_EP_A, BENCH_EP_B) and maps its buffer at BENCH_COPY_BUFFER.
 * It is also the callee of the relay rows (XCall entries, below).
 */
#include "bench/server/roles.h"
#include "user/lib/ipc.h"
#include "user/lib/relay.h"
#include "lib/string.h"

/*
 * ---- The callee of the relay rows. These entries run on the root's thread,
 * migrated here by XCall, never on this process's own thread (which sits in
 * Recv below). Each entry has a stack of its own (one call at a time each).
 */
#define RELAY_STACK_SIZE 4096u
static uint8_t relay_stacks[2][RELAY_STACK_SIZE] __attribute__((aligned(16)));

/* Called from the trampolines' assembly, so not static. */
void relay_null(struct bst_xcall_frame *f);
void relay_touch(struct bst_xcall_frame *f);

/* xcall_xret: nothing to do but return; result word 0 = 0 says it ran. */
void relay_null(struct bst_xcall_frame *f) { (void)f; }

/*
 * relay_*: touches (reads and writes) the first and last byte of the view it
 * was handed, as the copy partner does with the buffer it holds. Result
 * words: 0 = done, the view's address and size (the root checks them).
 */
void relay_touch(struct bst_xcall_frame *f)
{
    volatile uint8_t *view = (volatile uint8_t *)f->view;
    if (!view || f->view_size == 0) {
        f->result[0] = 1;
        return;
    }
    view[0] = (uint8_t)(view[0] + 1);
    view[f->view_size - 1] = (uint8_t)(view[f->view_size - 1] + 1);
    f->result[1] = f->view;
    f->result[2] = f->view_size;
}

BST_XENTRY_TRAMPOLINE(relay_null_entry, relay_null);
BST_XENTRY_TRAMPOLINE(relay_touch_entry, relay_touch);

/*
 * Takes a buffer in BENCH_COPY_PUT messages and gives it back on
 * BENCH_COPY_GET (roles.h), copying every chunk between the message and its
 * own buffer, which the root mapped at BENCH_COPY_BUFFER.
 */
static void __attribute__((noreturn)) copy(void)
{
    volatile uint8_t *buf = (volatile uint8_t *)BENCH_COPY_BUFFER;
    uint64_t held = 0, given = 0; /* bytes received, bytes given back */
    uint64_t w[4] = {0, 0, 0, 0}, info;
    struct bst_msg m;
    bst_recv(BENCH_EP_A, &m);
    for (;;) {
        if (bst_msginfo_label(m.info) == BENCH_COPY_PUT && bst_msginfo_length(m.info) == BST_MSG_MAX_WORDS &&
            held + BENCH_COPY_CHUNK <= (1ull << BENCH_COPY_MAX_BITS)) {
            memcpy((uint8_t *)buf + held, m.words, sizeof m.words);
            memcpy((uint8_t *)buf + held + sizeof m.words, &bst_exchange->msg[4], BENCH_COPY_CHUNK - sizeof m.words);
            held += BENCH_COPY_CHUNK;
            info = bst_msginfo(0, 0, 0);
        } else if (bst_msginfo_label(m.info) == BENCH_COPY_GET && given < held) {
            if (given == 0) { /* all of it is here: touch it */
                buf[0] = (uint8_t)(buf[0] + 1);
                buf[held - 1] = (uint8_t)(buf[held - 1] + 1);
            }
            memcpy(w, (const uint8_t *)buf + given, sizeof w);
            memcpy(&bst_exchange->msg[4], (const uint8_t *)buf + given + sizeof w, BENCH_COPY_CHUNK - sizeof w);
            given += BENCH_COPY_CHUNK;
            if (given == held)
                held = given = 0;
            info = bst_msginfo(0, 0, BST_MSG_MAX_WORDS);
        } else if (bst_msginfo_label(m.info) == BENCH_RELAY_WHERE) {
            w[BENCH_RELAY_WORD_NULL] = (uint64_t)relay_null_entry;
            w[BENCH_RELAY_WORD_TOUCH] = (uint64_t)relay_touch_entry;
            w[BENCH_RELAY_WORD_STACK] = (uint64_t)relay_stacks;
            w[BENCH_RELAY_WORD_STACK_SIZE] = RELAY_STACK_SIZE;
            info = bst_msginfo(0, 0, 4);
        } else {
            info = bst_msginfo(1, 0, 0); /* label 1: a message out of order */
        }
        bst_replyrecv(BENCH_EP_A, info, w, &m);
    }
}

int main(void)
{
    copy();
}
