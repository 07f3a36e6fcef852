/* options.c - tl-loadgen's configuration: the defaults, the parsers of
 * --mix, --arm-split and -f, and the cross-option checks. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "loadgen/loadgen.h"
#include "util/tltime.h"

void tl_lg_config_init(struct tl_lg_config *c)
{
	static const double mix[TL_LG_NARCH] = {0.15, 0.25, 0.15, 0.20, 0.25};
	memset(c, 0, sizeof *c);
	c->learners = TL_LG_DEFAULT_LEARNERS;
	c->seed = TL_LG_DEFAULT_SEED;
	tl_time_parse(TL_LG_DEFAULT_START, sizeof TL_LG_DEFAULT_START - 1, &c->start);
	tl_time_parse(TL_LG_DEFAULT_END, sizeof TL_LG_DEFAULT_END - 1, &c->end);
	c->horizon = TL_LG_DEFAULT_HORIZON_DAYS * TL_DAY;
	c->domains = TL_LG_DEFAULT_DOMAINS;
	c->capabilities = TL_LG_DEFAULT_CAPABILITIES;
	memcpy(c->mix, mix, sizeof mix);
	c->control_share = 0.5;
	c->outcome_sd = TL_LG_DEFAULT_OUTCOME_SD;
	c->format = TL_LG_CSV;
}

/* Parse a whole number or decimal into *v; returns 0, or -1. */
static int parse_number(const char *s, double *v)
{
	char *end;
	errno = 0;
	*v = strtod(s, &end);
	return end == s || *end || errno || !isfinite(*v) ? -1 : 0;
}

void tl_lg_parse_mix(struct tl_lg_config *c, const char *arg)
{
	double mix[TL_LG_NARCH] = {0};
	int seen[TL_LG_NARCH] = {0};
	char *copy = tl_xstrdup(arg), *save = NULL, *item;
	for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		int a = 0;
		if (eq)
			*eq = '\0';
		while (a < TL_LG_NARCH && strcmp(item, tl_lg_arch_name(a)) != 0)
			a++;
		if (!eq || a == TL_LG_NARCH)
			tl_usage_error("--mix wants archetype=share pairs of fast_learner, specialist, "
				       "power_user, long_term_retainer, generalist: '%s'", item);
		if (seen[a]++)
			tl_usage_error("--mix: '%s' given twice", item);
		if (parse_number(eq + 1, &mix[a]) < 0 || mix[a] < 0 || mix[a] > 1)
			tl_usage_error("--mix: %s: share is not a number in [0, 1]: '%s'", item, eq + 1);
	}
	free(copy);
	double sum = 0;
	for (int a = 0; a < TL_LG_NARCH; a++)
		sum += mix[a];
	if (fabs(sum - 1.0) > 1e-9)
		tl_usage_error("--mix: shares sum to %.10g, not 1: '%s'", sum, arg);
	memcpy(c->mix, mix, sizeof mix);
}

void tl_lg_parse_arm_split(struct tl_lg_config *c, const char *arg)
{
	char *copy = tl_xstrdup(arg), *colon = strchr(copy, ':');
	double a, b;
	if (!colon)
		tl_usage_error("--arm-split wants CONTROL:TREATMENT weights, e.g. 50:50: '%s'", arg);
	*colon = '\0';
	if (parse_number(copy, &a) < 0 || parse_number(colon + 1, &b) < 0 || a < 0 || b < 0 ||
	    a + b <= 0)
		tl_usage_error("--arm-split wants two non-negative weights, not both 0: '%s'", arg);
	free(copy);
	c->arms = 1;
	c->control_share = a / (a + b);
}

void tl_lg_parse_format(struct tl_lg_config *c, const char *arg)
{
	if (strcmp(arg, "csv") == 0)
		c->format = TL_LG_CSV;
	else if (strcmp(arg, "ndjson") == 0)
		c->format = TL_LG_NDJSON;
	else if (strcmp(arg, "learners") == 0)
		c->format = TL_LG_LEARNERS;
	else
		tl_usage_error("-o wants csv, ndjson or learners, not '%s'", arg);
}

void tl_lg_parse_profile(struct tl_lg_config *c, const char *arg)
{
	if (strcmp(arg, "default") == 0)
		c->profile = TL_LG_PROFILE_DEFAULT;
	else if (strcmp(arg, "mooc") == 0)
		c->profile = TL_LG_PROFILE_MOOC;
	else
		tl_usage_error("--profile wants default or mooc, not '%s'", arg);
}

void tl_lg_config_check(const struct tl_lg_config *c)
{
	const tl_time lo = -62167219200LL * TL_SEC;  /* 0000-01-01 */
	const tl_time hi = 253402300799LL * TL_SEC;  /* 9999-12-31T23:59:59 */
	if (c->end <= c->start)
		tl_usage_error("--end must be later than --start");
	if (c->start < lo || c->end > hi || c->horizon > hi - c->end)
		tl_usage_error("--start, --end and --end + --horizon must lie in years 0000-9999");
	if (c->capabilities < c->domains)
		tl_usage_error("--capabilities (%ld) must be at least --domains (%d)",
			       c->capabilities, c->domains);
	if (c->effect != 0 && !c->arms && !c->assignment)
		tl_usage_error("--effect needs --arm-split or --assignment");
	if (c->churn_effect != 0 && !c->assignment)
		tl_usage_error("--churn-effect needs --assignment");
	if (c->assignment && (c->arms || c->outcome || c->truth))
		tl_usage_error("--assignment writes outcomes for the arms it reads: not with --arm-split, --outcome or --truth");
}
