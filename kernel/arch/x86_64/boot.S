/*
 * Boot entry: Multiboot 1 and Multiboot 2 headers, 32-bit protected-mode entry,
 * a temporary identity + higher-half mapping of the first GiB, and the jump to
 * 64-bit mode at -2 GiB. Both headers use the address fields, so QEMU's
 * -kernel (which refuses 64-bit ELF otherwise) and GRUB load the same file.
 */
#include "layout.h"

#define PHYS(x) ((x) - KERNEL_VMA)

#define MB1_MAGIC 0x1BADB002
#define MB1_FLAGS ((1 << 0) | (1 << 1) | (1 << 16)) /* page-align modules, memory map, address fields */
#define MB2_MAGIC 0xE85250D6

    .section .multiboot, "a"
    .align 8
mb1_header:
    .long MB1_MAGIC
    .long MB1_FLAGS
    .long -(MB1_MAGIC + MB1_FLAGS)
    .long PHYS(mb1_header)
    .long PHYS(__image_start)
    .long PHYS(__load_end)
    .long PHYS(__bss_end)
    .long PHYS(_start32)

    .align 8
mb2_header:
    .long MB2_MAGIC
    .long 0                              /* architecture: i386 protected mode */
    .long mb2_end - mb2_header
    .long -(MB2_MAGIC + (mb2_end - mb2_header))
    .align 8                             /* address tag */
    .short 2, 0
    .long 24
    .long PHYS(mb2_header)
    .long PHYS(__image_start)
    .long PHYS(__load_end)
    .long PHYS(__bss_end)
    .align 8                             /* entry address tag */
    .short 3, 0
    .long 12
    .long PHYS(_start32)
    .align 8                             /* module alignment tag */
    .short 6, 0
    .long 8
    .align 8                             /* end tag */
    .short 0, 0
    .long 8
mb2_end:

    .section .boot.text, "ax"
    .code32
    .global _start32
_start32:
    cli
    cld
    movl %eax, PHYS(boot_magic)
    movl %ebx, PHYS(boot_info_phys)
    movl $PHYS(boot_stack_top), %esp

    /* Long mode is required; without it there is nothing sensible to do. */
    movl $0x80000000, %eax
    cpuid
    cmpl $0x80000001, %eax
    jb no_long_mode
    movl $0x80000001, %eax
    cpuid
    testl $(1 << 29), %edx
    jz no_long_mode
    movl %edx, PHYS(boot_ext_features)

    /* boot_pd maps the first GiB with 2 MiB pages. */
    movl $PHYS(boot_pd), %edi
    movl $0x83, %eax                     /* present, writable, 2 MiB page */
    movl $512, %ecx
1:  movl %eax, (%edi)
    movl $0, 4(%edi)
    addl $0x200000, %eax
    addl $8, %edi
    loop 1b

    /* The same GiB at 0 (identity, for this code), at the physical map and at -2 GiB. */
    movl $PHYS(boot_pd), %eax
    orl $3, %eax
    movl %eax, PHYS(boot_pdpt_low)
    movl %eax, PHYS(boot_pdpt_high) + 510 * 8
    movl $PHYS(boot_pdpt_low), %eax
    orl $3, %eax
    movl %eax, PHYS(boot_pml4)
    movl %eax, PHYS(boot_pml4) + 256 * 8
    movl $PHYS(boot_pdpt_high), %eax
    orl $3, %eax
    movl %eax, PHYS(boot_pml4) + 511 * 8

    movl %cr4, %eax
    orl $(1 << 5), %eax                  /* PAE */
    movl %eax, %cr4
    movl $PHYS(boot_pml4), %eax
    movl %eax, %cr3

    movl $0xC0000080, %ecx               /* EFER */
    rdmsr
    orl $(1 << 8), %eax                  /* long mode enable */
    testl $(1 << 20), PHYS(boot_ext_features)
    jz 2f
    orl $(1 << 11), %eax                 /* no-execute enable */
2:  wrmsr

    movl %cr0, %eax
    orl $((1 << 31) | (1 << 16)), %eax   /* paging, write-protect in ring 0 */
    movl %eax, %cr0

    lgdt PHYS(boot_gdt_pointer)
    ljmp $SEL_KCODE, $PHYS(start64_low)

no_long_mode:
    /* Say why on COM2 (0x2f8), the kernel log line, and stop. */
    movl $PHYS(no_long_mode_msg), %esi
3:  movb (%esi), %al
    testb %al, %al
    jz 4f
    movw $0x2f8, %dx
    outb %al, %dx
    incl %esi
    jmp 3b
4:  hlt
    jmp 4b

    .code64
start64_low:
    movabsq $start64_high, %rax
    jmp *%rax

    .section .text
start64_high:
    movw $SEL_KDATA, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorw %ax, %ax
    movw %ax, %fs
    movw %ax, %gs
    movabsq $boot_stack_top, %rsp
    xorl %ebp, %ebp                      /* terminates frame-pointer backtraces */
    movl boot_magic(%rip), %edi
    movl boot_info_phys(%rip), %esi
    call kernel_main
5:  cli
    hlt
    jmp 5b

    .section .rodata
no_long_mode_msg:
    .asciz "Bastion: this CPU has no 64-bit long mode; cannot boot.\r\n"

    .align 16
boot_gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF                /* 64-bit kernel code */
    .quad 0x00CF92000000FFFF                /* kernel data */
boot_gdt_end:
boot_gdt_pointer:
    .short boot_gdt_end - boot_gdt - 1
    .long PHYS(boot_gdt)

    .section .data
    .global boot_magic, boot_info_phys
boot_magic:      .long 0
boot_info_phys:  .long 0
boot_ext_features: .long 0

    .section .bss.pagetables, "aw", @nobits
    .align 4096
    .global boot_pml4
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4096

    /*
     * Kernel stacks, each with an unmapped guard page below it (mmu.c leaves
     * every page named *_guard out of the kernel mappings).
     */
    .section .bss.stacks, "aw", @nobits
    .align 4096
    .global boot_stack_guard, boot_stack_top
    .global df_stack_guard, df_stack_top, nmi_stack_guard, nmi_stack_top
boot_stack_guard: .skip 4096
boot_stack:       .skip KSTACK_SIZE
boot_stack_top:
df_stack_guard:   .skip 4096
df_stack:         .skip 8192
df_stack_top:
nmi_stack_guard:  .skip 4096
nmi_stack:        .skip 8192
nmi_stack_top:
