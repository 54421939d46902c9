/* The user library's view of lib/elf.c: segments with capability rights, errors as enum bst_error. */
#include "user/lib/elf.h"
#include <bastion/error.h>
#include <bastion/object.h>
#include "lib/string.h"

static uint64_t rights_of(unsigned perms)
{
    return ((perms & ELF_SEG_READ) ? BST_RIGHT_READ : 0) | ((perms & ELF_SEG_WRITE) ? BST_RIGHT_WRITE : 0) |
           ((perms & ELF_SEG_EXEC) ? BST_RIGHT_EXECUTE : 0);
}

static uint64_t error_of(enum elf_fault fault)
{
    switch (fault) {
    case ELF_FAULT_TRUNCATED: return BST_E_TRUNCATED;
    case ELF_FAULT_RANGE: return BST_E_RANGE;
    default: return BST_E_INVALID_ARG;
    }
}

uint64_t bst_elf_read(const void *image, size_t size, uint64_t min, uint64_t max, struct bst_elf *out)
{
    static struct elf_image checked; /* too big for a small thread stack */
    memset(out, 0, sizeof(*out));
    out->why = elf_check(image, size, min, max, &checked);
    if (out->why)
        return error_of(checked.fault);
    out->entry = checked.entry;
    out->count = checked.segment_count;
    for (unsigned i = 0; i < checked.segment_count; i++) {
        const struct elf_segment *s = &checked.segments[i];
        out->segment[i] = (struct bst_elf_segment){s->vaddr, s->file_offset, s->file_size, s->mem_size,
                                                   rights_of(s->perms)};
    }
    return BST_OK;
}
