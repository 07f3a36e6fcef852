/* reader_fields.c - the fields of an event record that are more than
 * text: its ts in --ts-unit after --epoch, its --count-field count, its
 * --as-of-field as-of, and the checks of an event (reader_core.c reads the
 * records, reader_impl.h declares these). */
#include <stdio.h>
#include <string.h>

#include "util/err.h"
#include "record/reader_impl.h"

/* The instant before which a number of milliseconds or microseconds is
 * more likely epoch seconds (1971: seconds since 2001 read as ms). */
#define TS_PLAUSIBLE (365 * TL_DAY)
/* Set once the plausibility warning is printed, for every reader. */
static int ts_warned;

/* ts_implausible: --ts-unit ms or us read a number as an instant before
 * 1971: warn once, naming the line (a chunk reader leaves it to the main
 * thread, which meets it in file order). */
static void ts_implausible(struct tl_reader *r, struct tl_str text, struct tl_str iso)
{
	if (__atomic_load_n(&ts_warned, __ATOMIC_RELAXED))
		return;
	if (r->chunk) {
		r->failed = 1;
		return;
	}
	__atomic_store_n(&ts_warned, 1, __ATOMIC_RELAXED);
	char shown[80];
	tl_warn("%s:%ld: warning: ts '%s' in %s is %.*s, before 1971: are these epoch seconds? (--ts-unit)",
		r->src.name, r->rec_line, rd_show(text, shown), r->opt->ts_unit == 1 ? "microseconds" : "milliseconds",
		(int)iso.n, iso.p);
}

/* unit_name: --ts-unit in words, for messages. */
static const char *unit_name(tl_time unit)
{
	return unit == TL_SEC ? "seconds" : unit == 1 ? "microseconds" : unit == TL_DAY ? "days" : "milliseconds";
}

/* rd_parse_ts: the one place a record's ts is read (util/tltime's
 * parser): a number in --ts-unit after --epoch; converted numbers get an
 * ISO text, so documents carry the instant and not the unit. */
const char *rd_parse_ts(struct tl_reader *r, struct event_in *in, char *msg, size_t cap)
{
	const struct tl_common *c = r->opt;
	char shown[80];
	int rc = tl_time_parse_as(in->ts_text.p, in->ts_text.n, c->ts_unit, c->epoch, &in->ts);
	if (rc == 1 && (c->ts_unit != TL_SEC || c->epoch != 0)) {
		struct tl_str text = in->ts_text;
		in->ts_text = (struct tl_str){r->ts_iso, tl_time_format(in->ts, r->ts_iso)};
		in->ts_json = 0;
		if (c->ts_unit < TL_SEC && c->epoch == 0 && in->ts < TS_PLAUSIBLE && in->ts > -TS_PLAUSIBLE)
			ts_implausible(r, text, in->ts_text);
	}
	if (rc == TL_TIME_RANGE) {
		snprintf(msg, cap, "bad timestamp '%s' (outside the years 0000 to 9999 in %s; see --ts-unit)",
			 rd_show(in->ts_text, shown), unit_name(c->ts_unit));
		return msg;
	}
	if (rc < 0) {
		snprintf(msg, cap, "bad timestamp '%s'", rd_show(in->ts_text, shown));
		return msg;
	}
	return NULL;
}

const char *rd_parse_count(struct tl_reader *r, struct event_in *in, struct tl_str text, int json, char *msg,
			   size_t cap)
{
	char shown[80];
	if (json && text.n >= 2 && text.p[0] == '"')
		text = (struct tl_str){text.p + 1, text.n - 2};
	uint64_t n = 0;
	size_t i = 0;
	for (; i < text.n && i < 13 && (unsigned)(text.p[i] - '0') <= 9; i++)
		n = n * 10 + (uint64_t)(text.p[i] - '0');
	if (text.n == 0) {
		snprintf(msg, cap, "field '%s' is empty, not a count (0, 1, 2, ...)", r->opt->count_field);
		return msg;
	}
	if (i != text.n) {
		snprintf(msg, cap, "field '%s' is not a count (0, 1, 2, ...): '%s'", r->opt->count_field,
			 rd_show(text, shown));
		return msg;
	}
	in->count = n;
	return NULL;
}

const char *rd_as_of_value(const struct tl_reader *r, struct tl_str text, int json, tl_time *out, char *msg,
			   size_t cap)
{
	char buf[80], shown[80];
	const char *name = r->opt->as_of_field;
	if (json) {
		struct tl_attr a = {{name, strlen(name)}, text, 1};
		long k = tl_attr_text(&a, buf, sizeof buf);
		text = (struct tl_str){buf, k < 0 ? 0 : (size_t)k};
		if (k < 0) {
			snprintf(msg, cap, "field '%s' is not a time (--as-of-field)", name);
			return msg;
		}
	}
	if (text.n == 0) {
		snprintf(msg, cap, "no as-of: field '%s' is empty (--as-of-field)", name);
		return msg;
	}
	if (tl_time_parse_as(text.p, text.n, r->opt->ts_unit, r->opt->epoch, out) < 0) {
		snprintf(msg, cap, "field '%s' is not a time (--as-of-field): '%s'", name, rd_show(text, shown));
		return msg;
	}
	return NULL;
}

const char *rd_record_as_of(const struct tl_reader *r, const struct record *rec, tl_time *out, char *msg,
			    size_t cap)
{
	struct tl_str v = {"", 0};
	int json = r->shape != TL_SHAPE_EVENT_CSV;
	if (!json)
		v = rec->fields[r->col_as_of];
	if (json && !rd_json_member(rec->raw, r->opt->as_of_field, &v)) {
		snprintf(msg, cap, "no '%s' member (--as-of-field)", r->opt->as_of_field);
		return msg;
	}
	return rd_as_of_value(r, v, json, out, msg, cap);
}

/* rd_learner_as_of: --as-of-field from the row rec that starts a learner,
 * checked before the grouping check remembers it, so that a rejected row
 * leaves the learner to its next row. 0 when it was rejected. */
int rd_learner_as_of(struct tl_reader *r, const struct record *rec, tl_time *out)
{
	char msg[200];
	const char *why = rd_record_as_of(r, rec, out, msg, sizeof msg);
	if (why)
		rd_bad(r, rec->raw.p, rec->raw.n, "%s", why);
	return !why;
}

const char *rd_check_event(struct tl_reader *r, struct event_in *in, struct tl_str action, char *msg, size_t cap)
{
	char shown[80];
	const char *why;
	if (in->ts_text.n == 0)
		return "missing ts";
	if ((why = rd_parse_ts(r, in, msg, cap)))
		return why;
	if ((in->action = parse_action(action)) < 0) {
		snprintf(msg, cap, "unknown action '%s' (valid: interact, use, adopt, or empty)",
			 rd_show(action, shown));
		return msg;
	}
	return NULL;
}

