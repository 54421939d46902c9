/* The IPC fastpath (kernel/core/fastpath.c): true when it handled the call. */
#ifndef BASTION_CORE_FASTPATH_H
#define BASTION_CORE_FASTPATH_H

#include "kernel/object/tcb.h"

bool fastpath_call(struct tcb *caller, uint64_t cptr, uint64_t msginfo, const uint64_t words[4]);
bool fastpath_reply_recv(struct tcb *server, uint64_t cptr, uint64_t msginfo, const uint64_t words[4]);

/* How often it was taken (debug builds report it to tests). */
extern uint64_t fastpath_hits;

#endif
