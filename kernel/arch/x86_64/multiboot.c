/*
 * Multiboot 1 (QEMU -kernel) and Multiboot 2 (GRUB) information, copied into
 * struct boot_params so nothing later depends on the loader's memory.
 */
#include "cpu.h"
#include "kernel/arch/arch.h"
#include "kernel/core/boot.h"
#include "kernel/lib/log.h"
#include "lib/string.h"

#define MB1_BOOTLOADER_MAGIC 0x2BADB002
#define MB2_BOOTLOADER_MAGIC 0x36d76289
#define MB1_INFO_CMDLINE (1u << 2)
#define MB1_INFO_MODS (1u << 3)
#define MB1_INFO_MMAP (1u << 6)
#define MB_MEMORY_AVAILABLE 1
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_MODULE 3
#define MB2_TAG_MMAP 6
#define LOW_MEMORY_END 0x100000 /* firmware data below 1 MiB is never handed out */

struct mb1_info {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
} __attribute__((packed));

struct mb1_mmap_entry {
    uint32_t size;
    uint64_t base, length;
    uint32_t type;
} __attribute__((packed));

struct mb_module {
    uint32_t start, end, string, reserved;
} __attribute__((packed));

struct mb2_tag {
    uint32_t type, size;
};

extern char __image_start[], __bss_end[];

static void add_ram(struct boot_params *p, uint64_t base, uint64_t length)
{
    if (p->ram_count < ARCH_MAX_MEM_REGIONS)
        p->ram[p->ram_count++] = (struct mem_region){base, length};
    else
        log_warn("boot: more than %d RAM regions; ignoring %llx+%llx", ARCH_MAX_MEM_REGIONS,
                 (unsigned long long)base, (unsigned long long)length);
}

static void add_module(struct boot_params *p, uint64_t start, uint64_t end, const char *name)
{
    if (p->module_count >= ARCH_MAX_MODULES) {
        log_warn("boot: more than %d modules; ignoring '%s'", ARCH_MAX_MODULES, name);
        return;
    }
    struct boot_module *m = &p->modules[p->module_count++];
    m->paddr = start;
    m->size = end - start;
    strlcpy(m->name, name, sizeof(m->name));
    boot_params_reserve(p, start, end - start);
}

static const char *phys_string(uint64_t paddr)
{
    return paddr ? (const char *)arch_phys_to_virt(paddr) : "";
}

static void parse_mb1(struct boot_params *p, const struct mb1_info *info)
{
    p->loader = "multiboot";
    if (info->flags & MB1_INFO_CMDLINE)
        strlcpy(p->cmdline, phys_string(info->cmdline), sizeof(p->cmdline));
    if (info->flags & MB1_INFO_MMAP) {
        uint64_t at = info->mmap_addr, end = at + info->mmap_length;
        while (at < end) {
            const struct mb1_mmap_entry *e = arch_phys_to_virt(at);
            if (e->type == MB_MEMORY_AVAILABLE)
                add_ram(p, e->base, e->length);
            at += e->size + sizeof(e->size);
        }
    } else {
        add_ram(p, LOW_MEMORY_END, (uint64_t)info->mem_upper * 1024);
    }
    if (info->flags & MB1_INFO_MODS) {
        const struct mb_module *mods = arch_phys_to_virt(info->mods_addr);
        for (uint32_t i = 0; i < info->mods_count; i++)
            add_module(p, mods[i].start, mods[i].end, phys_string(mods[i].string));
    }
}

static void parse_mb2(struct boot_params *p, uint64_t info_phys)
{
    p->loader = "multiboot2";
    uint32_t total = *(const uint32_t *)arch_phys_to_virt(info_phys);
    uint64_t at = info_phys + 8, end = info_phys + total;
    while (at + sizeof(struct mb2_tag) <= end) {
        const struct mb2_tag *tag = arch_phys_to_virt(at);
        if (tag->type == MB2_TAG_END)
            break;
        const uint8_t *body = (const uint8_t *)(tag + 1);
        if (tag->type == MB2_TAG_CMDLINE) {
            strlcpy(p->cmdline, (const char *)body, sizeof(p->cmdline));
        } else if (tag->type == MB2_TAG_MODULE) {
            const uint32_t *m = (const uint32_t *)body;
            add_module(p, m[0], m[1], (const char *)(m + 2));
        } else if (tag->type == MB2_TAG_MMAP) {
            uint32_t entry_size = ((const uint32_t *)body)[0];
            for (uint64_t e = 8; e + entry_size <= tag->size - 8; e += entry_size) {
                const uint8_t *entry = body + e;
                uint64_t base, length;
                memcpy(&base, entry, 8);
                memcpy(&length, entry + 8, 8);
                if (*(const uint32_t *)(entry + 16) == MB_MEMORY_AVAILABLE)
                    add_ram(p, base, length);
            }
        }
        at += (tag->size + 7) & ~7u;
    }
}

bool arch_parse_boot_info(struct boot_params *p, uint32_t magic, uint64_t info_phys)
{
    memset(p, 0, sizeof(*p));
    boot_params_reserve(p, 0, LOW_MEMORY_END);
    boot_params_reserve(p, (uint64_t)__image_start - KERNEL_VMA,
                        (uint64_t)(__bss_end - __image_start));
    if (magic == MB1_BOOTLOADER_MAGIC)
        parse_mb1(p, arch_phys_to_virt(info_phys));
    else if (magic == MB2_BOOTLOADER_MAGIC)
        parse_mb2(p, info_phys);
    else
        return false;
    return true;
}
