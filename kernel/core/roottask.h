/* Builds the root task from the first boot module: address space, ELF segments, stack, exchange frame, bootinfo. */
#ifndef BASTION_CORE_ROOTTASK_H
#define BASTION_CORE_ROOTTASK_H

#include "kernel/core/boot.h"
#include "kernel/object/tcb.h"

#define ROOT_TASK_PRIORITY 128

/* Returns NULL on success, or why the root task could not be built. */
const char *roottask_create(struct tcb *tcb, struct bootmem *bm, const struct boot_params *p);

#endif
