// tests/compat/flow.mjs: drives a running medusa-c stack (BASE_URL) with the official Medusa v1
// client @medusajs/medusa-js 6.1.x, the way a storefront does: register, token login, cookie
// login, profile, metadata merge, billing address, shipping addresses, orders, payment methods,
// account lookup, password-token, session read, logout, password change.
//
// Output: one TAP line "ok - ..." / "not ok - ..." per assertion. After a failing check the
// exchange behind it is printed once as "#" lines, with passwords, tokens and cookie values
// replaced by "<redacted>" (JWT_SECRET and COOKIE_SECRET, when set, are only used to verify
// signatures and are never printed). Exit status 1 if any check failed.
//
// Two client instances, one per credential kind, because medusa-js keeps the JWT from
// auth.getToken() in a module-global manager and adds "Authorization: Bearer" to every later
// /store request of every instance. A browser storefront that only uses cookies never has
// that header, and a bearer would hide what the cookie alone does (e.g. 401 after logout),
// so the cookie client's adapter drops Authorization before the request leaves. The bearer
// client passes the token explicitly in customHeaders as well, as Node callers are told to.
import Medusa from "@medusajs/medusa-js";
import axios from "axios";
import crypto from "node:crypto";
import { isDeepStrictEqual, inspect } from "node:util";

const BASE_URL = process.env.BASE_URL;
const JWT_SECRET = process.env.JWT_SECRET || "";
const COOKIE_SECRET = process.env.COOKIE_SECRET || "";

// ---------------------------------------------------------------------------
// TAP output

let passed = 0;
let failed = 0;
const shown = new WeakSet();

function line(s) {
	process.stdout.write(s + "\n");
}

function diag(text) {
	for (const l of String(text).split("\n"))
		line("#   " + l);
}

// check(cond, name, res, detail): one TAP line; on failure the detail and the exchange.
function check(cond, name, res, detail) {
	if (cond) {
		passed++;
		line("ok - " + name);
		return true;
	}
	failed++;
	line("not ok - " + name);
	if (detail !== undefined)
		diag(detail);
	if (res && res.ex && !shown.has(res.ex)) {
		shown.add(res.ex);
		diag(describe(res.ex));
	}
	return false;
}

// fail(name): a step that could not run because an earlier one failed.
function fail(name) {
	failed++;
	line("not ok - " + name);
}

function eq(actual, expected, name, res) {
	return check(isDeepStrictEqual(actual, expected), name, res,
		"got:  " + show(actual) + "\nwant: " + show(expected));
}

function show(v) {
	return typeof v === "string" ? JSON.stringify(v) : inspect(v, { depth: 6, breakLength: Infinity });
}

// ---------------------------------------------------------------------------
// Recording (and, for the cookie client, bearer-stripping) axios adapter

const httpAdapter = axios.defaults.adapter;
let lastExchange = null;

function adapter(stripBearer) {
	return async (config) => {
		if (stripBearer) {
			for (const k of Object.keys(config.headers))
				if (k.toLowerCase() === "authorization")
					delete config.headers[k];
		}
		const ex = {
			method: String(config.method).toUpperCase(),
			url: (config.baseURL || "") + config.url,
			headers: { ...config.headers },
			body: config.data,
		};
		lastExchange = ex;
		try {
			const res = await httpAdapter(config);
			ex.status = res.status;
			ex.resHeaders = res.headers;
			ex.raw = res.data;
			return res;
		} catch (err) {
			if (err.response) {
				ex.status = err.response.status;
				ex.resHeaders = err.response.headers;
				ex.raw = err.response.data;
			} else {
				ex.error = err.code || err.message;
			}
			throw err;
		}
	};
}

const REDACT = "<redacted>";

function redactBody(body) {
	if (typeof body !== "string" || body === "")
		return body;
	try {
		const o = JSON.parse(body);
		for (const k of ["password", "token", "access_token"])
			if (o && typeof o === "object" && k in o)
				o[k] = REDACT;
		return JSON.stringify(o);
	} catch {
		return body;
	}
}

function redactHeader(name, value) {
	const n = name.toLowerCase();
	if (n === "authorization")
		return String(value).replace(/^(\S+\s+).*$/, "$1" + REDACT);
	if (n === "cookie")
		return String(value).replace(/=[^;]*/g, "=" + REDACT);
	if (n === "set-cookie")
		return [].concat(value).map((c) => c.replace(/^([^=]*)=[^;]*/, "$1=" + REDACT));
	return value;
}

function describe(ex) {
	const out = [">>> " + ex.method + " " + ex.url];
	for (const [k, v] of Object.entries(ex.headers || {}))
		out.push(">>> " + k + ": " + redactHeader(k, v));
	if (ex.body !== undefined && ex.body !== null && ex.body !== "")
		out.push(">>> " + clip(redactBody(ex.body)));
	if (ex.error) {
		out.push("<<< transport error: " + ex.error);
		return out.join("\n");
	}
	out.push("<<< " + ex.status);
	for (const [k, v] of Object.entries(ex.resHeaders || {}))
		out.push("<<< " + k + ": " + [].concat(redactHeader(k, v)).join(" | "));
	if (ex.raw !== undefined && ex.raw !== "")
		out.push("<<< " + clip(redactBody(typeof ex.raw === "string" ? ex.raw : JSON.stringify(ex.raw))));
	return out.join("\n");
}

function clip(s) {
	s = String(s);
	return s.length > 2000 ? s.slice(0, 2000) + "...(" + s.length + " bytes)" : s;
}

