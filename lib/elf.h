/*
 * ELF64 image checking, shared by the kernel's root task loader and the user
 * library's process creation (user/lib/elf.c). Pure freestanding code,
 * unit-tested on the host: a bad image is refused with a reason, never loaded
 * half-way. W^X is checked here: no segment may be writable and executable.
 */
#ifndef BASTION_CORE_ELF_H
#define BASTION_CORE_ELF_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define ELF_MAX_SEGMENTS 16

#define ELF_SEG_READ (1u << 0)
#define ELF_SEG_WRITE (1u << 1)
#define ELF_SEG_EXEC (1u << 2)

struct elf_segment {
    uint64_t vaddr;
    uint64_t file_offset;
    uint64_t file_size;
    uint64_t mem_size;
    unsigned perms; /* ELF_SEG_* */
};

/* What kind of problem a refused image has (callers map it to their error codes). */
enum elf_fault { ELF_FAULT_NONE = 0, ELF_FAULT_FORMAT, ELF_FAULT_TRUNCATED, ELF_FAULT_RANGE };

struct elf_image {
    enum elf_fault fault; /* set when elf_check refuses the image */
    uint64_t entry;
    unsigned segment_count;
    struct elf_segment segments[ELF_MAX_SEGMENTS];
};

/*
 * Checks image[0..size) and fills out. Loadable segments must lie inside
 * [user_min, user_max), not overlap (page-granular), have file data inside the
 * image, and not be both writable and executable. Returns NULL on success or
 * a short reason.
 */
const char *elf_check(const void *image, size_t size, uint64_t user_min, uint64_t user_max,
                      struct elf_image *out);

#endif
