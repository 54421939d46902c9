/* The default root task. For now it introduces itself; later it builds the system. */
#include "user/lib/bastion.h"

int main(void)
{
    bst_printf("\nBastion root task: hello from user mode (ring 3)\n");
    bst_printf("root task: %llu KiB RAM, %llu KiB free, timer at %llu Hz, %llu boot modules\n",
               (unsigned long long)(bst_bootinfo->total_ram_bytes >> 10),
               (unsigned long long)(bst_bootinfo->free_ram_bytes >> 10),
               (unsigned long long)bst_bootinfo->timer_hz,
               (unsigned long long)bst_bootinfo->module_count);
    bst_printf("root task: nothing more to do yet; powering off\n");
    return 0;
}
