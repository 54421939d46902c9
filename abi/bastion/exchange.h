/*
 * Bastion ABI: the exchange frame.
 *
 * Every thread has exactly one 4 KiB exchange frame, named when its TCB is
 * configured (the root task's is set up by the kernel at boot). It is the only
 * memory the kernel reads or writes on a thread's behalf, and it reads it
 * through its own physical mapping, never through the user address. Requests
 * are copied into kernel memory once before they are checked.
 */
#ifndef BASTION_ABI_EXCHANGE_H
#define BASTION_ABI_EXCHANGE_H

#include <bastion/types.h>
#include <bastion/error.h>

#define BST_EXCHANGE_SIZE 4096u
#define BST_MSG_MAX_WORDS 64u
#define BST_MSG_MAX_CAPS 3u

struct bst_exchange {
    bst_word_t msg[BST_MSG_MAX_WORDS];   /* message words beyond the registers */
    bst_cptr_t caps[BST_MSG_MAX_CAPS];   /* capabilities to send (cptrs in the sender's CSpace) */
    /* Where received capabilities go: slots receive_index + i of the CNode at
     * (receive_root, depth receive_depth, or the root itself if 0). */
    bst_cptr_t receive_root;
    bst_word_t receive_index;
    bst_word_t receive_depth;
    bst_word_t reserved[2];
    struct bst_error_detail error;        /* detail of the last failed call */
    uint8_t data[BST_EXCHANGE_SIZE - 8 * (BST_MSG_MAX_WORDS + BST_MSG_MAX_CAPS + 5) -
                 sizeof(struct bst_error_detail)]; /* bulk bytes (debug text, names) */
};

#define BST_EXCHANGE_DATA_SIZE (sizeof(((struct bst_exchange *)0)->data))

_Static_assert(sizeof(struct bst_exchange) == BST_EXCHANGE_SIZE, "exchange frame is one page");
_Static_assert(offsetof(struct bst_exchange, msg) == 0, "message words first");
_Static_assert(offsetof(struct bst_exchange, caps) == 512, "caps follow the message");
_Static_assert(offsetof(struct bst_exchange, error) == 576, "error detail offset");
_Static_assert(offsetof(struct bst_exchange, data) == 624, "data offset");

#endif
