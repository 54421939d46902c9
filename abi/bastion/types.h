/* Bastion ABI: basic fixed-width types, usable freestanding in kernel and user space. */
#ifndef BASTION_ABI_TYPES_H
#define BASTION_ABI_TYPES_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

typedef uint64_t bst_word_t;   /* one machine word: registers and message words */
typedef uint64_t bst_cptr_t;   /* a capability address inside a CSpace */

#define BST_PAGE_SHIFT 12u
#define BST_PAGE_SIZE  (1ull << BST_PAGE_SHIFT)

#endif
