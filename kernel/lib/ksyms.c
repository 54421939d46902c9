#include "kernel/lib/ksyms.h"

const char *ksyms_lookup(uint64_t address, uint64_t *offset)
{
    /* Binary search for the last symbol at or below address; the table is sorted. */
    uint64_t lo = 0, hi = ksyms_count;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (ksyms_table[mid].address <= address)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return 0;
    *offset = address - ksyms_table[lo - 1].address;
    return ksyms_table[lo - 1].name;
}
