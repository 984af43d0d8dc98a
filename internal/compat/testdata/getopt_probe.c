/* getopt_probe: runs glibc's getopt_long over an argv and prints what it
 * returns, for the compat package's getopt port to be compared with.
 *
 *   getopt_probe OPTSTRING LONGOPTS ARGV0 [ARG...]
 *
 * LONGOPTS is "name=HASARG=VAL,..." (VAL a decimal option value). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	struct option opts[64];
	int n = 0, c, i;
	char *spec = strdup(argv[2]), *tok, *save = NULL;
	const char *optstring = argv[1];

	memset(opts, 0, sizeof(opts));
	for (tok = strtok_r(spec, ",", &save); tok && n < 63; tok = strtok_r(NULL, ",", &save)) {
		char *a = strchr(tok, '='), *b;
		*a++ = '\0';
		b = strchr(a, '=');
		*b++ = '\0';
		opts[n].name = tok;
		opts[n].has_arg = atoi(a);
		opts[n].val = atoi(b);
		n++;
	}
	argc -= 3;
	argv += 3;
	while ((c = getopt_long(argc, argv, optstring, opts, NULL)) != -1)
		printf("opt=%d arg=%s\n", c, optarg ? optarg : "<null>");
	printf("end optind=%d\n", optind);
	for (i = 0; i < argc; i++)
		printf("argv[%d]=%s\n", i, argv[i]);
	return 0;
}
