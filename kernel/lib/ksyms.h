/* Kernel text symbols for backtraces; the table is generated at link time (tools/gen-ksyms). */
#ifndef BASTION_KERNEL_KSYMS_H
#define BASTION_KERNEL_KSYMS_H

#include <stdint.h>

struct ksym {
    uint64_t address;
    const char *name;
};

extern const struct ksym ksyms_table[];
extern const uint64_t ksyms_count;

/* The function containing address, and the offset into it; NULL if unknown. */
const char *ksyms_lookup(uint64_t address, uint64_t *offset);

#endif
