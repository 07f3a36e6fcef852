/* test_shard.c - the shard hash against the vectors of tl(7) SHARDS
 * (computed by testdata/ref/shard.py, not by this code; tests/shard.bats
 * checks that the page's table is the reference's), and --shard's I/N. */
#include <stdint.h>
#include <string.h>

#include "util/shard.h"
#include "unit.h"

static const struct { const char *id; uint64_t hash; unsigned mod7; } vectors[] = {
	{"L1", 0xb102fdfc9cef59b1ULL, 3},
	{"L0000001", 0x476496585e898f4cULL, 1},
	{"L0000002", 0xd13144910fafdf86ULL, 3},
	{"learner-42", 0x4418e253b3f1cc6fULL, 1},
	{"40", 0x869813bf15c5f2bfULL, 5},
	{"u1", 0x715fdd7b59a9a19fULL, 2},
	{"\xc5\x81ucja", 0x94c247462b3c906eULL, 6},
};

static void test_vectors(void)
{
	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		const char *id = vectors[i].id;
		CHECK(tl_shard_hash(id, strlen(id)) == vectors[i].hash);
		CHECK_EQ(tl_shard_of(id, strlen(id), 7), vectors[i].mod7);
		struct tl_shard s = {vectors[i].mod7, 7}, other = {(vectors[i].mod7 + 1) % 7, 7}, none = {0, 0};
		CHECK(tl_shard_keeps(&s, id, strlen(id)));
		CHECK(!tl_shard_keeps(&other, id, strlen(id)));
		CHECK(tl_shard_keeps(&none, id, strlen(id)));
	}
	/* every byte counts: a prefix and the id with a NUL differ */
	CHECK(tl_shard_hash("L1", 1) != tl_shard_hash("L1", 2));
	CHECK(tl_shard_hash("L1\0", 3) != tl_shard_hash("L1", 2));
}

static void test_parse(void)
{
	struct tl_shard s = {9, 9};
	CHECK_EQ(tl_shard_parse("0/1", TL_SHARD_MAX, &s), 0);
	CHECK(s.i == 0 && s.n == 1);
	CHECK_EQ(tl_shard_parse("6/7", TL_SHARD_MAX, &s), 0);
	CHECK(s.i == 6 && s.n == 7);
	CHECK_EQ(tl_shard_parse("4294967294/4294967295", TL_SHARD_MAX, &s), 0);
	CHECK(s.i == 4294967294ULL && s.n == 4294967295ULL);
	static const char *const bad[] = {"", "1", "/", "0/", "/1", "1/1", "2/1", "0/0", "-1/3", "+1/3",
					  "1 /3", "1/3 ", " 1/3", "1/3/4", "1.0/3", "0x1/3", "1/4294967296",
					  "99999999999999999999/3", "a/b"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		s = (struct tl_shard){7, 7};
		CHECK_EQ(tl_shard_parse(bad[i], TL_SHARD_MAX, &s), -1);
		CHECK(s.i == 7 && s.n == 7);   /* untouched */
	}
	CHECK_EQ(tl_shard_parse("3/8", 8, &s), 0);
	CHECK_EQ(tl_shard_parse("3/9", 8, &s), -1);
}

/* The learners of a stats block (tl(7) STATS FILES): the values python3
 * gives for mix64(FNV-1a-64 from the basis xor the salt), summed; the
 * order and a split into shards do not change the sum. */
static void test_learner_set(void)
{
	struct tl_learner_set a = {0}, b = {0}, c = {0};
	tl_learner_set_add(&a, "L1", 2);
	CHECK(a.count == 1 && a.fp == 0x7b0c76d4cd7b8a09ULL);
	tl_learner_set_add(&a, "L2", 2);
	tl_learner_set_add(&a, "L3", 2);
	CHECK(a.count == 3 && a.fp == 0x78c7bfb0ec35faf7ULL);
	tl_learner_set_add(&b, "L3", 2);
	tl_learner_set_add(&b, "L1", 2);
	tl_learner_set_add(&c, "L2", 2);
	tl_learner_set_join(&b, &c);
	CHECK(b.count == a.count && b.fp == a.fp);
}

int main(void)
{
	test_vectors();
	test_parse();
	test_learner_set();
	return UNIT_DONE();
}
