/* params.c - the metric tools' view of a rule config. */
#include "config/params.h"
#include "config/score.h"

void tl_algo_params_load(const char *path, struct tl_algo_params *p)
{
	struct tl_score_config cfg;
	tl_score_config_load(path, &cfg);
	*p = (struct tl_algo_params){cfg.domains, cfg.churn_retention, cfg.churn_momentum};
	tl_score_config_free(&cfg);
}
