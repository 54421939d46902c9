/*
 * Host tests of lib/elf.c. Every image is built here in memory with the
 * host's <elf.h>, and checked from a heap copy of exactly its size, so that
 * AddressSanitizer catches any read past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/elf.h"

#define PAGE 0x1000ull
#define USER_MIN 0x400000ull
#define USER_MAX 0x1000000000ull
#define TEXT 0x401000ull
#define DATA 0x402000ull
#define ENTRY (TEXT + 0x10)

static _Alignas(8) uint8_t image[0x4000];
static size_t image_size;
static struct elf_image out;

static Elf64_Ehdr *eh(void) { return (Elf64_Ehdr *)image; }
static Elf64_Phdr *ph(unsigned i) { return (Elf64_Phdr *)(image + sizeof(Elf64_Ehdr)) + i; }

static Elf64_Phdr *add_segment(uint32_t type, uint32_t flags, uint64_t vaddr, uint64_t offset,
                               uint64_t filesz, uint64_t memsz)
{
    Elf64_Phdr *p = ph(eh()->e_phnum++);
    *p = (Elf64_Phdr){.p_type = type, .p_flags = flags, .p_offset = offset, .p_vaddr = vaddr,
                      .p_paddr = vaddr, .p_filesz = filesz, .p_memsz = memsz, .p_align = PAGE};
    return p;
}

/* A valid image: text (R-X) at TEXT, data + bss (RW-) at DATA, and a GNU_STACK header. */
static int valid_image(void **state)
{
    (void)state;
    memset(image, 0, sizeof(image));
    memcpy(eh()->e_ident, ELFMAG, SELFMAG);
    eh()->e_ident[EI_CLASS] = ELFCLASS64;
    eh()->e_ident[EI_DATA] = ELFDATA2LSB;
    eh()->e_ident[EI_VERSION] = EV_CURRENT;
    eh()->e_type = ET_EXEC;
    eh()->e_machine = EM_X86_64;
    eh()->e_version = EV_CURRENT;
    eh()->e_entry = ENTRY;
    eh()->e_phoff = sizeof(Elf64_Ehdr);
    eh()->e_ehsize = sizeof(Elf64_Ehdr);
    eh()->e_phentsize = sizeof(Elf64_Phdr);
    add_segment(PT_LOAD, PF_R | PF_X, TEXT, 0x1000, 0x200, 0x200);
    add_segment(PT_LOAD, PF_R | PF_W, DATA, 0x2000, 0x100, 0x3000);
    add_segment(PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
    image_size = 0x3000;
    memset(&out, 0xee, sizeof(out));
    return 0;
}

static const char *check_bytes(const uint8_t *bytes, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    assert_non_null(copy);
    memcpy(copy, bytes, size);
    const char *why = elf_check(copy, size, USER_MIN, USER_MAX, &out);
    free(copy);
    return why;
}

static const char *check(void) { return check_bytes(image, image_size); }

#define REFUSED(reason) assert_string_equal(check(), reason)

static void test_valid_image(void **state)
{
    (void)state;
    assert_null(check());
    assert_int_equal(out.entry, ENTRY);
    assert_int_equal(out.segment_count, 2);
    const struct elf_segment *t = &out.segments[0], *d = &out.segments[1];
    assert_int_equal(t->vaddr, TEXT);
    assert_int_equal(t->file_offset, 0x1000);
    assert_int_equal(t->file_size, 0x200);
    assert_int_equal(t->mem_size, 0x200);
    assert_int_equal(t->perms, ELF_SEG_READ | ELF_SEG_EXEC);
    assert_int_equal(d->vaddr, DATA);
    assert_int_equal(d->file_size, 0x100);
    assert_int_equal(d->mem_size, 0x3000);
    assert_int_equal(d->perms, ELF_SEG_READ | ELF_SEG_WRITE);
}

static void test_unaligned_image(void **state)
{
    (void)state;
    static uint8_t shifted[sizeof(image) + 1];
    memcpy(shifted + 1, image, image_size);
    assert_null(elf_check(shifted + 1, image_size, USER_MIN, USER_MAX, &out));
    assert_int_equal(out.segment_count, 2);
}

static void test_bad_magic(void **state)
{
    (void)state;
    image[EI_MAG1] = 'e';
    REFUSED("not an ELF file");
}

static void test_truncated_header(void **state)
{
    (void)state;
    image_size = sizeof(Elf64_Ehdr) - 1;
    REFUSED("not an ELF file");
    image_size = 0;
    REFUSED("not an ELF file");
}

static void test_wrong_class_or_byte_order(void **state)
{
    (void)state;
    image[EI_CLASS] = ELFCLASS32;
    REFUSED("not a little-endian ELF64 file");
    image[EI_CLASS] = ELFCLASS64;
    image[EI_DATA] = ELFDATA2MSB;
    REFUSED("not a little-endian ELF64 file");
}

static void test_wrong_machine_or_type(void **state)
{
    (void)state;
    eh()->e_machine = EM_386;
    REFUSED("not an x86_64 executable");
    eh()->e_machine = EM_X86_64;
    eh()->e_type = ET_DYN;
    REFUSED("not an x86_64 executable");
}

static void test_wrong_phentsize(void **state)
{
    (void)state;
    eh()->e_phentsize = sizeof(Elf64_Phdr) - 8;
    REFUSED("unexpected program header size");
}

static void test_phdrs_outside_file(void **state)
{
    (void)state;
    eh()->e_phoff = image_size - 2 * sizeof(Elf64_Phdr); /* three headers, room for two */
    REFUSED("program headers lie outside the file");
    eh()->e_phoff = image_size + 1;
    REFUSED("program headers lie outside the file");
    eh()->e_phoff = UINT64_MAX - 8; /* offset + length wraps around */
    REFUSED("program headers lie outside the file");
    eh()->e_phoff = sizeof(Elf64_Ehdr);
    eh()->e_phnum = 0xffff;
    REFUSED("program headers lie outside the file");
}

static void test_filesz_above_memsz(void **state)
{
    (void)state;
    ph(1)->p_filesz = ph(1)->p_memsz + 1;
    REFUSED("segment file size exceeds its memory size");
}

static void test_segment_data_outside_file(void **state)
{
    (void)state;
    ph(1)->p_offset = image_size - ph(1)->p_filesz + 1;
    ph(1)->p_vaddr = DATA + (ph(1)->p_offset % PAGE);
    REFUSED("segment data lies outside the file");
    ph(1)->p_offset = image_size + PAGE;
    ph(1)->p_vaddr = DATA;
    REFUSED("segment data lies outside the file");
    ph(1)->p_offset = UINT64_MAX - 0xfff; /* offset + filesz would wrap around */
    REFUSED("segment data lies outside the file");
}

static void test_segment_outside_user_range(void **state)
{
    (void)state;
    ph(1)->p_vaddr = USER_MIN - PAGE;
    REFUSED("segment lies outside the user address range");
    ph(1)->p_vaddr = USER_MAX - ph(1)->p_memsz + PAGE;
    REFUSED("segment lies outside the user address range");
    ph(1)->p_vaddr = 0xfffffffffffff000ull; /* vaddr + memsz wraps around */
    REFUSED("segment lies outside the user address range");
}

static void test_user_range_bounds_are_inclusive_exclusive(void **state)
{
    (void)state;
    ph(0)->p_vaddr = USER_MIN;
    ph(0)->p_offset = 0;
    ph(0)->p_filesz = ph(0)->p_memsz = 0x200;
    eh()->e_entry = USER_MIN;
    ph(1)->p_vaddr = USER_MAX - ph(1)->p_memsz; /* ends exactly at USER_MAX */
    assert_null(check());
    assert_int_equal(out.segments[1].vaddr + out.segments[1].mem_size, USER_MAX);
}

static void test_writable_and_executable(void **state)
{
    (void)state;
    ph(1)->p_flags = PF_R | PF_W | PF_X;
    REFUSED("segment is writable and executable (W^X)");
}

static void test_address_not_congruent_to_offset(void **state)
{
    (void)state;
    ph(1)->p_vaddr = DATA + 0x10;
    REFUSED("segment address and file offset are not congruent modulo the page size");
}

static void test_segments_in_one_page(void **state)
{
    (void)state;
    ph(1)->p_vaddr = TEXT + 0x800; /* data right behind the text, in the same page */
    ph(1)->p_offset = 0x1800;
    REFUSED("loadable segments share a page");
}

static void test_bss_runs_into_next_segment(void **state)
{
    (void)state;
    ph(0)->p_memsz = PAGE + 1; /* text's last byte is in DATA's first page */
    REFUSED("loadable segments share a page");
}

static void test_adjacent_pages_are_fine(void **state)
{
    (void)state;
    ph(0)->p_memsz = PAGE; /* text fills its page exactly */
    assert_null(check());
}

static void test_entry_outside_code(void **state)
{
    (void)state;
    eh()->e_entry = DATA; /* in a segment, but not an executable one */
    REFUSED("entry point is not in an executable segment");
    eh()->e_entry = TEXT + 0x200; /* one past the text */
    REFUSED("entry point is not in an executable segment");
    eh()->e_entry = TEXT - 1;
    REFUSED("entry point is not in an executable segment");
    eh()->e_entry = TEXT + 0x1ff; /* the last byte is still code */
    assert_null(check());
}

static void test_no_loadable_segments(void **state)
{
    (void)state;
    eh()->e_phnum = 0;
    REFUSED("no loadable segments");
    eh()->e_phnum = 3;
    ph(0)->p_type = PT_NOTE;
    ph(1)->p_type = PT_NULL;
    REFUSED("no loadable segments");
    ph(0)->p_type = PT_LOAD;
    ph(0)->p_filesz = ph(0)->p_memsz = 0; /* an empty PT_LOAD loads nothing */
    ph(1)->p_type = PT_LOAD;
    ph(1)->p_filesz = ph(1)->p_memsz = 0;
    REFUSED("no loadable segments");
}

static void test_ignored_segments_are_not_checked(void **state)
{
    (void)state;
    /* Not loaded, so neither W^X nor the range applies. */
    add_segment(PT_NOTE, PF_R | PF_W | PF_X, 0, image_size + PAGE, 0x10, 0x10);
    add_segment(PT_LOAD, PF_R | PF_W | PF_X, 0, 0, 0, 0);
    assert_null(check());
    assert_int_equal(out.segment_count, 2);
}

static void many_segments(unsigned n)
{
    eh()->e_phnum = 0;
    for (unsigned i = 0; i < n; i++)
        add_segment(PT_LOAD, i == 0 ? PF_R | PF_X : PF_R, TEXT + i * PAGE, 0, 0, PAGE);
    eh()->e_entry = TEXT;
}

static void test_segment_limit(void **state)
{
    (void)state;
    many_segments(ELF_MAX_SEGMENTS);
    assert_null(check());
    assert_int_equal(out.segment_count, ELF_MAX_SEGMENTS);
    many_segments(ELF_MAX_SEGMENTS + 1);
    REFUSED("too many loadable segments");
}

/* ---- fuzzing: mutated headers never crash the checker, and what passes is sound */

static uint64_t rng;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void assert_sound(size_t size)
{
    assert_true(out.segment_count >= 1 && out.segment_count <= ELF_MAX_SEGMENTS);
    bool entry_ok = false;
    for (unsigned i = 0; i < out.segment_count; i++) {
        const struct elf_segment *s = &out.segments[i];
        assert_true(s->mem_size > 0 && s->file_size <= s->mem_size);
        assert_true(s->file_offset <= size && s->file_size <= size - s->file_offset);
        assert_true(s->vaddr >= USER_MIN && s->vaddr + s->mem_size > s->vaddr);
        assert_true(s->vaddr + s->mem_size <= USER_MAX);
        assert_false((s->perms & ELF_SEG_WRITE) && (s->perms & ELF_SEG_EXEC));
        for (unsigned j = 0; j < i; j++) {
            const struct elf_segment *o = &out.segments[j];
            assert_true(s->vaddr >= ((o->vaddr + o->mem_size + PAGE - 1) & ~(PAGE - 1)) ||
                        o->vaddr >= ((s->vaddr + s->mem_size + PAGE - 1) & ~(PAGE - 1)));
        }
        if ((s->perms & ELF_SEG_EXEC) && out.entry >= s->vaddr && out.entry - s->vaddr < s->mem_size)
            entry_ok = true;
    }
    assert_true(entry_ok);
}

static void mutate(void)
{
    static const uint64_t interesting[] = {0, 1, 0x1000, 0x1001, 0x3000, USER_MIN, USER_MAX,
                                           TEXT, DATA, UINT32_MAX, UINT64_MAX, 1ull << 63};
    size_t headers = sizeof(Elf64_Ehdr) + 3 * sizeof(Elf64_Phdr);
    for (unsigned n = 1 + (unsigned)(next() % 4); n > 0; n--) {
        size_t at = next() % headers;
        if (next() % 2) {
            image[at] ^= (uint8_t)(1u << (next() % 8));
        } else {
            uint64_t v = interesting[next() % (sizeof(interesting) / sizeof(interesting[0]))];
            at &= ~(size_t)7;
            memcpy(image + at, &v, sizeof(v));
        }
    }
}

static void test_fuzz_headers(void **state)
{
    uint64_t seed = 0xe1f5eedull;
    printf("# elf fuzz seed %#llx\n", (unsigned long long)seed);
    rng = seed;
    unsigned accepted = 0;
    for (int i = 0; i < 20000; i++) {
        valid_image(state);
        mutate();
        size_t size = next() % 8 == 0 ? (size_t)(next() % image_size) : image_size;
        if (!check_bytes(image, size)) {
            assert_sound(size);
            accepted++;
        }
    }
    printf("# elf fuzz: %u of 20000 mutated images accepted\n", accepted);
    assert_true(accepted > 0);
}

#define T(f) cmocka_unit_test_setup(f, valid_image)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_valid_image),
        T(test_unaligned_image),
        T(test_bad_magic),
        T(test_truncated_header),
        T(test_wrong_class_or_byte_order),
        T(test_wrong_machine_or_type),
        T(test_wrong_phentsize),
        T(test_phdrs_outside_file),
        T(test_filesz_above_memsz),
        T(test_segment_data_outside_file),
        T(test_segment_outside_user_range),
        T(test_user_range_bounds_are_inclusive_exclusive),
        T(test_writable_and_executable),
        T(test_address_not_congruent_to_offset),
        T(test_segments_in_one_page),
        T(test_bss_runs_into_next_segment),
        T(test_adjacent_pages_are_fine),
        T(test_entry_outside_code),
        T(test_no_loadable_segments),
        T(test_ignored_segments_are_not_checked),
        T(test_segment_limit),
        T(test_fuzz_headers),
    };
    return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
