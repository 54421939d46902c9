/* The interrupt descriptor table: every vector has a stub (entry.S). */
#include "cpu.h"

#define IDT_ENTRIES 256
#define IDT_GATE_INTERRUPT 0x8e /* present, ring 0, 64-bit interrupt gate (IF cleared) */
#define VECTOR_NMI 2
#define VECTOR_DOUBLE_FAULT 8
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2

struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate layout");

extern const uint64_t isr_stub_table[IDT_ENTRIES];
static struct idt_gate idt[IDT_ENTRIES] RO_AFTER_BOOT; /* read-only once mmu.c has the final page tables */

static void idt_set(unsigned vector, uint64_t handler, uint8_t ist)
{
    idt[vector] = (struct idt_gate){
        .offset_low = handler & 0xffff,
        .selector = SEL_KCODE,
        .ist = ist,
        .type = IDT_GATE_INTERRUPT,
        .offset_mid = (handler >> 16) & 0xffff,
        .offset_high = handler >> 32,
    };
}

void idt_init(void)
{
    for (unsigned v = 0; v < IDT_ENTRIES; v++)
        idt_set(v, isr_stub_table[v], 0);
    idt[VECTOR_DOUBLE_FAULT].ist = IST_DOUBLE_FAULT;
    idt[VECTOR_NMI].ist = IST_NMI;
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) pointer = {sizeof(idt) - 1, (uint64_t)idt};
    __asm__ volatile("lidt %0" ::"m"(pointer));
}
