/* The architecture's types that arch-neutral kernel objects embed (by value). */
#ifndef BASTION_X86_64_ARCH_TYPES_H
#define BASTION_X86_64_ARCH_TYPES_H

#include "kernel/arch/x86_64/cpu.h"

#endif
