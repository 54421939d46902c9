/*
 * Per-thread FPU/SIMD state: x87, MMX, SSE and, where present, AVX.
 *
 * Every TCB holds a save area (struct arch_fpu_state). At boot the CPU is set
 * up for user floating point (CR0.MP/NE, CR4.OSFXSR/OSXMMEXCPT, and
 * CR4.OSXSAVE with XCR0 = x87|SSE[|AVX] where XSAVE exists) and one of two
 * ways to save it is chosen: XSAVE/XRSTOR, or FXSAVE/FXRSTOR on a CPU
 * without XSAVE. The kernel itself is built without FP and never touches
 * these registers except to save and restore them here.
 *
 * Switching: the registers belong to one thread, the CPU's FPU owner. When
 * another thread becomes current, the owner's registers are saved into its
 * TCB and the new thread's are loaded; switching back to the owner (or to
 * idle and back) costs nothing. A TCB that dies stops being the owner
 * (arch_fpu_release), so its memory, which may be retyped into anything, is
 * never written again; the registers it leaves behind are overwritten by the
 * next thread's restore before any user code runs.
 */
#include "cpu.h"
#include "kernel/arch/arch.h"
#include "kernel/core/kernel.h"
#include "kernel/lib/log.h"
#include "kernel/object/tcb.h"
#include "lib/string.h"

#define CR0_MP (1ull << 1) /* WAIT/FWAIT honours TS */
#define CR0_EM (1ull << 2) /* x87 emulation: must be off */
#define CR0_TS (1ull << 3) /* task switched: lazy switching is not used */
#define CR0_NE (1ull << 5) /* x87 errors as #MF, not through the PIC */
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_OSXSAVE (1ull << 18)

#define CPUID1_EDX_FXSR (1u << 24)
#define CPUID1_ECX_XSAVE (1u << 26)
#define CPUID1_ECX_AVX (1u << 28)
#define CPUID_XSTATE 0xd

#define XSTATE_X87 (1ull << 0)
#define XSTATE_SSE (1ull << 1)
#define XSTATE_AVX (1ull << 2)

/* The legacy (FXSAVE) region, SDM vol. 1, 10.5.1: what the initial state needs. */
#define FXSAVE_FCW 0
#define FXSAVE_MXCSR 24
#define FCW_INIT 0x037f   /* all x87 exceptions masked, 64-bit precision, round to nearest */
#define MXCSR_INIT 0x1f80 /* all SIMD exceptions masked, round to nearest */

_Static_assert(ARCH_FPU_AREA_SIZE >= 512 + 64, "the area holds at least the legacy region and the XSAVE header");
_Static_assert(_Alignof(struct arch_fpu_state) >= 64, "XSAVE needs a 64-byte aligned area");

static bool use_xsave;
static uint64_t xsave_mask; /* XCR0: the components saved and restored */


static inline void xsetbv(uint32_t reg, uint64_t value)
{
    __asm__ volatile("xsetbv" ::"c"(reg), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
}

/* AVX only if the CPU has it and its standard-format slot fits the area. */
static uint64_t choose_xsave_mask(void)
{
    uint32_t r[4];
    uint64_t mask = XSTATE_X87 | XSTATE_SSE;
    cpuid(1, 0, r);
    bool avx = r[2] & CPUID1_ECX_AVX;
    cpuid(CPUID_XSTATE, 0, r);
    uint64_t supported = r[0] | (uint64_t)r[3] << 32;
    if (avx && (supported & XSTATE_AVX)) {
        cpuid(CPUID_XSTATE, 2, r); /* eax: size, ebx: offset of the AVX component */
        if ((uint64_t)r[0] + r[1] <= ARCH_FPU_AREA_SIZE)
            mask |= XSTATE_AVX;
    }
    return mask;
}

/* Bytes XSAVE writes for the components now enabled in XCR0. */
static uint32_t xsave_size_in_use(void)
{
    uint32_t r[4];
    cpuid(CPUID_XSTATE, 0, r);
    return r[1];
}

void fpu_boot_init(void)
{
    uint32_t r[4];
    cpuid(1, 0, r);
    if (!(r[3] & CPUID1_EDX_FXSR))
        kernel_panic_here("cpu: no FXSAVE: this CPU cannot keep threads' FPU state apart");
    write_cr0((read_cr0() | CR0_MP | CR0_NE) & ~(CR0_EM | CR0_TS));
    uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
    use_xsave = r[2] & CPUID1_ECX_XSAVE;
    if (use_xsave)
        cr4 |= CR4_OSXSAVE;
    write_cr4(cr4);
    if (use_xsave) {
        xsave_mask = choose_xsave_mask();
        xsetbv(0, xsave_mask);
        if (xsave_size_in_use() > ARCH_FPU_AREA_SIZE) { /* cannot happen for x87|SSE (576 bytes) */
            xsave_mask = XSTATE_X87 | XSTATE_SSE;
            xsetbv(0, xsave_mask);
        }
    }
    uint32_t mxcsr = MXCSR_INIT;
    __asm__ volatile("fninit\n ldmxcsr %0" ::"m"(mxcsr));
    log_info("cpu: per-thread FPU state with %s (x87, SSE%s), %u bytes", use_xsave ? "XSAVE" : "FXSAVE",
             (xsave_mask & XSTATE_AVX) ? ", AVX" : "",
             use_xsave ? xsave_size_in_use() : 512u);
}

static void fpu_save(struct arch_fpu_state *s)
{
    if (use_xsave)
        __asm__ volatile("xsave64 %0" : "+m"(*s) : "a"((uint32_t)xsave_mask), "d"((uint32_t)(xsave_mask >> 32)));
    else
        __asm__ volatile("fxsave64 %0" : "=m"(*s));
}

static void fpu_restore(const struct arch_fpu_state *s)
{
    if (use_xsave)
        __asm__ volatile("xrstor64 %0" ::"m"(*s), "a"((uint32_t)xsave_mask), "d"((uint32_t)(xsave_mask >> 32)));
    else
        __asm__ volatile("fxrstor64 %0" ::"m"(*s));
}

/*
 * The architectural initial state, valid for both XRSTOR and FXRSTOR: an
 * all-zero image would load FCW 0 and MXCSR 0 (every exception unmasked).
 * XSTATE_BV stays 0, so XRSTOR puts every component in its init state and
 * takes only MXCSR from the image.
 */
void arch_fpu_reset(struct tcb *tcb)
{
    arch_fpu_release(tcb); /* the registers may hold its old state: load the new one on the next switch */
    memset(&tcb->fpu, 0, sizeof(tcb->fpu));
    uint16_t fcw = FCW_INIT;
    uint32_t mxcsr = MXCSR_INIT;
    memcpy(&tcb->fpu.bytes[FXSAVE_FCW], &fcw, sizeof(fcw));
    memcpy(&tcb->fpu.bytes[FXSAVE_MXCSR], &mxcsr, sizeof(mxcsr));
}

/* One CPU today; with several, every CPU's owner would be checked here. */
void arch_fpu_release(struct tcb *tcb)
{
    struct percpu *cpu = this_cpu();
    if (cpu->fpu_owner == tcb)
        cpu->fpu_owner = 0;
}

/* Called on every switch (arch_set_current): next's state goes into the registers. */
void fpu_switch_to(struct tcb *next)
{
    struct percpu *cpu = this_cpu();
    if (!next || next == cpu->fpu_owner)
        return; /* idle runs no user code: the owner's state can stay in the registers */
    if (cpu->fpu_owner)
        fpu_save(&cpu->fpu_owner->fpu);
    fpu_restore(&next->fpu);
    cpu->fpu_owner = next;
}
