/* fuzz_sidefiles.c - libFuzzer harness for the JSON side files: a tl-score
 * config and a tl-model file are accepted or refused with a message, and
 * never crash, leak or hang (the strict scan, the duplicate checks, the
 * UTF-8 check, cJSON and every member check on hostile text). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/score.h"
#include "metrics/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	struct tl_score_config cfg;
	err[0] = '\0';
	if (tl_score_config_parse((const char *)data, size, &cfg, err, sizeof err) == 0)
		tl_score_config_free(&cfg);
	else if (!err[0])
		abort();   /* a refusal always says why */
	struct tl_model m;
	err[0] = '\0';
	if (tl_model_read(&m, (const char *)data, size, err, sizeof err) < 0 && !err[0])
		abort();
	tl_model_free(&m);
	return 0;
}
