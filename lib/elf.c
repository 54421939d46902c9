#include "lib/elf.h"
#include "lib/string.h"

#define EI_NIDENT 16
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ET_EXEC 2
#define EM_X86_64 62
#define PT_LOAD 1
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define PAGE 4096ull

struct elf64_ehdr {
    unsigned char ident[EI_NIDENT];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

static const char *check_header(const struct elf64_ehdr *h, size_t size, enum elf_fault *fault)
{
    *fault = ELF_FAULT_FORMAT;
    static const unsigned char magic[4] = {0x7f, 'E', 'L', 'F'};
    if (size < sizeof(*h) || memcmp(h->ident, magic, 4) != 0)
        return "not an ELF file";
    if (h->ident[4] != ELFCLASS64 || h->ident[5] != ELFDATA2LSB)
        return "not a little-endian ELF64 file";
    if (h->type != ET_EXEC || h->machine != EM_X86_64)
        return "not an x86_64 executable";
    if (h->phentsize != sizeof(struct elf64_phdr))
        return "unexpected program header size";
    *fault = ELF_FAULT_TRUNCATED;
    if (h->phoff > size || (uint64_t)h->phnum * sizeof(struct elf64_phdr) > size - h->phoff)
        return "program headers lie outside the file";
    return 0;
}

static const char *check_segment(const struct elf64_phdr *ph, size_t size, uint64_t user_min,
                                 uint64_t user_max, enum elf_fault *fault)
{
    *fault = ELF_FAULT_FORMAT;
    if (ph->filesz > ph->memsz)
        return "segment file size exceeds its memory size";
    *fault = ELF_FAULT_TRUNCATED;
    if (ph->offset > size || ph->filesz > size - ph->offset)
        return "segment data lies outside the file";
    if (ph->memsz == 0)
        return 0;
    uint64_t end = ph->vaddr + ph->memsz;
    *fault = ELF_FAULT_RANGE;
    if (end < ph->vaddr || ph->vaddr < user_min || end > user_max)
        return "segment lies outside the user address range";
    *fault = ELF_FAULT_FORMAT;
    if ((ph->flags & PF_W) && (ph->flags & PF_X))
        return "segment is writable and executable (W^X)";
    if ((ph->vaddr - ph->offset) % PAGE != 0)
        return "segment address and file offset are not congruent modulo the page size";
    return 0;
}

static bool pages_overlap(const struct elf_segment *a, const struct elf_segment *b)
{
    uint64_t a0 = a->vaddr & ~(PAGE - 1), a1 = (a->vaddr + a->mem_size + PAGE - 1) & ~(PAGE - 1);
    uint64_t b0 = b->vaddr & ~(PAGE - 1), b1 = (b->vaddr + b->mem_size + PAGE - 1) & ~(PAGE - 1);
    return a0 < b1 && b0 < a1;
}

const char *elf_check(const void *image, size_t size, uint64_t user_min, uint64_t user_max,
                      struct elf_image *out)
{
    struct elf64_ehdr h;
    memset(out, 0, sizeof(*out));
    out->fault = ELF_FAULT_TRUNCATED;
    if (size < sizeof(h))
        return "not an ELF file";
    memcpy(&h, image, sizeof(h)); /* an image need not be aligned */
    const char *why = check_header(&h, size, &out->fault);
    if (why)
        return why;
    out->entry = h.entry;
    for (unsigned i = 0; i < h.phnum; i++) {
        struct elf64_phdr ph;
        memcpy(&ph, (const uint8_t *)image + h.phoff + i * sizeof(ph), sizeof(ph));
        if (ph.type != PT_LOAD)
            continue;
        if ((why = check_segment(&ph, size, user_min, user_max, &out->fault)))
            return why;
        if (ph.memsz == 0)
            continue;
        out->fault = ELF_FAULT_RANGE;
        if (out->segment_count == ELF_MAX_SEGMENTS)
            return "too many loadable segments";
        out->fault = ELF_FAULT_FORMAT;
        struct elf_segment *s = &out->segments[out->segment_count];
        *s = (struct elf_segment){ph.vaddr, ph.offset, ph.filesz, ph.memsz,
                                  ((ph.flags & PF_R) ? ELF_SEG_READ : 0) |
                                      ((ph.flags & PF_W) ? ELF_SEG_WRITE : 0) |
                                      ((ph.flags & PF_X) ? ELF_SEG_EXEC : 0)};
        for (unsigned j = 0; j < out->segment_count; j++) {
            if (pages_overlap(s, &out->segments[j]))
                return "loadable segments share a page";
        }
        out->segment_count++;
    }
    out->fault = ELF_FAULT_FORMAT;
    if (out->segment_count == 0)
        return "no loadable segments";
    bool entry_in_code = false;
    for (unsigned i = 0; i < out->segment_count; i++) {
        const struct elf_segment *s = &out->segments[i];
        if ((s->perms & ELF_SEG_EXEC) && out->entry >= s->vaddr && out->entry < s->vaddr + s->mem_size)
            entry_in_code = true;
    }
    if (!entry_in_code)
        return "entry point is not in an executable segment";
    out->fault = ELF_FAULT_NONE;
    return 0;
}
