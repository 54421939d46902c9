#include "user/lib/elf.h"
#include <bastion/error.h>
#include <bastion/object.h>
#include "lib/string.h"

#define ELF_MAGIC "\177ELF"
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ET_EXEC 2
#define EM_X86_64 62
#define PT_LOAD 1
#define PF_X 1
#define PF_W 2
#define PF_R 4

struct ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

static uint64_t fail(struct bst_elf *out, uint64_t code, const char *why)
{
    out->why = why;
    return code;
}

static uint64_t check_header(const struct ehdr *h, size_t size, struct bst_elf *out)
{
    if (memcmp(h->ident, ELF_MAGIC, 4) != 0)
        return fail(out, BST_E_INVALID_ARG, "not an ELF file");
    if (h->ident[4] != ELFCLASS64 || h->ident[5] != ELFDATA2LSB)
        return fail(out, BST_E_INVALID_ARG, "not a little-endian ELF64 file");
    if (h->type != ET_EXEC || h->machine != EM_X86_64)
        return fail(out, BST_E_INVALID_ARG, "not an x86_64 executable");
    if (h->phentsize != sizeof(struct phdr))
        return fail(out, BST_E_INVALID_ARG, "unexpected program header size");
    if (h->phoff > size || (uint64_t)h->phnum * sizeof(struct phdr) > size - h->phoff)
        return fail(out, BST_E_TRUNCATED, "program headers lie beyond the end of the image");
    return BST_OK;
}

static uint64_t rights_of(uint32_t flags)
{
    return ((flags & PF_R) ? BST_RIGHT_READ : 0) | ((flags & PF_W) ? BST_RIGHT_WRITE : 0) |
           ((flags & PF_X) ? BST_RIGHT_EXECUTE : 0);
}

static uint64_t check_segment(const struct phdr *ph, size_t size, uint64_t min, uint64_t max, struct bst_elf *out)
{
    if (ph->filesz > ph->memsz)
        return fail(out, BST_E_INVALID_ARG, "segment file size exceeds its memory size");
    if (ph->offset > size || ph->filesz > size - ph->offset)
        return fail(out, BST_E_TRUNCATED, "segment bytes lie beyond the end of the image");
    uint64_t end = ph->vaddr + ph->memsz;
    if (end < ph->vaddr || ph->vaddr < min || end > max)
        return fail(out, BST_E_RANGE, "segment lies outside the allowed address range");
    if ((ph->flags & PF_W) && (ph->flags & PF_X))
        return fail(out, BST_E_INVALID_ARG, "segment is writable and executable (W^X)");
    return BST_OK;
}

static uint64_t page_down(uint64_t a) { return a & ~(BST_PAGE_SIZE - 1); }
static uint64_t page_up(uint64_t a) { return page_down(a + BST_PAGE_SIZE - 1); }

static bool share_a_page(const struct bst_elf_segment *a, const struct bst_elf_segment *b)
{
    return page_down(a->vaddr) < page_up(b->vaddr + b->mem_size) &&
           page_down(b->vaddr) < page_up(a->vaddr + a->mem_size);
}

static uint64_t add_segment(const struct phdr *ph, struct bst_elf *out)
{
    if (out->count == BST_ELF_MAX_SEGMENTS)
        return fail(out, BST_E_RANGE, "too many loadable segments");
    struct bst_elf_segment s = {ph->vaddr, ph->offset, ph->filesz, ph->memsz, rights_of(ph->flags)};
    for (unsigned i = 0; i < out->count; i++) {
        if (share_a_page(&s, &out->segment[i]))
            return fail(out, BST_E_INVALID_ARG, "two loadable segments share a page");
    }
    out->segment[out->count++] = s;
    return BST_OK;
}

static bool entry_in_code(const struct bst_elf *e)
{
    for (unsigned i = 0; i < e->count; i++) {
        const struct bst_elf_segment *s = &e->segment[i];
        if ((s->rights & BST_RIGHT_EXECUTE) && e->entry >= s->vaddr && e->entry - s->vaddr < s->mem_size)
            return true;
    }
    return false;
}

uint64_t bst_elf_read(const void *image, size_t size, uint64_t min, uint64_t max, struct bst_elf *out)
{
    memset(out, 0, sizeof(*out));
    struct ehdr h;
    if (size < sizeof(h))
        return fail(out, BST_E_TRUNCATED, "the image is shorter than an ELF header");
    memcpy(&h, image, sizeof(h)); /* a boot module need not be aligned */
    uint64_t e = check_header(&h, size, out);
    out->entry = h.entry;
    for (unsigned i = 0; e == BST_OK && i < h.phnum; i++) {
        struct phdr ph;
        memcpy(&ph, (const uint8_t *)image + h.phoff + i * sizeof(ph), sizeof(ph));
        if (ph.type != PT_LOAD || ph.memsz == 0)
            continue;
        if ((e = check_segment(&ph, size, min, max, out)) == BST_OK)
            e = add_segment(&ph, out);
    }
    if (e == BST_OK && out->count == 0)
        return fail(out, BST_E_INVALID_ARG, "no loadable segments");
    if (e == BST_OK && !entry_in_code(out))
        return fail(out, BST_E_INVALID_ARG, "the entry point is not in an executable segment");
    return e;
}
