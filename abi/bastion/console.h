/*
 * Bastion ABI: the console protocol, spoken over an endpoint between a
 * program and the console server (the COM1 UART driver, user/servers/uart).
 * docs/processes-and-drivers.md is the reference.
 *
 * Requests are Calls; text travels packed in message words, 8 bytes a word,
 * little endian (byte i of the text is byte i % 8 of word 1 + i / 8), so a
 * short request needs no memory beyond the registers and the exchange words.
 *
 *   WRITE      word 0 = length in bytes (at most BST_CONSOLE_MAX_BYTES),
 *              words 1.. = the bytes.
 *              Reply: label = enum bst_error, word 0 = bytes written.
 *   READ_LINE  word 0 = the most bytes wanted (at most BST_CONSOLE_MAX_BYTES).
 *              The server echoes what is typed, handles backspace, and
 *              answers when Enter is pressed (or the line is full).
 *              Reply: label = enum bst_error, word 0 = length, words 1.. =
 *              the bytes, without the line end.
 * A malformed request is answered with label BST_E_INVALID_ARG (unknown
 * label) or BST_E_RANGE (length too large) and word 0 = 0.
 */
#ifndef BASTION_ABI_CONSOLE_H
#define BASTION_ABI_CONSOLE_H

#include <bastion/exchange.h>

enum bst_console_label {
    BST_CONSOLE_WRITE = 1,
    BST_CONSOLE_READ_LINE,
};

enum bst_console_word { BST_CONSOLE_WORD_LENGTH, BST_CONSOLE_WORD_FIRST_BYTES };

#define BST_CONSOLE_BYTES_PER_WORD 8u
#define BST_CONSOLE_MAX_BYTES ((BST_MSG_MAX_WORDS - BST_CONSOLE_WORD_FIRST_BYTES) * BST_CONSOLE_BYTES_PER_WORD)
_Static_assert(BST_CONSOLE_MAX_BYTES == 504, "63 words of text per message");

/* Words a message of n text bytes takes, length word included. */
#define BST_CONSOLE_MSG_WORDS(n) \
    (BST_CONSOLE_WORD_FIRST_BYTES + ((n) + BST_CONSOLE_BYTES_PER_WORD - 1) / BST_CONSOLE_BYTES_PER_WORD)

/*
 * Where a process finds its console endpoint (a cap with Write): this slot of
 * its CSpace root, in the root task (once it has started the driver) and in
 * every process the user library spawns with a console (user/lib/process.h).
 */
#define BST_CAP_CONSOLE 8u

/* The UART driver's own CSpace, as the root task builds it. */
enum bst_uart_slot {
    BST_UART_CAP_SERVICE = 9,       /* the endpoint it serves (Read) */
    BST_UART_CAP_IOPORT = 10,       /* COM1's ports, 0x3f8-0x3ff */
    BST_UART_CAP_IRQ = 11,          /* IRQHandler for ISA IRQ 4 (optional: it polls without) */
    BST_UART_CAP_NOTIFICATION = 12, /* where that IRQ is delivered (with the IRQ cap) */
};
#define BST_UART_FIRST_PORT 0x3f8u
#define BST_UART_LAST_PORT 0x3ffu
#define BST_UART_IRQ 4u

#endif
