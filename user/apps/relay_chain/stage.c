/*
 * Stages B and C of the relay chain example (chain.h): one image, spawned
 * twice by the root task A with the stage in its start argument. Each
 * announces its XCall entry to A and stops its own thread; from then on, code
 * here runs only on A's thread, which XCall moves into this address space.
 * So the entries never print: only A has an exchange frame on that thread.
 */
#include "user/apps/relay_chain/chain.h"
#include "user/lib/ipc.h"

#define STACK_SIZE 4096u
static uint8_t entry_stack[STACK_SIZE] __attribute__((aligned(16)));

/* Called from the trampolines' assembly, so not static. */
void stage_b(struct bst_xcall_frame *f);
void stage_c(struct bst_xcall_frame *f);

/*
 * B gets the whole segment. It upper-cases the text in the first half, then
 * hands only the second half on to C: C cannot see or change B's text. When
 * C returns, the whole segment is B's again, and B XRets it to A.
 */
void stage_b(struct bst_xcall_frame *f)
{
    if (f->view != BST_RELAY_WINDOW_BASE || f->view_size != CHAIN_SEGMENT_SIZE) {
        f->result[CHAIN_RESULT_STATUS] = BST_E_INVALID_ARG; /* not the segment A hands over */
        return;
    }
    char *text = (char *)(f->view + CHAIN_TEXT_OFFSET);
    for (uint64_t i = 0; i < CHAIN_NUMBERS_OFFSET && text[i]; i++)
        if (text[i] >= 'a' && text[i] <= 'z')
            text[i] = (char)(text[i] - 'a' + 'A');
    const uint64_t args[4] = {f->word[0], 0, 0, 0};
    uint64_t c[4];
    uint64_t e = bst_xcall(CHAIN_ENTRY_C, bst_relay_mask(CHAIN_NUMBERS_OFFSET, CHAIN_NUMBERS_BITS), args, c);
    f->result[CHAIN_RESULT_STATUS] = e;
    if (e == BST_OK) {
        f->result[CHAIN_RESULT_C_SUM] = c[0];
        f->result[CHAIN_RESULT_C_VIEW] = c[1];
        f->result[CHAIN_RESULT_C_SIZE] = c[2];
    }
}

/*
 * C gets the numbers' half: it sums them and doubles each in place. Asked to
 * fault, it first writes the byte just below its view (B's last text byte):
 * that page is not mapped here, so the call unwinds to B with
 * BST_E_CALLEE_FAULT, and nothing after the write runs.
 */
void stage_c(struct bst_xcall_frame *f)
{
    if (f->word[0] == CHAIN_OP_FAULT)
        *(volatile uint8_t *)(f->view - 1) = '!';
    uint32_t *numbers = (uint32_t *)f->view;
    uint64_t sum = 0;
    for (uint64_t i = 0; i < f->view_size / sizeof(uint32_t); i++) {
        sum += numbers[i];
        numbers[i] *= 2;
    }
    f->result[0] = sum;
    f->result[1] = f->view;
    f->result[2] = f->view_size;
}

BST_XENTRY_TRAMPOLINE(stage_b_entry, stage_b);
BST_XENTRY_TRAMPOLINE(stage_c_entry, stage_c);

int main(void)
{
    uint64_t w[4] = {
        [CHAIN_WORD_ENTRY] = bst_start_arg == CHAIN_STAGE_B ? (uint64_t)stage_b_entry : (uint64_t)stage_c_entry,
        [CHAIN_WORD_STACK] = (uint64_t)entry_stack,
        [CHAIN_WORD_STACK_SIZE] = STACK_SIZE,
    };
    bst_send(CHAIN_ANNOUNCE_EP, bst_msginfo(0, 0, CHAIN_ANNOUNCE_WORDS), w);
    return 0; /* the thread stops for good; the address space and its entry stay */
}