// ---------------------------------------------------------------------------
// Calling the client

// call(fn): runs one medusa-js call and returns
//   { status, headers, data, raw, ex }
// data = what medusa-js handed back without its `response` member (for an error: the parsed
// error body), raw = the response body text exactly as received (for key-order checks).
async function call(fn) {
	lastExchange = null;
	try {
		const r = await fn();
		const { response, ...data } = r;
		const ex = lastExchange;
		return { status: response.status, headers: response.headers, data, raw: ex ? ex.raw : undefined, ex };
	} catch (err) {
		const ex = lastExchange;
		if (err && err.response)
			return { status: err.response.status, headers: err.response.headers, data: err.response.data, raw: ex ? ex.raw : undefined, ex };
		return { status: 0, headers: {}, data: undefined, raw: undefined, ex: ex || { method: "?", url: "?", error: String(err && err.message) }, thrown: err };
	}
}

const JSON_CT = "application/json; charset=utf-8";
const TEXT_CT = "text/plain; charset=utf-8";

function expectStatus(res, status, step) {
	return eq(res.status, status, step + ": status " + status, res);
}

function expectJson(res, step) {
	eq(res.headers["content-type"], JSON_CT, step + ": Content-Type " + JSON_CT, res);
}

// ---------------------------------------------------------------------------
// Shapes

const CUSTOMER_KEYS = ["id", "created_at", "updated_at", "deleted_at", "email", "first_name", "last_name",
	"billing_address_id", "phone", "has_account", "metadata"];
const STORE_KEYS = [...CUSTOMER_KEYS, "billing_address", "shipping_addresses"];
const AUTH_KEYS = [...CUSTOMER_KEYS, "orders", "shipping_addresses"];
const ADDRESS_KEYS = ["id", "created_at", "updated_at", "deleted_at", "customer_id", "company", "first_name",
	"last_name", "address_1", "address_2", "city", "country_code", "province", "postal_code", "phone", "metadata"];
const TS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const CUS_RE = /^cus_[0-9A-HJKMNP-TV-Z]{26}$/;
const ADDR_RE = /^addr_[0-9A-HJKMNP-TV-Z]{26}$/;

// rawValue(raw, key): the JSON text of the first "key": value in raw (an object or scalar),
// so key order inside metadata can be checked as sent, before any JS parsing reorders it.
function rawValue(raw, key) {
	if (typeof raw !== "string")
		return undefined;
	const at = raw.indexOf(JSON.stringify(key) + ":");
	if (at < 0)
		return undefined;
	let i = at + JSON.stringify(key).length + 1;
	const start = i;
	let depth = 0, inStr = false;
	for (; i < raw.length; i++) {
		const ch = raw[i];
		if (inStr) {
			if (ch === "\\") i++;
			else if (ch === '"') inStr = false;
			continue;
		}
		if (ch === '"') inStr = true;
		else if (ch === "{" || ch === "[") depth++;
		else if (ch === "}" || ch === "]") {
			if (depth === 0) break;
			depth--;
			if (depth === 0) { i++; break; }
		} else if (ch === "," && depth === 0) break;
	}
	return raw.slice(start, i);
}

// checkCustomer: the common assertions on a {customer} answer.
//   kind "store" (GET/POST /store/customers*) or "auth" (/store/auth*)
//   want: { id, email, ...exact field values }
function checkCustomer(step, res, kind, want) {
	if (!expectStatus(res, 200, step))
		return null;
	expectJson(res, step);
	check(typeof res.raw === "string" && !res.raw.includes("password_hash"), step + ": no password_hash in the body", res);
	const c = res.data && res.data.customer;
	if (!check(c && typeof c === "object", step + ": body has a customer object", res))
		return null;
	eq(Object.keys(res.data), ["customer"], step + ": body has only the customer key", res);
	eq(Object.keys(c), kind === "store" ? STORE_KEYS : AUTH_KEYS, step + ": customer keys in Medusa order (" + kind + " shape)", res);
	if (want.id)
		eq(c.id, want.id, step + ": customer id matches", res);
	else
		check(CUS_RE.test(c.id), step + ": customer id is cus_ + ULID", res, "got: " + show(c.id));
	check(TS_RE.test(c.created_at) && TS_RE.test(c.updated_at), step + ": created_at/updated_at are ISO-8601 with ms and Z", res,
		"got: " + show([c.created_at, c.updated_at]));
	eq(c.deleted_at, null, step + ": deleted_at null", res);
	for (const [k, v] of Object.entries(want))
		if (k !== "id")
			eq(c[k], v, step + ": " + k + " = " + show(v), res);
	return c;
}

function checkAddress(step, res, a, want) {
	if (!check(a && typeof a === "object", step + ": address present", res))
		return;
	eq(Object.keys(a), ADDRESS_KEYS, step + ": address keys in Medusa order", res);
	if (want.id)
		eq(a.id, want.id, step + ": address id matches", res);
	else
		check(ADDR_RE.test(a.id), step + ": address id is addr_ + ULID", res, "got: " + show(a.id));
	for (const [k, v] of Object.entries(want))
		if (k !== "id")
			eq(a[k], v, step + ": address " + k + " = " + show(v), res);
}

function b64urlJson(seg) {
	return Buffer.from(seg.replace(/-/g, "+").replace(/_/g, "/"), "base64").toString("utf8");
}

function cookieFrom(res) {
	const sc = res.headers && res.headers["set-cookie"];
	if (!sc)
		return null;
	const c = [].concat(sc).find((x) => x.startsWith("connect.sid="));
	return c || null;
}

