#include <stdio.h>
int
main(void)
{
	puts("claw");
	return 0;
}
