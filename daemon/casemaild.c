/* casemaild: the daemon (skeleton until the IMAP intake lands, issue 5). */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("usage: casemaild [-c FILE] [--once] [--foreground] [--check-config]\n");
			return 0;
		}
	}
	fprintf(stderr, "casemaild: not implemented yet; use casemailctl inspect\n");
	return 69; /* EX_UNAVAILABLE */
}
