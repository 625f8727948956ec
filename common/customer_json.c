/*
 * customer_json: entity serialisation. Key order is the wire contract, so
 * each object is written field by field rather than from a generic map.
 */
#include "common/customer_json.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/envelope.h"
#include "common/json.h"
#include "common/log.h"

void customer_json_time(struct buf *b, const char *ts)
{
	if (!ts) {
		buf_add(b, "null", 4);
		return;
	}
	/* "YYYY-MM-DD HH:MM:SS[.fff...]" -> "YYYY-MM-DDTHH:MM:SS.fffZ", truncated to ms */
	char out[32];
	size_t n = strlen(ts);
	if (n < 19) {
		json_w_strz(b, ts);
		return;
	}
	memcpy(out, ts, 19);
	out[10] = 'T';
	out[19] = '.';
	for (int i = 0; i < 3; i++)
		out[20 + i] = (n > 20 + (size_t)i && ts[19] == '.') ? ts[20 + i] : '0';
	out[23] = 'Z';
	buf_addc(b, '"');
	buf_add(b, out, 24);
	buf_addc(b, '"');
}

static void digits(char *p, unsigned v, int n)
{
	while (n--) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* 9999-12-31 23:59:59.999 UTC: the last instant a DATETIME(3) holds */
#define DB_TIME_MAX_MS 253402300799999LL

void customer_db_time(long long ms, char out[24])
{
	/* clamped to what DATETIME holds: gmtime_r fails (and leaves tm unset) far beyond it */
	if (ms < 0)
		ms = 0;
	if (ms > DB_TIME_MAX_MS)
		ms = DB_TIME_MAX_MS;
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&s, &tm);
	/* "YYYY-MM-DD HH:MM:SS.mmm" */
	memcpy(out, "0000-00-00 00:00:00.000", 24);
	digits(out, (unsigned)(tm.tm_year + 1900) % 10000, 4);
	digits(out + 5, (unsigned)tm.tm_mon + 1, 2);
	digits(out + 8, (unsigned)tm.tm_mday, 2);
	digits(out + 11, (unsigned)tm.tm_hour, 2);
	digits(out + 14, (unsigned)tm.tm_min, 2);
	digits(out + 17, (unsigned)tm.tm_sec, 2);
	digits(out + 20, (unsigned)(ms % 1000), 3);
}

void customer_db_not_before(long long issued_ms, char out[24])
{
	/* bounds first: issued_ms comes from a token's iat, any 64-bit value the signer wrote */
	long long s = issued_ms / 1000;
	if (s < 0)
		s = -1;
	if (s >= DB_TIME_MAX_MS / 1000)
		s = DB_TIME_MAX_MS / 1000 - 1;
	customer_db_time((s + 1) * 1000, out);
}

long long customer_db_time_ms(const char *ts)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	int ms = 0;
	if (!ts || sscanf(ts, "%4d-%2d-%2d %2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
			  &tm.tm_min, &tm.tm_sec) != 6)
		return -1;
	if (strlen(ts) >= 23 && ts[19] == '.')
		ms = (ts[20] - '0') * 100 + (ts[21] - '0') * 10 + (ts[22] - '0');
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (long long)timegm(&tm) * 1000 + ms;
}

static void ktime(struct env *o, const char *k, const char *ts)
{
	env_key(o, k);
	customer_json_time(o->b, ts);
}

void address_json(struct buf *b, const struct address *a)
{
	struct env o;
	env_object(&o, b);
	env_str(&o, "id", a->id);
	ktime(&o, "created_at", a->created_at);
	ktime(&o, "updated_at", a->updated_at);
	ktime(&o, "deleted_at", a->deleted_at);
	env_str(&o, "customer_id", a->customer_id);
	env_str(&o, "company", a->company);
	env_str(&o, "first_name", a->first_name);
	env_str(&o, "last_name", a->last_name);
	env_str(&o, "address_1", a->address_1);
	env_str(&o, "address_2", a->address_2);
	env_str(&o, "city", a->city);
	env_str(&o, "country_code", a->country_code);
	env_str(&o, "province", a->province);
	env_str(&o, "postal_code", a->postal_code);
	env_str(&o, "phone", a->phone);
	env_raw(&o, "metadata", a->metadata);
	env_end(&o);
}

void customer_json(struct buf *b, const struct customer *c, enum customer_shape shape)
{
	struct env o;
	env_object(&o, b);
	env_str(&o, "id", c->id);
	ktime(&o, "created_at", c->created_at);
	ktime(&o, "updated_at", c->updated_at);
	ktime(&o, "deleted_at", c->deleted_at);
	env_str(&o, "email", c->email);
	env_str(&o, "first_name", c->first_name);
	env_str(&o, "last_name", c->last_name);
	env_str(&o, "billing_address_id", c->billing_address_id);
	env_str(&o, "phone", c->phone);
	env_bool(&o, "has_account", c->has_account);
	env_raw(&o, "metadata", c->metadata);
	if (shape == CUSTOMER_STORE) {
		env_key(&o, "billing_address");
		if (c->billing)
			address_json(b, c->billing);
		else
			buf_add(b, "null", 4);
	}
	if (shape == CUSTOMER_AUTH)
		env_raw(&o, "orders", c->orders_json ? c->orders_json : "[]");
	if (shape != CUSTOMER_BARE) {
		struct env list;
		env_key_list(&o, "shipping_addresses", &list);
		for (size_t i = 0; i < c->nshipping; i++) {
			env_item(&list);
			address_json(b, &c->shipping[i]);
		}
		env_end(&list);
	}
	env_end(&o);
}

void customer_json_wrapped(struct buf *b, const struct customer *c, enum customer_shape shape)
{
	struct env ans;
	env_one(&ans, b, "customer");
	customer_json(b, c, shape);
	env_end(&ans);
}

int customer_revoked(long long issued_ms, const char *credentials_at)
{
	if (!credentials_at)
		return 0;
	long long changed = customer_db_time_ms(credentials_at);
	if (changed < 0) {
		/* fail closed: a time we cannot read might be a change after the credential */
		log_error("unreadable credentials_at \"%.40s\": treating the credential as revoked", credentials_at);
		return 1;
	}
	return issued_ms / 1000 < changed / 1000;
}
