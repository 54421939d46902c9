/* Builds the root task from the first boot module: address space, ELF segments, stack, exchange frame, bootinfo. */
#ifndef BASTION_CORE_ROOTTASK_H
#define BASTION_CORE_ROOTTASK_H

#include "kernel/core/boot.h"
#include "kernel/object/tcb.h"

#define ROOT_TASK_PRIORITY 128

/*
 * Returns NULL on success, or why the root task could not be built. On
 * success *root is its TCB. Every free page left afterwards is handed to the
 * root task as Untyped memory: boot memory is used up and never touched again.
 */
const char *roottask_create(struct tcb **root, struct bootmem *bm, const struct boot_params *p);

#endif
