/*
 * ELF64 images for loading programs from user level (user/lib/process.c),
 * checked by the same code the kernel uses for the root task (lib/elf.c):
 * the header, every loadable segment inside the file and inside the allowed
 * address range, no two segments on one page (each page gets one segment's
 * rights), W^X, and an entry point in an executable segment. It never writes
 * to the image.
 */
#ifndef BASTION_USER_ELF_H
#define BASTION_USER_ELF_H

#include <bastion/types.h>

#include "lib/elf.h"

#define BST_ELF_MAX_SEGMENTS ELF_MAX_SEGMENTS

struct bst_elf_segment {
    uint64_t vaddr;
    uint64_t offset;    /* of the segment's bytes in the file */
    uint64_t file_size; /* bytes from the file; the rest up to mem_size is zero */
    uint64_t mem_size;
    uint64_t rights;    /* BST_RIGHT_READ, _WRITE, _EXECUTE: never WRITE and EXECUTE together */
};

struct bst_elf {
    uint64_t entry;
    unsigned count;
    struct bst_elf_segment segment[BST_ELF_MAX_SEGMENTS];
    const char *why;    /* what was wrong, when the read fails */
};

/*
 * Reads image[0..size) into out; segments must lie in [min, max). Returns
 * BST_OK, or BST_E_TRUNCATED (headers or segment bytes beyond the image),
 * BST_E_INVALID_ARG (not an x86_64 ELF64 executable, W+X segment, segments
 * sharing a page, no code at the entry), BST_E_RANGE (a segment outside
 * [min, max), or more than BST_ELF_MAX_SEGMENTS), with out->why saying which.
 */
uint64_t bst_elf_read(const void *image, size_t size, uint64_t min, uint64_t max, struct bst_elf *out);

#endif