// Checks a Set-Cookie line and returns the "connect.sid=..." pair to send back.
function checkSetCookie(step, res, setCookie) {
	const re = /^connect\.sid=(s%3A[^;.]+\.[^;]+); Path=\/; Expires=([A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT); HttpOnly$/;
	const m = setCookie ? setCookie.match(re) : null;
	check(m, step + ": Set-Cookie is connect.sid=s%3A<sid>.<sig>; Path=/; Expires=<GMT>; HttpOnly", res,
		setCookie ? "got: " + redactHeader("set-cookie", setCookie) : "no Set-Cookie");
	if (!m)
		return setCookie ? setCookie.split(";")[0] : null;
	const ttl = Date.parse(m[2]) - Date.now();
	check(ttl > 10 * 3600e3 - 120e3 && ttl <= 10 * 3600e3 + 5e3, step + ": cookie expires in 10 h", res,
		"expires in " + Math.round(ttl / 1000) + " s");
	if (COOKIE_SECRET) {
		const v = decodeURIComponent(m[1]);
		const dot = v.lastIndexOf(".");
		const sid = v.slice(2, dot), sig = v.slice(dot + 1);
		const want = crypto.createHmac("sha256", COOKIE_SECRET).update(sid).digest("base64").replace(/=+$/, "");
		check(sig === want, step + ": cookie signature is HMAC-SHA256(COOKIE_SECRET, sid), unpadded base64", res);
	}
	return setCookie.split(";")[0];
}

function checkUnauthorized(step, res) {
	expectStatus(res, 401, step);
	eq(res.raw, "Unauthorized", step + ": body Unauthorized", res);
	eq(res.headers["content-type"], TEXT_CT, step + ": Content-Type " + TEXT_CT, res);
}

// ---------------------------------------------------------------------------
// The flow

async function main() {
	if (!BASE_URL) {
		fail("medusa-js: BASE_URL is not set");
		return;
	}
	const bearerClient = new Medusa({ baseUrl: BASE_URL, maxRetries: 0, axiosAdapter: adapter(false) });
	const cookieClient = new Medusa({ baseUrl: BASE_URL, maxRetries: 0, axiosAdapter: adapter(true) });

	const run = Date.now().toString(36) + crypto.randomBytes(3).toString("hex");
	// Mixed case and a "+": medusa-js puts the email into /store/auth/:email without encoding.
	const emailSent = "Compat+" + run + "@Example.COM";
	const email = emailSent.toLowerCase();
	const password = "pw-" + crypto.randomBytes(9).toString("base64url");
	const P = "medusa-js: ";
	let s;

	// 1. register ------------------------------------------------------------
	s = P + "customers.create (register)";
	let res = await call(() => cookieClient.customers.create({
		first_name: "Ada", last_name: "Lovelace", email: emailSent, password, phone: "555-0100",
	}));
	const reg = checkCustomer(s, res, "store", {
		email, first_name: "Ada", last_name: "Lovelace", phone: "555-0100", has_account: true,
		metadata: null, billing_address_id: null, billing_address: null, shipping_addresses: [],
	});
	if (!reg) {
		fail(P + "registration failed, the rest of the flow cannot run");
		return;
	}
	const id = reg.id;
	const regCookieLine = cookieFrom(res);
	const regCookie = checkSetCookie(s, res, regCookieLine);

	s = P + "customers.create again with the same email";
	res = await call(() => cookieClient.customers.create({ email, password: "another-" + password }));
	expectStatus(res, 422, s);
	eq(res.data, { code: "invalid_request_error", type: "duplicate_error", message: "A customer with the given email already has an account. Log in instead" },
		s + ": duplicate_error body", res);

	// 2. token login ---------------------------------------------------------
	s = P + "auth.getToken (token login, email in mixed case)";
	res = await call(() => bearerClient.auth.getToken({ email: emailSent, password }));
	let token = null;
	if (expectStatus(res, 200, s)) {
		expectJson(res, s);
		eq(Object.keys(res.data), ["access_token"], s + ": body is {access_token}", res);
		token = typeof res.data.access_token === "string" ? res.data.access_token : null;
		const parts = token ? token.split(".") : [];
		if (check(parts.length === 3, s + ": access_token is a three-part JWT", res)) {
			eq(b64urlJson(parts[0]), '{"alg":"HS256","typ":"JWT"}', s + ": JWT header", res);
			const payload = b64urlJson(parts[1]);
			const m = payload.match(/^\{"customer_id":"([^"]*)","domain":"store","iat":(\d+),"exp":(\d+)\}$/);
			check(m, s + ": JWT claims are customer_id, domain, iat, exp in that order", res,
				"claims: " + payload.replace(/"customer_id":"[^"]*"/, '"customer_id":"..."'));
			if (m) {
				eq(m[1], id, s + ": JWT customer_id is the registered id", res);
				eq(Number(m[3]) - Number(m[2]), 2592000, s + ": JWT exp = iat + 30 days", res);
				check(Math.abs(Number(m[2]) - Date.now() / 1000) < 120, s + ": JWT iat is now", res);
			}
			if (JWT_SECRET) {
				const sig = crypto.createHmac("sha256", JWT_SECRET).update(parts[0] + "." + parts[1]).digest("base64url");
				check(sig === parts[2], s + ": JWT signed HS256 with JWT_SECRET", res);
			}
		}
		check(!cookieFrom(res), s + ": no session cookie set by token login", res);
	}
	const bearer = token ? { Authorization: "Bearer " + token } : null;

	s = P + "auth.getToken with a wrong password";
	res = await call(() => cookieClient.auth.getToken({ email, password: password + "x" }));
	checkUnauthorized(s, res);

	// 3. cookie login --------------------------------------------------------
	s = P + "auth.authenticate (cookie login)";
	res = await call(() => cookieClient.auth.authenticate({ email: emailSent, password }));
	let cookie = null;
	const authC = checkCustomer(s, res, "auth", {
		id, email, first_name: "Ada", last_name: "Lovelace", phone: "555-0100", has_account: true,
		metadata: null, orders: [], shipping_addresses: [],
	});
	if (authC) {
		cookie = checkSetCookie(s, res, cookieFrom(res));
		if (regCookie && cookie)
			check(cookie !== regCookie, s + ": a new session, not the registration's", res);
	}
	const withCookie = cookie ? { Cookie: cookie } : null;

	s = P + "auth.authenticate with a wrong password";
	res = await call(() => cookieClient.auth.authenticate({ email, password: password + "x" }));
	checkUnauthorized(s, res);

	s = P + "auth.authenticate with an invalid email";
	res = await call(() => cookieClient.auth.authenticate({ email: "not-an-email", password }));
	expectStatus(res, 400, s);
	eq(res.data, { type: "invalid_data", message: "email must be an email" }, s + ": invalid_data body", res);

	// 4. me ------------------------------------------------------------------
	const storeBase = { id, email, first_name: "Ada", last_name: "Lovelace", phone: "555-0100", has_account: true };
	if (bearer) {
		s = P + "customers.retrieve with the bearer token";
		res = await call(() => bearerClient.customers.retrieve(bearer));
		checkCustomer(s, res, "store", { ...storeBase, metadata: null, billing_address: null, shipping_addresses: [] });
	} else {
		fail(P + "customers.retrieve with the bearer token: no token (token login failed)");
	}
	if (withCookie) {
		s = P + "customers.retrieve with the login cookie";
		res = await call(() => cookieClient.customers.retrieve(withCookie));
		checkCustomer(s, res, "store", { ...storeBase, metadata: null });
	} else {
		fail(P + "customers.retrieve with the login cookie: no cookie (cookie login failed)");
	}
	if (regCookie) {
		s = P + "customers.retrieve with the registration cookie";
		res = await call(() => cookieClient.customers.retrieve({ Cookie: regCookie }));
		checkCustomer(s, res, "store", { id, email });
	}
	s = P + "customers.retrieve without credentials";
	res = await call(() => cookieClient.customers.retrieve());
	checkUnauthorized(s, res);

	// The rest of the profile steps use the bearer client, or the cookie when there is no token.
	const auth = bearer || withCookie;
	const client = bearer ? bearerClient : cookieClient;
	if (!auth) {
		fail(P + "neither token nor cookie login worked, the rest of the flow cannot run");
		return;
	}

	// 5. update: metadata merge, billing address -----------------------------
	s = P + "customers.update metadata (new keys)";
	res = await call(() => client.customers.update({ first_name: "Augusta", metadata: { keep: true, b: "1", gone: "x", a: 2 } }, auth));
	let c = checkCustomer(s, res, "store", { ...storeBase, first_name: "Augusta", metadata: { a: 2, b: "1", gone: "x", keep: true } });
	if (c) {
		eq(rawValue(res.raw, "metadata"), '{"a":2,"b":"1","gone":"x","keep":true}', s + ": metadata key order on the wire (jsonb order)", res);
		check(c.updated_at > reg.updated_at, s + ": updated_at moved forward", res, "got: " + show([reg.updated_at, c.updated_at]));
	}

	s = P + "customers.update metadata merge (\"\" removes a key)";
	res = await call(() => client.customers.update({ metadata: { gone: "", c: null, a: 3 } }, auth));
	c = checkCustomer(s, res, "store", { ...storeBase, first_name: "Augusta", metadata: { a: 3, b: "1", c: null, keep: true } });
	if (c)
		eq(rawValue(res.raw, "metadata"), '{"a":3,"b":"1","c":null,"keep":true}', s + ": metadata key order on the wire", res);

	s = P + "customers.update metadata null changes nothing";
	res = await call(() => client.customers.update({ metadata: null }, auth));
	checkCustomer(s, res, "store", { id, metadata: { a: 3, b: "1", c: null, keep: true } });

	const billing = {
		first_name: "Ada", last_name: "Lovelace", address_1: "12 Analytical Row", city: "London",
		country_code: "GB", postal_code: "N1 9GU", phone: "555-0101",
	};
	s = P + "customers.update billing_address (object, creates it)";
	res = await call(() => client.customers.update({ billing_address: billing }, auth));
	c = checkCustomer(s, res, "store", { id, email, shipping_addresses: [] });
	let billingId = null;
	if (c) {
		checkAddress(s, res, c.billing_address, {
			...billing, country_code: "gb", customer_id: null, company: null, address_2: null, province: null, metadata: null,
		});
		billingId = c.billing_address ? c.billing_address.id : null;
		eq(c.billing_address_id, billingId, s + ": billing_address_id = billing_address.id", res);
	}

	s = P + "customers.update billing_address (partial update)";
	const before = c;
	res = await call(() => client.customers.update({ billing_address: { city: "Cambridge", province: "Cambs" } }, auth));
	c = checkCustomer(s, res, "store", { id, billing_address_id: billingId, shipping_addresses: [] });
	if (c) {
		checkAddress(s, res, c.billing_address, {
			...billing, id: billingId, country_code: "gb", city: "Cambridge", province: "Cambs", customer_id: null,
		});
		if (before)
			eq(c.updated_at, before.updated_at, s + ": customer updated_at unchanged (only the address row changed)", res);
	}

	s = P + "customers.update billing_address unknown country";
	res = await call(() => client.customers.update({ billing_address: { country_code: "zz" } }, auth));
	expectStatus(res, 404, s);
	eq(res.data, { type: "not_found", message: "Country with country_code zz does not exist." }, s + ": not_found body", res);

	s = P + "customers.update last_name and phone";
	res = await call(() => client.customers.update({ last_name: "King", phone: "555-0199" }, auth));
	c = checkCustomer(s, res, "store", { id, email, first_name: "Augusta", last_name: "King", phone: "555-0199", billing_address_id: billingId });
	const profile = { id, email, first_name: "Augusta", last_name: "King", phone: "555-0199", has_account: true };

	// 6. shipping addresses --------------------------------------------------
	const addr1 = { first_name: "Ada", last_name: "King", address_1: "1 Main St", city: "New York", country_code: "US", postal_code: "10001", province: "ny" };
	const addr2 = { first_name: "Ada", last_name: "King", address_1: "2 Side St", address_2: "Apt 4", city: "Boston", country_code: "us", postal_code: "02108", company: "Engines Ltd" };
	let id1 = null, id2 = null;

	s = P + "addresses.addAddress (first)";
	res = await call(() => client.customers.addresses.addAddress({ address: addr1 }, auth));
	c = checkCustomer(s, res, "store", { ...profile, billing_address_id: billingId });
	if (c && eq(c.shipping_addresses.length, 1, s + ": shipping_addresses length 1", res)) {
		const a = c.shipping_addresses[0];
		checkAddress(s, res, a, { ...addr1, country_code: "us", customer_id: id, company: null, address_2: null, phone: null, metadata: null });
		id1 = a.id;
		check(c.billing_address && c.billing_address.id === billingId, s + ": billing address unchanged", res);
	}

	s = P + "addresses.addAddress (second)";
	res = await call(() => client.customers.addresses.addAddress({ address: addr2 }, auth));
	c = checkCustomer(s, res, "store", profile);
	if (c && eq(c.shipping_addresses.length, 2, s + ": shipping_addresses length 2", res)) {
		const a = c.shipping_addresses.find((x) => x.id !== id1);
		checkAddress(s, res, a, { ...addr2, customer_id: id, province: null, phone: null, metadata: null });
		id2 = a ? a.id : null;
		check(c.shipping_addresses.some((x) => x.id === id1), s + ": first address still listed", res);
	}

	s = P + "addresses.addAddress without required fields";
	res = await call(() => client.customers.addresses.addAddress({ address: { first_name: "X" } }, auth));
	expectStatus(res, 400, s);
	eq(res.data, { type: "invalid_data", message: "last_name must be a string, address_1 must be a string, city must be a string, country_code must be a string, postal_code must be a string" },
		s + ": invalid_data body", res);

	if (id1) {
		s = P + "addresses.updateAddress";
		res = await call(() => client.customers.addresses.updateAddress(id1, { city: "Brooklyn", country_code: "US", metadata: { floor: 3 } }, auth));
		c = checkCustomer(s, res, "store", profile);
		if (c && eq(c.shipping_addresses.length, 2, s + ": shipping_addresses length 2", res)) {
			const a = c.shipping_addresses.find((x) => x.id === id1);
			checkAddress(s, res, a, { ...addr1, id: id1, city: "Brooklyn", country_code: "us", customer_id: id, metadata: { floor: 3 } });
		}
	} else {
		fail(P + "addresses.updateAddress: no address to update (addAddress failed)");
	}

	if (billingId) {
		s = P + "addresses.updateAddress on the billing address (not a shipping address)";
		res = await call(() => client.customers.addresses.updateAddress(billingId, { city: "Oxford" }, auth));
		expectStatus(res, 400, s);
		eq(res.data, { type: "invalid_data", message: "Could not find address for customer" }, s + ": invalid_data body", res);
	}

	if (id2) {
		s = P + "addresses.deleteAddress";
		res = await call(() => client.customers.addresses.deleteAddress(id2, auth));
		c = checkCustomer(s, res, "store", { ...profile, billing_address_id: billingId });
		if (c && eq(c.shipping_addresses.length, 1, s + ": shipping_addresses length 1", res))
			eq(c.shipping_addresses[0].id, id1, s + ": the remaining address is the first one", res);

		s = P + "addresses.deleteAddress again (idempotent)";
		res = await call(() => client.customers.addresses.deleteAddress(id2, auth));
		c = checkCustomer(s, res, "store", profile);
		if (c)
			eq(c.shipping_addresses.length, 1, s + ": shipping_addresses length 1", res);
	} else {
		fail(P + "addresses.deleteAddress: no address to delete (addAddress failed)");
	}

	// 7. orders, payment methods ---------------------------------------------
	const orderCases = [
		["customers.listOrders()", undefined, 10, 0],
		["customers.listOrders({status: [completed, canceled]})", { status: ["completed", "canceled"] }, 10, 0],
		["customers.listOrders({status: completed})", { status: "completed" }, 10, 0],
		["customers.listOrders({limit: 5, offset: 2})", { limit: 5, offset: 2 }, 5, 2],
	];
	for (const [name, params, limit, offset] of orderCases) {
		s = P + name;
		res = await call(() => client.customers.listOrders(params, auth));
		if (expectStatus(res, 200, s)) {
			expectJson(res, s);
			eq(res.raw, '{"orders":[],"count":0,"offset":' + offset + ',"limit":' + limit + "}", s + ": body exactly", res);
		}
	}
	s = P + "customers.listOrders({status: [bogus]})";
	res = await call(() => client.customers.listOrders({ status: ["bogus"] }, auth));
	expectStatus(res, 400, s);
	eq(res.data, { type: "invalid_data", message: "each value in status must be one of the following values: pending, completed, archived, canceled, requires_action" },
		s + ": invalid_data body", res);

	s = P + "customers.paymentMethods.list";
	res = await call(() => client.customers.paymentMethods.list(auth));
	if (expectStatus(res, 200, s)) {
		expectJson(res, s);
		eq(res.raw, '{"payment_methods":[]}', s + ": body exactly", res);
	}

	// 8. account lookup, password token --------------------------------------
	for (const [name, arg, want] of [
		["auth.exists(email as registered, mixed case with +)", emailSent, true],
		["auth.exists(email lower-case)", email, true],
		["auth.exists(unknown email)", "nobody." + run + "@example.com", false],
	]) {
		s = P + name;
		res = await call(() => cookieClient.auth.exists(arg));
		if (expectStatus(res, 200, s)) {
			expectJson(res, s);
			eq(res.raw, '{"exists":' + want + "}", s + ": body exactly", res);
		}
	}

	for (const [name, arg] of [["customers.generatePasswordToken", emailSent], ["customers.generatePasswordToken (unknown email)", "nobody." + run + "@example.com"]]) {
		s = P + name;
		res = await call(() => cookieClient.customers.generatePasswordToken({ email: arg }));
		expectStatus(res, 204, s);
		check(res.raw === "" || res.raw === undefined, s + ": empty body", res, "got: " + show(res.raw));
	}
	s = P + "customers.generatePasswordToken (invalid email)";
	res = await call(() => cookieClient.customers.generatePasswordToken({ email: "nope" }));
	expectStatus(res, 400, s);
	eq(res.data, { type: "invalid_data", message: "email must be an email" }, s + ": invalid_data body", res);

	s = P + "customers.resetPassword with a bogus token";
	res = await call(() => cookieClient.customers.resetPassword({ email, token: "bogus", password: "whatever" }));
	expectStatus(res, 401, s);
	eq(res.raw, '{"type":"unauthorized","message":"Invalid or expired password reset token"}', s + ": body exactly", res);

	// 9. session read, logout ------------------------------------------------
	const shipCount = id1 ? 1 : undefined;
	if (withCookie) {
		s = P + "auth.getSession with the cookie";
		res = await call(() => cookieClient.auth.getSession(withCookie));
		c = checkCustomer(s, res, "auth", { ...profile, billing_address_id: billingId, orders: [] });
		if (c && shipCount !== undefined && eq(c.shipping_addresses.length, shipCount, s + ": shipping_addresses length 1", res))
			eq(c.shipping_addresses[0].id, id1, s + ": shipping address id matches", res);
	}
	if (bearer) {
		s = P + "auth.getSession with the bearer token";
		res = await call(() => bearerClient.auth.getSession(bearer));
		checkCustomer(s, res, "auth", { ...profile, orders: [] });
	}

	if (withCookie) {
		s = P + "auth.deleteSession (logout)";
		res = await call(() => cookieClient.auth.deleteSession(withCookie));
		expectStatus(res, 200, s);
		eq(res.raw, "OK", s + ": body OK", res);
		eq(res.headers["content-type"], TEXT_CT, s + ": Content-Type " + TEXT_CT, res);

		s = P + "auth.getSession with the logged-out cookie";
		res = await call(() => cookieClient.auth.getSession(withCookie));
		checkUnauthorized(s, res);

		s = P + "customers.retrieve with the logged-out cookie";
		res = await call(() => cookieClient.customers.retrieve(withCookie));
		checkUnauthorized(s, res);

		if (regCookie) {
			s = P + "customers.retrieve with the registration cookie after the other session's logout";
			res = await call(() => cookieClient.customers.retrieve({ Cookie: regCookie }));
			checkCustomer(s, res, "store", { id, email });
		}
		if (bearer) {
			s = P + "auth.getSession with the bearer token after logout (tokens are stateless)";
			res = await call(() => bearerClient.auth.getSession(bearer));
			checkCustomer(s, res, "auth", { id, email });
		}
	} else {
		fail(P + "auth.deleteSession: no cookie (cookie login failed)");
	}

	s = P + "auth.deleteSession without a cookie";
	res = await call(() => cookieClient.auth.deleteSession());
	expectStatus(res, 200, s);
	eq(res.raw, "OK", s + ": body OK", res);

	// 10. password change (API.md section 3: revokes older sessions and tokens) ---------
	// The token login above happened seconds ago; wait past the second boundary so the
	// revocation rule (issued before the change) applies unambiguously to it.
	await new Promise((r) => setTimeout(r, 1100));
	const newPassword = password + "-2";
	s = P + "customers.update password";
	res = await call(() => client.customers.update({ password: newPassword }, auth));
	checkCustomer(s, res, "store", profile);

	if (bearer) {
		s = P + "customers.retrieve with the token issued before the password change";
		res = await call(() => bearerClient.customers.retrieve(bearer));
		checkUnauthorized(s, res);
	}
	if (regCookie) {
		s = P + "customers.retrieve with the session cookie created before the password change";
		res = await call(() => cookieClient.customers.retrieve({ Cookie: regCookie }));
		checkUnauthorized(s, res);
	}
	s = P + "auth.getToken with the old password";
	res = await call(() => cookieClient.auth.getToken({ email, password }));
	checkUnauthorized(s, res);

	s = P + "auth.getToken with the new password";
	res = await call(() => bearerClient.auth.getToken({ email, password: newPassword }));
	const token2 = res.status === 200 && res.data ? res.data.access_token : null;
	expectStatus(res, 200, s);
	if (token2) {
		s = P + "customers.retrieve with the token issued right after the password change";
		res = await call(() => bearerClient.customers.retrieve({ Authorization: "Bearer " + token2 }));
		checkCustomer(s, res, "store", { ...profile, billing_address_id: billingId });
	}
	s = P + "auth.authenticate with the new password";
	res = await call(() => cookieClient.auth.authenticate({ email, password: newPassword }));
	if (checkCustomer(s, res, "auth", profile)) {
		const c3 = cookieFrom(res);
		if (check(c3, s + ": Set-Cookie present", res)) {
			s = P + "auth.getSession with the cookie created right after the password change";
			res = await call(() => cookieClient.auth.getSession({ Cookie: c3.split(";")[0] }));
			checkCustomer(s, res, "auth", profile);
		}
	}
}

// The catalogue as a storefront reads it: products.list / retrieve / search and
// products.variants.list / retrieve (the product and variant routes, cgi/products.c).
async function catalogueProducts() {
	const client = new Medusa({ baseUrl: BASE_URL, maxRetries: 0, axiosAdapter: adapter(true) });
	const P = "medusa-js catalogue: ";
	let s = P + "products.list({limit: 2})";
	let res = await call(() => client.products.list({ limit: 2 }));
	expectStatus(res, 200, s);
	expectJson(res, s);
	const list = res.data || {};
	check(Array.isArray(list.products) && typeof list.count === "number" && list.offset === 0 && list.limit === 2,
		s + ": products array, count, offset 0, limit 2", res, "got: " + show(Object.keys(list)));
	check(typeof res.raw === "string" && res.raw.startsWith('{"products":[') &&
		/\],"count":\d+,"offset":0,"limit":2\}$/.test(res.raw), s + ": envelope key order products,count,offset,limit", res);
	s = P + "products.search({q})";
	res = await call(() => client.products.search({ q: "shirt" }));
	expectStatus(res, 200, s);
	eq(res.data, { hits: [] }, s + ": no search engine, no hits", res);
	s = P + "products.retrieve(unknown id)";
	res = await call(() => client.products.retrieve("prod_compat_nope"));
	expectStatus(res, 404, s);
	eq(res.data, { type: "not_found", message: "Product with id: prod_compat_nope was not found" }, s + ": Medusa's 404", res);
	s = P + "products.list with an unknown parameter";
	res = await call(() => client.products.list({ nope: 1 }));
	expectStatus(res, 400, s);
	eq(res.data, { type: "invalid_data", message: "property nope should not exist" }, s + ": class-validator's message", res);
	if (!list.products || !list.products.length) {
		line("# skip " + P + "retrieve/variants: the stack has no products");
		return;
	}
	const p0 = list.products[0];
	s = P + "products.retrieve(id)";
	res = await call(() => client.products.retrieve(p0.id));
	expectStatus(res, 200, s);
	check(res.data && res.data.product && res.data.product.id === p0.id, s + ": the same product", res);
	const v0 = p0.variants && p0.variants[0];
	if (!check(v0 && typeof v0.id === "string", s + ": the list's first product has variants", res))
		return;
	s = P + "products.list({id: [id], currency_code: eur})";
	res = await call(() => client.products.list({ id: [p0.id], currency_code: "eur" }));
	expectStatus(res, 200, s);
	const pv = res.data && res.data.products && res.data.products[0] && res.data.products[0].variants[0];
	check(res.data && res.data.count === 1 && pv && pv.prices.every((x) => x.currency_code === "eur" && x.variant_id === pv.id),
		s + ": one product, its prices narrowed to eur with variant_id", res);
	s = P + "products.variants.list({ids})";
	res = await call(() => client.products.variants.list({ ids: v0.id }));
	expectStatus(res, 200, s);
	check(res.data && Array.isArray(res.data.variants) && res.data.variants.length === 1 && res.data.variants[0].id === v0.id &&
		!("count" in res.data), s + ": {variants} with that one variant, no count", res);
	s = P + "products.variants.retrieve(id)";
	res = await call(() => client.products.variants.retrieve(v0.id));
	expectStatus(res, 200, s);
	check(res.data && res.data.variant && res.data.variant.id === v0.id && res.data.variant.product &&
		res.data.variant.product.id === p0.id, s + ": the variant with its product", res);
}

