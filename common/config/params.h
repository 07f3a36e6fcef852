/* params.h - the few algorithm parameters the metric tools read from a
 * rule config (tl-score(1)): M of DESIGN §6.2 and the churn weights of
 * §6.3. The metric tools need these, not the rule engine (config/score.h). */
#ifndef TL_PARAMS_H
#define TL_PARAMS_H

struct tl_algo_params {
	long domains;             /* M of §6.2 */
	double churn_retention;   /* churn weight of retention_strength (§6.3) */
	double churn_momentum;    /* churn weight of velocity_momentum */
};

/* tl_algo_params_load: the parameters of the config at path, or of the
 * built-in v2 when path is NULL; a bad config is fatal (exit 65), with the
 * same message as tl-score's. */
void tl_algo_params_load(const char *path, struct tl_algo_params *p);

#endif
