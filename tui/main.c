/*
 * tui/main.c - heaptop's command line: parsing the options, refusing the
 * combinations that make no sense with a message that says what to type
 * instead, and handing over to the mode (run.c, listing.c).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "config.h"

enum { OPT_CLEAN = 256, OPT_SNAPSHOT, OPT_FORMAT, OPT_SNAPDIR, OPT_ASCII, OPT_LIB, OPT_OUTPUT,
       OPT_VERSION };

static const struct option long_opts[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "list", no_argument, NULL, 'l' },
	{ "clean", no_argument, NULL, OPT_CLEAN },
	{ "snapshot", no_argument, NULL, OPT_SNAPSHOT },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "snapshot-file", required_argument, NULL, 'o' },
	{ "delay", required_argument, NULL, 'd' },
	{ "snapshot-dir", required_argument, NULL, OPT_SNAPDIR },
	{ "ascii", no_argument, NULL, OPT_ASCII },
	{ "lib", required_argument, NULL, OPT_LIB },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: heaptop [options] -- CMD [ARGS]   run CMD and watch its heap live\n"
		"       heaptop [options] -p PID          watch a process started under heaptop\n"
		"       heaptop                           watch your only traced process, or list them\n"
		"       heaptop -l [--clean]              list traced processes (--clean: remove stale segments)\n"
		"\n"
		"options:\n"
		"  --snapshot             no live view: write one snapshot and exit (with -- CMD:\n"
		"                         run CMD to completion and exit with its status)\n"
		"  --format text|json     snapshot format (default text)\n"
		"  -o, --snapshot-file F  write the snapshot to F (default: standard output)\n"
		"  -d, --delay SECONDS    refresh interval of the live view (default 1)\n"
		"  --snapshot-dir DIR     where the live view's `s` key saves snapshots (default .)\n"
		"  --ascii                draw with ASCII only\n"
		"  --lib PATH             the libheaptop.so to preload (default: found next to heaptop)\n"
		"  --output FILE          where CMD's stdout and stderr go (live view default:\n"
		"                         ./heaptop-<pid>.out; with --snapshot: the terminal)\n"
		"  -h, --help             this help\n"
		"  --version              heaptop's version\n");
}

/* "heaptop: <what> '<arg>': <hint> (see heaptop --help)"; arg and hint optional. */
static int usage_error(const char *what, const char *arg, const char *hint)
{
	fprintf(stderr, "heaptop: %s", what);
	if (arg)
		fprintf(stderr, " '%s'", arg);
	if (hint)
		fprintf(stderr, ": %s", hint);
	fprintf(stderr, " (see heaptop --help)\n");
	return EXIT_USAGE;
}

static int parse_pid(const char *s, pid_t *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0 || v > INT_MAX)
		return -1;
	*out = (pid_t)v;
	return 0;
}

static int parse_delay(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < 0.05 || v > 3600)
		return -1;
	*out = v;
	return 0;
}

/* One option into c; 0, or the exit code of a usage error. */
static int take_option(struct cli *c, int opt, const char *arg, const char *spelled)
{
	switch (opt) {
	case 'p':
		return parse_pid(arg, &c->pid) ? usage_error("invalid pid", arg, "expected a positive number") : 0;
	case 'l': c->list = 1; return 0;
	case OPT_CLEAN: c->clean = 1; return 0;
	case OPT_SNAPSHOT: c->snapshot = 1; return 0;
	case OPT_FORMAT:
		if (strcmp(arg, "text") == 0)
			c->format = CLI_TEXT;
		else if (strcmp(arg, "json") == 0)
			c->format = CLI_JSON;
		else
			return usage_error("unknown snapshot format", arg, "expected text or json");
		return 0;
	case 'o': c->snap_file = arg; return 0;
	case 'd':
		return parse_delay(arg, &c->view.delay_s)
			? usage_error("invalid delay", arg, "expected seconds between 0.05 and 3600") : 0;
	case OPT_SNAPDIR: c->view.snapshot_dir = arg; return 0;
	case OPT_ASCII: c->view.ascii = 1; return 0;
	case OPT_LIB: c->lib = arg; return 0;
	case OPT_OUTPUT: c->output = arg; return 0;
	case ':': return usage_error("option needs a value:", spelled, NULL);
	default: return usage_error("unknown option", spelled, NULL);
	}
}

/* Combinations that cannot mean anything; 0, or the usage exit code. */
static int check_combination(const struct cli *c)
{
	if (c->pid && c->cmd)
		return usage_error("give either -p PID or -- CMD, not both", NULL, NULL);
	if ((c->list || c->clean) && (c->pid || c->cmd || c->snapshot))
		return usage_error("-l and --clean take no pid, command or --snapshot", NULL, NULL);
	if ((c->snap_file || c->format != CLI_TEXT) && !c->snapshot)
		return usage_error("-o and --format only apply with --snapshot", NULL, NULL);
	if ((c->lib || c->output) && !c->cmd)
		return usage_error("--lib and --output only apply when heaptop starts the program (-- CMD)", NULL, NULL);
	return 0;
}

/* Parses argv into c; 0, -1 after --help/--version, or a usage exit code. */
static int parse(int argc, char **argv, struct cli *c)
{
	int opt, rc;

	opterr = 0; /* our messages, not getopt's */
	while ((opt = getopt_long(argc, argv, "+:p:lo:d:h", long_opts, NULL)) != -1) {
		const char *spelled = optopt && optopt < 256 ? (char[]){ '-', (char)optopt, 0 } : argv[optind - 1];
		if (opt == 'h') {
			usage(stdout);
			return -1;
		}
		if (opt == OPT_VERSION) {
			printf("heaptop %s\n", PACKAGE_VERSION);
			return -1;
		}
		if ((rc = take_option(c, opt, optarg, spelled)) != 0)
			return rc;
	}
	if (optind < argc)
		c->cmd = argv + optind;
	return check_combination(c);
}

int main(int argc, char **argv)
{
	struct cli c = { 0 };
	int rc;

	c.view.delay_s = 1.0;
	c.view.snapshot_dir = ".";
	rc = parse(argc, argv, &c);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (c.list || c.clean)
		return listing_run(&c);
	if (c.cmd)
		return run_launch(&c);
	if (c.pid)
		return run_attach(&c);
	return listing_attach_only(&c);
}
