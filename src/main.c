/*
 * main — argv → command; nothing else.
 */
#include "cli/cli.h"

int
main(int argc, char **argv)
{
	return claw_cli_main(argc, argv);
}
