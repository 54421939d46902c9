/*
 * The default root task. It starts the COM1 console driver from its boot
 * module "uart.elf", gives itself an endpoint to it, and from then on prints
 * through the driver (the kernel debug line only if that fails).
 */
#include <bastion/console.h>
#include <bastion/device.h>
#include "user/lib/bastion.h"
#include "user/lib/device.h"
#include "user/lib/process.h"
#include "lib/string.h"

#define DEPTH 64
#define UART_MODULE "uart.elf"
#define UART_PRIORITY 128     /* the root task's own (its most): no client outranks the driver */
#define UART_UNTYPED_BITS 20  /* 1 MiB: the driver's image, stack, tables and kernel objects */
#define UART_SLOTS 256        /* root CNode slots the driver's caps may take */
#define READ_LINE_FLAG "init.read-line"

/* Root CNode slots, from the first empty one up. */
struct layout {
    bst_cptr_t untyped, endpoint, ioport, irq, notification, process_slots;
};

static struct bst_process uart;


static uint64_t make(const struct layout *l, uint64_t type, bst_cptr_t slot)
{
    return bst_untyped_retype(l->untyped, type, 0, BST_CAP_ROOT_CNODE, 0, 0, slot, 1);
}

/* The driver's kernel objects: memory, its endpoint, COM1's ports and IRQ line with a notification. */
static uint64_t make_device_caps(const struct layout *l)
{
    uint64_t e = bst_untyped_retype(bst_largest_boot_untyped(), BST_OBJ_UNTYPED, UART_UNTYPED_BITS, BST_CAP_ROOT_CNODE,
                                    0, 0, l->untyped, 1);
    if (e == BST_OK)
        e = make(l, BST_OBJ_ENDPOINT, l->endpoint);
    if (e == BST_OK)
        e = bst_ioport_control_issue(BST_CAP_IOPORT_CONTROL, BST_UART_FIRST_PORT, BST_UART_LAST_PORT,
                                     BST_CAP_ROOT_CNODE, l->ioport, DEPTH);
    if (e != BST_OK)
        return e;
    /* Without its IRQ the driver polls: worse, but the console still works. */
    if (bst_irq_control_get(BST_CAP_IRQ_CONTROL, BST_UART_IRQ, BST_CAP_ROOT_CNODE, l->irq, DEPTH) != BST_OK ||
        make(l, BST_OBJ_NOTIFICATION, l->notification) != BST_OK)
        bst_printf("root task: no IRQ %u for the console driver; it will poll\n", BST_UART_IRQ);
    return BST_OK;
}

static uint64_t spawn_uart(const struct layout *l, const struct bst_boot_module *m)
{
    const struct bst_spawn_cap caps[] = {
        {l->endpoint, BST_UART_CAP_SERVICE, BST_RIGHT_READ},
        {l->ioport, BST_UART_CAP_IOPORT, BST_RIGHTS_ALL},
        {l->irq, BST_UART_CAP_IRQ, BST_RIGHTS_ALL},
        {l->notification, BST_UART_CAP_NOTIFICATION, BST_RIGHTS_ALL},
    };
    const struct bst_spawn params = {
        .image = (const void *)m->user_addr, .image_size = m->size,
        .untyped = l->untyped, .asid_pool = BST_CAP_ROOT_ASID_POOL, .cnode = BST_CAP_ROOT_CNODE,
        .first_slot = l->process_slots, .slot_count = UART_SLOTS,
        .vspace = BST_CAP_ROOT_VSPACE, .scratch_vaddr = BST_SPAWN_ROOT_SCRATCH,
        .authority = BST_CAP_ROOT_TCB, .priority = UART_PRIORITY,
        .caps = caps, .cap_count = sizeof(caps) / sizeof(caps[0]),
    };
    uint64_t e = bst_process_spawn(&params, &uart);
    if (e != BST_OK)
        bst_printf("root task: spawning %s failed: %s (%s)\n", UART_MODULE, bst_error_name(e), uart.why);
    return e;
}

/* Our own console cap: Write is all a Call needs (the answer carries no caps). */
static uint64_t attach_console(const struct layout *l)
{
    uint64_t e = bst_cnode_copy(BST_CAP_ROOT_CNODE, BST_CAP_CONSOLE, DEPTH, BST_CAP_ROOT_CNODE, l->endpoint, DEPTH,
                                BST_RIGHT_WRITE);
    if (e == BST_OK)
        bst_console_set(BST_CAP_CONSOLE);
    return e;
}

static uint64_t start_console(void)
{
    const struct bst_boot_module *m = bst_boot_module(UART_MODULE);
    if (!m) {
        bst_printf("root task: no boot module %s: printing on the kernel debug line\n", UART_MODULE);
        return BST_E_INVALID_ARG;
    }
    bst_cptr_t first = bst_bootinfo->empty_first_slot;
    struct layout l = {first, first + 1, first + 2, first + 3, first + 4, first + 5};
    uint64_t e = make_device_caps(&l);
    if (e == BST_OK)
        e = spawn_uart(&l, m);
    if (e == BST_OK)
        e = attach_console(&l);
    return e;
}

/* Proof for tests/target that text reached the serial line through the driver, not the kernel. */
static void console_check(void)
{
    static const char marker[] = "root task: this line came through the console driver\n";
    uint64_t e = bst_console_get() ? bst_console_write(marker, sizeof(marker) - 1) : BST_E_NOT_SUPPORTED;
    if (e != BST_OK)
        bst_printf("root task: no console driver (%s): using the kernel debug line\n", bst_error_name(e));
}

static void echo_one_line(void)
{
    char text[128];
    size_t n = 0;
    bst_printf("root task: type a line: ");
    uint64_t e = bst_console_read_line(text, sizeof(text), &n);
    if (e == BST_OK)
        bst_printf("root task: read %u bytes: '%s'\n", (unsigned)n, text);
    else
        bst_printf("root task: reading a line failed: %s\n", bst_error_name(e));
}

int main(void)
{
    start_console();
    bst_printf("\nBastion root task: hello from user mode (ring 3)\n");
    console_check();
    bst_printf("root task: %llu KiB RAM, %llu KiB free, timer at %llu Hz, %llu boot modules\n",
               (unsigned long long)(bst_bootinfo->total_ram_bytes >> 10),
               (unsigned long long)(bst_bootinfo->free_ram_bytes >> 10),
               (unsigned long long)bst_bootinfo->timer_hz,
               (unsigned long long)bst_bootinfo->module_count);
    if (strstr_bounded(bst_bootinfo->cmdline, READ_LINE_FLAG))
        echo_one_line();
    bst_printf("root task: nothing more to do yet; powering off\n");
    return 0;
}
