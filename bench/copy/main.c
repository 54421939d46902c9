/*
 * The partner process of the copy_ipc_* rows, a module of its own
 * (bench-copy) so that bench-server, and with it the rows that spawn or talk
 * to it, stays as it was. The bench root task spawns it with two endpoints
 * (roles.h: BENCH_EP_A, BENCH_EP_B) and maps its buffer at BENCH_COPY_BUFFER.
 */
#include "bench/server/roles.h"
#include "user/lib/ipc.h"
#include "lib/string.h"

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
