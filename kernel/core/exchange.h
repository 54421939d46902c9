/*
 * Access to a thread's exchange frame. The kernel reaches it only through its
 * own physical mapping (the frame is named by the TCB's own cap), never
 * through the user address; requests are copied into kernel memory once and
 * checked there, so the thread cannot change them after the check.
 */
#ifndef BASTION_CORE_EXCHANGE_H
#define BASTION_CORE_EXCHANGE_H

#include <bastion/exchange.h>
#include "kernel/object/tcb.h"

/* The thread's exchange frame through the physical map, resolved through its
 * TCB's cap now (never cached), or NULL if it has none. */
struct bst_exchange *exchange_of(const struct tcb *tcb);
/* Copies len bytes at offset of the frame into dst; false if out of the frame. */
bool exchange_copy_in(const struct tcb *tcb, size_t offset, void *dst, size_t len);
bool exchange_copy_out(const struct tcb *tcb, size_t offset, const void *src, size_t len);
void exchange_write_error(const struct tcb *tcb, const struct bst_error_detail *detail);

#endif