// The rest of the catalogue a storefront reads (cgi/regions.c, collections.c, categories.c,
// product_tags.c, product_types.c, shipping_options.c, return_reasons.c, gift_cards.c): every
// method of those resources, on the suite's stack (store-seed.json + the extras fixture).
async function catalogueTaxonomy() {
	const client = new Medusa({ baseUrl: BASE_URL, maxRetries: 0, axiosAdapter: adapter(true) });
	const P = "medusa-js catalogue: ";
	let s = P + "regions.list()";
	let res = await call(() => client.regions.list());
	expectStatus(res, 200, s);
	const regions = (res.data && res.data.regions) || [];
	check(typeof res.raw === "string" && /^\{"regions":\[.*\],"count":\d+,"limit":100,"offset":0\}$/.test(res.raw),
		s + ": envelope regions,count,limit,offset", res);
	const eu = regions.find((r) => r.name === "EU");
	check(eu && Array.isArray(eu.countries) && eu.currency && eu.currency.code === "eur" &&
		eu.payment_providers.length && eu.fulfillment_providers.length, s + ": EU with countries, currency, providers", res);
	if (eu) {
		s = P + "regions.retrieve(id)";
		res = await call(() => client.regions.retrieve(eu.id));
		expectStatus(res, 200, s);
		eq(res.data && res.data.region, eu, s + ": the region as the list shows it", res);
	}
	s = P + "regions.retrieve(unknown id)";
	res = await call(() => client.regions.retrieve("reg_compat_nope"));
	expectStatus(res, 404, s);
	eq(res.data, { type: "not_found", message: "Region with reg_compat_nope was not found" }, s + ": Medusa's 404", res);

	s = P + "collections.list({limit: 5})";
	res = await call(() => client.collections.list({ limit: 5 }));
	expectStatus(res, 200, s);
	check(typeof res.raw === "string" && /\],"count":\d+,"limit":5,"offset":0\}$/.test(res.raw), s + ": envelope", res);
	const col = res.data && res.data.collections && res.data.collections[0];
	if (col) {
		s = P + "collections.retrieve(id)";
		res = await call(() => client.collections.retrieve(col.id));
		expectStatus(res, 200, s);
		eq(res.data && res.data.collection, col, s + ": the collection", res);
	}
	s = P + "collections.retrieve(unknown id)";
	res = await call(() => client.collections.retrieve("pcol_compat_nope"));
	expectStatus(res, 404, s);

	s = P + "productCategories.list({parent_category_id: null})";
	res = await call(() => client.productCategories.list({ parent_category_id: "null" }));
	expectStatus(res, 200, s);
	check(typeof res.raw === "string" && /^\{"count":\d+,"offset":0,"limit":100,"product_categories":\[/.test(res.raw),
		s + ": envelope count,offset,limit,product_categories", res);
	const cat = res.data && res.data.product_categories && res.data.product_categories[0];
	if (cat) {
		s = P + "productCategories.retrieve(id, {expand})";
		res = await call(() => client.productCategories.retrieve(cat.id, { expand: "category_children" }));
		expectStatus(res, 200, s);
		check(res.data && res.data.product_category && res.data.product_category.id === cat.id &&
			Array.isArray(res.data.product_category.category_children) && !("parent_category" in res.data.product_category),
			s + ": the category with only the relation asked for", res);
	}

	s = P + "productTags.list({value: [summer]})";
	res = await call(() => client.productTags.list({ value: ["summer"] }));
	expectStatus(res, 200, s);
	check(res.data && res.data.count === 1 && res.data.product_tags[0].value === "summer", s + ": one tag", res);
	s = P + "productTypes.list({order: value})";
	res = await call(() => client.productTypes.list({ order: "value" }));
	expectStatus(res, 200, s);
	check(res.data && Array.isArray(res.data.product_types) && res.data.limit === 20 &&
		res.data.product_types.map((t) => t.value).join() === res.data.product_types.map((t) => t.value).sort().join(),
		s + ": sorted by value", res);

	if (eu) {
		s = P + "shippingOptions.list({region_id})";
		res = await call(() => client.shippingOptions.list({ region_id: eu.id }));
		expectStatus(res, 200, s);
		const opts = (res.data && res.data.shipping_options) || [];
		check(opts.length > 0 && opts.every((o) => o.region_id === eu.id &&
			o.price_incl_tax === o.amount + o.tax_amount && Array.isArray(o.tax_rates)),
			s + ": the region's options, priced", res);
	}

	s = P + "returnReasons.list()";
	res = await call(() => client.returnReasons.list());
	expectStatus(res, 200, s);
	const rr = res.data && res.data.return_reasons && res.data.return_reasons[0];
	if (check(rr && Array.isArray(rr.return_reason_children), s + ": top-level reasons with children", res)) {
		s = P + "returnReasons.retrieve(id)";
		res = await call(() => client.returnReasons.retrieve(rr.id));
		expectStatus(res, 200, s);
		eq(res.data && res.data.return_reason, rr, s + ": the reason", res);
	}

	s = P + "giftCards.retrieve(unknown code)";
	res = await call(() => client.giftCards.retrieve("AAAA-BBBB-CCCC-DDDD"));
	expectStatus(res, 404, s);
	eq(res.data, { type: "not_found", message: "Gift card with code: AAAA-BBBB-CCCC-DDDD was not found" },
		s + ": Medusa's 404", res);
	s = P + "giftCards.retrieve(code)";
	res = await call(() => client.giftCards.retrieve("7UB2-8KP7-HVHM-UK23"));
	expectStatus(res, 200, s);
	check(res.data && res.data.gift_card && res.data.gift_card.code === "7UB2-8KP7-HVHM-UK23" &&
		res.data.gift_card.region && res.data.gift_card.region.name === "NA", s + ": the NA card with its region", res);
}

try {
	await main();
	await catalogueProducts();
	await catalogueTaxonomy();
} catch (err) {
	failed++;
	line("not ok - medusa-js: the flow threw " + (err && err.name) + ": " + (err && err.message));
	if (lastExchange)
		diag(describe(lastExchange));
}
line("# medusa-js flow: " + passed + " passed, " + failed + " failed");
process.exitCode = failed ? 1 : 0;
